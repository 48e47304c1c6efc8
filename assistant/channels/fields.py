"""The one walk over a draft's fields: every text with its label, as the checker, the report, the
diff, the privacy scan and generation name them (``title``, ``bullets[2]``, ``nested.key``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldText:
    name: str  # the field (the list's name for its items)
    label: str  # ``name``, ``name[i]`` for list items, ``prefix.name`` inside a nested object
    text: str
    index: int | None = None  # position in the list


def walk_fields(fields: Mapping[str, Any], skip: Iterable[str] = (), prefix: str = "") -> Iterator[FieldText]:
    """Each text in order; ``None`` values are left out, nested objects are walked with a dotted prefix."""
    skip = set(skip)
    for name, value in fields.items():
        if name in skip or value is None:
            continue
        if isinstance(value, list):
            for i, item in enumerate(value):
                yield FieldText(name, f"{prefix}{name}[{i}]", str(item), i)
        elif isinstance(value, Mapping):
            yield from walk_fields(value, prefix=f"{prefix}{name}.")
        else:
            yield FieldText(name, f"{prefix}{name}", str(value))
