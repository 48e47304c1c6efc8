"""Products: the facts copy is written from. Loaded from JSON, JSONL, CSV or XLSX."""

from assistant.catalog.loader import load_products
from assistant.catalog.models import Product

__all__ = ["Product", "load_products"]
