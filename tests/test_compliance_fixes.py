import pytest

from assistant.compliance.checker import Checker
from assistant.compliance.fixes import trim_to_limit
from assistant.channels import measure


@pytest.fixture(scope="module")
def checker():
    return Checker()


@pytest.mark.parametrize(
    "text, limit, count, expected",
    [
        ("Short enough", 30, "chars", "Short enough"),
        ("Reversible bamboo board with a deep juice groove", 30, "chars", "Reversible bamboo board with a"),
        ("Oiled by hand in Anji. Ships in two days.", 30, "chars", "Oiled by hand in Anji."),
        ("Oiled by hand. Ships in two days from Anji.", 30, "chars", "Oiled by hand."),
        ("双面可用的竹砧板，深导流槽让台面保持干爽", 20, "cjk2", "双面可用的竹砧板"),
        ("竹竹竹竹竹竹竹竹竹竹竹竹竹竹竹竹", 30, "cjk2", "竹" * 15),
    ],
)
def test_trim_cuts_at_a_sentence_or_word_boundary_and_counts_like_the_platform(text, limit, count, expected):
    trimmed = trim_to_limit(text, limit, count)
    assert trimmed == expected and measure(trimmed, count) <= limit


def test_substitution_fix_is_a_diff_and_nothing_is_applied(checker, services):
    kit = services.brand()
    text = "Title: Eco-friendly bamboo board\nBullet: 顶级"
    report = checker.check_text(text, lang="en", market="US", brand=kit)
    proposal = checker.propose_fixes(text, report, lang="en", brand=kit)
    # capitalisation kept; the word the replacement ends with is not repeated from the text after it
    assert "Title: Made from FSC-certified bamboo board\n" in proposal.proposed
    assert proposal.diff.startswith("--- original\n+++ proposed\n") and "-Title: Eco-friendly" in proposal.diff
    assert "en.environmental.generic" in proposal.not_fixable
    assert text == "Title: Eco-friendly bamboo board\nBullet: 顶级"


def test_email_footer_and_length_fixes(checker, services):
    kit = services.brand()
    text = "Subject: " + "New bamboo boards for small kitchens, oiled by hand " * 2 + "\nBody: They are here."
    report = checker.check_text(text, lang="en", market="US", channel="email", brand=kit)
    assert {"missing_unsubscribe", "missing_postal_address", "length_limit"} <= {f.category for f in report.findings}
    proposal = checker.propose_fixes(text, report, lang="en", channel="email", brand=kit)
    assert kit.legal_footer.postal_address in proposal.proposed and "{{unsubscribe_url}}" in proposal.proposed
    fixed = checker.check_text(proposal.proposed, lang="en", market="US", channel="email", brand=kit)
    assert not {"missing_unsubscribe", "missing_postal_address", "length_limit"} & {f.category for f in fixed.findings}


@pytest.mark.parametrize("lang, label", [("en", "#ad "), ("zh", "广告 "), ("ja", "【PR】"), ("de", "Anzeige | ")])
def test_missing_ad_label_is_prepended_once_in_the_copy_language(checker, lang, label):
    text = {"en": "Loving my new board", "zh": "这块砧板我用了一个月", "ja": "このまな板を使っています",
            "de": "Ich liebe mein neues Brett"}[lang]
    report = checker.check_text(text, lang=lang, market="CN" if lang == "zh" else "US", channel="influencer_post")
    proposal = checker.propose_fixes(text, report, lang=lang, channel="influencer_post")
    assert proposal.proposed == label + text


def test_footer_needs_a_brand_kit(checker):
    text = "Body: They are here."
    report = checker.check_text(text, lang="en", market="US", channel="email")
    proposal = checker.propose_fixes(text, report, lang="en", channel="email")
    assert proposal.proposed == text and "email.unsubscribe" in proposal.not_fixable


@pytest.mark.parametrize(
    "text, span, replacement, expected",
    [
        ("Eco-friendly bamboo board", "Eco-friendly", "made from FSC-certified bamboo", "Made from FSC-certified bamboo board"),
        ("A green cutting board", "green", "FSC-certified cutting board", "A FSC-certified cutting board"),
        ("Made from green bamboo", "green", "made from FSC-certified", "Made from FSC-certified bamboo"),
        ("Bamboo-ish board", "Bamboo-ish", "bamboo", "Bamboo board"),  # "bamboo" is no word of "Bamboo-ish"
        ("green bamboos", "green", "FSC bamboo", "FSC bamboo bamboos"),  # a longer word is not a repeat
    ],
)
def test_substitution_does_not_repeat_the_words_around_it(text, span, replacement, expected):
    from assistant.compliance.fixes import propose
    from assistant.compliance.models import CheckReport, Finding

    start = text.index(span)
    finding = Finding(category="environmental_claim", rule_id="brand.banned", severity="error", start=start,
                      end=start + len(span), message="banned term", replacement=replacement)
    proposal = propose(text, CheckReport(findings=[finding]), lang="en", channel="listing", platform=None, brand=None,
                       fix_kinds={})
    assert proposal.proposed == expected
