"""Where brand kits live: a team's own folders under ``brands_dir`` (``ASSISTANT_BRANDS_DIR``, default
``<home>/brands``), then the sample brands shipped with the package (read-only).

A brand folder holds ``brand.yaml`` and optionally ``glossary/`` (DeepL CSV, TBX), ``guidelines/``
(md, txt, html, pdf, docx) and ``products.jsonl``. Nothing is ever written into the package: changing
a sample brand (importing a glossary) first copies it into ``brands_dir``.
"""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path

from assistant.errors import InputError

KIT_FILE = "brand.yaml"


def sample_brands_dir() -> Path:
    """The sample brands shipped as package data (``knowledge/`` in a source checkout)."""
    return Path(str(resources.files("assistant") / "_data" / "knowledge"))


class BrandFolders:
    def __init__(self, brands_dir: Path, samples: Path | None = None):
        self.brands_dir = Path(brands_dir)
        self.samples = samples if samples is not None else sample_brands_dir()

    def roots(self) -> list[Path]:
        return [self.brands_dir, self.samples]

    def ids(self) -> list[str]:
        from assistant.brand.kit import list_brands

        return sorted({brand for root in self.roots() for brand in list_brands(root)})

    def path(self, brand_id: str) -> Path:
        """The brand's folder: ``brands_dir`` first, then the samples."""
        from assistant.brand.kit import check_brand_id

        check_brand_id(brand_id)  # a folder name, never a path
        for root in self.roots():
            if (root / brand_id / KIT_FILE).is_file():
                return root / brand_id
        raise InputError(
            f"no brand kit '{brand_id}'",
            where=f"{self.brands_dir} and the packaged samples",
            fix=f"create one with `assistant brand init {brand_id}` (brands: {', '.join(self.ids()) or 'none'})",
        )

    def is_sample(self, brand_id: str) -> bool:
        return self.path(brand_id).parent == self.samples

    def writable(self, brand_id: str) -> Path:
        """The brand's folder in ``brands_dir``; a sample brand is copied there first."""
        folder = self.path(brand_id)
        target = self.brands_dir / brand_id
        if folder != target:
            shutil.copytree(folder, target, dirs_exist_ok=True)
        return target

    def init(self, brand_id: str, name: str | None = None) -> Path:
        """A new brand folder: a commented ``brand.yaml`` (``template.yaml``) and empty glossary/ and
        guidelines/ folders."""
        from assistant.brand.kit import BRAND_ID

        if not BRAND_ID.fullmatch(brand_id):
            raise InputError(f"'{brand_id}' is not a usable brand id",
                             fix="use lower-case letters, digits, - and _ (it becomes a folder name), e.g. acme-home")
        target = self.brands_dir / brand_id
        if (target / KIT_FILE).exists():
            raise InputError("a brand kit already exists here", where=str(target / KIT_FILE),
                             fix="edit it, or choose another name")
        template = resources.files("assistant.brand").joinpath("template.yaml").read_text("utf-8")
        display = name or brand_id.replace("-", " ").replace("_", " ").title()
        for sub in ("glossary", "guidelines"):
            (target / sub).mkdir(parents=True, exist_ok=True)
        text = template.replace("name: __NAME__", f"name: {json.dumps(display, ensure_ascii=False)}")
        (target / KIT_FILE).write_text(text.replace("__ID__", brand_id).replace("__NAME__", display), encoding="utf-8")
        return target
