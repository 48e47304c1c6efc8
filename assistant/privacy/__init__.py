"""Personal data and secrets: find them in inputs and outputs, keep them out of prompts.

``scan_text`` / ``scan_fields`` / ``scan_product`` return checker ``Finding``s (category ``pii``);
``prompt_safe_product`` removes customer-data fields and redacts personal data from a product
before it goes into a prompt, unless ``Settings.allow_customer_data_in_prompts`` is set.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.privacy.detect import PiiMatch, find_pii, redact, scan_fields, scan_product, scan_text
    from assistant.privacy.guard import customer_data_keys, prompt_safe_product

_WHERE = {"customer_data_keys": "guard", "prompt_safe_product": "guard"}  # the rest: detect

__all__ = [
    "PiiMatch", "find_pii", "redact", "scan_fields", "scan_product", "scan_text",
    "customer_data_keys", "prompt_safe_product",
]


def __getattr__(name: str):
    """Imported on first use, so ``assistant.privacy.clues`` (the checker's cheap pre-test) does not
    pay for the detectors' patterns."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"assistant.privacy.{_WHERE.get(name, 'detect')}"), name)
