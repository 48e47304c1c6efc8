"""Guideline ingestion: loaders, chunk metadata, incremental re-ingest, bad files reported by name."""

from __future__ import annotations

import shutil

import pytest
from docx import Document

from assistant.errors import ConfigError
from assistant.retrieval.embeddings import HashEmbeddings
from assistant.retrieval.loaders import IngestFileError, load_text
from assistant.services import build_services
from assistant.settings import REPO_ROOT, load_settings

SAMPLE = REPO_ROOT / "knowledge" / "bambuu" / "guidelines"


def make_pdf(pages: list[str]) -> bytes:
    """A minimal valid PDF with one line of Helvetica text per page (no PDF library needed)."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", None, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for text in pages:
        stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream.decode('latin-1')}\nendstream")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                       f"/Resources << /Font << /F1 3 0 R >> >> /Contents {len(objects)} 0 R >>")
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    out, offsets = b"%PDF-1.4\n", []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


@pytest.fixture
def spy(monkeypatch):
    """Every text the offline embedder is asked to embed for storage."""
    calls: list[list[str]] = []
    real = HashEmbeddings.embed_documents

    def recording(self, texts):
        calls.append(list(texts))
        return real(self, texts)

    monkeypatch.setattr(HashEmbeddings, "embed_documents", recording)
    return calls


@pytest.fixture
def kb():
    return build_services(load_settings(provider="fake")).knowledge


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "guidelines"
    (root / "en").mkdir(parents=True)
    (root / "en" / "voice.md").write_text(
        "# Voice\nWarm, plain-spoken, precise.\n\n## Claims\nNever write eco-friendly; name the FSC certificate.\n",
        encoding="utf-8")
    (root / "en" / "email.md").write_text(
        "# E-mail\n## Subject lines\nUp to 50 characters, sentence case.\n\n## Footer\nCompany, postal address, unsubscribe.\n",
        encoding="utf-8")
    (root / "zh").mkdir()
    (root / "zh" / "语气.md").write_text("# 品牌语气\n## 极限词\n不得使用“最”“第一”等绝对化用语。\n", encoding="utf-8")
    return root


def embedded(calls) -> list[str]:
    return [t for batch in calls for t in batch]


def test_chunks_carry_brand_source_section_lang_and_hash(kb, folder):
    report = kb.ingest("acme", folder)
    assert report.counts()["added"] == 3 and not report.failed
    records = {cid: meta for cid, meta, _ in kb.store.records({"brand": "acme"})}
    claims = next(m for m in records.values() if m["section"] == "Voice > Claims")
    assert claims["source"] == "en/voice.md" and claims["lang"] == "en" and claims["brand"] == "acme"
    assert len(claims["hash"]) == 16
    zh = next(m for m in records.values() if m["source"] == "zh/语气.md")
    assert zh["lang"] == "zh" and zh["section"] == "品牌语气 > 极限词"
    assert all(cid.startswith("acme:") for cid in records)


def test_reingesting_an_unchanged_folder_makes_zero_embedding_calls(kb, folder, spy):
    first = kb.ingest("acme", folder)
    assert first.embedded == len(embedded(spy)) > 0
    spy.clear()
    again = kb.ingest("acme", folder)
    assert spy == [] and again.embedded == 0
    assert again.counts()["unchanged"] == 3


def test_editing_one_file_re_embeds_only_its_changed_chunks(kb, folder, spy):
    kb.ingest("acme", folder)
    before = {cid for cid, _, _ in kb.store.records({"brand": "acme"})}
    spy.clear()
    email = folder / "en" / "email.md"
    email.write_text(email.read_text(encoding="utf-8").replace("50 characters", "45 characters"), encoding="utf-8")
    report = kb.ingest("acme", folder)
    texts = embedded(spy)
    assert texts == ["E-mail > Subject lines\nUp to 45 characters, sentence case."]
    assert {f.source: f.status for f in report.files}["en/email.md"] == "updated"
    after = {cid: meta for cid, meta, _ in kb.store.records({"brand": "acme"})}
    assert len(after) == len(before)  # the old subject-line chunk is gone, the footer chunk kept its vector
    assert sum(1 for cid in after if cid not in before) == 1


def test_removing_a_file_removes_its_chunks(kb, folder):
    kb.ingest("acme", folder)
    (folder / "en" / "email.md").unlink()
    report = kb.ingest("acme", folder)
    assert {f.source: f.status for f in report.files}["en/email.md"] == "removed"
    assert {s.source for s in kb.sources("acme")} == {"en/voice.md", "zh/语气.md"}
    assert kb.remove("acme", "zh/语气.md") == 1
    assert {s.source for s in kb.sources("acme")} == {"en/voice.md"}


def test_bad_files_are_reported_by_name_and_the_rest_is_ingested(kb, folder):
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (folder / "empty.md").write_text("", encoding="utf-8")
    (folder / "gbk.txt").write_bytes("品牌语气".encode("gbk"))
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 not a zip")
    report = kb.ingest("acme", folder)
    failed = {f.source: f.error for f in report.failed}
    assert set(failed) == {"broken.pdf", "empty.md", "gbk.txt", "broken.docx"}
    assert "not a readable PDF" in failed["broken.pdf"] and str(folder / "broken.pdf") in failed["broken.pdf"]
    assert "empty" in failed["empty.md"]
    assert "not UTF-8" in failed["gbk.txt"] and "Fix:" in failed["gbk.txt"]
    assert "not a readable DOCX" in failed["broken.docx"]
    assert report.counts()["added"] == 3


def test_pdf_docx_and_html_become_sections(tmp_path):
    pdf = tmp_path / "legal.pdf"
    pdf.write_bytes(make_pdf(["Warranty: 2 years.", "Returns: 30 days."]))
    assert load_text(pdf) == "# page 1\nWarranty: 2 years.\n\n# page 2\nReturns: 30 days.\n"
    doc = Document()
    doc.add_heading("Social", 0)
    doc.add_heading("Hashtags", 1)
    doc.add_paragraph("At most five.")
    doc.save(tmp_path / "social.docx")
    assert load_text(tmp_path / "social.docx").split() == "# Social ## Hashtags At most five.".split()
    html = tmp_path / "page.html"
    html.write_text("<html><script>x()</script><h1>Legal</h1><p>Company <b>name</b></p><ul><li>one</li></ul></html>")
    assert load_text(html).split() == "# Legal Company name - one".split()
    with pytest.raises(IngestFileError, match="unsupported file type '.rtf'"):
        (tmp_path / "x.rtf").write_text("{\\rtf1}")
        load_text(tmp_path / "x.rtf")


def test_uploaded_file_is_kept_when_the_folder_is_reingested(kb, folder, tmp_path):
    upload = tmp_path / "tmp-upload-123.md"
    upload.write_text("# Press kit\nOur founder started in Anji.\n", encoding="utf-8")
    kb.ingest("acme", upload, name="press-kit.md")
    kb.ingest("acme", folder)
    assert "upload/press-kit.md" in {s.source for s in kb.sources("acme")}


def test_switching_embedder_is_an_error_until_reindexed(folder):
    kb = build_services(load_settings(provider="fake")).knowledge
    kb.ingest("acme", folder)
    count = kb.store.count()
    other = build_services(load_settings(provider="fake", embedding_dim=512)).knowledge
    with pytest.raises(ConfigError, match="(?s)hash-ngram-v1-1024.*hash-ngram-v1-512.*kb reindex"):
        other.store
    assert other.reindex() == count
    assert other.store.embedder == "hash-ngram-v1-512" and other.store.count() == count
    assert other.search("acme", "eco-friendly claims")[0].section == "Voice > Claims"


def test_sample_guidelines_all_ingest(kb, tmp_path):
    copy = shutil.copytree(SAMPLE, tmp_path / "g")
    report = kb.ingest("bambuu", copy)
    assert not report.failed
    langs = {s.lang for s in kb.sources("bambuu")}
    assert langs == {"en", "zh"} and sum(s.chunks for s in kb.sources("bambuu")) > 60
