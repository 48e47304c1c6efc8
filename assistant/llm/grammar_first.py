"""Fast schema-constrained sampling for llama.cpp: check the grammar on the likely tokens first.

llama-cpp-python applies the JSON-schema grammar to every token of the vocabulary at every step.
Gemma 3 has 262,144 tokens, so on a 2-core CPU the grammar costs several times more than the model
itself (about 11 tokens/s). Most of the time one of the model's few most likely tokens is allowed by
the grammar, so checking those first is enough; this is the idea behind llama.cpp's own
``common_sampler`` (sample, then verify against the grammar, and only on rejection constrain the
whole vocabulary).

The sampler chain built here is::

    prefilter -> repetition penalties -> grammar -> top-k -> typical -> top-p -> min-p -> temp -> dist

``prefilter`` first adds the instance's ``token_bias`` (token id -> logit bias: banned words; a
``logit_bias`` option would turn this sampler off, since llama-cpp-python passes it as a Python logits
processor), then keeps the grammar-allowed ones among the ``top_k`` highest-scoring tokens (asking the
chain's own grammar sampler, which only reads its state when applying), else among a 32 times wider
shortlist. When neither holds an allowed token it leaves the full vocabulary alone and the grammar
step constrains all of it, so the output is always grammar-valid. The grammar step then runs on a
few dozen tokens instead of the whole vocabulary and still accepts the chosen token, keeping its
state in step with the text.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

TOKEN_DTYPE = np.dtype([("id", np.intc), ("logit", np.single), ("p", np.single)])
_GRAMMAR_INDEX = 2  # position of the grammar sampler in the chain built below


@dataclass
class GrammarFirstStats:
    """How often the shortlist sufficed; read by the benchmark and the tests."""

    steps: int = 0
    wide: int = 0
    full_vocab: int = 0


@cache
def grammar_first_llama_class() -> type:
    """A ``llama_cpp.Llama`` subclass whose grammar sampling checks the shortlist first."""
    import llama_cpp  # type: ignore[import-not-found]
    from llama_cpp import _internals as internals  # type: ignore[import-not-found]

    class GrammarFirstLlama(llama_cpp.Llama):  # type: ignore[misc, name-defined]
        grammar_stats = GrammarFirstStats()
        grammar_first = True  # False: llama-cpp-python's own sampling (for the benchmark and tests)
        token_bias: dict[int, float] = {}  # added to the logits before the shortlist (set per call)

        def _init_sampler(self, top_k: int = 40, top_p: float = 0.95, min_p: float = 0.05,
                          typical_p: float = 1.0, temp: float = 0.80, repeat_penalty: float = 1.0,
                          frequency_penalty: float = 0.0, presence_penalty: float = 0.0,
                          mirostat_mode: int = 0, logits_processor: Any = None,
                          grammar: Any = None, **kwargs: Any) -> Any:
            if (not self.grammar_first or grammar is None or logits_processor is not None
                    or mirostat_mode or top_k <= 0):
                return super()._init_sampler(
                    top_k=top_k, top_p=top_p, min_p=min_p, typical_p=typical_p, temp=temp,
                    repeat_penalty=repeat_penalty, frequency_penalty=frequency_penalty,
                    presence_penalty=presence_penalty, mirostat_mode=mirostat_mode,
                    logits_processor=logits_processor, grammar=grammar, **kwargs,
                )
            sampler = internals.LlamaSampler()
            grammar_ref: list[Any] = []
            sampler.add_custom(_prefilter(top_k, grammar_ref, self.grammar_stats, dict(self.token_bias)))
            sampler.add_penalties(
                n_vocab=self._n_vocab, penalty_last_n=self.last_n_tokens_size,
                penalty_repeat=repeat_penalty, penalty_freq=frequency_penalty,
                penalty_present=presence_penalty,
            )
            sampler.add_grammar(self._model, grammar)
            grammar_ref.append(llama_cpp.llama_sampler_chain_get(sampler.sampler, _GRAMMAR_INDEX))
            if temp == 0.0:
                sampler.add_greedy()
            else:
                sampler.add_top_k(top_k)
                sampler.add_typical(typical_p, 1)
                sampler.add_top_p(top_p, 1)
                sampler.add_min_p(min_p, 1)
                sampler.add_temp(temp)
                sampler.add_dist(self._seed)
            return sampler

    return GrammarFirstLlama


WIDE_FACTOR = 32  # the second, wider shortlist: still about 1/200 of Gemma's vocabulary


def _prefilter(k: int, grammar_ref: list[Any], stats: GrammarFirstStats,
              bias: dict[int, float] | None = None) -> Any:
    """The custom sampler: add ``bias`` to the logits of its tokens, then shrink the candidates to the
    grammar-allowed part of the top ``k`` tokens, else of the top ``k * WIDE_FACTOR``; when neither
    holds an allowed token, leave every token."""
    import llama_cpp  # type: ignore[import-not-found]

    bias_ids = np.array(list(bias or {}), dtype=np.intc)
    bias_values = np.array(list((bias or {}).values()), dtype=np.single)

    wide = k * WIDE_FACTOR
    shortlist = (llama_cpp.llama_token_data * wide)()
    view = np.frombuffer(shortlist, dtype=TOKEN_DTYPE)
    short_array = llama_cpp.llama_token_data_array(
        data=ctypes.cast(shortlist, llama_cpp.llama_token_data_p), size=0, selected=-1, sorted=False
    )

    def allowed_among(data: np.ndarray, n: int) -> np.ndarray:
        top = np.argpartition(data["logit"], len(data) - n)[len(data) - n:]
        view[:n] = data[top]
        short_array.size = n
        short_array.selected = -1
        short_array.sorted = False
        llama_cpp.llama_sampler_apply(grammar_ref[0], ctypes.byref(short_array))
        chunk = view[:n]
        return chunk[np.isfinite(chunk["logit"])]

    def apply(cur_p: Any) -> None:
        array = cur_p.contents
        size = int(array.size)
        buffer = (llama_cpp.llama_token_data * size).from_address(
            ctypes.addressof(array.data.contents)
        )
        data = np.frombuffer(buffer, dtype=TOKEN_DTYPE)
        if len(bias_ids):
            _add_bias(data, bias_ids, bias_values)
        if size <= wide:
            return
        stats.steps += 1
        allowed = allowed_among(data, k)
        if len(allowed) == 0:
            stats.wide += 1
            allowed = allowed_among(data, wide)
        if len(allowed) == 0:  # nothing likely is allowed: the grammar step sees every token
            stats.full_vocab += 1
            return
        data[: len(allowed)] = allowed
        array.size = len(allowed)
        array.selected = -1
        array.sorted = False

    return apply


def _add_bias(data: np.ndarray, ids: np.ndarray, values: np.ndarray) -> None:
    """Add ``values`` to the logits of tokens ``ids`` (the candidates are in id order when they are the
    whole vocabulary, as llama.cpp builds them; otherwise they are looked up)."""
    inside = ids < len(data)
    if inside.all() and (data["id"][ids] == ids).all():
        data["logit"][ids] += values
        return
    where = np.isin(data["id"], ids)
    lookup = dict(zip(ids.tolist(), values.tolist()))
    data["logit"][where] += np.array([lookup[int(i)] for i in data["id"][where]], dtype=np.single)
