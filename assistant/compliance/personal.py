"""The ``personal_data`` check: names with identifiers in copy (see ``assistant/privacy/people.py``).
Reads each segment's original text: capitals tell names apart, so the folded text will not do."""

from __future__ import annotations

from bisect import bisect_right

from assistant.compliance.checks import Context, finding
from assistant.compliance.models import Finding
from assistant.compliance.rulemodels import PersonalDataRule


def check_personal_data(rule: PersonalDataRule, ctx: Context, prepared) -> list[Finding]:
    from assistant.privacy.clues import may_identify

    text, starts, segs = ctx.joined(rule.fields, folded=False)  # one pass; a person sits on one line
    if not may_identify(text):
        return []
    from assistant.privacy.people import people_in  # its patterns compile on import

    out = []
    for person in people_in(text, rule.window):
        i = bisect_right(starts, person.start) - 1
        seg, at = segs[i], starts[i]
        out.append(finding(rule, seg, person.start - at, min(person.end - at, len(seg.text)), matched=person.name,
                           message=f"{rule.message} ({', '.join(sorted(set(person.kinds)))})"))
    return out
