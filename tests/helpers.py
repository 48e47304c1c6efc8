"""Helpers shared by the tests (one copy of each)."""

from __future__ import annotations

from contextlib import contextmanager

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


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def served(argv: list[str], ready_url: str, *, timeout_s: float, env: dict | None = None, log=None):
    """Start a server process, wait until ``ready_url`` answers, yield the process, then stop it."""
    import subprocess
    import time
    import urllib.request

    import pytest

    proc = subprocess.Popen(argv, env=env, stdout=log or subprocess.DEVNULL,
                            stderr=subprocess.STDOUT if log else subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                with urllib.request.urlopen(ready_url, timeout=5) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{argv[0]} did not start: {ready_url} (exit code {proc.poll()})")
            time.sleep(0.5)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
