"""The ``personal_data`` check: names with identifiers in copy (see ``assistant/privacy/people.py``).
Reads each segment's original text: capitals tell names apart, so the folded text will not do."""

from __future__ import annotations

from assistant.compliance.checks import Context, finding
from assistant.compliance.models import Finding
from assistant.compliance.rulemodels import PersonalDataRule


def check_personal_data(rule: PersonalDataRule, ctx: Context, prepared) -> list[Finding]:
    from assistant.privacy.people import find_people

    out = []
    for seg in ctx.segments(rule.fields):
        for person in find_people(seg.text, rule.window):
            out.append(finding(rule, seg, person.start, person.end, matched=person.name,
                               message=f"{rule.message} ({', '.join(sorted(set(person.kinds)))})"))
    return out
