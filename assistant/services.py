"""The one wiring point: ``build_services(settings)`` builds every component from settings.

The CLI, the web UI, the evals and the tests all go through it. Components are built lazily, and
their modules are imported only when first built, so ``assistant review`` never loads a model,
LangChain or the database, and nothing is built at import time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

from assistant.datafiles import prompts_dir
from assistant.settings import Settings

if TYPE_CHECKING:
    from assistant.brand import BrandKit
    from assistant.brand.folders import BrandFolders
    from assistant.compliance.checker import Checker
    from assistant.generation.models import Draft
    from assistant.generation.service import Generator
    from assistant.llm import LLMHandle
    from assistant.llm.prompts import PromptLibrary
    from assistant.retrieval import Retriever
    from assistant.retrieval.knowledge import KnowledgeBase
    from assistant.storage import DraftStore
    from assistant.users import UserService
    from assistant.workflow import Workflow


@dataclass
class Services:
    settings: Settings
    llm_override: LLMHandle | None = field(default=None, repr=False)
    _kits: dict[str, BrandKit] = field(default_factory=dict, repr=False)
    _stamps: dict[str, tuple] = field(default_factory=dict, repr=False)

    @cached_property
    def llm(self) -> LLMHandle:
        from assistant.llm import build_llm

        return self.llm_override or build_llm(self.settings)

    @cached_property
    def engine(self):
        from assistant.storage import make_engine
        from assistant.storage.db import private_dir

        private_dir(self.settings.home)
        return make_engine(self.settings.db_url)

    @cached_property
    def drafts(self) -> DraftStore:
        """Each saved draft becomes a content item (or a new version of one) in the workflow, authored
        by the acting user the generator passes (checked before any model call)."""
        from assistant.storage import DraftStore

        return DraftStore(self.engine, on_save=self._record,
                          authorize=partial(self.workflow.authorize, permission="generate"))

    def _record(self, session: Any, draft: Draft, actor: Any = None) -> int | None:
        """In the draft's transaction: the brand kit it was written with (a new version only when the
        kit changed), then the content item."""
        from assistant.storage.items import record_brand_kit

        kit = self._kits.get(draft.request.brand)
        if kit is not None:
            record_brand_kit(session, kit.id, kit.model_dump(mode="json"))
        return self.workflow.record_draft(session, draft, actor)

    @cached_property
    def workflow(self) -> Workflow:
        from assistant.workflow import Workflow

        return Workflow(self.engine, lambda: self.checker)

    @cached_property
    def users(self) -> UserService:
        from assistant.users import UserService

        return UserService(self.engine)

    @cached_property
    def exports(self):
        from assistant.export import ExportService
        from assistant.export.email import brand_email_renderer

        return ExportService(self.engine, self.workflow, email_renderer=brand_email_renderer(self.brand))

    @cached_property
    def prompts(self) -> PromptLibrary:
        from assistant.llm.prompts import PromptLibrary

        return PromptLibrary(prompts_dir())

    @cached_property
    def checker(self) -> Checker:
        from assistant.compliance.checker import Checker

        if self.settings.checker_model_review:
            from assistant.compliance.judge import ModelJudge

            return Checker(judge=ModelJudge(self.llm))
        return Checker()

    @cached_property
    def knowledge(self) -> KnowledgeBase:
        """Brand guidelines: ingest, list, search, remove, reindex (Chroma opens on first use)."""
        from assistant.retrieval.knowledge import KnowledgeBase, glossary_expander

        return KnowledgeBase(self.settings, self.brand_folders.path, expand=glossary_expander(self.brand))

    @cached_property
    def retriever(self) -> Retriever:
        return self.knowledge

    @cached_property
    def generator(self) -> Generator:
        from assistant.generation.service import Generator

        return Generator(self.llm, self.prompts, self.checker, self.drafts, retriever=self.retriever,
                         revise_rounds=self.settings.revise_rounds, guidelines_k=self.settings.retrieval_k,
                         allow_customer_data=self.settings.allow_customer_data_in_prompts)

    @cached_property
    def brand_folders(self) -> BrandFolders:
        """The team's brand kits (``brands_dir``), then the packaged samples."""
        from assistant.brand.folders import BrandFolders

        return BrandFolders(self.settings.resolved_brands_dir)

    def brand(self, brand_id: str | None = None) -> BrandKit:
        """The brand kit, read again only when its files changed. Reading writes nothing: the kit is versioned in the
        database when a draft written with it is stored."""
        from assistant.brand import load_brand_kit
        from assistant.brand.kit import check_brand_id

        brand_id = check_brand_id(brand_id) if brand_id else check_brand_id(self.settings.brand, "settings.brand")
        folder = self.brand_folders.path(brand_id)
        stamp = tuple(p.stat().st_mtime_ns if p.exists() else 0 for p in (folder / "brand.yaml", folder / "glossary"))
        cached = self._kits.get(brand_id)
        if cached is None or self._stamps.get(brand_id) != (folder, stamp):  # read again after an edit
            self._kits[brand_id] = load_brand_kit(folder / "brand.yaml")
            self._stamps[brand_id] = (folder, stamp)
        return self._kits[brand_id]


def build_services(settings: Settings, *, llm: LLMHandle | None = None) -> Services:
    """``llm`` lets tests inject a scripted model; everything else comes from settings."""
    return Services(settings=settings, llm_override=llm)
