"""Two writers editing and a reviewer approving the same items at the same time, in three real
processes, against SQLite and PostgreSQL: no edit is lost, every change is audited once, and every
approval is of the version the reviewer saw."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from assistant.settings import REPO_ROOT
from assistant.storage.db import read_session
from assistant.storage.tables import AuditRow, CommentRow, DecisionRow, VersionRow
from tests.workflow_fixtures import PASSWORD, add_users, new_item, workflow_services

ROUNDS = 4
ITEMS = 2


def worker(db_url: str, name: str, mode: str, items: list[int], go: Path) -> dict:
    """Runs in its own process: edit (append a marker) or approve/comment, retrying on conflicts."""
    from assistant.workflow import ConflictError, TransitionError

    svc = workflow_services(db_url)
    user = svc.users.authenticate(name, PASSWORD)
    while not go.exists():
        time.sleep(0.01)
    stats = {"edits": 0, "approvals": 0, "comments": 0, "conflicts": 0, "approved": []}
    for r in range(ROUNDS):
        for item in items:
            while True:
                view = svc.workflow.get(item)
                try:
                    if mode == "edit":
                        fields = dict(view.current.fields)
                        fields["description"] += f" [{name}-{r}]"
                        svc.workflow.edit(item, user, fields, base_version=view.version)
                        stats["edits"] += 1
                    else:
                        svc.workflow.comment(item, user, f"round {r}")
                        stats["comments"] += 1
                        if view.status == "in_review":
                            svc.workflow.approve(item, user, expected_version=view.version)
                            stats["approvals"] += 1
                            stats["approved"].append([item, view.version])
                    break
                except ConflictError:
                    stats["conflicts"] += 1
                except TransitionError:  # approved by the time we looked: nothing to approve
                    break
    return stats


def test_two_writers_and_a_reviewer_lose_no_update(db_url, tmp_path):
    svc = workflow_services(db_url)
    team = add_users(svc, ("admin", "admin"), ("w1", "writer"), ("w2", "writer"), ("rev", "reviewer"))
    items = [new_item(svc, sku=f"SKU-{i}") for i in range(ITEMS)]
    for item in items:
        svc.workflow.submit(item, team["w1"])
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    procs = [subprocess.Popen([sys.executable, "-m", "tests.test_concurrency", db_url, name, mode,
                               ",".join(map(str, items)), str(go)], cwd=REPO_ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for name, mode in (("w1", "edit"), ("w2", "edit"), ("rev", "approve"))]
    time.sleep(0.5)
    go.touch()
    results = []
    for p in procs:
        out, err = p.communicate(timeout=900)  # only guards a hang; a loaded single core takes minutes
        assert p.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    w1, w2, rev = results
    assert w1["edits"] == w2["edits"] == ROUNDS * ITEMS
    for item in items:
        view = svc.workflow.get(item)
        description = view.current.fields["description"]
        for name in ("w1", "w2"):  # every edit of both writers is in the final text, in its order
            markers = [f"[{name}-{r}]" for r in range(ROUNDS)]
            positions = [description.find(m) for m in markers]
            assert all(p >= 0 for p in positions) and positions == sorted(positions), (name, description)
        assert view.version == 1 + 2 * ROUNDS and [v.number for v in view.versions] == list(range(1, view.version + 1))
        # every approval the reviewer made is recorded, of exactly the version the reviewer saw
        assert [d.version for d in view.decisions if d.decision == "approved"] == [
            version for approved_item, version in rev["approved"] if approved_item == item]
    with read_session(svc.engine) as s:
        count = lambda q: s.scalar(select(func.count()).select_from(q))  # noqa: E731
        actions = list(s.scalars(select(AuditRow.action).where(AuditRow.entity == "item")))
        assert actions.count("item.edit") == count(VersionRow) - ITEMS == 2 * ROUNDS * ITEMS
        assert actions.count("item.approve") == count(DecisionRow) == rev["approvals"]
        # the first round finds every item in review, so each is approved at least once
        assert rev["approvals"] >= ITEMS and {item for item, _ in rev["approved"]} == set(items)
        current: dict[int, int] = {}  # replaying the log: each approval is of the item's current version
        for entry in s.scalars(select(AuditRow).where(AuditRow.entity == "item").order_by(AuditRow.id)):
            if entry.action in ("item.create", "item.edit"):
                current[entry.entity_id] = entry.after["version"]
            elif entry.action == "item.approve":
                assert entry.after["version"] == current[entry.entity_id], entry.id
        assert actions.count("item.comment") == count(CommentRow) == rev["comments"] >= ROUNDS * ITEMS


if __name__ == "__main__":
    url, user_name, worker_mode, ids, go_file = sys.argv[1:6]
    print(json.dumps(worker(url, user_name, worker_mode, [int(x) for x in ids.split(",")], Path(go_file))))
