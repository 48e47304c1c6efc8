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
def served(make_argv, ready_path: str, *, timeout_s: float, env: dict | None = None, log=None, attempts: int = 3):
    """Start a server on a free 127.0.0.1 port (``make_argv(port)`` gives its command line), wait until
    ``ready_path`` answers 200, yield its base URL ``http://127.0.0.1:PORT``, then stop it. A server that
    exits before it is ready (another process took the port between choosing and binding it) is started
    again on another port, up to ``attempts`` times."""
    import subprocess
    import time
    import urllib.request

    import pytest

    for attempt in range(1, attempts + 1):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        argv = make_argv(port)
        proc = subprocess.Popen(argv, env=env, stdout=log or subprocess.DEVNULL,
                                stderr=subprocess.STDOUT if log else subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + timeout_s
            while proc.poll() is None:
                try:
                    with urllib.request.urlopen(url + ready_path, timeout=5) as resp:
                        if resp.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"{argv[0]} did not answer {url + ready_path} within {timeout_s:.0f} s")
                time.sleep(0.5)
            if proc.poll() is None:
                yield url
                return
            if attempt == attempts:
                pytest.fail(f"{argv[0]} exited before it was ready (exit code {proc.poll()}), {attempts} ports tried")
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
