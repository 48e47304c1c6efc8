"""One model call turned into a finished, checked (unsaved) draft: run the chain, then polish
(emoji, hashtags), enforce hard limits (one shortening call, then trimming), render e-mail parts,
and check (the checker plus generation's own language, script and term findings)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, create_model

from assistant.compliance.checker import Checker
from assistant.compliance.models import CheckReport, Finding, score_for
from assistant.generation.brief import Request
from assistant.generation.completion import (completion_renderer, completion_schema, example_fact_findings,
                                              name_ban, uses_examples)
from assistant.generation.email import footer_text, get_segment, render_email, suggest_send_time
from assistant.generation.fewshot import shots_for
from assistant.generation.limits import Over, enforce_limits, hard_limit_violations
from assistant.generation.models import Draft, DraftRequest, Usage
from assistant.generation.polish import fit_hashtags, polish
from assistant.generation.schemas import COMPACT_TEXT, compact, unit_name, with_limits
from assistant.generation.terms import glossary_pairs, term_findings, unmask_terms
from assistant.llm import LLMHandle
from assistant.llm.prompts import PromptLibrary
from assistant.llm.structured import run_structured

# not prose: left out of the checker's view (enum buttons, booleans, URL slugs)
NOT_PROSE = {"call_to_action", "needs_follow_up", "url_handle"}


@dataclass
class Call:
    """What to send: a prompt file, its variables, and the draft's place in the revise chain."""

    prompt: str
    variables: dict[str, str]
    round: int = 0
    revision_of: int | None = None
    tokens: dict[str, str] = field(default_factory=dict)  # translate mode: masked term tokens
    keep: dict[str, Any] = field(default_factory=dict)  # a revision: fields without errors (a base model keeps them)
    ban: list[str] = field(default_factory=list)  # a revision: words left untranslated (a base model cannot write them)


def add_usage(total: Usage, extra: Usage) -> None:
    total.prompt_tokens += extra.prompt_tokens
    total.completion_tokens += extra.completion_tokens
    total.latency_ms += extra.latency_ms
    if extra.cost_usd is not None:
        total.cost_usd = (total.cost_usd or 0.0) + extra.cost_usd


def request_model(req: Request) -> DraftRequest:
    source = req.source
    return DraftRequest(
        kind=req.kind.name, brand=req.brand.id, product=req.product, lang=req.language.code,
        market=req.market.code, platform=req.platform, segment=req.segment if req.kind.name == "email" else None,
        angle=req.angle, context=req.context, mode="translate" if source is not None else "native",
        source_draft_id=getattr(source, "id", None),
    )


class Drafter:
    def __init__(self, llm: LLMHandle, prompts: PromptLibrary, checker: Checker, *, now: datetime | None = None):
        self.llm = llm
        self.prompts = prompts
        self.checker = checker
        self.now = now

    def draft(self, req: Request, call: Call, guideline_ids: list[str] | None = None) -> Draft:
        prompt = self.prompts.get(call.prompt)
        schema = with_limits(req.kind.schema_for(req.platform), req.limits)
        variables = {k: call.variables[k] for k in prompt.variables}
        completion = None
        if self.llm.rendering == "completion":  # a base model: few-shot completion prompt, script in the grammar
            examples = uses_examples(prompt, req)
            schema = completion_schema(schema, req, NOT_PROSE, fieldwise=examples, keep=call.keep,
                                       ban=name_ban(req, call.ban) if examples else ())
            render = completion_renderer(prompt, req)
            completion = lambda _: render(call.variables)  # noqa: E731 - also needs what the prompt file does not show
        # cut off at the token limit, not JSON or not the schema: repaired once, with every text kept short
        out = run_structured(prompt, self.llm, schema, variables, repair_schema=compact(schema), completion=completion)
        draft = Draft(
            request=request_model(req), provider=self.llm.provider, model=self.llm.model_name,
            prompt_name=prompt.name, prompt_version=prompt.version, usage=out.usage,
            raw_output=out.result.raw_text, guideline_ids=guideline_ids or [], round=call.round,
            revision_of=call.revision_of,
        )
        if out.result.parsed is None:
            draft.status = "failed"
            draft.error = f"the model's reply did not match the {req.kind.name} schema: {out.result.error}"
            return draft
        fields = out.result.parsed.model_dump()
        if call.tokens:
            fields = unmask_terms(fields, call.tokens)
        self.finalise(req, draft, fields)
        if completion is not None and call.prompt in (req.kind.prompt, "revise"):
            fallback = shots_for(req.kind.name, req.language.code).fallback
            if fallback:
                draft.fixes.append(f"offline model: no {req.language.name} examples for {req.kind.name} yet "
                                   f"(prompts/fewshot/{req.kind.name}/); the {fallback} examples were used")
        if out.repaired:
            quoted = "" if completion is not None else "the validation errors and "  # a base model gets the same prompt
            draft.fixes.insert(0, "the first reply did not fit the schema (cut off, not JSON or fields missing); "
                                  f"retried once with {quoted}texts of at most {COMPACT_TEXT} characters")
        return draft

    def finalise(self, req: Request, draft: Draft, fields: dict[str, Any]) -> None:
        """Polish, enforce limits, render and check ``fields`` into ``draft`` (in place)."""
        limits = req.limits
        draft.raw_limit_violations = hard_limit_violations(fields, limits)
        fixes = polish(req.kind, fields, language=req.language, emoji_policy=req.brand.emoji_policy)
        fixes += enforce_limits(fields, limits, shorten=lambda overs: self._shorten(req, overs, draft.usage))
        fixes += fit_hashtags(req.kind, fields, limits)
        draft.fields, draft.fixes = fields, fixes
        view = {k: v for k, v in fields.items() if k not in NOT_PROSE}
        if req.kind.name == "email":
            segment = get_segment(req.segment)
            send_at = suggest_send_time(req.market, segment, self.now)
            draft.rendered = {**render_email(fields, req.brand, req.language), "footer": footer_text(req.brand),
                              "segment": segment.id, "send_time": send_at.isoformat(),
                              "send_time_zone": req.market.timezone}
            view["footer"] = draft.rendered["footer"]
        product = req.product
        report = self.checker.check_fields(
            view, lang=req.language.code, market=req.market.code, channel=req.kind.spec_name,
            platform=req.platform, brand=req.brand, facts=product.facts,
            support=[product.name, product.description or "", *product.features, *req.support],
        )
        draft.report = merge(report, self.own_findings(req, fields))

    def own_findings(self, req: Request, fields: dict[str, Any]) -> list[Finding]:
        found: list[Finding] = []  # language and script: the checker's quality.wrong_language / wrong_script
        if self.llm.rendering == "completion":
            found += example_fact_findings(req, fields, NOT_PROSE)
        source = req.source
        if source is not None:
            pairs = glossary_pairs(req.brand, source.request.lang, req.language.code)
            found += term_findings(source.fields, fields, req.brand.do_not_translate, pairs)
        return found

    def _shorten(self, req: Request, overs: list[Over], usage: Usage) -> dict[str, str] | None:
        """One call: every over-long text with its limit; returns ``{label: shorter text}``."""
        keys = {f"t{i + 1}": over for i, over in enumerate(overs)}
        fields: dict[str, Any] = {}
        for key, over in keys.items():
            extra = {"maxLength": over.limit.max} if over.limit.count == "chars" else {}
            fields[key] = (str, Field(json_schema_extra={"minLength": 1, **extra}))
        schema: type[BaseModel] = create_model("Shortened", **fields)
        if self.llm.rendering == "completion":
            schema = completion_schema(schema, req, (), fieldwise=False)
        items = "\n".join(f"{k}: at most {o.limit.max} {unit_name(o.limit)} (now {o.length}): "
                          f"{json.dumps(o.text, ensure_ascii=False)}" for k, o in keys.items())
        prompt = self.prompts.get("shorten")
        out = run_structured(prompt, self.llm, schema, {"language": req.language.name, "items": items})
        add_usage(usage, out.usage)
        if out.result.parsed is None:
            return None
        data = out.result.parsed.model_dump()
        return {over.label: data.get(key, "") for key, over in keys.items()}


def merge(report: CheckReport, extra: list[Finding]) -> CheckReport:
    findings = report.findings + extra
    return report.model_copy(update={"findings": findings, "score": score_for(findings)})
