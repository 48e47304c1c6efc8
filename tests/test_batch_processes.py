"""`batch run | resume --processes N`: local worker processes on one job (SQLite), signed in through a
pipe, stopped cleanly; none outlives its parent. The stub runs in this process (a thread)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from assistant.batch.local_workers import LocalWorkers, run_processes, worker_command
from assistant.batch.outputs import Follow
from assistant.batch.processes import ProcessGroup, shares, split
from assistant.batch.runner import RunOptions
from assistant.batch.service import BatchService
from assistant.batch.tables import ItemRow, WorkerRow
from assistant.cli import main
from assistant.errors import InputError
from assistant.services import build_services
from assistant.settings import REPO_ROOT, load_settings
from assistant.storage.db import read_session
from assistant.storage.drafts import DraftRow
from tests.openai_stub import Stub, StubState
from tests.workflow_fixtures import PASSWORD, add_users

CLI = str(Path(sys.executable).parent / "assistant")
N = 12


@pytest.fixture
def stub(monkeypatch, tmp_path):
    server = Stub(StubState(latency_s=0.1)).start_in_thread()
    for name, value in {"OPENAI_BASE_URL": server.base_url, "ASSISTANT_PROVIDER": "openai",
                        "ASSISTANT_MODEL": "gpt-4o-mini", "ASSISTANT_REVISE_ROUNDS": "0",
                        "ASSISTANT_OPENAI_STRUCTURED_METHOD": "json_schema",
                        "ASSISTANT_DATABASE_URL": f"sqlite:///{tmp_path / 'batch.db'}"}.items():
        monkeypatch.setenv(name, value)
    yield server
    server.stop()


def catalogue(tmp_path: Path) -> Path:
    path = tmp_path / "catalogue.jsonl"
    path.write_text("".join(json.dumps({"sku": f"B{i:03d}", "name": f"Bamboo Board {i}", "category": "Kitchen"}) + "\n"
                            for i in range(N)), encoding="utf-8")
    return path


def run_args(tmp_path: Path, *extra: str) -> list[str]:
    return ["batch", "run", str(catalogue(tmp_path)), "--kinds", "search_ad", "--out", str(tmp_path / "out"),
            "--quiet", "-c", "4", *extra]


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    out = capsys.readouterr()
    return exit_info.value.code or 0, out.out, out.err


def batch() -> BatchService:
    return BatchService(build_services(load_settings()))


def workers_of(job_id: int) -> list[int]:
    with read_session(batch().svc.engine) as s:
        return list(s.scalars(select(WorkerRow.pid).where(WorkerRow.job_id == job_id)))


def finished(job_id: int) -> int:
    with read_session(batch().svc.engine) as s:
        return s.scalar(select(func.count()).where(ItemRow.job_id == job_id, ItemRow.status == "done"))


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def children_running() -> list[int]:
    """This process's child processes that are batch workers and still running."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if int(fields[1]) == os.getpid() and fields[0] != "Z" and b"batch worker" in cmdline:
            found.append(int(stat.parent.name))
    return found


def assert_every_item_once(job_id: int, out: Path, authors: set[str] | None = None) -> None:
    b = batch()
    assert b.store.counts(job_id).get("done") == N
    lines = [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(lines) == N and len({r["item"] for r in lines}) == N
    with read_session(b.svc.engine) as s:
        per_sku = dict(s.execute(select(DraftRow.sku, func.count()).group_by(DraftRow.sku)).all())
    assert per_sku == {f"B{i:03d}": 1 for i in range(N)}
    if authors is not None:
        assert {a for i in b.content_items(job_id) for a in b.svc.workflow.get(i).authors} == authors


def wait_for(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@dataclass
class Opts:
    concurrency: int
    rpm: float | None = None
    tpm: float | None = None


@pytest.mark.parametrize("total, processes, expected", [
    (32, 2, [16, 16]), (128, 3, [43, 43, 42]), (5, 5, [1, 1, 1, 1, 1]), (3, 4, InputError), (8, 0, InputError)])
def test_concurrency_is_split_evenly(total, processes, expected):
    if expected is InputError:
        with pytest.raises(InputError):
            shares(total, processes)
    else:
        assert shares(total, processes) == expected


def test_rate_limits_are_split_like_the_concurrency_and_processes_are_bounded():
    parts = split(Opts(concurrency=12, rpm=600, tpm=None), 3)
    assert [(p.concurrency, p.rpm, p.tpm) for p in parts] == [(4, 200, None)] * 3
    with pytest.raises(InputError, match="--processes"):
        split(Opts(concurrency=4000), 2 * (os.cpu_count() or 1) + 1)


def test_the_password_never_goes_into_a_command_line():
    command = worker_command(7, Path("out"), RunOptions(concurrency=8, rpm=60), "wendy")
    assert command[-3:] == ["--as", "wendy", "--password-stdin"] and PASSWORD not in command
    assert "--as" not in worker_command(7, Path("out"), RunOptions(concurrency=8), None)


def test_follow_reads_only_new_whole_lines(tmp_path):
    path = tmp_path / "results.jsonl"
    path.write_text('{"item": 1}\n', encoding="utf-8")
    follow = Follow(path)
    with path.open("a", encoding="utf-8") as fh:
        fh.write('{"item": 2}\n{"item": ')
    assert follow.read() == [{"item": 2}]
    with path.open("a", encoding="utf-8") as fh:
        fh.write('3}\n')
    assert follow.read() == [{"item": 3}] and follow.read() == []


def test_two_processes_signed_in_through_the_pipe_do_every_item_once(stub, tmp_path, capsys, monkeypatch):
    add_users(batch().svc, ("ada", "admin"), ("wendy", "writer"))
    monkeypatch.setenv("ASSISTANT_PASSWORD", PASSWORD)
    code, text, err = cli(capsys, *run_args(tmp_path, "--processes", "2", "--as", "wendy"))
    assert code == 0, err
    assert f"{N} done, 0 failed, 0 left of {N}" in text
    assert_every_item_once(1, tmp_path / "out", authors={"wendy"})
    pids = workers_of(1)
    assert len(pids) == 2 and os.getpid() not in pids and not any(alive(p) for p in pids)
    assert batch().store.job(1).status == "done" and (tmp_path / "out" / "report.html").exists()


def test_a_wrong_password_stops_before_any_worker_process(stub, tmp_path, capsys, monkeypatch):
    add_users(batch().svc, ("ada", "admin"), ("wendy", "writer"))
    monkeypatch.setenv("ASSISTANT_PASSWORD", "not the password")
    code, _, err = cli(capsys, *run_args(tmp_path, "--processes", "2", "--as", "wendy"))
    assert code == 4 and "cannot sign in as 'wendy'" in err
    assert stub.state.chat_requests == 0 and not (tmp_path / "out" / "workers").exists()


def test_a_worker_that_cannot_sign_in_stops_the_others_with_its_reason(stub, tmp_path, capsys):
    b = batch()
    add_users(b.svc, ("ada", "admin"), ("wendy", "writer"))
    code, _, _ = cli(capsys, *run_args(tmp_path, "--dry-run"))
    assert code == 0
    result = run_processes(b.store, 1, tmp_path / "out", RunOptions(concurrency=4),
                           LocalWorkers(2, "wendy", "not the password", grace_s=10))
    assert "cannot sign in as 'wendy'" in result.stopped and "worker process" in result.stopped
    assert children_running() == [] and stub.state.chat_requests == 0
    assert b.store.job(1).status == "paused"


@contextmanager
def run_in_the_middle(stub, tmp_path: Path):
    """`batch run --processes 2` as its own process, once both workers have finished items."""
    stub.state.latency_s = 0.3
    parent = subprocess.Popen([CLI, *run_args(tmp_path, "--processes", "2")], cwd=REPO_ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: len(workers_of(1)) == 2 and finished(1) >= 2 or parent.poll() is not None)
        assert parent.poll() is None, parent.communicate()
        yield parent
    finally:
        if parent.poll() is None:
            parent.kill()
        parent.communicate()


def resume_does_every_item_once(capsys, tmp_path: Path, *extra: str) -> None:
    code, _, err = cli(capsys, "batch", "resume", "1", "--out", str(tmp_path / "out"), "--quiet", "-c", "4", *extra)
    assert code == 0, err
    assert_every_item_once(1, tmp_path / "out")


def test_a_killed_worker_process_stops_the_run_and_resume_does_every_item_once(stub, tmp_path, capsys):
    with run_in_the_middle(stub, tmp_path) as parent:
        os.kill(workers_of(1)[0], signal.SIGKILL)
        out, err = parent.communicate(timeout=60)
    assert parent.returncode != 0 and "was killed by SIGKILL" in err + out
    assert not any(alive(p) for p in workers_of(1)) and finished(1) < N
    resume_does_every_item_once(capsys, tmp_path, "--processes", "2")


def test_the_workers_end_when_their_parent_is_killed_and_resume_finishes(stub, tmp_path, capsys):
    with run_in_the_middle(stub, tmp_path) as parent:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        pids = workers_of(1)
        wait_for(lambda: not any(alive(p) for p in pids), 30)  # the lifeline closed: they stop by themselves
    resume_does_every_item_once(capsys, tmp_path)


def test_ctrl_c_stops_the_workers_cleanly_and_leaves_the_job_resumable(stub, tmp_path, capsys):
    with run_in_the_middle(stub, tmp_path) as parent:
        parent.send_signal(signal.SIGINT)
        out, err = parent.communicate(timeout=60)
    assert "interrupted: stopping 2 worker processes" in err and "batch resume 1" in out
    assert not any(alive(p) for p in workers_of(1))
    b = batch()
    assert not b.store.counts(1).get("running") and b.store.job(1).status == "paused"  # in flight: finished
    resume_does_every_item_once(capsys, tmp_path)


def test_a_process_group_writes_the_secret_first_and_its_children_end_with_the_block(tmp_path):
    script = ("import sys, time; line = sys.stdin.readline(); print('got', line.strip(), flush=True); "
              "sys.stdin.read(); print('lifeline closed', flush=True)")
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    with ProcessGroup([[sys.executable, "-c", script]] * 2, logs=logs, secret="s3cret") as group:
        wait_for(lambda: all("got s3cret" in log.read_text() for log in logs), 30)
        assert group.running()
    assert group.codes() == [0, 0] and all("lifeline closed" in log.read_text() for log in logs)
