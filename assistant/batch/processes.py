"""Local worker processes: how ``batch run --processes N`` (and the engine benchmark) split a run
over several processes on this machine, start them, and stop them.

One Python process is held by its CPU per request (the GIL): at concurrency 128 against a 200 ms
endpoint it sends 330-480 requests/s (by the machine), not 640. Several processes on one job claim items through
the job store's leases, as workers on several machines do.

Sign-in: a child signs in itself (``UserService.sign_in``: the same check as the parent's, which
has already refused a wrong password before any child starts). Its user name is in its argv; the
password reaches it only through its stdin pipe, as the first line (``--password-stdin``): never in
argv (other users' ``ps``), the environment (``ASSISTANT_PASSWORD`` is removed from the children's)
or a file. In local single-user mode (no users) nothing is passed. Forking after the parent signed
in was not chosen: the parent's database engines, Chroma client and threads would be copied into
every child.

The pipe stays open as a lifeline: when it closes (the parent stops its children, or the parent
died, even by ``kill -9``) a child takes no new item, finishes the ones in flight and ends. The
children run in their own session, so the terminal's Ctrl-C reaches only the parent, which closes
the pipes, waits (a second Ctrl-C, or ``grace_s``, ends them at once), and says how to resume.
An item of a child that did not end cleanly goes back to the pool at the next ``batch resume``
(its process is gone) or when its lease runs out.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TypeVar

from assistant.errors import InputError

Options = TypeVar("Options")


def max_processes() -> int:
    return 2 * (os.cpu_count() or 1)


def shares(total: int, processes: int) -> list[int]:
    """``total`` split into ``processes`` parts that differ by at most one (none empty)."""
    if not 1 <= processes <= max(1, total):
        raise InputError(f"cannot split {total} items in flight over {processes} processes",
                         fix=f"use between 1 and {max(1, total)} processes, or a higher --concurrency")
    return [total // processes + (i < total % processes) for i in range(processes)]


def split(options: Options, processes: int) -> list[Options]:
    """One run's options (a dataclass with ``concurrency``, optional ``rpm``/``tpm``) for each of
    ``processes`` processes: the concurrency split, each rate limit split in the same proportions,
    so together they send no more than the one process would have."""
    if not 1 <= processes <= max_processes():
        raise InputError(f"--processes {processes} is out of range",
                         fix=f"use 1 to {max_processes()} (twice this machine's {os.cpu_count()} CPUs)")
    total = options.concurrency
    parts = []
    for share in shares(total, processes):
        limits = {k: getattr(options, k) * share / total for k in ("rpm", "tpm") if getattr(options, k, None)}
        parts.append(dataclasses.replace(options, concurrency=share, **limits))
    return parts


def child_environment() -> dict[str, str]:
    """The parent's environment without the password (it goes through the pipe, if at all)."""
    return {k: v for k, v in os.environ.items() if k != "ASSISTANT_PASSWORD"}


def lifeline(stream: IO[str] | None = None) -> threading.Event:
    """Set when ``stream`` (default: standard input) reaches its end: the parent closed the pipe,
    or died. Lines sent meanwhile are read and ignored by this watcher."""
    ended = threading.Event()
    source = stream or sys.stdin

    def watch() -> None:
        try:
            while source.readline():
                pass
        except (OSError, ValueError):
            pass
        ended.set()

    threading.Thread(target=watch, name="lifeline", daemon=True).start()
    return ended


class ProcessGroup:
    """Child processes started together; ``secret`` (a password, or ``None``) is written to each
    one's stdin as its first line and the pipe kept open (``lifeline``). Leaving the ``with`` block
    stops them (``stop``): none outlives the parent's command."""

    def __init__(self, commands: Sequence[Sequence[str]], *, logs: Sequence[Path], secret: str | None = None,
                 env: dict[str, str] | None = None, cwd: Path | None = None):
        self.commands, self.logs, self.secret = [list(c) for c in commands], list(logs), secret
        self.env = env if env is not None else child_environment()
        self.cwd = cwd
        self.procs: list[subprocess.Popen] = []

    def __enter__(self) -> ProcessGroup:
        try:
            for command, log in zip(self.commands, self.logs):
                log.parent.mkdir(parents=True, exist_ok=True)
                with log.open("wb") as out:
                    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=out, stderr=subprocess.STDOUT,
                                            env=self.env, cwd=self.cwd, start_new_session=True, text=True)
                self.procs.append(proc)
                if self.secret is not None:
                    self._write(proc, self.secret)
        except BaseException:
            self.stop(grace_s=0)
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    def send(self, line: str) -> None:
        """A line to every child still running (after the secret)."""
        for proc in self.procs:
            self._write(proc, line)

    @staticmethod
    def _write(proc: subprocess.Popen, line: str) -> None:
        try:
            proc.stdin.write(line + "\n")
            proc.stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            pass  # it has ended already: its exit code says why

    def codes(self) -> list[int | None]:
        """Each child's exit code (negative: the signal that ended it), ``None`` while running."""
        return [p.poll() for p in self.procs]

    def failed(self) -> int | None:
        """The index of a child that ended with an error, if any."""
        return next((i for i, code in enumerate(self.codes()) if code not in (None, 0)), None)

    def running(self) -> bool:
        return any(code is None for code in self.codes())

    def stop(self, grace_s: float = 30.0) -> list[int | None]:
        """Close every lifeline (a child then finishes what is in flight and ends); after
        ``grace_s``, or at a second Ctrl-C, interrupt and then kill whatever still runs."""
        for proc in self.procs:
            try:
                proc.stdin.close()
            except (BrokenPipeError, OSError):
                pass
        try:
            self._wait(grace_s)
        except KeyboardInterrupt:
            pass
        finally:
            for sig, wait_s in ((signal.SIGINT, 5.0), (signal.SIGKILL, 5.0)):
                if not self.running():
                    break
                for proc in self.procs:
                    if proc.poll() is None:
                        proc.send_signal(sig)
                self._wait(wait_s)
        return self.codes()

    def _wait(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while self.running() and time.monotonic() < deadline:
            time.sleep(0.05)


def ended_how(code: int | None) -> str:
    if code is None:
        return "is still running"
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"ended with exit code {code}"
