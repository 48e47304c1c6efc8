"""The one wiring point: ``build_services(settings)`` builds every component from settings.

The CLI, the web UI, the evals and the tests all go through it. Components are built lazily, so
``assistant review`` never loads a model and nothing is built at import time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path

from assistant.brand import BrandKit, load_brand_kit
from assistant.compliance.checker import Checker
from assistant.generation.prompts import PromptLibrary
from assistant.generation.service import Generator
from assistant.llm import LLMHandle, build_llm
from assistant.retrieval import Retriever
from assistant.retrieval.knowledge import KnowledgeBase, glossary_expander
from assistant.settings import REPO_ROOT, Settings
from assistant.storage import DraftStore, make_engine
from assistant.users import UserService
from assistant.workflow import Workflow


@dataclass
class Services:
    settings: Settings
    llm_override: LLMHandle | None = field(default=None, repr=False)

    @cached_property
    def llm(self) -> LLMHandle:
        return self.llm_override or build_llm(self.settings)

    @cached_property
    def engine(self):
        self.settings.home.mkdir(parents=True, exist_ok=True)
        return make_engine(self.settings.db_url)

    @cached_property
    def drafts(self) -> DraftStore:
        """Each saved draft becomes a content item (or a new version of one) in the workflow, authored
        by the acting user the generator passes (checked before any model call)."""
        return DraftStore(self.engine, on_save=self.workflow.record_draft,
                          authorize=partial(self.workflow.authorize, permission="generate"))

    @cached_property
    def workflow(self) -> Workflow:
        return Workflow(self.engine, lambda: self.checker)

    @cached_property
    def users(self) -> UserService:
        return UserService(self.engine)

    @cached_property
    def exports(self):
        from assistant.export import ExportService
        from assistant.export.email import brand_email_renderer

        return ExportService(self.engine, self.workflow, email_renderer=brand_email_renderer(self.brand))

    @cached_property
    def prompts(self) -> PromptLibrary:
        return PromptLibrary(REPO_ROOT / "prompts")

    @cached_property
    def checker(self) -> Checker:
        if self.settings.checker_model_review:
            from assistant.compliance.judge import ModelJudge

            return Checker(judge=ModelJudge(self.llm))
        return Checker()

    @cached_property
    def knowledge(self) -> KnowledgeBase:
        """Brand guidelines: ingest, list, search, remove, reindex (Chroma opens on first use)."""
        return KnowledgeBase(self.settings, self.knowledge_dir, expand=glossary_expander(self.brand))

    @cached_property
    def retriever(self) -> Retriever:
        return self.knowledge

    @cached_property
    def generator(self) -> Generator:
        return Generator(self.llm, self.prompts, self.checker, self.drafts, retriever=self.retriever,
                         revise_rounds=self.settings.revise_rounds, guidelines_k=self.settings.retrieval_k,
                         allow_customer_data=self.settings.allow_customer_data_in_prompts)

    @property
    def knowledge_dir(self) -> Path:
        return REPO_ROOT / "knowledge"

    def brand(self, brand_id: str | None = None) -> BrandKit:
        brand_id = brand_id or self.settings.brand
        kit = load_brand_kit(self.knowledge_dir / brand_id / "brand.yaml")
        self.workflow.record_brand_kit(kit.id, kit.model_dump(mode="json"))  # versioned in the database
        return kit


def build_services(settings: Settings, *, llm: LLMHandle | None = None) -> Services:
    """``llm`` lets tests inject a scripted model; everything else comes from settings."""
    return Services(settings=settings, llm_override=llm)
