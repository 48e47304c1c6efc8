"""Helpers shared by commands: settings + services from the environment."""

from __future__ import annotations

from assistant.services import Services, build_services
from assistant.settings import load_settings


def services(**overrides) -> Services:
    return build_services(load_settings(**overrides))
