"""Script injection (issue 16, finding 1): every value a product file, a model or a user can put into
the HTML review report, the Markdown export or an e-mail export comes out as text, never as markup."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from assistant.brand import load_brand_kit
from assistant.catalog import Product
from assistant.compliance.models import CheckReport, Finding
from assistant.export import write_report
from assistant.export.email import render_email
from assistant.export.items import ExportItem, RenderContext
from assistant.export.tabular import render_markdown
from assistant.generation.email import render_email as brand_email
from assistant.generation.models import Draft, DraftRequest, Usage
from assistant.locales import resolve_language
from assistant.settings import REPO_ROOT

X = '<script>alert(1)</script><img src=x onerror=alert(2)>[x](javascript:alert(3))<a href="data:text/html,4">y</a>'
XS = '<script>alert(1)</script><img src=x onerror=alert(2)>'  # for fields bounded to 80 characters (brand)
EMAIL_FIELDS = {"subject": X, "preheader": X, "headline": X, "body": [X, X], "cta": X}


class _Markup(HTMLParser):
    """Collects what a browser would treat as markup: tags and their attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def assert_inert(html: str) -> None:
    parser = _Markup()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag not in ("script", "iframe", "svg", "object", "embed"), f"<{tag}> survived as markup"
        for name, value in attrs:
            assert not name.startswith("on"), f"event handler {name} on <{tag}>"
            if name in ("href", "src"):
                assert not (value or "").strip().lower().startswith(("javascript:", "data:", "vbscript:")), value


def finding(field: str) -> Finding:
    return Finding(category="unsubstantiated_superlative", rule_id=X, severity="error", start=0, end=8, field=field,
                   message=X, suggestion=X, source=X, matched=X)


def draft(id_: int, *, failed: bool = False, revision_of: int | None = None) -> Draft:
    product = Product(sku=X, name=X, brand=XS, category=X, facts={"url": X})
    fields = {} if failed else {"title": X, "bullets": [X, X + " v" + str(id_)], "description": X}
    report = CheckReport(findings=[] if failed else [finding("title"), finding("bullets[0]")])
    return Draft(id=id_, request=DraftRequest(kind="listing", brand="bambuu", product=product, lang="en", market="US",
                                              platform=X, angle=X),
                 status="failed" if failed else "ok", fields=fields, raw_output=X, error=X if failed else None,
                 report=report, provider=X, model=X, prompt_name=X, prompt_version=1,
                 usage=Usage(encoding=X), guideline_ids=[X, X], round=1 if revision_of else 0,
                 revision_of=revision_of, fixes=[X], rendered={"send_time": X, "segment": X, "send_time_zone": X})


def test_review_report_renders_every_value_as_text(tmp_path):
    first, revised, failed = draft(1), draft(2, revision_of=1), draft(3, failed=True)
    html = write_report([revised, failed], tmp_path / "report.html", title=X, earlier=[first]).read_text("utf-8")
    assert_inert(html)
    assert html.count("&lt;script&gt;") > 20  # the payload is there, as text: product, fields, findings, raw ...


def export_item(**kw) -> ExportItem:
    product = Product(sku=X, name=X, brand=XS, category=X, facts={"url": X}, image_url=X)
    return ExportItem(item_id=1, version=2, status=X, kind=kw.pop("kind", "listing"), brand=X, sku=X, lang="en",
                      market=X, platform=X, product=product, approved_by=X, model=X, prompt=X,
                      fields=kw.pop("fields", {"title": X, "bullets": [X, X], X: X}))


def test_markdown_export_is_inert_when_rendered():
    markdown = render_markdown([export_item(), export_item(fields={"subject": X, "body": X})], RenderContext())
    html = MarkdownIt("commonmark").render(markdown)  # CommonMark passes raw HTML through: it must not be there
    assert_inert(html)
    assert "<a " not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize("unapproved", [False, True])
def test_email_exports_are_inert(unapproved):
    kit = load_brand_kit(REPO_ROOT / "knowledge" / "bambuu" / "brand.yaml")
    branded = brand_email(EMAIL_FIELDS, kit, resolve_language("en"))["body_html"]
    assert_inert(branded)
    item = export_item(kind="email", fields={**EMAIL_FIELDS, "body_html": X})
    assert_inert(render_email(item, RenderContext(unapproved=unapproved)))
    assert_inert(render_email(item.model_copy(update={"html": branded}), RenderContext(unapproved=unapproved)))
