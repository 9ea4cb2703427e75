"""Chat latency: the platform's overhead to the first streamed token.

A published chat agent (chat trigger -> ``openai:gpt-4o-mini`` LLM, streaming -> output) runs on
real ``dramatiq workers.main`` processes against embedded PostgreSQL and Redis; its LLM is the
local OpenAI wire-protocol server answering instantly. The API is served by uvicorn; each turn
is ``POST /api/v1/agents/{id}/execute`` with ``"stream": true`` and the clock stops at the first
``token`` event. Overhead = that time minus the same first-token time measured directly against
the LLM server. Printed at 1 and 20 concurrent conversations. No assertions.

Usage: ``make bench-chat`` (or ``python bench/bench_chat.py --turns 5``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def start_backends(tmp: Path) -> dict[str, str]:
    """Embedded PostgreSQL (fresh ``ap_bench_chat`` schema) and a throwaway Redis."""
    import psycopg

    from agent_platform import launcher

    server, db_url = launcher.start_embedded_postgres(ROOT / ".data" / "test-pg", "ap_bench_chat")
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


def api_app():  # noqa: ANN201 - granian factory
    """The FastAPI app alone (what the bench serves), enqueuing on the platform's broker."""
    import workers.broker  # noqa: F401  (installs the Dramatiq broker, as the app module does)
    from agent_platform.api.app import create_api

    return create_api()


def serve_api(port: int, env: dict[str, str]) -> subprocess.Popen:
    """The API under granian (the server Reflex uses in production), one worker."""
    cmd = [
        str(Path(sys.executable).parent / "granian"), "--interface", "asgi", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
        "bench.bench_chat:api_app",
    ]  # fmt: skip
    return subprocess.Popen(
        cmd, cwd=ROOT, env={**os.environ, **env, "PYTHONPATH": str(ROOT)}, start_new_session=True
    )


def graph() -> dict:
    return {
        "nodes": [
            {"id": "trigger_1", "type": "trigger", "data": {"kind": "chat"}},
            {"id": "llm_1", "type": "llm", "data": {
                "model": "openai:gpt-4o-mini", "prompt": "{{inputs.message}}", "stream": True}},
            {"id": "output_1", "type": "output", "data": {"value": "{{llm_1.output.text}}"}},
        ],
        "edges": [
            {"id": "e1", "source": "trigger_1", "target": "llm_1"},
            {"id": "e2", "source": "llm_1", "target": "output_1"},
        ],
    }  # fmt: skip


def setup(base: str) -> tuple[dict[str, str], str]:
    """Sign up, store an OpenAI key (for the local server), publish the chat agent."""
    import httpx

    with httpx.Client(base_url=base, timeout=60) as client:
        body = {"email": "bench@example.com", "password": "correct horse battery", "org_name": "b"}
        token = client.post("/api/v1/auth/signup", json=body).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        cred = {"name": "local", "kind": "llm_provider", "provider": "openai",
                "data": {"api_key": "sk-local-bench"}}  # fmt: skip
        assert client.post("/api/v1/credentials", json=cred, headers=headers).status_code == 201
        agent = client.post("/api/v1/agents", json={"name": "Bench chat"}, headers=headers).json()
        resp = client.post(
            f"/api/v1/agents/{agent['id']}/publish", json={"definition": graph()}, headers=headers
        )
        assert resp.status_code == 201, resp.text
    return headers, agent["id"]


async def first_token(client, url: str, headers: dict[str, str], message: str) -> float:
    """Seconds from sending the turn to its first ``token`` event."""
    started = time.perf_counter()
    body = {"inputs": {"message": message}, "stream": True}
    first = None
    async with client.stream("POST", url, json=body, headers=headers) as resp:
        async for line in resp.aiter_lines():
            if first is None and line == "event: token":
                first = time.perf_counter() - started
    return first if first is not None else float("nan")


async def direct_first_token(base_url: str, samples: int = 30) -> float:
    """Median first-token time straight from the LLM server (the floor)."""
    from openai import AsyncOpenAI

    sdk = AsyncOpenAI(api_key="sk-local-bench", base_url=base_url, max_retries=0)
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        stream = await sdk.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        async for _chunk in stream:
            times.append(time.perf_counter() - started)
            break
        await stream.close()
    await sdk.close()
    return statistics.median(times)


async def run_level(base: str, headers, agent_id: str, conversations: int, turns: int) -> list:
    import httpx

    url = f"{base}/api/v1/agents/{agent_id}/execute"
    limits = httpx.Limits(max_connections=conversations + 5)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        await first_token(client, url, headers, "warm-up")

        async def conversation(n: int) -> list[float]:
            return [await first_token(client, url, headers, f"c{n} t{t}") for t in range(turns)]

        results = await asyncio.gather(*(conversation(n) for n in range(conversations)))
    return [t for times in results for t in times]


def wait_ready(base: str, timeout: float = 60) -> None:
    """Poll the health route until the API answers."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError("the API did not start")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=5, help="turns per conversation")
    parser.add_argument("--processes", type=int, default=2, help="worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker process")
    args = parser.parse_args()
    from agent_platform import launcher
    from tests.integrations.llm_wire_servers import Reply, wire_server

    with tempfile.TemporaryDirectory() as tmp, wire_server() as llm:
        llm.default = Reply(text="Hello from the instant local model, token by token.")
        env = start_backends(Path(tmp))
        env["RUNTIME__OPENAI_BASE_URL"] = llm.openai_base_url
        env["RUNTIME__EGRESS_ALLOW_HOSTS"] = f'["{llm.host}"]'  # the SDKs go through egress
        os.environ.update(env)
        port = launcher.free_port()
        api = serve_api(port, env)
        base = f"http://127.0.0.1:{port}"
        worker = subprocess.Popen(
            [str(Path(sys.executable).parent / "dramatiq"), "workers.main",
             "--processes", str(args.processes), "--threads", str(args.threads)],
            cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        try:
            wait_ready(base)
            headers, agent_id = setup(base)
            floor = asyncio.run(direct_first_token(llm.openai_base_url))
            print(f"LLM server first token (direct, median): {floor * 1000:.1f} ms")
            print(f"workers: {args.processes} processes x {args.threads} threads")
            for conversations in (1, 20):
                times = asyncio.run(run_level(base, headers, agent_id, conversations, args.turns))
                overhead = [(t - floor) * 1000 for t in times if t == t]
                print(
                    f"{conversations:>2} concurrent conversation(s), {len(overhead)} turns: "
                    f"overhead to first token p50 {pct(overhead, 0.5):.0f} ms, "
                    f"p95 {pct(overhead, 0.95):.0f} ms"
                )
        finally:
            for proc in (worker, api):
                os.killpg(proc.pid, 15)
                proc.wait(timeout=20)


if __name__ == "__main__":
    main()
