"""`assistant kb`: the brand knowledge base (guideline files -> Chroma) and brand glossaries."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from assistant.brand.glossary import export_glossary, import_glossary
from assistant.brand.kit import GLOSSARY_DIR
from assistant.cli.common import services
from assistant.cli.render import console, safe
from assistant.cli.users_cmd import AS, sign_in
from assistant.errors import ExitCode
from assistant.retrieval.hybrid import MODES

app = typer.Typer(help="Brand knowledge: ingest guideline files, search them, manage glossaries.",
                  no_args_is_help=True)
glossary_app = typer.Typer(help="Brand glossaries: DeepL CSV and TBX import/export.", no_args_is_help=True)
app.add_typer(glossary_app, name="glossary")

BRAND = typer.Option(None, "--brand", "-b", help="brand id (folder under brands_dir); default: settings.brand")
_COLOURS = {"added": "green", "updated": "cyan", "unchanged": "dim", "removed": "yellow", "failed": "red"}


@app.command("ingest")
def ingest(
    path: Path | None = typer.Argument(None, help="folder or file; default: the brand folder's guidelines/"),
    brand: str | None = BRAND,
    name: str | None = typer.Option(None, "--name", help="source name for a single (uploaded) file"),
    as_: str | None = AS,
) -> None:
    """Ingest .md .txt .html .pdf .docx files; unchanged files are skipped, deleted ones removed."""
    svc = services()
    actor = svc.workflow.authorize(sign_in(svc, as_), "knowledge")
    brand = brand or svc.settings.brand
    report = svc.knowledge.ingest(brand, path, name=name)
    svc.workflow.record(actor, "knowledge", action="kb.ingest", entity="knowledge",
                        after={"brand": brand, "files": {f.source: f.status for f in report.files}})
    table = Table(title=f"kb ingest · {brand}")
    for col in ("source", "status", "chunks", "embedded", "deleted"):
        table.add_column(col, overflow="fold")
    for f in report.files:
        table.add_row(safe(f.source), f"[{_COLOURS[f.status]}]{f.status}[/]", str(f.chunks), str(f.embedded), str(f.deleted))
    console.print(table)
    counts = ", ".join(f"{n} {status}" for status, n in report.counts().items() if n)
    console.print(f"{counts or 'no files'}; {report.embedded} chunks embedded ({svc.knowledge.describe()['embedder']})")
    for f in report.failed:
        console.print(f"[red]failed:[/] {safe(f.error)}", highlight=False)
    if report.failed:
        raise typer.Exit(ExitCode.BAD_INPUT)


@app.command("list")
def list_sources(brand: str | None = typer.Option(None, "--brand", "-b", help="only this brand")) -> None:
    """Ingested files per brand, with language and chunk count."""
    svc = services()
    sources = svc.knowledge.sources(brand)
    table = Table(title="kb list · " + " · ".join(f"{k}: {v}" for k, v in svc.knowledge.describe().items()))
    for col in ("brand", "source", "lang", "chunks", "folder"):
        table.add_column(col, overflow="fold")
    for s in sources:
        table.add_row(safe(s.brand), safe(s.source), safe(s.lang), str(s.chunks), safe(s.root))
    console.print(table)
    if not sources:
        console.print("nothing ingested yet: run `assistant kb ingest --brand BRAND`")


@app.command("search")
def search(
    query: str = typer.Argument(..., help="what to look for, in any language"),
    brand: str | None = BRAND,
    lang: str | None = typer.Option(None, "--lang", "-l", help="only passages in this language, e.g. en, zh"),
    k: int | None = typer.Option(None, "--k", "-k", min=1, max=50, help="passages to show; default settings.retrieval_k"),
    mode: str = typer.Option("hybrid", "--mode", help=f"{' | '.join(MODES)}"),
) -> None:
    """Search a brand's guidelines the way generation does (vector + BM25, fused)."""
    svc = services()
    passages = svc.knowledge.search(brand or svc.settings.brand, query, lang=lang, k=k, mode=mode)  # type: ignore[arg-type]
    if not passages:
        console.print("no passages found (is the brand ingested? see `assistant kb list`)")
    for rank, p in enumerate(passages, 1):
        console.rule(f"{rank}. {p.id} · {p.lang} · score {p.score}", align="left")
        if p.section:
            console.print(f"[bold]{safe(p.section)}[/]", highlight=False)
        console.print(safe(p.text), highlight=False)


@app.command("remove")
def remove(source: str = typer.Argument(..., help="source as shown by `kb list`"), brand: str | None = BRAND,
           as_: str | None = AS) -> None:
    """Remove one ingested file's chunks."""
    svc = services()
    actor = svc.workflow.authorize(sign_in(svc, as_), "knowledge")
    brand = brand or svc.settings.brand
    n = svc.knowledge.remove(brand, source)
    svc.workflow.record(actor, "knowledge", action="kb.remove", entity="knowledge",
                        after={"brand": brand, "source": source, "chunks": n})
    console.print(f"removed {n} chunks of {safe(brand)}:{safe(source)}")


@app.command("reindex")
def reindex(as_: str | None = AS) -> None:
    """Re-embed every chunk with the configured embedder (after changing ASSISTANT_EMBEDDER)."""
    svc = services()
    actor = svc.workflow.authorize(sign_in(svc, as_), "knowledge")
    n = svc.knowledge.reindex()
    svc.workflow.record(actor, "knowledge", action="kb.reindex", entity="knowledge", after={"chunks": n})
    console.print(f"re-embedded {n} chunks with {svc.knowledge.describe()['embedder']}")


@glossary_app.command("export")
def glossary_export(
    brand: str | None = BRAND,
    pair: str | None = typer.Option(None, "--pair", help="language pair, e.g. en-zh; TBX: all pairs if omitted"),
    fmt: str = typer.Option("csv", "--format", "-f", help="csv (DeepL) | tbx"),
    out: Path | None = typer.Option(None, "--out", "-o", help="file to write; default: print"),
) -> None:
    """Export a brand glossary as DeepL glossary CSV or TBX."""
    kit = services().brand(brand)
    text = export_glossary(kit.glossary, fmt, pair)
    if out is None:
        console.out(text, end="", highlight=False)
        return
    out.write_text(text, encoding="utf-8")
    console.print(f"wrote {out}")


@glossary_app.command("import")
def glossary_import(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="DeepL CSV or TBX file"),
    brand: str | None = BRAND,
    pair: str | None = typer.Option(None, "--pair", help="language pair when the file does not say, e.g. en-zh"),
    as_: str | None = AS,
) -> None:
    """Validate a glossary and store it in the brand folder's glossary/ (under brands_dir) as DeepL CSV."""
    svc = services()
    actor = svc.workflow.authorize(sign_in(svc, as_), "knowledge")
    kit = svc.brand(brand)  # the brand must exist
    written = import_glossary(file, lambda: svc.brand_folders.writable(kit.id) / GLOSSARY_DIR, pair)
    svc.brand(kit.id)  # reload: the merged kit must still be valid
    svc.workflow.record(actor, "knowledge", action="kb.glossary_import", entity="knowledge",
                        after={"brand": kit.id, "files": [str(p) for p in written]})
    for path in written:
        console.print(f"wrote {path}")
