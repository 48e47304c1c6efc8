import csv
import json

from assistant.catalog import load_products
from assistant.export import export_drafts, write_report
from tests.conftest import SAMPLE_PRODUCTS


def _drafts(services, scripted, listing, n=2):
    product = load_products(SAMPLE_PRODUCTS)[0]
    scripted.queue(*[listing] * n)
    return [services.generator.generate("listing", product, services.brand(), lang="en", market="US") for _ in range(n)]


def test_csv_and_jsonl_parse_back(services, scripted, good_listing, tmp_path):
    drafts = _drafts(services, scripted, {**good_listing, "title": "=HYPERLINK(\"http://x\")"})
    path = export_drafts(drafts, "csv", tmp_path)
    rows = list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) == 2 and rows[0]["bullet_1"] == good_listing["bullets"][0]
    assert rows[0]["title"].startswith("'=")  # formula injection neutralised
    lines = export_drafts(drafts, "jsonl", tmp_path).read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["id"] for x in lines] == [d.id for d in drafts]
    assert not list(tmp_path.glob(".*.tmp"))


def test_report_highlights_findings_and_escapes_html(services, scripted, good_listing, tmp_path):
    drafts = _drafts(services, scripted, {**good_listing, "title": "The best <script>x</script> board"}, n=1)
    html = write_report(drafts, tmp_path / "report.html").read_text(encoding="utf-8")
    assert '<mark class="error"' in html and ">best</mark>" in html
    assert "<script>x" not in html and "&lt;script&gt;" in html
    assert "FTC Act" in html  # the finding's source is shown
