import pytest
from openpyxl import Workbook

from assistant.catalog import load_products
from assistant.errors import InputError
from tests.conftest import SAMPLE_PRODUCTS


def test_sample_products_load():
    products = load_products(SAMPLE_PRODUCTS)
    assert len(products) == 5
    assert products[0].facts["dimensions"] == "45 x 30 x 2 cm"


def test_csv_maps_known_columns_lists_and_facts(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("sku,name,features,price,material\nA1,Board,groove; handles,12.5,bamboo\n", encoding="utf-8")
    [p] = load_products(path)
    assert p.features == ["groove", "handles"] and p.price == 12.5 and p.facts == {"material": "bamboo"}


def test_xlsx(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["sku", "name", "material"])
    ws.append(["X1", "Lamp", "bamboo"])
    path = tmp_path / "p.xlsx"
    wb.save(path)
    assert load_products(path)[0].facts["material"] == "bamboo"


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("missing.jsonl", '{"sku": "A"}\n', "line 1: field 'name': required field is missing"),
        ("bad.jsonl", '{"sku": "A", "name": "x"}\n{"sku": \n', "line 2: not valid JSON"),
        ("bad.json", '{"sku": "A", ', "not valid JSON"),
        ("typo.jsonl", '{"sku": "A", "name": "x", "prise": 3}\n', "field 'prise': unknown field"),
        ("neg.json", '[{"sku": "A", "name": "x", "price": -1}]', "item 1: field 'price'"),
        ("dup.jsonl", '{"sku": "A", "name": "x"}\n{"sku": "A", "name": "y"}\n', "duplicate sku 'A'"),
        ("noheader.csv", "A1,Board\n", "header row"),
        ("badprice.csv", "sku,name,price\nA,x,cheap\n", "line 2: field 'price'"),
        ("empty.jsonl", "\n", "holds no products"),
        ("p.txt", "sku,name", "unsupported product file type"),
        ("latin1.csv", b"sku,name\nA,Caf\xe9\n", "not UTF-8"),
    ],
)
def test_bad_product_files_name_the_problem(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    with pytest.raises(InputError) as err:
        load_products(path)
    assert expected in str(err.value)
    assert name in str(err.value)
