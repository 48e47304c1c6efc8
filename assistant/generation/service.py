"""Generate a draft for a product: build the prompt variables, run the chain, check, store."""

from __future__ import annotations

from assistant.brand import BrandKit
from assistant.catalog import Product
from assistant.channels import channel_spec
from assistant.compliance.checker import Checker
from assistant.errors import ProviderError
from assistant.generation.chain import run_structured
from assistant.generation.models import Draft, DraftRequest
from assistant.generation.prompts import PromptLibrary
from assistant.generation.schemas import SCHEMAS, limits_text, with_limits
from assistant.llm import LLMHandle
from assistant.locales import resolve_language, resolve_market
from assistant.retrieval import NullRetriever, Retriever, passages_block
from assistant.storage import DraftStore

GUIDELINES_K = 4


class Generator:
    def __init__(self, llm: LLMHandle, prompts: PromptLibrary, checker: Checker, store: DraftStore,
                 retriever: Retriever | None = None):
        self.retriever = retriever or NullRetriever()
        self.llm = llm
        self.prompts = prompts
        self.checker = checker
        self.store = store

    def generate(
        self, kind: str, product: Product, brand: BrandKit, *, lang: str, market: str,
        platform: str | None = None,
    ) -> Draft:
        """Generate, check and store one draft. A model reply that does not fit the schema is
        stored as a failed draft with its raw text, never lost, and returned."""
        language = resolve_language(lang)
        market = resolve_market(market)
        if kind not in SCHEMAS:
            raise ProviderError(f"no schema for content kind '{kind}'", fix=f"use one of: {', '.join(SCHEMAS)}")
        limits = channel_spec(kind).limits(platform)
        schema = with_limits(SCHEMAS[kind], limits)
        prompt = self.prompts.get(kind)
        query = " ".join(filter(None, [product.name, product.category, kind]))
        passages = self.retriever.retrieve(brand.id, query, lang=language.code, k=GUIDELINES_K)
        variables = {
            "language": f"{language.name} ({language.native})",
            "market": market,
            "brand": brand.prompt_block(),
            "product": "\n".join(product.fact_lines()),
            "limits": limits_text(limits),
            "guidelines": passages_block(passages),
        }
        request = DraftRequest(kind=kind, brand=brand.id, product=product, lang=language.code,
                               market=market, platform=platform)
        out = run_structured(prompt, self.llm, schema, variables)
        draft = Draft(
            request=request, provider=self.llm.provider, model=self.llm.model_name,
            prompt_name=prompt.name, prompt_version=prompt.version, usage=out.usage,
            raw_output=out.result.raw_text, guideline_ids=[p.id for p in passages],
        )
        if out.result.parsed is None:
            draft.status = "failed"
            draft.error = f"the model's reply did not match the {kind} schema: {out.result.error}"
        else:
            draft.fields = out.result.parsed.model_dump()
            draft.report = self.checker.check_fields(
                draft.fields, lang=language.code, market=market, channel=kind, platform=platform
            )
        return self.store.save(draft)
