"""Our own exceptions. Each says what went wrong, where, and how to fix it.

They are converted to CLI/UI messages only at the edge (see ``assistant.cli``).
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base class. ``exit_code`` is what the CLI returns when this reaches it."""

    exit_code = 2

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

    exit_code = 3


class MissingDependencyError(ProviderError):
    def __init__(self, package: str, extra: str, purpose: str):
        super().__init__(
            f"{purpose} needs the Python package '{package}', which is not installed",
            fix=f"pip install 'brand-content-assistant[{extra}]' (or: make demo, which installs it)",
        )


class NotFoundError(AssistantError):
    exit_code = 2
