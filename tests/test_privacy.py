"""Personal data found in inputs and outputs; customer data kept out of prompts; API keys never
stored, logged or exported."""

from __future__ import annotations

import logging

import pytest

from assistant.catalog import Product
from assistant.privacy import find_pii, prompt_safe_product, redact, scan_fields, scan_product
from tests.workflow_fixtures import seen, add_users, listing_fields, new_item


@pytest.mark.parametrize("text, kinds", [
    ("Write to jane.doe@example.com today", ["email"]),
    ("Call +49 30 1234 5678 or (555) 123-4567", ["phone", "phone"]),
    ("客服电话 138 0013 8000", ["phone"]),
    ("555-123-4567", ["phone"]),
    ("Card 4111 1111 1111 1111", ["card"]),
    ("IBAN DE89 3704 0044 0532 0130 00", ["iban"]),
    ("key sk-proj-abcdefghijklmnopqrstuvwx and AKIAABCDEFGHIJKLMNOP", ["api_key", "api_key"]),
    # not personal data
    ("Board 45 x 30 x 2 cm, 2024 model, SKU BB-1001, EAN 4006381333931, price 39.99 USD", []),
    ("1200 W, 230 V 50 Hz, order 2023-10-12, 4111 1111 1111 1112", []),
    ("Visit example.com/@brand", []),
])
def test_detection(text, kinds):
    assert [m.kind for m in find_pii(text)] == kinds


def test_findings_name_the_field_and_mask_the_value():
    findings = scan_fields({"title": "Board", "bullets": ["ok", "Mail jane.doe@example.com"]})
    (f,) = findings
    assert (f.category, f.rule_id, f.severity, f.field) == ("pii", "pii.email", "warning", "bullets[1]")
    assert (f.start, f.end) == (5, 25) and "jane.doe@example.com" not in f.message and f.matched == "jan***************om"
    product = Product(sku="A", name="Board", facts={"owner contact": "call +1 800 555 0199"})
    assert [x.field for x in scan_product(product)] == ["input.facts.owner contact"]


def test_customer_data_is_kept_out_of_prompts_unless_allowed():
    product = Product(sku="A", name="Board", description="Ask jane@example.com for samples",
                      facts={"material": "bamboo", "customer_name": "Jane Doe", "buyer email": "j@x.io",
                             "note": "call 555-123-4567"})
    safe = prompt_safe_product(product, allow_customer_data=False)
    assert safe.facts == {"material": "bamboo", "note": "call [phone]"}
    assert safe.description == "Ask [email] for samples"
    assert prompt_safe_product(product, allow_customer_data=True) == product
    assert redact("a@b.co and +1 800 555 0199") == "[email] and [phone]"


def test_pii_in_outputs_and_inputs_becomes_findings_on_the_version(wf):
    item = new_item(wf, listing_fields(description="Questions? Call +1 800 555 0199."))
    rules = {(f.rule_id, f.field) for f in wf.workflow.get(item).current.report.findings}
    assert ("pii.phone", "description") in rules


def test_an_api_key_in_copy_blocks_approval(wf):
    from assistant.workflow import BlockedError

    team = add_users(wf, ("admin", "admin"), ("wendy", "writer"), ("rita", "reviewer"))
    item = new_item(wf, listing_fields(description="Use key sk-abcdefghijklmnopqrstuvwxyz123456"))
    wf.workflow.submit(item, team["wendy"])
    with pytest.raises(BlockedError, match="pii.api_key"):
        wf.workflow.approve(item, team["rita"], expected_version=seen(wf, item))


def test_api_key_is_never_stored_logged_or_exported(monkeypatch, tmp_path, caplog, capsys, scripted, good_listing,
                                                    product_file):
    from assistant.catalog import load_products
    from assistant.cli import main
    from assistant.cli.common import services

    secret = "sk-test-" + "S3CR3T" * 6
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    monkeypatch.setenv("ASSISTANT_PROVIDER", "fake")
    caplog.set_level(logging.DEBUG)
    from assistant.llm import LLMHandle
    from assistant.services import build_services
    from assistant.settings import load_settings

    settings = load_settings()
    assert settings.openai_api_key.get_secret_value() == secret
    svc = build_services(settings, llm=LLMHandle(scripted, "fake", "scripted"))
    scripted.queue(good_listing)
    svc.generator.generate("listing", load_products(product_file)[0], svc.brand(), lang="en", market="US")
    team = add_users(svc, ("admin", "admin"))
    out = tmp_path / "out"
    for fmt in ("csv", "xlsx", "jsonl", "markdown"):
        svc.exports.export(fmt, out, actor=team["admin"], include_unapproved=True)
    monkeypatch.setenv("ASSISTANT_USER", "admin")
    monkeypatch.setenv("ASSISTANT_PASSWORD", "correct horse battery")
    with pytest.raises(SystemExit):
        main(["show", "1", "--history"])
    with pytest.raises(SystemExit):
        main(["config", "show"])
    printed = capsys.readouterr()
    files = [p for p in settings.home.rglob("*") if p.is_file()] + [p for p in out.rglob("*") if p.is_file()]
    assert any(p.suffix == ".db" for p in files) and len(files) > 4
    for path in files:
        assert secret.encode() not in path.read_bytes(), path
    assert secret not in caplog.text and secret not in printed.out + printed.err
    assert services().settings.openai_api_key is not None  # the key was there all along
