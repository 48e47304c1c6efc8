"""E-mails: segments change the content, the legal footer always comes from the brand kit, HTML is
autoescaped (and right-to-left for Arabic), a plain-text part, a send time in the recipients' zone."""

from datetime import datetime, timezone

import pytest

from assistant.catalog import load_products
from assistant.errors import InputError
from assistant.generation.email import get_segment, segments, suggest_send_time
from assistant.locales import get_market
from tests.conftest import SAMPLE_PRODUCTS
from tests.test_kinds import SAMPLES

MAIL = SAMPLES["email"]


@pytest.fixture
def product():
    return load_products(SAMPLE_PRODUCTS)[0]


def email(services, product, **opts):
    return services.generator.generate("email", product, services.brand(), lang=opts.pop("lang", "en"),
                                       market=opts.pop("market", "US"), revise_rounds=0, **opts)


@pytest.mark.parametrize("segment", ["prospect", "first_time_buyer", "loyal", "lapsed"])
def test_every_email_ends_with_the_brand_kits_legal_footer(services, scripted, product, segment):
    footer = services.brand().legal_footer
    scripted.queue(MAIL)
    draft = email(services, product, segment=segment)
    assert draft.request.segment == segment and draft.rendered["segment"] == segment
    for part in ("body_html", "body_text"):
        body = draft.rendered[part]
        assert footer.company in body and footer.postal_address in body and "{{unsubscribe_url}}" in body
    assert draft.rendered["body_text"].endswith("Unsubscribe at any time: {{unsubscribe_url}}")
    sent = scripted.received[0][-1].content
    assert get_segment(segment).brief.split(".")[0] in sent  # the segment shapes the prompt
    others = [s.brief.split(".")[0] for s in segments().values() if s.id != segment]
    assert not any(o in sent for o in others)


def test_footer_is_appended_even_when_the_model_writes_one(services, scripted, product):
    scripted.queue({**MAIL, "body": ["Hello.", "Unsubscribe here. Some Street 1."]})
    draft = email(services, product)
    assert draft.rendered["body_text"].count(services.brand().legal_footer.postal_address) == 1
    assert draft.rendered["footer"] in draft.rendered["body_text"]


def test_html_escapes_model_output_and_keeps_a_text_part(services, scripted, product):
    scripted.queue({**MAIL, "headline": "<script>alert(1)</script> Tom & Jerry"})
    draft = email(services, product)
    html = draft.rendered["body_html"]
    assert "<script>" not in html and "&lt;script&gt;" in html and "Tom &amp; Jerry" in html
    assert "<script>alert(1)</script> Tom & Jerry" in draft.rendered["body_text"]
    assert all(p in draft.rendered["body_text"] for p in MAIL["body"])
    assert 'dir="ltr"' in html and 'lang="en"' in html


def test_arabic_email_is_right_to_left(services, scripted, product):
    scripted.queue({**MAIL, "subject": "لوح تقطيع من الخيزران", "headline": "لوح تقطيع من الخيزران",
                    "body": ["لوح قابل للقلب مع مجرى عميق للعصارة."], "preheader": "مصنوع من الخيزران", "cta": "تسوق"})
    draft = email(services, product, lang="ar", market="SA")
    assert '<html lang="ar" dir="rtl">' in draft.rendered["body_html"]
    assert "text-align:right" in draft.rendered["body_html"]


@pytest.mark.parametrize(
    "market, segment, now, expected",
    [
        ("JP", "lapsed", "2025-03-03T00:00:00+00:00", "2025-03-09T19:00:00+09:00"),  # Mon -> Sun 19:00 Tokyo
        ("US", "prospect", "2025-03-04T13:30:00+00:00", "2025-03-04T10:00:00-05:00"),  # Tue 08:30 NY -> same day
        ("US", "prospect", "2025-03-04T15:30:00+00:00", "2025-03-06T10:00:00-05:00"),  # too late: Thursday
        ("DE", "loyal", "2025-07-01T00:00:00+00:00", "2025-07-05T09:00:00+02:00"),  # summer time in Berlin
    ],
)
def test_send_time_is_in_the_recipients_time_zone(market, segment, now, expected):
    got = suggest_send_time(get_market(market), get_segment(segment), datetime.fromisoformat(now))
    assert got.isoformat() == expected


def test_stored_send_time_uses_the_market_zone(services, scripted, product):
    services.generator.drafter.now = datetime(2025, 3, 3, tzinfo=timezone.utc)
    scripted.queue(MAIL)
    draft = email(services, product, lang="de", market="DE", segment="loyal")
    assert draft.rendered["send_time"] == "2025-03-08T09:00:00+01:00"
    assert draft.rendered["send_time_zone"] == "Europe/Berlin"


def test_a_brand_without_legal_footer_cannot_send_email(services, scripted, product, monkeypatch):
    brand = services.brand().model_copy(update={"legal_footer": None})
    scripted.queue(MAIL)
    with pytest.raises(InputError, match="no legal_footer"):
        services.generator.generate("email", product, brand, lang="en", market="US", revise_rounds=0)
