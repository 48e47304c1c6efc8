"""Our own exceptions. Each says what went wrong, where, and how to fix it.

They are converted to CLI/UI messages only at the edge (see ``assistant.cli``). ``ExitCode`` is the one
list of what the CLI returns; each error class names its code.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Every exit code of the ``assistant`` command (the README lists the same)."""

    OK = 0
    FINDINGS = 1  # review: the copy has error-severity findings
    BAD_INPUT = 2  # bad input or settings: the message names the file, line or field and how to fix it
    PROVIDER = 3  # the model provider failed, or a draft failed at provider or schema level (generate, demo)
    REFUSED = 4  # not signed in, role not allowed, state does not allow it, error findings without override
    CONFLICT = 5  # someone changed the item since you looked (show it and retry), or the database is busy
    INTERRUPTED = 130  # Ctrl-C; everything finished before is saved


class AssistantError(Exception):
    """Base class. ``exit_code`` is what the CLI returns when this reaches it."""

    exit_code: ExitCode = ExitCode.BAD_INPUT

    def __init__(self, what: str, *, where: str | None = None, fix: str | None = None):
        self.what = what
        self.where = where
        self.fix = fix
        super().__init__(self.render())

    def render(self) -> str:
        parts = [self.what if not self.where else f"{self.where}: {self.what}"]
        if self.fix:
            parts.append(f"Fix: {self.fix}")
        return "\n".join(parts)


class InputError(AssistantError):
    """The user's input (a file, a flag, a row) is invalid."""


class ConfigError(AssistantError):
    """Settings or a data file shipped with the project are invalid."""


class ProviderError(AssistantError):
    """An LLM or embedding provider could not be built or failed to answer."""

    exit_code = ExitCode.PROVIDER


class MissingDependencyError(ProviderError):
    def __init__(self, package: str, extra: str, purpose: str):
        super().__init__(
            f"{purpose} needs the Python package '{package}', which is not installed",
            fix=f"pip install 'brand-content-assistant[{extra}]' (or: make demo, which installs it)",
        )


class NotFoundError(AssistantError):
    exit_code = ExitCode.BAD_INPUT
