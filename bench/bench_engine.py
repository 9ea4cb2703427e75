"""End-to-end engine throughput: API request -> Dramatiq worker -> every step persisted.

Runs a 5-node graph without LLM calls (trigger, set_variables, if_else, template, output) on
real ``dramatiq workers.main`` processes against embedded PostgreSQL and Redis, at 1 and 4
worker processes, and prints runs/second, per-step overhead and worker RSS. No assertions.

Usage: ``make bench-engine`` (or ``python -m bench.bench_engine --runs 200``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GRAPH = ROOT / "tests" / "runtime" / "fixtures" / "five_nodes.json"


def start_backends(tmp: Path) -> dict[str, str]:
    """Embedded PostgreSQL (fresh ``ap_bench`` schema) and a throwaway Redis."""
    import psycopg

    from agent_platform import launcher

    server, db_url = launcher.start_embedded_postgres(ROOT / ".data" / "test-pg", "ap_bench")
    start_backends.server = server  # keep the handle alive
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    launcher.migrate(db_url)
    port = launcher.free_port()
    start_backends.redis = launcher.start_embedded_redis(tmp, port, persist=False)
    return {
        "ENVIRONMENT": "test",
        "DATABASE_URL": db_url,
        "REDIS_URL": f"redis://127.0.0.1:{port}/0",
    }


def setup_agent(client) -> tuple[dict[str, str], str]:
    """Sign up, publish the 5-node agent; returns (auth headers, agent id)."""
    body = {"email": "bench@example.com", "password": "correct horse battery", "org_name": "b"}
    token = client.post("/api/v1/auth/signup", json=body).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    agent = client.post("/api/v1/agents", json={"name": "Bench"}, headers=headers).json()
    graph = json.loads(GRAPH.read_text())
    client.post(
        f"/api/v1/agents/{agent['id']}/publish", json={"definition": graph}, headers=headers
    )
    return headers, agent["id"]


def rss_mb(pids: list[int]) -> list[float]:
    """Resident set size of each process in MiB."""
    sizes = []
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        except FileNotFoundError:
            pass
    return sizes


def bench(client, headers, agent_id, processes: int, runs: int, env: dict[str, str]) -> None:
    """One measurement with ``processes`` worker processes (4 threads each)."""
    cmd = [str(Path(sys.executable).parent / "dramatiq"), "workers.main", "-p", str(processes),
           "-t", "4"]  # fmt: skip
    worker = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, stderr=subprocess.DEVNULL)
    try:
        warm = client.post(f"/api/v1/agents/{agent_id}/execute", json={"inputs": {"n": 0}},
                           headers=headers).json()["execution_id"]  # fmt: skip
        wait_done(client, headers, [warm])
        started = time.perf_counter()
        ids = [
            client.post(f"/api/v1/agents/{agent_id}/execute", json={"inputs": {"n": i}},
                        headers=headers).json()["execution_id"]
            for i in range(runs)
        ]  # fmt: skip
        enqueue_s = time.perf_counter() - started
        rows = wait_done(client, headers, ids)
        elapsed = time.perf_counter() - started
        children = subprocess.run(["pgrep", "-P", str(worker.pid)], capture_output=True,
                                  text=True).stdout.split()  # fmt: skip
        rss = rss_mb([int(p) for p in children])
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    report(processes, runs, elapsed, enqueue_s, rows, rss)


def wait_done(client, headers, ids: list[str], timeout: float = 600) -> list[dict]:
    """Poll until every execution succeeded; returns them."""
    deadline, pending, done = time.monotonic() + timeout, list(ids), []
    while pending and time.monotonic() < deadline:
        still = []
        for run_id in pending:
            row = client.get(f"/api/v1/executions/{run_id}", headers=headers).json()
            (done if row["status"] in ("succeeded", "failed") else still).append(row)
        pending = [r["id"] for r in still]
        if pending:
            time.sleep(0.2)
    return done


def report(processes, runs, elapsed, enqueue_s, rows, rss) -> None:
    """Print the figures."""
    from datetime import datetime

    def secs(row, a, b):
        return (datetime.fromisoformat(row[b]) - datetime.fromisoformat(row[a])).total_seconds()

    ok = [r for r in rows if r["status"] == "succeeded"]
    in_worker = [secs(r, "started_at", "finished_at") for r in ok]
    latency = [secs(r, "created_at", "finished_at") for r in ok]
    print(f"\n== {processes} worker process(es) x 4 threads, {runs} runs of 5 nodes ==")
    print(f"succeeded           {len(ok)}/{runs}")
    print(f"throughput          {runs / elapsed:.1f} runs/s  ({elapsed:.1f} s total, "
          f"{enqueue_s:.1f} s spent issuing API requests)")  # fmt: skip
    print(f"run in worker       median {statistics.median(in_worker) * 1000:.0f} ms, "
          f"p95 {sorted(in_worker)[int(len(in_worker) * 0.95) - 1] * 1000:.0f} ms")  # fmt: skip
    print(f"per-step overhead   {statistics.median(in_worker) / 5 * 1000:.1f} ms "
          "(median run time in worker / 5 steps; each step = 5 DB transactions)")  # fmt: skip
    print(f"request->finished   median {statistics.median(latency) * 1000:.0f} ms")
    print(f"worker RSS          {', '.join(f'{m:.0f}' for m in rss)} MiB")


def main() -> None:
    """Run the benchmark at 1 and 4 worker processes."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        env = start_backends(Path(tmp))
        os.environ.update(env)
        from fastapi.testclient import TestClient

        import workers.broker  # noqa: F401  (installs the broker the API enqueues through)
        from agent_platform.api.app import create_api

        with TestClient(create_api()) as client:
            headers, agent_id = setup_agent(client)
            for processes in (1, 4):
                bench(client, headers, agent_id, processes, args.runs, env)
        start_backends.redis.terminate()
        start_backends.redis.wait(timeout=10)


if __name__ == "__main__":
    main()
