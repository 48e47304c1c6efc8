"""Batch benchmarks against the OpenAI-compatible stub (a separate process on 127.0.0.1).

  nice .venv/bin/python -m evals.bench_batch engine --items 2000 --latency 0.2 --concurrency 32 128
      model requests sent as a batch run sends them (worker threads, the run's openai client and
      transport: runner.openai_handle + runner.model_transport): throughput vs the ideal
      (concurrency / latency), client CPU per request, with the run's response cache (--no-cache:
      without); --through langchain adds the Generator's structured-output chain; --through bare:
      a bare aiohttp client, not the product: the ceiling this machine and stub allow right now
  nice .venv/bin/python -m evals.bench_batch engine --items 2000 --latency 0.2 --concurrency 32 128 --processes 2
      the same in 2 processes, split and started as `batch run --processes 2` splits and starts its
      workers (``processes.split``, ``ProcessGroup``): throughput over both, CPU per request in each
      process and in total
  nice .venv/bin/python -m evals.bench_batch e2e --items 200 --concurrency 32 [--processes 2]
      whole items (generate, check, store, workflow) through `BatchService.run` (with --processes:
      the `batch run --processes` path itself): items/s, CPU per item
  nice .venv/bin/python -m evals.bench_batch plan --rows 50000
      peak RSS while a 50,000-row CSV catalogue is planned into a job (streamed)
  nice .venv/bin/python -m evals.bench_batch workers --items 200 --concurrency 16
      two `assistant batch worker` processes on one job in a private PostgreSQL: items each did,
      and whether any item was done twice
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pydantic import BaseModel, Field

REPO = Path(__file__).resolve().parent.parent


def start_stub(latency: float) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "tests.openai_stub", "--latency", str(latency)], cwd=REPO,
                            stdout=subprocess.PIPE, text=True)
    port = proc.stdout.readline().split()[1]
    return proc, f"http://127.0.0.1:{port}/v1"


class Title(BaseModel):
    title: str = Field(max_length=60)


async def _engine(svc, items: int, concurrency: int, through: str, cache: bool = True, ready=None) -> dict:
    """``items`` model requests sent the way a batch run sends them: from ``concurrency`` worker
    threads, by the run's own model client (``runner.openai_handle``) over the run's own transport
    (``runner.model_transport``: bridge, guard, connection pool). ``through``: ``openai`` calls that
    client directly; ``langchain`` goes through the structured-output chain the Generator calls.
    ``cache``: the run's response cache in the job database, as a run has it by default (every
    request here is new: a lookup and a write each). ``ready``: called (in a thread) once warm, before
    the measured requests: where the processes of one measurement wait for each other."""
    from langchain_core.messages import HumanMessage

    from assistant.batch.runner import RunOptions, model_transport, openai_handle
    from assistant.batch.store import JobStore
    from assistant.batch.transport import Stats

    loop = asyncio.get_running_loop()
    loop.set_default_executor(ThreadPoolExecutor(max_workers=concurrency + 2, thread_name_prefix="batch"))
    stats = Stats()
    transport = model_transport(loop, RunOptions(concurrency=concurrency, cache=cache), stats, JobStore(svc.engine))
    handle = openai_handle(svc, transport)
    client = handle.chat.root_client
    chain = handle.chat.with_structured_output(Title, include_raw=True)
    schema = Title.model_json_schema()

    nonce = uuid.uuid4().hex[:8]  # every request new to the cache, in this run as in the ones before it

    def one(i: int) -> None:
        prompt = f"Write a title for product {i} (run {nonce})"
        if through == "langchain":
            out = chain.invoke([HumanMessage(prompt)])
            assert out["parsed"] is not None, out
        else:
            client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}],
                response_format={"type": "json_schema", "json_schema": {"name": "Title", "schema": schema}})

    gate = asyncio.Semaphore(concurrency)

    async def run(i: int) -> None:
        async with gate:
            await asyncio.to_thread(one, i)

    await asyncio.gather(*(run(-i) for i in range(1, concurrency + 1)))  # connections open, code warm
    if ready is not None:
        await asyncio.to_thread(ready)
    stats.requests = 0
    cpu0, t0, start = time.process_time(), time.perf_counter(), time.time()
    await asyncio.gather(*(run(i) for i in range(items)))
    wall, cpu, end = time.perf_counter() - t0, time.process_time() - cpu0, time.time()
    await transport.guard.aclose()
    return {"items": items, "wall_s": round(wall, 2), "items_per_s": round(items / wall, 1),
            "cpu_ms_per_item": round(1000 * cpu / items, 2), "requests": stats.requests, "retries": stats.retries,
            "start": start, "end": end, "cpu_s": cpu}


async def _bare(url: str, items: int, concurrency: int, ready=None) -> dict:
    """The same requests from a bare aiohttp client (no openai client, guard or threads): not the
    product, but the ceiling this machine and the stub allow right now, to read the other numbers by."""
    import aiohttp

    schema = Title.model_json_schema()
    gate = asyncio.Semaphore(concurrency)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency + 8)) as session:
        async def run(i: int) -> None:
            body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": f"Write a title for product {i}"}],
                    "response_format": {"type": "json_schema", "json_schema": {"name": "Title", "schema": schema}}}
            async with gate, session.post(f"{url}/chat/completions", json=body) as answer:
                json.loads(await answer.read())

        await asyncio.gather(*(run(-i) for i in range(1, concurrency + 1)))
        if ready is not None:
            await asyncio.to_thread(ready)
        cpu0, t0, start = time.process_time(), time.perf_counter(), time.time()
        await asyncio.gather(*(run(i) for i in range(items)))
        wall, cpu, end = time.perf_counter() - t0, time.process_time() - cpu0, time.time()
    return {"items": items, "wall_s": round(wall, 2), "items_per_s": round(items / wall, 1),
            "cpu_ms_per_item": round(1000 * cpu / items, 2), "requests": items, "retries": 0,
            "start": start, "end": end, "cpu_s": cpu}


def cpu_seconds(pid: int) -> float:
    """User + system CPU of another process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def engine(args) -> None:
    stub, url = start_stub(args.latency)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            svc = _services(url, Path(tmp) / "home").svc if args.processes == 1 and args.through != "bare" else None
            for c in args.concurrency:
                stub_cpu = cpu_seconds(stub.pid)
                if args.processes > 1:
                    r = _engine_processes(args, url, Path(tmp), c)
                elif args.through == "bare":
                    r = asyncio.run(_bare(url, args.items, c))
                else:
                    r = asyncio.run(_engine(svc, args.items, c, args.through, cache=not args.no_cache))
                ideal = c / args.latency
                stub_ms = 1000 * (cpu_seconds(stub.pid) - stub_cpu) / (args.items + c * args.processes)
                cache = None if args.through == "bare" else not args.no_cache
                for key in ("start", "end", "cpu_s"):
                    r.pop(key, None)
                print(json.dumps({"through": args.through, "cache": cache, "concurrency": c, "processes": args.processes,
                                  **r, "stub_cpu_ms_per_item": round(stub_ms, 2), "ideal_per_s": ideal,
                                  "of_ideal": f"{100 * r['items_per_s'] / ideal:.1f}%",
                                  "load_avg": os.getloadavg()[0]}), flush=True)
    finally:
        stub.terminate()


def _engine_processes(args, url: str, tmp: Path, concurrency: int) -> dict:
    """The engine measurement in ``args.processes`` processes started and split the way
    ``batch run --processes`` starts and splits its workers (``processes.split``, ``ProcessGroup``):
    each sends its share of the items; they start sending together; throughput over all of them."""
    from assistant.batch.processes import ProcessGroup, split
    from assistant.batch.runner import RunOptions

    parts = split(RunOptions(concurrency=concurrency), args.processes)
    counts = [args.items * p.concurrency // concurrency for p in parts]
    counts[-1] += args.items - sum(counts)
    run = tmp / f"c{concurrency}"
    commands = [[sys.executable, "-m", "evals.bench_batch", "engine-child", "--url", url, "--home", str(tmp / "home"),
                 "--items", str(n), "--concurrency", str(p.concurrency), "--through", args.through,
                 "--result", str(run / f"{i}.json"), *(["--no-cache"] if args.no_cache else [])]
                for i, (p, n) in enumerate(zip(parts, counts))]
    logs = [run / f"{i}.log" for i in range(args.processes)]
    with ProcessGroup(commands, logs=logs, cwd=REPO) as group:
        while not all((run / f"{i}.ready").exists() for i in range(args.processes)):
            if group.failed() is not None:
                raise SystemExit(f"an engine process failed: {logs[group.failed()].read_text()[-2000:]}")
            time.sleep(0.05)
        group.send("go")
        while group.running():
            time.sleep(0.05)
    if group.failed() is not None:
        raise SystemExit(f"an engine process failed: {logs[group.failed()].read_text()[-2000:]}")
    results = [json.loads((run / f"{i}.json").read_text()) for i in range(args.processes)]
    wall = max(r["end"] for r in results) - min(r["start"] for r in results)
    items = sum(r["items"] for r in results)
    return {"items": items, "wall_s": round(wall, 2), "items_per_s": round(items / wall, 1),
            "cpu_ms_per_item": round(1000 * sum(r["cpu_s"] for r in results) / items, 2),
            "per_process": [{k: r[k] for k in ("items", "wall_s", "items_per_s", "cpu_ms_per_item")} for r in results],
            "requests": sum(r["requests"] for r in results), "retries": sum(r["retries"] for r in results)}


def engine_child(args) -> None:
    """One process of ``_engine_processes``: warm up, say so, wait for the others, measure."""
    result = Path(args.result)

    def ready() -> None:
        result.with_suffix(".ready").touch()
        if sys.stdin.readline().strip() != "go":
            raise SystemExit("the benchmark ended before the start")

    if args.through == "bare":
        r = asyncio.run(_bare(args.url, args.items, args.concurrency[0], ready=ready))
    else:
        svc = _services(args.url, Path(args.home)).svc
        r = asyncio.run(_engine(svc, args.items, args.concurrency[0], args.through, cache=not args.no_cache,
                                ready=ready))
    result.write_text(json.dumps(r))


def write_catalogue(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.write("sku,name,category,material,size\n")
        for i in range(rows):
            fh.write(f"S{i:06d},Bamboo Board {i},Kitchen,Moso bamboo,{30 + i % 20} x 20 cm\n")


def _services(url: str | None, home: Path):
    """Settings through the environment, so worker processes started from here read the same."""
    os.environ.update({"ASSISTANT_HOME": str(home), "ASSISTANT_PROVIDER": "openai", "ASSISTANT_MODEL": "gpt-4o-mini",
                       "OPENAI_BASE_URL": url or "http://127.0.0.1:9/v1", "ASSISTANT_REVISE_ROUNDS": "0"})
    from assistant.batch.service import BatchService
    from assistant.services import build_services
    from assistant.settings import load_settings

    return BatchService(build_services(load_settings()))


def plan(args) -> None:
    from assistant.batch.service import RunRequest

    with tempfile.TemporaryDirectory() as tmp:
        cat = Path(tmp) / "catalogue.csv"
        write_catalogue(cat, args.rows)
        batch = _services(None, Path(tmp) / "home")
        t0 = time.perf_counter()
        p = batch.plan(RunRequest(cat, ["listing"], ["en"], ["US"], "bambuu", Path(tmp) / "out"))
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({"rows": p.rows, "items": p.items, "plan_s": round(time.perf_counter() - t0, 1),
                          "peak_rss_mb": round(rss, 1)}))


def e2e(args) -> None:
    from assistant.batch.local_workers import LocalWorkers
    from assistant.batch.runner import RunOptions
    from assistant.batch.service import RunRequest

    stub, url = start_stub(args.latency)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            cat = Path(tmp) / "catalogue.csv"
            write_catalogue(cat, args.items)
            batch = _services(url, Path(tmp) / "home")
            p = batch.plan(RunRequest(cat, ["search_ad"], ["en"], ["US"], "bambuu", Path(tmp) / "out",
                                      revise_rounds=0))
            batch.svc.knowledge.ingest("bambuu")
            children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu0, t0 = time.process_time(), time.perf_counter()
            r = batch.run(p.job_id, Path(tmp) / "out", RunOptions(concurrency=args.concurrency[0]),
                          workers=LocalWorkers(args.processes))
            wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
            children1 = resource.getrusage(resource.RUSAGE_CHILDREN)  # the worker processes (ended), not the stub
            child_cpu = children1.ru_utime + children1.ru_stime - children0.ru_utime - children0.ru_stime
            print(json.dumps({"items": args.items, "done": r.counts.get("done"), "processes": args.processes,
                              "wall_s": round(wall, 1), "items_per_s": round(args.items / wall, 1),
                              "cpu_ms_per_item": round(1000 * (cpu + child_cpu) / args.items, 1),
                              "concurrency": args.concurrency[0], "load_avg": os.getloadavg()[0],
                              "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                              "note": "with --processes > 1: wall and CPU include starting the worker processes"}))
    finally:
        stub.terminate()


def workers(args) -> None:
    from sqlalchemy import func, select

    from assistant.batch.service import RunRequest
    from assistant.batch.tables import ItemRow
    from assistant.storage.db import read_session
    from assistant.storage.drafts import DraftRow
    from tests.workflow_fixtures import PgServer, pg_bin

    pg = PgServer(pg_bin())
    pg.start()
    stub, url = start_stub(args.latency)
    try:
        db = pg.new_database()
        os.environ["ASSISTANT_DATABASE_URL"] = db
        with tempfile.TemporaryDirectory() as tmp:
            cat = Path(tmp) / "catalogue.csv"
            write_catalogue(cat, args.items)
            batch = _services(url, Path(tmp) / "home")
            job = batch.plan(RunRequest(cat, ["search_ad"], ["en"], ["US"], "bambuu", Path(tmp) / "out",
                                        revise_rounds=0)).job_id
            env = dict(os.environ)  # as ``_services`` set it
            cli = str(Path(sys.executable).parent / "assistant")
            t0 = time.perf_counter()
            procs = [subprocess.Popen([cli, "batch", "worker", str(job), "--out", f"{tmp}/w{i}", "-c",
                                       str(args.concurrency[0]), "--quiet"], env=env) for i in range(2)]
            codes = [p.wait() for p in procs]
            wall = time.perf_counter() - t0
            with read_session(batch.svc.engine) as s:
                drafts = dict(s.execute(select(DraftRow.sku, func.count()).group_by(DraftRow.sku)).all())
                attempts = dict(s.execute(select(ItemRow.attempts, func.count()).where(ItemRow.job_id == job)
                                          .group_by(ItemRow.attempts)).all())
            by_worker: dict[str, int] = {}
            for record in batch.store.records(job):
                by_worker[record["worker"]] = by_worker.get(record["worker"], 0) + 1
            per_worker = sorted(by_worker.values())
            print(json.dumps({"items": args.items, "exit_codes": codes, "wall_s": round(wall, 1),
                              "skus_with_drafts": len(drafts), "done_twice": sum(n > 1 for n in drafts.values()),
                              "claims_per_item": attempts, "items_per_worker": per_worker}))
    finally:
        stub.terminate()
        pg.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("what", choices=["engine", "e2e", "plan", "workers", "engine-child"])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[32, 128])
    parser.add_argument("--through", choices=["openai", "langchain", "bare"], default="openai",
                        help="engine: the run's openai client directly, the Generator's structured-output chain, "
                             "or a bare aiohttp client (the ceiling on this machine now, not the product)")
    parser.add_argument("--no-cache", action="store_true", help="engine: without the run's response cache")
    parser.add_argument("--processes", type=int, default=1,
                        help="engine, e2e: processes sharing each concurrency, split and started as `batch run "
                        "--processes` does (1: this process alone)")
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--home", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    {"engine": engine, "e2e": e2e, "plan": plan, "workers": workers, "engine-child": engine_child}[args.what](args)


if __name__ == "__main__":
    main()
