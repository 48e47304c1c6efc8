"""Brand kits (validation with file:line, several brands, glossary files) and glossary formats."""

from __future__ import annotations

import shutil

import pytest

from assistant.brand import Glossary, GlossaryEntry, list_brands, load_brand_kit
from assistant.brand.glossary import (
    export_glossary,
    import_glossary,
    read_deepl_csv,
    read_tbx,
    write_deepl_csv,
    write_tbx,
)
from assistant.errors import InputError
from assistant.settings import REPO_ROOT

SAMPLE_KIT = REPO_ROOT / "knowledge" / "bambuu" / "brand.yaml"
GOOD = """\
id: acme
name: Acme Kitchen
voice:
  tone: [warm]
banned_terms:
  - {term: eco-friendly, lang: en, replacement: FSC-certified}
legal_footer:
  company: Acme Ltd.
  postal_address: 1 Main St
"""


def test_sample_kit_loads_with_its_glossaries():
    kit = load_brand_kit(SAMPLE_KIT)
    assert kit.id == "bambuu" and kit.legal_footer.company.startswith("Hangzhou Bambuu")
    pairs = {g.pair: g for g in kit.glossary}
    assert set(pairs) == {"en-ja", "en-zh", "en-de"}  # inline + glossary/en-zh.csv + glossary/en-de.csv
    assert kit.glossary_for("en", "zh-Hans").entries[0] == GlossaryEntry(source="cutting board", target="砧板")
    assert "砧板" in kit.expand_query("a cutting board listing") and "juice groove" in kit.expand_query("导流槽")
    block = kit.prompt_block("zh-Hans")
    assert "Translate 'cutting board' as '砧板'" in block and "Never write '环保'" in block
    assert "砧板" not in kit.prompt_block()


@pytest.mark.parametrize(
    "edit, where, message",
    [
        (("tone: [warm]", "tone: warm"), ":4", "field 'voice.tone': Input should be a valid list"),
        (("  company: Acme Ltd.\n", ""), ":7", "field 'legal_footer.company': Field required"),
        (("name: Acme Kitchen", "name: Acme Kitchen\ncolour: red"), ":3", "field 'colour': unknown key"),
        (("lang: en,", "lang: en, weight: 3,"), ":6", "field 'banned_terms.0.weight': unknown key"),
        (("id: acme", "id: Acme Kitchen"), ":1", "field 'id': String should match pattern"),
        (("voice:\n", "voice: [\n"), ":5", "not valid YAML"),
    ],
)
def test_brand_kit_errors_name_file_and_line(tmp_path, edit, where, message):
    path = tmp_path / "acme" / "brand.yaml"
    path.parent.mkdir()
    path.write_text(GOOD.replace(*edit), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_brand_kit(path)
    assert f"{path}{where}: " in str(err.value)
    assert message in str(err.value)


def test_several_brands_side_by_side(tmp_path):
    shutil.copytree(SAMPLE_KIT.parent, tmp_path / "bambuu", ignore=shutil.ignore_patterns("guidelines"))
    (tmp_path / "acme").mkdir()
    (tmp_path / "acme" / "brand.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "notes").mkdir()
    assert list_brands(tmp_path) == ["acme", "bambuu"]
    assert load_brand_kit(tmp_path / "acme" / "brand.yaml").glossary == []


def test_deepl_csv_round_trip_keeps_commas_quotes_and_languages(tmp_path):
    glossary = Glossary(source_lang="en", target_lang="zh-Hans", entries=[
        GlossaryEntry(source="cutting board", target="砧板"),
        GlossaryEntry(source='12" pan, tri-ply', target="12 英寸三层复合锅"),
        GlossaryEntry(source="CoreHeat", target="CoreHeat"),
    ])
    path = tmp_path / "out.csv"
    text = write_deepl_csv(glossary, path)
    assert text.splitlines()[1] == '"12"" pan, tri-ply",12 英寸三层复合锅,en,zh-hans'
    assert read_deepl_csv(path) == glossary


def test_two_column_csv_takes_the_pair_from_the_file_name(tmp_path):
    path = tmp_path / "en-de.csv"
    path.write_text("\ufeffcutting board,Schneidebrett\n\nfrying pan,Bratpfanne\n", encoding="utf-8")
    g = read_deepl_csv(path)
    assert (g.pair, len(g.entries)) == ("en-de", 2)


@pytest.mark.parametrize(
    "content, row, message",
    [
        ("a,b\nc\n", 2, "expected 2 or 4 columns"),
        ("a,b\n,x\n", 2, "empty source or target term"),
        ("board,Brett\nboard,Schneidebrett\n", 2, "'board' is already defined on row 1"),
        ("a,b,en,de\nc,d,en,fr\n", 2, "language pair en-fr differs from en-de"),
    ],
)
def test_bad_csv_rows_are_named(tmp_path, content, row, message):
    path = tmp_path / "en-de.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message) as err:
        read_deepl_csv(path)
    assert f"{path}:{row}:" in str(err.value)


def test_csv_without_a_pair_is_refused(tmp_path):
    path = tmp_path / "terms.csv"
    path.write_text("a,b\n", encoding="utf-8")
    with pytest.raises(InputError, match="language pair is unknown"):
        read_deepl_csv(path)


def test_tbx_round_trip_all_pairs_from_one_source_language(tmp_path):
    kit = load_brand_kit(SAMPLE_KIT)
    path = tmp_path / "bambuu.tbx"
    write_tbx(kit.glossary, path)
    back = {g.pair: g for g in read_tbx(path)}
    assert set(back) == {"en-ja", "en-zh", "en-de"}
    for g in kit.glossary:
        assert sorted(back[g.pair].entries, key=str) == sorted(g.entries, key=str)


def test_tbx_v2_martif_is_read(tmp_path):
    path = tmp_path / "old.tbx"
    path.write_text("""<?xml version="1.0"?>
<martif type="TBX" xml:lang="en"><text><body>
  <termEntry id="t1">
    <langSet xml:lang="en"><tig><term>desk lamp</term></tig></langSet>
    <langSet xml:lang="fr"><tig><term>lampe de bureau</term></tig></langSet>
  </termEntry>
</body></text></martif>""", encoding="utf-8")
    [g] = read_tbx(path)
    assert (g.pair, g.entries[0].target) == ("en-fr", "lampe de bureau")


def test_import_and_export_through_the_brand_folder(tmp_path):
    tbx = tmp_path / "in.tbx"
    write_tbx([Glossary(source_lang="en", target_lang="fr", entries=[GlossaryEntry(source="lid", target="couvercle")])], tbx)
    written = import_glossary(tbx, tmp_path / "acme" / "glossary")
    assert [p.name for p in written] == ["en-fr.csv"]
    assert read_deepl_csv(written[0]).entries[0].target == "couvercle"
    kit = load_brand_kit(SAMPLE_KIT)
    assert export_glossary(kit.glossary, "csv", "en-de").startswith("cutting board,Schneidebrett,en,de\n")
    with pytest.raises(InputError, match="no glossary for en-ko"):
        export_glossary(kit.glossary, "csv", "en-ko")
    with pytest.raises(InputError, match="DeepL CSV holds one language pair"):
        export_glossary(kit.glossary, "csv")
