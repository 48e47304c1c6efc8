"""Files that platforms import, with their documented column headers.

Shopify product CSV   https://help.shopify.com/en/manual/products/import-export/using-csv
                      (one language per file; products import as drafts: Published FALSE, Status draft)
Amazon flat file      inventory-file attribute names (item_sku, item_name, bullet_point1-5, ...), tab-
                      delimited text as Seller Central's "Text (Tab-delimited)" upload takes it;
                      update_delete = PartialUpdate changes only the copy of existing listings
Google Ads Editor     https://support.google.com/google-ads/editor/answer/57747 (responsive search ads:
                      Headline 1-15, Description 1-4, Path 1-2, Final URL)
"""

from __future__ import annotations

from html import escape
from assistant.errors import InputError
from assistant.export.items import ExportItem, RenderContext, slug
from assistant.export.tabular import to_csv

SHOPIFY_HEADERS = [
    "Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags", "Published",
    "Option1 Name", "Option1 Value", "Variant SKU", "Variant Price", "Image Src", "Image Alt Text",
    "SEO Title", "SEO Description", "Status",
]
AMAZON_HEADERS = [
    "item_sku", "update_delete", "brand_name", "item_name", "product_description",
    *[f"bullet_point{i}" for i in range(1, 6)], "generic_keywords",
]
GOOGLE_ADS_HEADERS = [
    "Campaign", "Ad group", "Ad type", *[f"Headline {i}" for i in range(1, 16)],
    *[f"Description {i}" for i in range(1, 5)], "Path 1", "Path 2", "Final URL",
]


def body_html(item: ExportItem) -> str:
    paragraphs = [p.strip() for p in item.text("description").split("\n") if p.strip()]
    html = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    bullets = item.texts("bullets")
    if bullets:
        html += "<ul>" + "".join(f"<li>{escape(b)}</li>" for b in bullets) + "</ul>"
    return html


def render_shopify(items: list[ExportItem], ctx: RenderContext) -> str:
    rows = []
    for item in items:
        p = item.product
        rows.append({
            "Handle": slug(f"{p.name}-{item.sku}"), "Title": item.text("title"), "Body (HTML)": body_html(item),
            "Vendor": p.brand or item.brand, "Product Category": "", "Type": p.category or "",
            "Tags": ", ".join(item.texts("search_keywords")), "Published": "FALSE",
            "Option1 Name": "Title", "Option1 Value": "Default Title", "Variant SKU": item.sku,
            "Variant Price": f"{p.price:.2f}" if p.price is not None else "", "Image Src": p.image_url or "",
            "Image Alt Text": item.text("image_alt_text"), "SEO Title": item.text("meta_title"),
            "SEO Description": item.text("meta_description"), "Status": "draft",
        })
    return to_csv(SHOPIFY_HEADERS, rows)


def render_amazon(items: list[ExportItem], ctx: RenderContext) -> str:
    rows = []
    for item in items:
        bullets = item.texts("bullets")[:5]
        row = {
            "item_sku": item.sku, "update_delete": "PartialUpdate", "brand_name": item.product.brand or item.brand,
            "item_name": item.text("title"), "product_description": item.text("description"),
            "generic_keywords": " ".join(item.texts("search_keywords")),
        }
        row |= {f"bullet_point{i + 1}": bullets[i] if i < len(bullets) else "" for i in range(5)}
        rows.append(row)
    return to_csv(AMAZON_HEADERS, rows, delimiter="\t")


def final_url(item: ExportItem, template: str | None) -> str:
    facts = item.product.facts
    url = facts.get("url") or facts.get("product_url") or facts.get("final_url")
    if url:
        return url
    if template:
        return template.format(sku=item.sku, handle=slug(f"{item.product.name}-{item.sku}"), lang=item.lang)
    raise InputError(
        f"no landing page for item {item.item_id} ({item.sku}): Google Ads needs a Final URL",
        fix="pass --final-url 'https://shop.example/products/{handle}' ({sku}, {handle}, {lang} are filled in), "
        "or give the product a 'url' fact")


def render_google_ads(items: list[ExportItem], ctx: RenderContext) -> str:
    rows = []
    for item in items:
        headlines, descriptions, paths = item.texts("headlines"), item.texts("descriptions"), item.texts("paths")
        row = {
            "Campaign": ctx.campaign or f"{item.brand} {item.market} {item.lang}",
            "Ad group": ctx.ad_group or item.product.name, "Ad type": "Responsive search ad",
            "Path 1": paths[0] if paths else "", "Path 2": paths[1] if len(paths) > 1 else "",
            "Final URL": final_url(item, ctx.final_url),
        }
        row |= {f"Headline {i + 1}": headlines[i] if i < len(headlines) else "" for i in range(15)}
        row |= {f"Description {i + 1}": descriptions[i] if i < len(descriptions) else "" for i in range(4)}
        rows.append(row)
    return to_csv(GOOGLE_ADS_HEADERS, rows)
