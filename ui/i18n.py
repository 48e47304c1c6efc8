"""The app's strings in zh-CN and en, read from ``ui/locales/*.yaml`` (data, not code).

Labels are registered while the page is built (``Labels``): they start in the browser's language
(``gr.I18n``) and are re-sent on load and when the user switches language. Messages built by
handlers use ``Texts.t(lang, key, ...)``; the language comes from the switch, else the browser's
``Accept-Language``.
"""

from __future__ import annotations

import functools
from importlib import resources

import yaml

from assistant.errors import ConfigError

LOCALES = ("en", "zh-CN")
DEFAULT = "en"
CHOICES = [("English", "en"), ("中文", "zh-CN")]


@functools.lru_cache(maxsize=1)
def catalogs() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for code in LOCALES:
        text = resources.files("ui").joinpath("locales", f"{code}.yaml").read_text("utf-8")
        out[code] = {k: str(v) for k, v in (yaml.safe_load(text) or {}).items()}
    missing = set(out[DEFAULT]) ^ set(out["zh-CN"])
    if missing:
        raise ConfigError(f"ui/locales: keys not in every language: {', '.join(sorted(missing))}",
                          fix="add each key to en.yaml and zh-CN.yaml")
    return out


def pick(accept_language: str | None) -> str:
    """The first of our languages the browser asks for (``zh``, ``zh-CN``, ``zh-Hans`` all mean zh-CN)."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return DEFAULT


def t(lang: str | None, key: str, /, **values) -> str:
    table = catalogs().get(lang or DEFAULT, catalogs()[DEFAULT])
    text = table.get(key) or catalogs()[DEFAULT][key]
    return text.format(**values) if values else text


def gradio_i18n():
    import gradio as gr

    return gr.I18n(**{code: table for code, table in catalogs().items()})


class Labels:
    """Components and the key of their label, so one handler can relabel the whole page."""

    def __init__(self):
        self.i18n = gradio_i18n()
        self.entries: list[tuple[object, str, str]] = []  # (component, attribute, key)

    def __call__(self, key: str):
        return self.i18n(key)

    def add(self, component, key, attr: str = "label"):
        """``key`` is one key, or for ``attr="headers"`` a list of keys (a table's column names)."""
        self.entries.append((component, attr, key))
        return component

    def table(self, component, label_key: str, header_keys: list[str]):
        self.add(component, label_key)
        return self.add(component, header_keys, "headers")

    @property
    def components(self) -> list:
        seen: dict[int, object] = {}
        for c, _, _ in self.entries:
            seen.setdefault(id(c), c)
        return list(seen.values())

    def updates(self, lang: str) -> list:
        import gradio as gr

        merged: dict[int, dict] = {}
        order: list = []
        for component, attr, key in self.entries:
            if id(component) not in merged:
                merged[id(component)] = {}
                order.append(component)
            merged[id(component)][attr] = [t(lang, k) for k in key] if isinstance(key, list) else t(lang, key)
        return [gr.update(**merged[id(c)]) for c in order]
