"""Brand kits in brands_dir, the packaged sample, `brand init`, and reads that write nothing."""

import hashlib

import pytest
from sqlalchemy import func, select

from assistant.brand.folders import BrandFolders, sample_brands_dir
from assistant.catalog import load_products
from assistant.storage.tables import BrandKitRow
from tests.conftest import SAMPLE_PRODUCTS
from tests.helpers import run_cli


def tree_digest(folder):
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


def test_brand_init_scaffolds_a_commented_kit_that_loads_and_is_found_first(capsys, isolated_home):
    code, out, err = run_cli(capsys, "brand", "init", "acme-home", "--name", "Acme: Home")
    assert code == 0, err
    folder = isolated_home / "brands" / "acme-home"
    text = (folder / "brand.yaml").read_text()
    assert text.count("#") > 10 and 'name: "Acme: Home"' in text
    assert (folder / "glossary").is_dir() and (folder / "guidelines").is_dir()
    code, out, _ = run_cli(capsys, "brand", "list")
    assert "acme-home" in out and "bambuu" in out and "sample, read-only" in out
    code, _, err = run_cli(capsys, "brand", "init", "acme-home")
    assert code == 2 and "already exists" in err
    code, _, err = run_cli(capsys, "brand", "init", "Acme Home")
    assert code == 2 and "not a usable brand id" in err


def test_the_brands_dir_setting_and_an_unknown_brand(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_BRANDS_DIR", str(tmp_path / "kits"))
    run_cli(capsys, "brand", "init", "acme")
    assert (tmp_path / "kits" / "acme" / "brand.yaml").exists()
    code, _, err = run_cli(capsys, "review", "--text", "Title: A board", "--brand", "nope")
    assert code == 2 and "no brand kit 'nope'" in err and "assistant brand init nope" in err


def test_glossary_import_for_the_sample_brand_writes_into_brands_dir_never_the_package(capsys, tmp_path,
                                                                                        isolated_home):
    before = tree_digest(sample_brands_dir())
    terms = tmp_path / "en-fr.csv"
    terms.write_text("cutting board,planche à découper,en,fr\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "kb", "glossary", "import", str(terms))
    assert code == 0, err
    copied = isolated_home / "brands" / "bambuu"
    assert (copied / "glossary" / "en-fr.csv").exists() and (copied / "brand.yaml").exists()
    assert tree_digest(sample_brands_dir()) == before
    assert BrandFolders(isolated_home / "brands").path("bambuu") == copied  # the team's copy wins now
    code, out, _ = run_cli(capsys, "kb", "glossary", "export", "--pair", "en-fr")
    assert "planche à découper" in out


def test_reading_a_brand_writes_nothing_and_a_stored_draft_records_its_kit_once(services, scripted, good_listing):
    kit = services.brand()
    services.brand()
    assert "engine" not in services.__dict__  # no database opened for a read
    product = load_products(SAMPLE_PRODUCTS)[0]
    scripted.queue(good_listing, good_listing)
    for lang in ("en", "de"):
        services.generator.generate("listing", product, kit, lang=lang, market="US", revise_rounds=0)
    with services.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(BrandKitRow).where(BrandKitRow.brand == kit.id)) == 1


@pytest.mark.parametrize("brand_id", ["bambuu"])
def test_the_sample_brand_ships_with_the_package(brand_id):
    folder = sample_brands_dir() / brand_id
    assert (folder / "brand.yaml").is_file() and (folder / "products.jsonl").is_file()
    assert any((folder / "guidelines").iterdir())
