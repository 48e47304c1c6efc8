"""The streaming catalogue reader: encodings, column aliases, rejected rows with their place."""

from __future__ import annotations

import json

import pytest
from openpyxl import Workbook

from assistant.batch.catalogue import Catalogue, RowError, detect_encoding
from assistant.errors import InputError

ZH = "货号,商品名称,材质,价格\nA1,竹制砧板 大号,竹子,19.9\nA2,不锈钢炒锅,不锈钢,49\n"
JA = "品番,商品名,素材\nJ1,竹のまな板,竹\nJ2,ステンレスのフライパン,ステンレス\n"


@pytest.mark.parametrize("text, encoding, expected", [
    ("sku,name\nS1,Board\nS2,Pan\n", "utf-8", "utf-8"),
    ("sku,name\nS1,Board\nS2,Pan\n", "utf-8-sig", "utf-8-sig"),
    (ZH, "gbk", "gb18030"),
    (ZH, "gb18030", "gb18030"),
    (JA, "shift_jis", "shift_jis"),
])
def test_encoding_is_detected_and_rows_read(tmp_path, text, encoding, expected):
    path = tmp_path / "cat.csv"
    path.write_bytes(text.encode(encoding))
    cat = Catalogue(path)
    assert cat.info.encoding == expected
    products = [e[1] for e in cat if not isinstance(e, RowError)]
    assert len(products) == 2
    assert products[0].name in {"Board", "竹制砧板 大号", "竹のまな板"} or products[0].sku == "S1"
    if text is ZH:
        assert products[0].facts == {"材质": "竹子"} and products[0].price == 19.9


def test_detect_encoding_rejects_binary():
    with pytest.raises(InputError, match="neither UTF-8"):
        detect_encoding(bytes([0x80, 0xff, 0xff, 0xfe, 0x81, 0x00] * 10))


def test_invalid_rows_are_reported_with_place_and_reason_and_valid_rows_go_on(tmp_path):
    path = tmp_path / "cat.csv"
    path.write_text("sku,title,price\nS1,Board,10\nS2,,5\nS3,Pan,cheap\nS1,Again,3\nS4,Lamp,7,extra\nS5,Bowl,2\n",
                    encoding="utf-8")
    entries = list(Catalogue(path))
    errors = {e.where: e.reason for e in entries if isinstance(e, RowError)}
    assert [e[1].sku for e in entries if not isinstance(e, RowError)] == ["S1", "S5"]
    assert "name" in errors["line 3"]
    assert "not a number" in errors["line 4"]
    assert "duplicate sku 'S1' (first at line 2)" in errors["line 5"]
    assert "cells" in errors["line 6"]


def test_jsonl_bad_line_and_column_map_file(tmp_path):
    path = tmp_path / "cat.jsonl"
    path.write_text(json.dumps({"Artikelnummer": "D1", "Bezeichnung": "Brett"}) + "\n{oops\n", encoding="utf-8")
    columns = tmp_path / "columns.yaml"
    columns.write_text("sku: [Artikelnummer]\nname: [Bezeichnung]\n", encoding="utf-8")
    entries = list(Catalogue(path, column_map=columns))
    assert entries[0][1].sku == "D1" and entries[0][1].name == "Brett"
    assert isinstance(entries[1], RowError) and entries[1].where == "line 2" and "JSON" in entries[1].reason


def test_header_without_sku_names_the_fix(tmp_path):
    path = tmp_path / "cat.csv"
    path.write_text("foo,bar\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="--columns"):
        list(Catalogue(path))


def test_xlsx_is_streamed(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["SKU", "Product Name", "Colour"])
    sheet.append(["X1", "Mug", "blue"])
    sheet.append([None, None, None])
    sheet.append(["X2", None, "red"])
    path = tmp_path / "cat.xlsx"
    book.save(path)
    entries = list(Catalogue(path))
    assert entries[0] == ("row 2", entries[0][1]) and entries[0][1].facts == {"Colour": "blue"}
    assert isinstance(entries[1], RowError) and entries[1].where == "row 4"
