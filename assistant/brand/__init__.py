"""Brand kits: who the brand is, how it speaks, what it must and must not say."""

from assistant.brand.glossary import Glossary, GlossaryEntry
from assistant.brand.kit import BrandKit, list_brands, load_brand_kit

__all__ = ["BrandKit", "Glossary", "GlossaryEntry", "list_brands", "load_brand_kit"]
