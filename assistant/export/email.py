"""One HTML file per e-mail, ready for an e-mail tool's "import HTML". Model-written HTML is untrusted:
only an allow-list of tags and attributes passes; scripts, styles, event handlers and
``javascript:`` links are dropped."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from html.parser import HTMLParser
from typing import Any

from assistant.export.items import ExportItem, RenderContext, slug

ALLOWED_TAGS = {"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "span",
                "div", "table", "thead", "tbody", "tr", "td", "th", "img", "hr", "blockquote"}
VOID = {"br", "img", "hr"}
DROP_CONTENT = {"script", "style", "iframe", "object", "embed", "template", "noscript"}
ALLOWED_ATTRS = {"href", "src", "alt", "title", "width", "height", "colspan", "rowspan", "align"}
SAFE_URL = ("http://", "https://", "mailto:", "{{", "#")


class _Sanitiser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.open: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in DROP_CONTENT:
            self.skip += 1
            return
        if self.skip or tag not in ALLOWED_TAGS:
            return
        kept = []
        for name, value in attrs:
            value = value or ""
            if name not in ALLOWED_ATTRS:
                continue
            if name in ("href", "src") and not value.strip().lower().startswith(SAFE_URL):
                continue
            kept.append(f' {name}="{escape(value, quote=True)}"')
        self.out.append(f"<{tag}{''.join(kept)}>")
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if tag in DROP_CONTENT:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip or tag not in ALLOWED_TAGS or tag in VOID or tag not in self.open:
            return
        while self.open:
            top = self.open.pop()
            self.out.append(f"</{top}>")
            if top == tag:
                break

    def handle_data(self, data):
        if not self.skip:
            self.out.append(escape(data, quote=False))

    def result(self) -> str:
        return "".join(self.out) + "".join(f"</{t}>" for t in reversed(self.open))


def sanitise_html(html: str) -> str:
    parser = _Sanitiser()
    parser.feed(html)
    parser.close()
    return parser.result()


def _paragraphs(text: str) -> str:
    parts = [p.strip() for p in text.split("\n\n") if p.strip()]
    return "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in parts)


def _body(item: ExportItem) -> str:
    """From the fields: headline, body paragraphs (a list or text), or model-written HTML, sanitised."""
    html = f"<h1>{escape(item.text('headline'))}</h1>" if item.text("headline") else ""
    if item.text("body_html").strip():
        return html + sanitise_html(item.text("body_html"))
    body = item.fields.get("body") or item.fields.get("body_text") or ""
    if isinstance(body, list):
        return html + "".join(_paragraphs(str(p)) for p in body)
    return html + _paragraphs(str(body))


def _with_banner(document: str, banner: str) -> str:
    at = document.find(">", document.lower().find("<body")) + 1 if "<body" in document.lower() else 0
    return document[:at] + banner + document[at:]


def email_file_name(item: ExportItem) -> str:
    return f"emails/{item.item_id}-{slug(item.sku, 40)}-{item.lang}.html"


def render_email(item: ExportItem, ctx: RenderContext) -> str:
    """The brand's own e-mail template when the service could render it (``item.html``, with the
    legal footer), else a plain document built from the fields."""
    banner = ('<p style="background:#c00;color:#fff;padding:8px;font-weight:bold">UNAPPROVED: no reviewer has '
              "approved this e-mail. Do not send.</p>") if ctx.unapproved else ""
    if item.html:
        return _with_banner(item.html, banner)
    subject = escape(item.text("subject"))
    cta = item.text("cta")
    cta_html = f'<p><a href="{{{{cta_url}}}}">{escape(cta)}</a></p>' if cta else ""
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(item.lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="x-approval" content="{"UNAPPROVED" if ctx.unapproved else "approved"}">\n'
        f"<title>{subject}</title>\n</head>\n<body>\n"
        f'<span style="display:none;max-height:0;overflow:hidden">{escape(item.text("preheader"))}</span>\n'
        f"{banner}{_body(item)}\n{cta_html}\n</body>\n</html>\n"
    )


def render_emails(items: list[ExportItem], ctx: RenderContext) -> dict[str, str]:
    return {email_file_name(item): render_email(item, ctx) for item in items}


EmailRenderer = Callable[[ExportItem, "dict[str, Any] | None"], "str | None"]


def brand_email_renderer(load_brand: Callable[[str], Any]) -> EmailRenderer:
    """Render an e-mail item with generation's template and the brand kit's legal footer (what the
    generator showed the reviewer); ``None`` when the fields do not fit that template. ``kit`` is the
    brand kit version the item was generated with (stored); without it, the brand's current kit."""

    def render(item: ExportItem, kit: dict[str, Any] | None = None) -> str | None:
        from assistant.brand import BrandKit
        from assistant.generation.email import render_email as brand_template
        from assistant.locales import resolve_language

        brand = BrandKit.model_validate(kit) if kit is not None else load_brand(item.brand)
        try:
            return brand_template(item.fields, brand, resolve_language(item.lang))["body_html"]
        except (KeyError, TypeError):
            return None

    return render
