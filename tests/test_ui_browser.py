"""End to end in a real browser: Playwright for Python driving Debian's chromium (never Playwright's
own browser download) against the app on 127.0.0.1 with the scripted model, in English and Chinese.

A writer signs in, uploads a product file, generates a listing, sees the finding highlighted, applies
the fix and submits; a reviewer signs in, sees the diff and approves; the export downloads with the
approved text; the writer sees no approve button and a forged approve call is refused. Screenshots of
every step go to tests/artifacts/ui/<lang>/ (printed at the end); so do the measured timings."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from tests.requirements import require_chromium
from tests.ui_support import PASSWORD, ui_server  # noqa: F401 - fixture
from ui.i18n import t

ARTIFACTS = Path(__file__).parent / "artifacts" / "ui"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.mark.parametrize("ci, outcome", [("1", pytest.fail.Exception), ("", pytest.skip.Exception)])
def test_a_missing_chromium_fails_in_ci_and_skips_elsewhere(monkeypatch, tmp_path, ci, outcome):
    monkeypatch.setenv("ASSISTANT_CI", ci)
    with pytest.raises(outcome, match="Chromium"):
        require_chromium(which=lambda name: None, fallback=tmp_path / "no-chromium")  # named in the message


def field(page, elem_id: str):
    return page.locator(f"#{elem_id}").locator("input, textarea").first


class Flow:
    def __init__(self, page, lang: str, shots: Path):
        self.page, self.lang, self.shots, self.n = page, lang, shots, 0

    def shot(self, name: str) -> None:
        self.n += 1
        self.page.screenshot(path=str(self.shots / f"{self.n:02d}-{name}.png"), full_page=True)

    def sign_in(self, name: str) -> None:
        field(self.page, "user-name").fill(name)
        field(self.page, "password").fill(PASSWORD)
        self.page.locator("#sign-in").click()
        self.page.locator("#status").get_by_text(name).wait_for()

    def sign_out(self) -> None:
        self.page.locator("#sign-out").click()
        self.page.locator("#signin").wait_for()

    def tab(self, key: str) -> None:
        self.page.get_by_role("tab", name=t(self.lang, key)).click()

    def wait_text(self, elem_id: str, text: str, timeout: float = 30_000) -> None:
        from playwright.sync_api import expect

        expect(self.page.locator(f"#{elem_id}")).to_contain_text(text, timeout=timeout)


@pytest.mark.timeout(240)
@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_write_review_export_in_a_browser(ui_server, lang, tmp_path):  # noqa: F811
    chromium = require_chromium()
    from gradio_client import Client
    from gradio_client.exceptions import AppError
    from playwright.sync_api import sync_playwright

    url, svc = ui_server
    shots = ARTIFACTS / lang
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    product_file = tmp_path / "products.jsonl"
    source = Path(__file__).parent.parent / "knowledge" / "bambuu" / "products.jsonl"
    product_file.write_text(source.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    timings = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = browser.new_context(locale=lang, viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(30_000)
        flow = Flow(page, lang, shots)

        start = time.monotonic()
        page.goto(url)
        page.get_by_role("button", name=t(lang, "sign_in")).wait_for()  # labels in the browser's language
        flow.wait_text("status", t(lang, "signed_out"))  # the load event has answered
        timings["first_page_load_s"] = round(time.monotonic() - start, 2)
        flow.shot("sign-in-page")

        # writer: upload, generate, see the finding, apply the fix, submit
        flow.sign_in("wendy")
        assert not page.locator("#approve").is_visible()
        page.locator("#product-file input[type=file]").set_input_files(str(product_file))
        flow.wait_text("write-msg", "1")
        flow.shot("products-uploaded")
        start = time.monotonic()
        page.locator("#generate").click()
        flow.wait_text("highlighted", "eco-friendly")
        timings["generate_round_trip_s"] = round(time.monotonic() - start, 2)
        marked = page.locator("#highlighted").locator(".token.highlighted").filter(has_text="eco-friendly")
        assert marked.count() >= 1, "the banned term is not highlighted"
        flow.wait_text("fix-diff", "made from FSC-certified bamboo")
        flow.shot("draft-with-finding")
        page.locator("#apply-fix").click()
        flow.wait_text("highlighted", "made from FSC-certified bamboo")
        flow.shot("fix-applied")
        page.locator("#submit").click()
        flow.wait_text("write-msg", t(lang, "submitted", item=1))
        flow.shot("submitted")
        item = svc.workflow.get(1)
        assert item.status == "in_review" and item.version == 2

        # a writer cannot approve: no button, and a forged API call is refused by the server
        flow.tab("tab_review")
        field(page, "review-id").fill("1")
        page.locator("#open-item").click()
        page.locator("#review-diff table").wait_for()
        assert not page.locator("#approve").is_visible()
        flow.shot("writer-sees-no-approve")
        forged = Client(url, verbose=False)
        forged.predict("wendy", PASSWORD, lang, api_name="/sign_in")
        forged.predict(1, None, lang, api_name="/open_item")  # a decision needs a version seen first
        with pytest.raises(AppError, match="writer may not approve"):
            forged.predict(1, "", "", lang, api_name="/approve")
        anonymous = Client(url, verbose=False)
        with pytest.raises(AppError, match="not signed in"):
            anonymous.predict(1, "", "", lang, api_name="/approve")
        assert svc.workflow.get(1).status == "in_review"
        flow.sign_out()

        # reviewer: queue, diff of v1 and v2, approve
        flow.sign_in("rita")
        flow.tab("tab_review")
        page.locator("#refresh").click()
        flow.wait_text("queue", "BH-CB-01")
        field(page, "review-id").fill("1")
        page.locator("#open-item").click()
        flow.wait_text("review-diff", "made from FSC-certified bamboo")
        flow.shot("reviewer-diff")
        page.locator("#approve").click()
        flow.wait_text("review-msg", "approved")
        flow.shot("approved")
        assert svc.workflow.get(1).status == "approved"

        # export: the CSV downloads and holds the approved text
        flow.tab("tab_export")
        page.locator("#export").click()
        link = page.locator("#export-file").get_by_role("link").first
        link.wait_for()
        with page.expect_download() as download:
            link.click()
        saved = tmp_path / "download.csv"
        download.value.save_as(saved)
        text = saved.read_text(encoding="utf-8-sig")
        assert "made from FSC-certified bamboo" in text and "eco-friendly" not in text
        flow.shot("exported")

        # the switch changes the interface language (content languages stay as they are)
        other = "en" if lang == "zh-CN" else "zh-CN"
        page.locator("#ui-lang").get_by_text("English" if other == "en" else "中文").click()
        page.get_by_role("tab", name=t(other, "tab_review")).wait_for()
        flow.wait_text("export", t(other, "export"))
        flow.shot("language-switched")
        browser.close()
    (shots / "timings.json").write_text(json.dumps(timings, indent=1), encoding="utf-8")
    print(f"\nscreenshots: {sorted(p.name for p in shots.glob('*.png'))} in {shots}; timings: {timings}")
