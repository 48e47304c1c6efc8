"""``--mode openai-batch``: the OpenAI Batch API (half price, results within 24 h)."""

from __future__ import annotations

from assistant.errors import InputError


def run_remote(batch, job_id, out, options):
    raise InputError("--mode openai-batch is not available yet", where="--mode", fix="use --mode online")
