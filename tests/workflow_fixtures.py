"""Fixtures for the storage, workflow, users, export and concurrency tests: the same tests run
against SQLite and PostgreSQL. PostgreSQL is Debian's package, started here on 127.0.0.1 in a
temporary directory (as the ``postgres`` user when run as root) and stopped afterwards."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from assistant.catalog import Product
from assistant.compliance.models import CheckReport, Finding, score_for
from assistant.generation.models import Draft, DraftRequest
from assistant.services import build_services
from assistant.settings import load_settings
from tests.helpers import free_port
from tests.requirements import require

PASSWORD = "correct horse battery"


def pg_bin() -> Path | None:
    for candidate in [shutil.which("pg_ctl"), *sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)]:
        if candidate and Path(candidate).exists():
            return Path(candidate).resolve().parent
    return None


class PgServer:
    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="bca-pg-"))
        self.port = free_port()
        self.prefix: list[str] = []
        if os.geteuid() == 0:  # initdb refuses root: run the server as 'postgres' (or nobody)
            user = "postgres" if _user_exists("postgres") else "nobody"
            shutil.chown(self.dir, user)
            self.prefix = ["runuser", "-u", user, "--"]

    def _run(self, *args: str) -> None:
        subprocess.run([*self.prefix, *args], check=True, capture_output=True, timeout=180)

    def start(self) -> None:
        data = self.dir / "data"
        self._run(str(self.bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-sync", "--locale=C")
        for attempt in range(3):  # another process may take the chosen port before the server binds it
            try:
                self._run(str(self.bindir / "pg_ctl"), "-D", str(data), "-l", str(self.dir / "log"), "-w", "-t", "120",
                          "-o", f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off "
                          "-c synchronous_commit=off -c full_page_writes=off", "start")
                return
            except subprocess.CalledProcessError:
                if attempt == 2:
                    raise
                self.port = free_port()

    def stop(self) -> None:
        subprocess.run([*self.prefix, str(self.bindir / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast",
                        "-w", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(self.dir, ignore_errors=True)

    def new_database(self) -> str:
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


@pytest.fixture(scope="session")
def pg_server():
    bindir = pg_bin()
    if bindir is None:
        require("PostgreSQL (server binaries pg_ctl, initdb)",
                "`make postgres` (run by `make test`) installs Debian's postgresql package; or apt-get install postgresql")
    server = PgServer(bindir)
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'workflow.db'}"
    return request.getfixturevalue("pg_server").new_database()


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """argon2id at its real cost is ~0.1 s a hash; tests that count hashes use a cheap one."""
    monkeypatch.setattr("assistant.users.service.hasher", lambda: PasswordHasher(time_cost=1, memory_cost=64,
                                                                                    parallelism=1))


class StubChecker:
    """Deterministic checker for workflow tests: 'best' is an error, 'cheap' a warning."""

    def check_fields(self, fields, *, lang, market, channel="listing", platform=None) -> CheckReport:
        findings = []
        for name, value in fields.items():
            for i, text in enumerate(value if isinstance(value, list) else [value]):
                label = f"{name}[{i}]" if isinstance(value, list) else name
                for word, severity in (("best", "error"), ("cheap", "warning")):
                    at = str(text).lower().find(word)
                    if at >= 0:
                        findings.append(Finding(category="unsubstantiated_superlative", rule_id=f"stub.{word}",
                                                severity=severity, start=at, end=at + len(word), field=label,
                                                message=f"'{word}'"))
        return CheckReport(findings=findings, score=score_for(findings))


def workflow_services(db_url: str, user: str | None = None):
    svc = build_services(load_settings(provider="fake", database_url=db_url, user=user))
    svc.__dict__["checker"] = StubChecker()
    return svc


@pytest.fixture
def wf(db_url):
    """Services on the parametrised database, with a stub checker."""
    return workflow_services(db_url)


def listing_fields(**overrides) -> dict:
    fields = {
        "title": "Bambuu Bamboo Cutting Board with Juice Groove",
        "bullets": ["Deep juice groove keeps the counter dry.", "Reversible for prep and serving.",
                    "FSC-certified Moso bamboo."],
        "description": "A sturdy 45 x 30 cm board.\nHand wash and oil monthly.",
        "meta_title": "Bamboo Cutting Board",
        "meta_description": "Reversible FSC-certified bamboo cutting board.",
        "image_alt_text": "Bamboo cutting board on a counter",
        "search_keywords": ["bamboo cutting board", "chopping board"],
    }
    return fields | overrides


def make_draft(fields: dict | None = None, *, kind: str = "listing", lang: str = "en", market: str = "US",
               sku: str = "BB-1001", report: CheckReport | None = None, revision_of: int | None = None,
               product: Product | None = None) -> Draft:
    product = product or Product(sku=sku, name="Bamboo Cutting Board", brand="Bambuu", category="Kitchen",
                                 price=39.9, currency="USD", image_url="https://example.com/board.jpg")
    fields = fields if fields is not None else listing_fields()
    return Draft(request=DraftRequest(kind=kind, brand="bambuu", product=product, lang=lang, market=market),
                 fields=fields, report=report or StubChecker().check_fields(fields, lang=lang, market=market),
                 provider="fake", model="scripted", prompt_name=kind, prompt_version=1, revision_of=revision_of)


def add_users(svc, *specs: tuple[str, str]) -> dict:
    """The first spec must be an admin (bootstrap); returns name -> User."""
    users = {}
    admin = None
    for name, role in specs:
        users[name] = svc.users.add(name, role, PASSWORD, actor=admin)
        if admin is None:
            admin = users[name]
    return users


def generating_user(svc):
    """Who generates in tests: the first writer when the store has users, else local mode (None)."""
    writers = [u for u in svc.users.list() if u.role == "writer" and u.active]
    return min(writers, key=lambda u: u.id) if writers else None


def new_item(svc, fields: dict | None = None, *, actor=None, **kw) -> int:
    draft = svc.drafts.save(make_draft(fields, **kw), actor or generating_user(svc))
    return svc.workflow.item_for_draft(draft.id)


def seen(svc, item_id: int) -> int:
    """The version a reviewer sees now (what approve/reject bind to)."""
    return svc.workflow.get(item_id).version
