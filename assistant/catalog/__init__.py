"""Products: the facts copy is written from. Loaded from JSON, JSONL, CSV or XLSX."""

from assistant.catalog.loader import ProductFile, load_products, read_products
from assistant.catalog.models import Product

__all__ = ["Product", "ProductFile", "load_products", "read_products"]
