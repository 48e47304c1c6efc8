"""The checker: runs every applicable rule over a draft's fields or pasted copy.

Order: term rules (one automaton pass per field), the other rule types, quality checks, grounding
(when facts are given), then the optional model-judged pass. Deterministic rules always run; the
model only adds findings, marked ``model_judged``.

Spans are offsets in the text that was checked: for ``check_fields`` the field's own text (the
finding names the field), for ``check_text`` the whole pasted text.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assistant.channels import channel_spec
from assistant.compliance.checks import CHECKS, Context, finding, prepare, start_prefixes
from assistant.compliance.document import Document, FieldValue, from_fields, split_labelled
from assistant.compliance.field_language import check_field_languages, kept_names
from assistant.compliance.loader import brand_rules, shipped_rules
from assistant.compliance.mixed import CLAIM_TYPES, english_segments
from assistant.compliance.models import CheckReport, Finding, score_for
from assistant.compliance.quality import check_language, check_texts
from assistant.compliance.repeats import check_repeats
from assistant.compliance.rulemodels import ExistenceRule, SubstitutionRule, anchors_of
from assistant.compliance.terms import AnchorIndex, TermIndex
from assistant.locales import resolve_language, resolve_market

if TYPE_CHECKING:
    from assistant.brand import BrandKit
    from assistant.compliance.judge import ModelJudge

NOT_PROSE = {"search_keywords", "hashtags", "paths"}
# a finding of the first category covers one of the second inside its span: the wording is one claim,
# named by the more specific category ("100% safe" is a safety guarantee, not an absolute term)
COVERS = {"guarantee_claim": {"absolute_claim"}, "unsubstantiated_superlative": {"absolute_claim"},
          "medical_claim": {"absolute_claim"}, "false_urgency": {"absolute_claim"}}
MAX_FIELD_CHARS = 20_000  # a longer field is checked up to here, with a finding saying so (bounds the time)
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass
class Plan:
    """What runs for one language/market/channel/platform, compiled once and reused."""

    index: TermIndex
    term_rules: list
    active: set[int]  # indexes into term_rules that apply here
    others: list  # the other rule types that apply here, as (rule, check function)
    anchors: AnchorIndex  # which of ``others`` can match a text
    gated: set[int]  # indexes into ``others`` that run only when one of their anchors occurs
    prefixed: dict[int, str]  # indexes into ``others`` whose matches start with a literal prefix -> rule id
    chinese: bool = False
    compiled: dict[int, Any] = field(default_factory=dict)  # what each rule compiled, on its first run

    def prepared(self, i: int) -> Any:
        """What rule ``i`` of ``others`` compiled: done on first use, so a gated rule whose anchors never
        occur costs nothing (start-up of ``review``)."""
        if i not in self.compiled:
            self.compiled[i] = prepare(self.others[i][0], self.chinese)
        return self.compiled[i]


class Checker:
    def __init__(self, rules: tuple | list | None = None, *, judge: ModelJudge | None = None,
                 brand: BrandKit | None = None, quality: bool = True, max_field_chars: int = MAX_FIELD_CHARS):
        """``rules``: default every shipped rule. ``brand``: a default brand kit whose banned terms
        apply when a call gives none. ``judge``: the optional model-judged pass."""
        self.rules = tuple(rules) if rules is not None else shipped_rules()
        self.judge = judge
        self.brand = brand
        self.quality = quality
        self.max_field_chars = max_field_chars
        self._indexes: dict[tuple, tuple[TermIndex, list]] = {}
        self._plans: dict[tuple, Plan] = {}
        self._brand_rules: dict[tuple, tuple] = {}
        self._locales: dict[tuple[str, str], tuple] = {}  # (lang, market) as given -> resolved

    # ---- entry points ---------------------------------------------------------------------
    def check_fields(
        self, fields: dict[str, FieldValue], *, lang: str, market: str, channel: str = "listing",
        platform: str | None = None, facts: dict[str, Any] | None = None, brand: BrandKit | None = None,
        support: list[str] | None = None,
    ) -> CheckReport:
        return self._check(from_fields(fields), lang, market, channel, platform, facts, brand, support)

    def check_text(
        self, text: str, *, lang: str, market: str, channel: str = "listing", platform: str | None = None,
        facts: dict[str, Any] | None = None, brand: BrandKit | None = None, support: list[str] | None = None,
    ) -> CheckReport:
        spec = channel_spec(channel)
        doc = split_labelled(text, channel, frozenset(spec.limits(self._platform(spec, platform))))
        return self._check(doc, lang, market, channel, platform, facts, brand, support)

    def propose_fixes(self, text: str, report: CheckReport, *, lang: str, channel: str = "listing",
                      platform: str | None = None, brand: BrandKit | None = None):
        """Proposed edits for a ``check_text`` report, as a ``FixProposal`` with a unified diff. Nothing
        is applied: the reviewer accepts or rejects the proposal."""
        from assistant.compliance.fixes import propose

        brand = brand or self.brand
        kinds = {r.id: r.fix for r in self._rules_for(brand) if getattr(r, "fix", None)}
        return propose(text, report, lang=resolve_language(lang).code, channel=channel, platform=platform,
                       brand=brand, fix_kinds=kinds)

    # ---- internals ------------------------------------------------------------------------
    @staticmethod
    def _platform(spec, platform: str | None) -> str | None:
        """Platform limits apply when the channel knows the platform; otherwise channel defaults."""
        return platform if platform in spec.platforms else None

    def _rules_for(self, brand: BrandKit | None) -> tuple:
        if brand is None:
            return self.rules
        key = (brand.id, tuple((b.term, b.lang, b.replacement) for b in brand.banned_terms))
        if key not in self._brand_rules:
            self._brand_rules[key] = self.rules + brand_rules(brand)
        return self._brand_rules[key]

    def _term_index(self, lang: str, rules: tuple) -> tuple[TermIndex, list]:
        key = (lang, id(rules))
        if key not in self._indexes:
            term_rules = [r for r in rules if isinstance(r, (ExistenceRule, SubstitutionRule))
                          and ("*" in r.languages or lang in r.languages)]
            self._indexes[key] = (TermIndex(term_rules, chinese=lang.startswith("zh")), term_rules)
        return self._indexes[key]

    def _plan(self, lang: str, market: str, channel: str, platform: str | None, rules: tuple) -> Plan:
        key = (lang, market, channel, platform, id(rules))
        if key not in self._plans:
            index, term_rules = self._term_index(lang, rules)
            applicable = [r for r in rules if r.applies(lang, market, channel, platform)]
            ids = set(map(id, applicable))
            others = [r for r in applicable if r.type in CHECKS]
            anchors = {i: anchors_of(r) for i, r in enumerate(others) if anchors_of(r)}
            chinese = lang.startswith("zh")
            starts = {i: start_prefixes(r) for i, r in enumerate(others) if start_prefixes(r)}
            self._plans[key] = Plan(
                index=index, term_rules=term_rules, active={i for i, r in enumerate(term_rules) if id(r) in ids},
                others=[(r, CHECKS[r.type]) for r in others], chinese=chinese,
                anchors=AnchorIndex(anchors, chinese=chinese, starts=starts), gated=set(anchors),
                prefixed={i: others[i].id for i in starts},
            )
        return self._plans[key]

    def _check(self, doc: Document, lang: str, market: str, channel: str, platform: str | None,
               facts, brand, support) -> CheckReport:
        if (lang, market) not in self._locales:
            self._locales[lang, market] = (resolve_language(lang), resolve_market(market))
        language, market = self._locales[lang, market]
        spec = channel_spec(channel)
        brand = brand or self.brand
        rules = self._rules_for(brand)
        ctx = Context(doc, language.code, market, channel, platform, chinese=language.code.startswith("zh"),
                      facts=facts, support=support, spec_platform=self._platform(spec, platform))
        plan = self._plan(language.code, market, channel, platform, rules)
        findings = _cap(doc, self.max_field_chars) + self._rules(ctx, plan)
        mixed = []
        if language.code != "en":  # English sentences in other copy: English rules too
            mixed = english_segments(doc)
            if mixed:
                sub = Document(mixed, doc.fields, doc.from_fields)
                sub_ctx = Context(sub, "en", market, channel, platform, chinese=False, facts=facts, support=support,
                                  spec_platform=ctx.spec_platform)
                findings += self._rules(sub_ctx, self._plan("en", market, channel, platform, rules), CLAIM_TYPES)
        if self.quality:
            quality = self._quality(doc, language, mixed)
            if not any(f.rule_id == "quality.wrong_language" for f in quality):  # one fault, one finding
                quality += check_field_languages(doc, language, names=kept_names(brand, language.code),
                                                 source=_facts_text(facts, support))
            findings += quality
        if facts is not None or support:
            from assistant.compliance.grounding import check_grounding  # only with facts: spares start-up

            findings = _drop_grounded(findings, rules) + check_grounding(doc, facts, support, ctx.chinese)
        if self.judge is not None:
            findings += self.judge.review(doc, language, market, channel, findings)
        findings = _specific(findings)
        findings.sort(key=lambda f: (f.start, f.field or "", SEVERITY_ORDER[f.severity], f.rule_id))
        return CheckReport(findings=findings, score=score_for(findings))

    def _rules(self, ctx: Context, plan: Plan, types: frozenset[str] | None = None) -> list[Finding]:
        """Term rules, then the other rule types (``types``: only these), on one context."""
        findings = self._terms(ctx, plan)
        present, starts = plan.anchors.scan(ctx.joined(None, True)[0])
        ctx.starts = {rule_id: starts.get(i, []) for i, rule_id in plan.prefixed.items()}
        for i, (rule, check) in enumerate(plan.others):
            if (i not in plan.gated or i in present) and (types is None or rule.type in types):
                findings += check(rule, ctx, plan.prepared(i))
        return findings

    def _terms(self, ctx: Context, plan: Plan) -> list[Finding]:
        """One automaton pass over the whole document (fields joined by newlines, which no term
        contains), hits mapped back to their field."""
        if not plan.active:
            return []
        text, starts, segs = ctx.joined(None, True)
        out = []
        for hit in plan.index.scan(text, plan.active):
            i = bisect_right(starts, hit.start) - 1
            seg, at = segs[i], starts[i]
            if not hit.rule.wants_field(seg.field):
                continue
            folded = seg.folded(ctx.chinese)
            s, e = folded.span(hit.start - at, hit.end - at)
            suggestion = "Remove it" if hit.replacement == "" else (
                f"Replace with '{hit.replacement}'" if hit.replacement else None)
            out.append(finding(hit.rule, seg, s, e, matched=seg.text[s:e], replacement=hit.replacement,
                               suggestion=suggestion))
        return out

    def _quality(self, doc: Document, language, mixed: list) -> list[Finding]:
        """Quality checks. Pasted copy that mixes the declared language with English sentences (which the
        English rules have checked) gets the language finding as information, not as an error. A draft's
        fields (generated or edited for a declared language) keep it as an error: the reviser must fix it."""
        parts = [(s.text, s.offset, s.label) for s in doc.segments
                 if doc.from_fields or s.text.strip() or len(doc.segments) == 1]
        prose = "\n".join(s.text for s in doc.segments if s.field not in NOT_PROSE)
        found = check_texts(parts) + check_language(prose, language)
        if doc.from_fields:  # a draft's fields: one field repeating another (pasted copy may quote itself)
            found += check_repeats([(s.text, s.offset, s.field, s.label) for s in doc.segments])
        english = sum(len(s.text) for s in mixed)
        if mixed and not doc.from_fields and english < len(prose.strip()) * 0.95:
            found = [f.model_copy(update={"severity": "info", "message": f"{f.message}; part of the copy is in "
                                          "English and was checked with the English rules too"})
                     if f.rule_id == "quality.wrong_language" else f for f in found]
        return found


def _cap(doc: Document, limit: int) -> list[Finding]:
    """Cut every field longer than ``limit`` characters to its first ``limit`` (what is checked) and
    say so: the rest of such a field has not been checked."""
    out = []
    for seg in doc.segments:
        if len(seg.text) > limit:
            out.append(Finding(
                category="quality", rule_id="checker.too_long", severity="error", start=seg.offset + limit,
                end=seg.offset + len(seg.text), field=seg.label,
                message=f"too long to check fully: {len(seg.text):,} characters, only the first {limit:,} were checked",
                suggestion=f"Split or shorten the text to at most {limit:,} characters",
                source="Checker input limit (assistant/compliance/checker.py: MAX_FIELD_CHARS)",
            ))
            seg.text = seg.text[:limit]
            seg._folded.clear()
    return out


def _drop_grounded(findings: list[Finding], rules: tuple) -> list[Finding]:
    """Rules marked ``grounded`` stand down when facts are given: grounding decides instead."""
    grounded = {r.id for r in rules if getattr(r, "grounded", False)}
    return [f for f in findings if f.rule_id not in grounded] if grounded else findings


def _specific(findings: list[Finding]) -> list[Finding]:
    """Drop a finding that lies inside a finding of a more specific category (``COVERS``). Per field,
    the covering spans sorted by start with a running maximum end: a bisect per finding."""
    wide: dict[tuple[str | None, str], list[tuple[int, int]]] = {}
    for f in findings:
        if f.end > f.start:
            for narrow in COVERS.get(f.category, ()):
                wide.setdefault((f.field, narrow), []).append((f.start, f.end))
    if not wide:
        return findings
    reach: dict[tuple, tuple[list[int], list[int]]] = {}
    for key, spans in wide.items():
        spans.sort()
        ends, top = [], -1
        for _, end in spans:
            top = max(top, end)
            ends.append(top)
        reach[key] = ([s for s, _ in spans], ends)

    def covered(f: Finding) -> bool:
        if (f.field, f.category) not in reach:
            return False
        starts, ends = reach[f.field, f.category]
        i = bisect_right(starts, f.start) - 1
        return i >= 0 and ends[i] >= f.end

    return [f for f in findings if not covered(f)]


def _facts_text(facts: dict[str, Any] | None, support: list[str] | None) -> str:
    if facts is None and not support:
        return ""
    from assistant.compliance.grounding import facts_text  # only with facts: spares start-up

    return facts_text(facts, support)
