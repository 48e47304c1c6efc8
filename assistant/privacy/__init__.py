"""Personal data and secrets: find them in inputs and outputs, keep them out of prompts.

``scan_text`` / ``scan_fields`` / ``scan_product`` return checker ``Finding``s (category ``pii``);
``prompt_safe_product`` removes customer-data fields and redacts personal data from a product
before it goes into a prompt, unless ``Settings.allow_customer_data_in_prompts`` is set.
"""

from assistant.privacy.detect import PiiMatch, find_pii, redact, scan_fields, scan_product, scan_text
from assistant.privacy.guard import customer_data_keys, prompt_safe_product

__all__ = [
    "PiiMatch", "find_pii", "redact", "scan_fields", "scan_product", "scan_text",
    "customer_data_keys", "prompt_safe_product",
]
