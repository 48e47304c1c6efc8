"""The Generator: every content kind, natively or translated from an approved draft, as A/B variants,
each draft polished, held to its limits, checked, revised while errors remain, and stored."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime

from assistant.brand import BrandKit
from assistant.catalog import Product
from assistant.compliance.checker import Checker
from assistant.errors import InputError
from assistant.generation import brief
from assistant.generation.brief import Request
from assistant.generation.email import get_segment
from assistant.generation.kinds import get_kind
from assistant.generation.models import Draft
from assistant.generation.pipeline import Call, Drafter
from assistant.llm.prompts import PromptLibrary
from assistant.generation.revise import final, revise_loop
from assistant.generation.terms import glossary_pairs, mask_terms, texts
from assistant.generation.variants import ANGLES, angle_for, is_near_duplicate
from assistant.llm import LLMHandle
from assistant.locales import get_market, resolve_language
from assistant.retrieval import NullRetriever, Passage, Retriever
from assistant.storage import DraftStore
from assistant.users.models import User, local_user

MAX_VARIANTS = 8


def guideline_query(product: Product, kind: str) -> str:
    """What generation asks the brand's guidelines for a draft (the retrieval eval scores these queries)."""
    return " ".join(filter(None, [product.name, product.category, kind]))


@dataclass
class VariantSet:
    drafts: list[Draft]  # the kept variants, each its final round
    removed: list[Draft] = field(default_factory=list)  # near-duplicates (not stored)


class Generator:
    def __init__(self, llm: LLMHandle, prompts: PromptLibrary, checker: Checker, store: DraftStore,
                 retriever: Retriever | None = None, *, revise_rounds: int = 2, allow_customer_data: bool = False,
                 guidelines_k: int = 4, now: datetime | None = None):
        """``guidelines_k``: guideline passages retrieved per draft (``settings.retrieval_k``)."""
        self.retriever = retriever or NullRetriever()
        self.guidelines_k = guidelines_k
        self.llm = llm
        self.prompts = prompts
        self.checker = checker
        self.store = store
        self.revise_rounds = revise_rounds
        self.allow_customer_data = allow_customer_data
        self.drafter = Drafter(llm, prompts, checker, now=now)

    # ---- public API ---------------------------------------------------------------------------
    # ``actor``: the acting user, the author of what is stored (the CLI signs in; a web UI passes its
    # signed-in user). ``None`` is the local single-user actor, refused once the store has users. It
    # is checked before any model call and again when each draft is stored.
    def generate(self, kind: str, product: Product, brand: BrandKit, *, lang: str, market: str,
                 platform: str | None = None, segment: str | None = None, angle: str | None = None,
                 context: str | None = None, revise_rounds: int | None = None, actor: User | None = None) -> Draft:
        """Generate, check, revise and store one draft; returns its final round. A model reply that
        does not fit the schema is stored as a failed draft with its raw text, never lost."""
        actor = self._actor(actor)
        req = self.request(kind, product, brand, lang=lang, market=market, platform=platform,
                           segment=segment, angle=angle, context=context)
        req, passages = self._with_guidelines(req)
        first, variables = self._first(req, passages)
        return self._store_and_revise(req, first, variables, revise_rounds, actor)

    def generate_variants(self, kind: str, product: Product, brand: BrandKit, *, n: int, lang: str, market: str,
                          platform: str | None = None, segment: str | None = None, context: str | None = None,
                          revise_rounds: int | None = None, actor: User | None = None) -> VariantSet:
        """``n`` variants, each from another angle (benefit, feature, social proof, offer). A variant
        too close to a kept one is retried once, told what to differ from, then dropped."""
        if not 1 <= n <= MAX_VARIANTS:
            raise InputError(f"--variants must be 1-{MAX_VARIANTS}, got {n}", where="--variants")
        actor = self._actor(actor)
        base = self.request(kind, product, brand, lang=lang, market=market, platform=platform,
                            segment=segment, context=context)
        base, passages = self._with_guidelines(base)
        kept: list[tuple[Request, Draft, dict[str, str]]] = []
        removed: list[Draft] = []
        for i in range(n):
            req = replace(base, angle=angle_for(i))
            draft, variables = self._first(req, passages)
            if draft.status == "ok" and self._duplicate(draft, kept):
                req = replace(req, avoid=[" ".join(texts(d.fields))[:200] for _, d, _ in kept])
                removed.append(draft)
                draft, variables = self._first(req, passages)
                if draft.status == "ok" and self._duplicate(draft, kept):
                    removed.append(draft)
                    continue
            kept.append((req, draft, variables))
        finals = [self._store_and_revise(req, draft, variables, revise_rounds, actor)
                  for req, draft, variables in kept]
        return VariantSet(drafts=finals, removed=removed)

    def translate(self, source: Draft | int, brand: BrandKit, *, lang: str, market: str,
                  platform: str | None = None, revise_rounds: int | None = None, actor: User | None = None) -> Draft:
        """Translate an approved draft (no error findings) into ``lang`` for ``market``. The brand's
        do-not-translate terms are masked before and restored after; glossary terms are stated in the
        prompt and verified (a missing one is an error finding the reviser then fixes)."""
        actor = self._actor(actor)
        src = source if isinstance(source, Draft) else self.store.get(source)
        if src.status != "ok" or src.report.has_errors:
            raise InputError(f"draft #{src.id} is not approved for translation: it "
                             + ("failed" if src.status != "ok" else "still has error findings"),
                             fix="revise or fix the source draft until it has no error findings")
        req = self.request(src.request.kind, src.request.product, brand, lang=lang, market=market,
                           platform=platform or src.request.platform, segment=src.request.segment,
                           context=src.request.context)
        req = replace(req, source=src, angle=src.request.angle)
        source_language = resolve_language(src.request.lang)
        masked, tokens = mask_terms(src.fields, brand.do_not_translate)
        pairs = glossary_pairs(brand, source_language.code, req.language.code)
        variables = {
            **brief.variables(req, [], allow_customer_data=self.allow_customer_data),
            "source_language": f"{source_language.name} ({source_language.native})",
            "glossary": "\n".join(f"{s} -> {t}" for s, t in pairs.items()) or "(none)",
            "source": json.dumps(masked, ensure_ascii=False, indent=1),
        }
        draft = self.drafter.draft(req, Call("translate", variables, tokens=tokens), src.guideline_ids)
        return self._store_and_revise(req, draft, variables, revise_rounds, actor)

    def history(self, draft: Draft) -> list[Draft]:
        """Every stored round of a draft, the first draft first."""
        chain = [draft]
        while chain[0].revision_of is not None:
            chain.insert(0, self.store.get(chain[0].revision_of))
        return chain

    def request(self, kind: str, product: Product, brand: BrandKit, *, lang: str, market: str,
                platform: str | None = None, segment: str | None = None, angle: str | None = None,
                context: str | None = None) -> Request:
        """Validate and resolve what is asked (bad input fails here, before any model call)."""
        spec = get_kind(kind)
        if segment and spec.name != "email":
            raise InputError(f"--segment applies to e-mails only, not {spec.name}", where="--segment")
        if spec.name == "email":
            segment = get_segment(segment).id
        if angle and angle not in ANGLES:
            raise InputError(f"unknown angle '{angle}'", fix=f"use one of: {', '.join(ANGLES)}")
        if spec.context and not (context or "").strip():
            raise InputError(f"{spec.name} answers a {spec.context}: give its text", where="--context",
                             fix=f"pass --context \"...\" (or --context-file FILE) with the {spec.context}")
        return Request(kind=spec, product=product, brand=brand, language=resolve_language(lang, where="--lang"),
                       market=get_market(market, where="--market"), platform=spec.platform_for(platform),
                       segment=segment, angle=angle, context=context)

    # ---- internals ----------------------------------------------------------------------------
    def _actor(self, actor: User | None) -> User:
        return self.store.authorize(actor or local_user())

    def guidelines(self, brand_id: str, product: Product, kind: str, lang: str) -> list[Passage]:
        """The guideline passages a draft of ``kind`` about ``product`` in ``lang`` is written with."""
        return self.retriever.retrieve(brand_id, guideline_query(product, kind), lang=lang, k=self.guidelines_k)

    def _with_guidelines(self, req: Request) -> tuple[Request, list[Passage]]:
        """Retrieve the brand guidelines for the request; their texts also count as claim support."""
        passages = self.guidelines(req.brand.id, req.product, req.kind.name, req.language.code)
        return replace(req, support=[p.text for p in passages]), passages

    def _first(self, req: Request, passages: list[Passage]) -> tuple[Draft, dict[str, str]]:
        variables = brief.variables(req, passages, allow_customer_data=self.allow_customer_data)
        return self.drafter.draft(req, Call(req.kind.prompt, variables), [p.id for p in passages]), variables

    def _store_and_revise(self, req: Request, draft: Draft, variables: dict[str, str], rounds: int | None,
                          actor: User) -> Draft:
        rounds = self.revise_rounds if rounds is None else rounds

        def save(d: Draft) -> Draft:
            return self.store.save(d, actor)

        chain = revise_loop(self.drafter, req, save(draft), variables, rounds, save)
        return final(chain)

    @staticmethod
    def _duplicate(draft: Draft, kept: list[tuple[Request, Draft, dict[str, str]]]) -> bool:
        return is_near_duplicate(draft.fields, [d.fields for _, d, _ in kept if d.status == "ok"])
