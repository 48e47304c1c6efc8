"""A/B variants: distinct angles, and near-duplicates removed by character n-gram Jaccard similarity."""

from __future__ import annotations

import re
from typing import Any

from assistant.generation.terms import texts

ANGLES: dict[str, str] = {
    "benefit": "Lead with the main benefit for the customer: what gets easier or better in daily life.",
    "feature": "Lead with the most distinctive feature and the concrete fact behind it (material, size, spec).",
    "social_proof": "Lead with proof that others trust it: certifications, awards or reviews ONLY if the facts "
                    "state them; never invent ratings, customer numbers or testimonials.",
    "offer": "Lead with the value for the price as given; mention an offer only if the facts state one, "
             "never invent discounts or deadlines.",
}
NEAR_DUPLICATE = 0.6  # Jaccard similarity of character 3-grams at or above which two variants are one


def angle_for(index: int) -> str:
    names = list(ANGLES)
    return names[index % len(names)]


def shingles(text: str, n: int = 3) -> set[str]:
    text = re.sub(r"\s+", " ", text.lower()).strip()
    return {text[i : i + n] for i in range(max(1, len(text) - n + 1))}


def jaccard(a: set[str], b: set[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def similarity(fields_a: dict[str, Any], fields_b: dict[str, Any]) -> float:
    return jaccard(shingles(" ".join(texts(fields_a))), shingles(" ".join(texts(fields_b))))


def is_near_duplicate(fields: dict[str, Any], kept: list[dict[str, Any]], threshold: float = NEAR_DUPLICATE) -> bool:
    return any(similarity(fields, other) >= threshold for other in kept)
