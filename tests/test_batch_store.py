"""The job store on SQLite and PostgreSQL: idempotent planning, claims, leases, take-over."""

from __future__ import annotations

import pytest

from assistant.batch.store import JobSpec, JobStore, LeaseLost, item_key
from assistant.catalog import Product
from assistant.storage import make_engine
from assistant.storage.db import write_transaction

SPEC = JobSpec(kinds=["listing"], pairs=[("en", "US")], provider="openai", model="gpt-4o-mini")


@pytest.fixture
def store(db_url) -> JobStore:
    return JobStore(make_engine(db_url))


def planned(store: JobStore, n: int) -> int:
    job_id, created = store.find_or_create("k1", catalogue="c.csv", brand="bambuu", spec=SPEC)
    assert created
    rows = [(f"line {i + 2}", Product(sku=f"S{i}", name=f"Board {i}")) for i in range(n)]
    for _ in range(2):  # planning twice (an interrupted plan run again) adds nothing twice
        ids = store.add_products(job_id, rows)
        store.add_items(job_id, [{"product_id": ids[p.sku], "key": item_key(p, "listing", "en", "US", SPEC),
                                  "sku": p.sku, "kind": "listing", "lang": "en", "market": "US"} for _, p in rows])
    return job_id


def finish(store: JobStore, item_id: int, worker: str) -> None:
    write_transaction(store.engine, lambda s: store.finish(s, item_id, worker, status="done", record={"item": item_id},
                                                           usage={"cost_usd": 0.5}))


def test_claims_do_not_overlap_and_planning_is_idempotent(store):
    job = planned(store, 5)
    assert store.find_or_create("k1", catalogue="c.csv", brand="bambuu", spec=SPEC) == (job, False)
    a = store.claim(job, "host:1:a", 3, lease_s=60)
    b = store.claim(job, "host:2:b", 3, lease_s=60)
    assert len(a) == 3 and len(b) == 2 and not {i.id for i in a} & {i.id for i in b}
    assert store.claim(job, "host:3:c", 3, lease_s=60) == []
    assert a[0].product.sku == "S0"
    for item in a:
        finish(store, item.id, "host:1:a")
    counts = store.counts(job)
    assert (counts["total"], counts["done"], counts["running"], counts["cost_usd"]) == (5, 3, 2, 1.5)


def test_an_expired_lease_is_taken_over_and_the_old_worker_cannot_finish(store):
    job = planned(store, 1)
    [item] = store.claim(job, "host:1:a", 1, lease_s=-1)  # its lease has run out already
    [again] = store.claim(job, "host:2:b", 1, lease_s=60)
    assert again.id == item.id and again.attempts == 2
    with pytest.raises(LeaseLost):
        finish(store, item.id, "host:1:a")
    finish(store, item.id, "host:2:b")
    assert store.counts(job)["done"] == 1 and list(store.records(job)) == [{"item": item.id}]


def test_a_dead_local_workers_items_return_at_once(store):
    job = planned(store, 2)
    store.register_worker(job, "thishost:999999999:x")  # no such process
    store.claim(job, "thishost:999999999:x", 2, lease_s=600)
    import socket

    from sqlalchemy import update

    from assistant.batch.tables import WorkerRow

    write_transaction(store.engine, lambda s: s.execute(update(WorkerRow).values(host=socket.gethostname())))
    assert store.reclaim_dead(job) == 2
    assert len(store.claim(job, "host:2:b", 5, lease_s=60)) == 2


def test_cancel_stops_new_claims_and_resume_brings_them_back(store):
    job = planned(store, 3)
    assert store.cancel(job) == 3
    assert store.claim(job, "w:1:a", 3, lease_s=60) == []
    assert store.retry_errors(job) == 3
    assert len(store.claim(job, "w:1:a", 3, lease_s=60)) == 3


def test_cache_keeps_the_first_answer(store):
    assert (store.sqlite_cache is not None) == (store.engine.dialect.name == "sqlite")  # its own connection reads
    store.cache_put("k", "first")
    store.cache_put("k", "second")
    assert store.cache_get("k") == "first" and store.cache_get("other") is None
    store.cache_put_many({"k": "third", "a": "1", "b": "2"})
    store.cache_put_many({})
    assert [store.cache_get(k) for k in ("k", "a", "b")] == ["first", "1", "2"]
