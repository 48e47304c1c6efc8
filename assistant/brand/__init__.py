"""Brand kits: who the brand is, how it speaks, what it must and must not say."""

from assistant.brand.kit import BrandKit, load_brand_kit

__all__ = ["BrandKit", "load_brand_kit"]
