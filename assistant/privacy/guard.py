"""Keep customer data out of prompts.

A product's ``facts`` may carry customer data (a buyer's review with their name, an order contact,
a recipient for a personalised e-mail). Unless ``allow_customer_data_in_prompts`` is set, such facts
are dropped and personal data in the remaining free text (e-mail addresses, phone numbers, card
numbers, IBANs, API keys) is replaced by ``[email]``, ``[phone]``, ... before anything is sent to
a model. Call ``prompt_safe_product`` on every product before building prompt variables.
"""

from __future__ import annotations

import re

from assistant.catalog import Product
from assistant.privacy.detect import redact

CUSTOMER_KEY = re.compile(
    r"(^|[_\s-])(customer|client|buyer|shopper|recipient|subscriber|reviewer|review_author|"
    r"order|email|e_?mail|phone|mobile|tel|address|contact|first_?name|last_?name|full_?name|"
    r"birthday|date_of_birth|dob)([_\s-]|$)",
    re.IGNORECASE,
)


def customer_data_keys(product: Product) -> list[str]:
    """The fact keys that name customer data (``customer_name``, ``buyer email``, ``order_id``)."""
    return [k for k in product.facts if CUSTOMER_KEY.search(k)]


def prompt_safe_product(product: Product, *, allow_customer_data: bool) -> Product:
    """The product as it may be shown to a model. With ``allow_customer_data`` it is unchanged."""
    if allow_customer_data:
        return product
    dropped = set(customer_data_keys(product))
    return product.model_copy(update={
        "name": redact(product.name),
        "description": redact(product.description) if product.description else product.description,
        "features": [redact(f) for f in product.features],
        "facts": {k: redact(v) for k, v in product.facts.items() if k not in dropped},
        "keywords": [redact(k) for k in product.keywords],
    })
