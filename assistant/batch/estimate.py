"""``--dry-run``: what a job will cost before any model call.

Prompt tokens are counted with tiktoken over the exact messages the first call of each item sends
(the same request, retrieved guidelines and prompt variables as the Generator builds; per message
3 tokens of framing and 3 for the reply's priming, as OpenAI counts chat prompts), plus the JSON
schema sent with it (structured output is billed as input too). Output tokens are
estimated from the kind's limits (every text field filled to its limit). Revisions (drafts that
still have error findings) and the schema sent alongside add calls this estimate does not include.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

from assistant.batch.store import JobSpec, JobStore
from assistant.brand import BrandKit
from assistant.generation import brief
from assistant.generation.kinds import get_kind
from assistant.generation.schemas import with_limits
from assistant.generation.service import Generator
from assistant.llm.tokens import BATCH_TIER, TokenCounter, estimate_cost

CHARS_PER_TOKEN = 4.0
TOKENS_PER_WORD = 1.4
PER_MESSAGE, PER_REPLY = 3, 3


@dataclass
class Estimate:
    items: int = 0
    prompt_tokens: int = 0
    output_tokens: int = 0
    by_kind: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: {"items": 0, "prompt": 0,
                                                                                          "output": 0}))
    cost_usd: float | None = None
    batch_cost_usd: float | None = None  # OpenAI Batch API: the tier's share in prices.yaml
    encoding: str = ""


def output_tokens(kind: str, platform: str | None, variants: int) -> int:
    total = 0.0
    for limit in get_kind(kind).limits(platform).values():
        items = limit.recommended_items or limit.max_items or 1
        if limit.joined:
            items = 1
        per = (limit.max or 200) / CHARS_PER_TOKEN if limit.count == "chars" else (limit.max or 50) * TOKENS_PER_WORD
        total += per * items + 4  # the field's name and JSON punctuation
    return int(total) * variants


def estimate_job(store: JobStore, job_id: int, gen: Generator, brand: BrandKit) -> Estimate:
    spec: JobSpec = store.spec(job_id)
    counter = TokenCounter(spec.model)
    est = Estimate(encoding=counter.encoding)
    outputs = {k: output_tokens(k, spec.platform, spec.variants) for k in spec.kinds}
    for item in store.work(job_id):
        product, kind, lang, market = item.product, item.kind, item.lang, item.market
        req = gen.request(kind, product, brand, lang=lang, market=market, platform=spec.platform)
        req, passages = gen._with_guidelines(req)  # noqa: SLF001 - the same retrieval the first call makes
        variables = brief.variables(req, passages, allow_customer_data=gen.allow_customer_data)
        messages = gen.prompts.get(req.kind.prompt).chat_template().format_messages(**variables)
        schema = with_limits(req.kind.schema_for(req.platform), req.limits).model_json_schema()
        tokens = (sum(counter.count(str(m.content)) + PER_MESSAGE for m in messages) + PER_REPLY
                  + counter.count(json.dumps(schema))) * spec.variants
        est.items += 1
        est.prompt_tokens += tokens
        est.output_tokens += outputs[kind]
        bucket = est.by_kind[kind]
        bucket["items"] += 1
        bucket["prompt"] += tokens
        bucket["output"] += outputs[kind]
    est.cost_usd = estimate_cost(spec.model, est.prompt_tokens, est.output_tokens, spec.provider)
    est.batch_cost_usd = estimate_cost(spec.model, est.prompt_tokens, est.output_tokens, spec.provider,
                                       tier=BATCH_TIER)
    est.by_kind = dict(est.by_kind)
    return est

