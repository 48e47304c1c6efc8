"""Helpers shared by the tests (one copy of each)."""

from __future__ import annotations

from assistant.cli import main


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    """Run ``assistant ARGV`` in-process: (exit code, stdout, stderr). A command that returns without
    exiting counts as exit code 0."""
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    out = capsys.readouterr()
    return code, out.out, out.err


def use_scripted_provider(monkeypatch, model):
    """CLI commands build their services from settings: make the ``fake`` provider answer with ``model``
    (a ``ScriptedChatModel``) and select it."""
    from assistant.llm import LLMHandle, registry

    monkeypatch.setitem(registry.PROVIDERS, "fake", lambda settings: LLMHandle(model, "fake", "scripted"))
    monkeypatch.setenv("ASSISTANT_PROVIDER", "fake")
    return model
