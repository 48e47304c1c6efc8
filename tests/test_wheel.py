"""The package as a team installs it: build the wheel, install it into a fresh virtual environment, and
from an unrelated directory run review, brand init, kb ingest, generate and export.

Offline and quick: the wheel is built with --no-build-isolation, installed with --no-deps, and the new
environment sees the test environment's dependencies through a .pth line (not its editable install of
this project: .pth files in a directory added that way are not run)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from assistant.settings import REPO_ROOT
from tests.structured_stub import StubServer

pytestmark = pytest.mark.timeout(900)


def sh(argv, *, cwd=None, env=None, stdin=None, expect=0):
    done = subprocess.run(argv, cwd=cwd, env=env, input=stdin, capture_output=True, text=True, timeout=600)
    assert done.returncode == expect, f"{argv}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            h.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(bin dir, the installed package's folder) of a fresh environment with the built wheel."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"  # a clean copy: setuptools builds in the tree it is given (build/, egg-info)
    shutil.copytree(REPO_ROOT, source, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".assistant", "out", ".pytest_cache"))
    sh([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation", "-q",
        "-w", str(root / "dist")], cwd=root)
    [wheel] = (root / "dist").glob("brand_content_assistant-*.whl")
    env_dir = root / "env"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    sh([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)])
    site = Path(sh([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).strip())
    (site / "test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    package = Path(sh([str(python), "-c", "import assistant, os; print(os.path.dirname(assistant.__file__))"],
                      cwd=root).strip())
    assert package.is_relative_to(site) and not package.is_relative_to(REPO_ROOT)
    return env_dir / "bin", package


def test_the_installed_wheel_works_from_an_unrelated_directory(installed, tmp_path, good_listing):
    bin_dir, package = installed
    before = digest(package)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "OPENAI_")) and k != "PYTHONPATH"}
    env["ASSISTANT_HOME"] = str(tmp_path / "home")
    cli = str(bin_dir / "assistant")

    out = sh([cli, "review", "--text", "Title: The best bamboo board", "--lang", "en"], cwd=work, env=env, expect=1)
    assert "en.superlative.absolute" in out
    out = sh([cli, "brand", "init", "acme"], cwd=work, env=env)
    assert (tmp_path / "home" / "brands" / "acme" / "brand.yaml").exists()
    out = sh([cli, "kb", "ingest", "--brand", "bambuu"], cwd=work, env=env)
    assert "added" in out and "voice-and-tone.md" in out

    products = work / "products.jsonl"
    products.write_text((package / "_data" / "knowledge" / "bambuu" / "products.jsonl").read_text("utf-8")
                        .splitlines()[0] + "\n", encoding="utf-8")
    with StubServer({"json_object_schema", "json_mode"}) as server:  # a scripted OpenAI-compatible server
        server.replies += [{"colour": "red", "count": 3}, good_listing]
        out = sh([cli, "generate", "listing", "--product", str(products), "--rounds", "0"], cwd=work,
                 env={**env, "OPENAI_BASE_URL": server.base_url, "ASSISTANT_MODEL": "stub"})
    assert good_listing["title"][:30] in out and "#1" in out

    sh([cli, "users", "add", "ada", "--role", "admin", "--password-stdin"], cwd=work, env=env,
       stdin="a long password\n")
    signed_in = {**env, "ASSISTANT_USER": "ada", "ASSISTANT_PASSWORD": "a long password"}
    out = sh([cli, "export", "--format", "jsonl", "--out", "exports", "--include-unapproved"], cwd=work, env=signed_in)
    assert good_listing["title"] in (work / "exports" / "UNAPPROVED-drafts.jsonl").read_text("utf-8")
    assert digest(package) == before  # nothing was written into the installed package
