"""Builder UI figures: open a 200-node graph, commit a node move, drag smoothness.

Starts embedded PostgreSQL and Redis, the real app (``reflex run --env prod --single-port``)
and system Chromium; signs up, imports a 200-node graph through the builder's Import dialog,
then measures (median of several tries):

* open: navigation to the builder until all 200 nodes are drawn;
* commit: mouse-up after a drag until Python's new revision is back in the browser;
* drag: 30 mouse moves of a drag (these never reach Python).

Usage: ``make bench-ui``. Prints figures; no assertions.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.bench_engine import start_backends

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
NODES = 200
TRIES = 5
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]


def graph(count: int = NODES) -> dict:
    """A trigger, ``count - 2`` templates in a binary tree, and an output: all valid."""
    ids = ["trigger_1", *[f"template_{i}" for i in range(1, count - 1)], "output_1"]
    nodes = []
    for i, node_id in enumerate(ids):
        kind = node_id.rsplit("_", 1)[0]
        data = {"template": "{{inputs.message}}"} if kind == "template" else {}
        pos = {"x": (i % 20) * 260, "y": (i // 20) * 130}
        nodes.append({"id": node_id, "type": kind, "position": pos, "data": data})
    edges = [
        {"id": f"e{i}", "source": ids[(i - 1) // 2], "target": ids[i], "sourceHandle": "out"}
        for i in range(1, count)
    ]
    return {"nodes": nodes, "edges": edges}


def _up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except Exception:  # noqa: BLE001 - not up yet
        return False


def start_app(env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    """The app on a free port, as ``make run`` starts it."""
    from agent_platform.launcher import free_port

    port = free_port()
    base = f"http://localhost:{port}"
    full = {**os.environ, **env, "REFLEX_REDIS_URL": env["REDIS_URL"], "BASE_URL": base,
            "FRONTEND_PORT": str(port), "BACKEND_PORT": str(port), "REFLEX_USE_NPM": "1",
            "REFLEX_TELEMETRY_ENABLED": "false", "REFLEX_CHECK_LATEST_VERSION": "false",
            "PATH": f"{BIN}:{os.environ.get('PATH', '')}"}  # fmt: skip
    cmd = [str(BIN / "reflex"), "run", "--env", "prod", "--single-port", "--frontend-port",
           str(port), "--backend-port", str(port), "--loglevel", "warning"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=full, stdout=log.open("wb"),
                            stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 300
    while not (_up(f"{base}/api/v1/health") and _up(f"{base}/login")):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the app did not start; see {log}")
        time.sleep(0.5)
    return proc, base


def prepare(page) -> str:
    """Sign up, create an agent, import the big graph; returns the builder URL."""
    page.goto("/signup")
    page.get_by_placeholder("Ada Lovelace").fill("Bench")
    page.get_by_placeholder("you@company.com").fill("bench-ui@example.com")
    page.get_by_placeholder("At least 8 characters").fill("correct horse battery")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r"/agents/?$"))
    page.get_by_role("button", name="Create agent").first.click()
    page.get_by_placeholder("Support triage").fill("Big graph")
    page.get_by_role("button", name="Create", exact=True).click()
    page.wait_for_url(re.compile(r"/agents/edit/?\?id="))
    page.get_by_role("button", name="Import").click()
    page.locator("textarea[name=graph]").fill(json.dumps(graph()))
    page.get_by_role("dialog").get_by_role("button", name="Import").click()
    page.get_by_text(f"Imported {NODES} steps.").wait_for()
    return page.url


def measure(page, url: str) -> dict[str, list[float]]:
    """Open, commit and drag timings in milliseconds."""
    figures: dict[str, list[float]] = {"open": [], "commit": [], "drag": []}
    for _ in range(TRIES):
        start = time.perf_counter()
        page.goto(url)
        page.wait_for_function(f"document.querySelectorAll('.react-flow__node').length >= {NODES}")
        figures["open"].append((time.perf_counter() - start) * 1000)
        box = page.locator(".react-flow__node").nth(NODES // 2 + 10).bounding_box()
        canvas = page.get_by_test_id("canvas")
        revision = canvas.get_attribute("data-revision")
        x, y = box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3
        page.mouse.move(x, y)
        page.mouse.down()
        start = time.perf_counter()
        page.mouse.move(x + 90, y + 60, steps=30)
        figures["drag"].append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        page.mouse.up()
        page.wait_for_function(
            f"document.querySelector('[data-testid=canvas]').dataset.revision !== '{revision}'"
        )
        figures["commit"].append((time.perf_counter() - start) * 1000)
    return figures


def main() -> None:
    """Run the benchmark and print the figures."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        env = start_backends(Path(tmp))
        proc, base = start_app(env, ROOT / "test-artifacts" / "bench-ui-app.log")
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                page = browser.new_page(base_url=base, viewport={"width": 1600, "height": 1000})
                page.set_default_timeout(60_000)
                figures = measure(page, prepare(page))
                browser.close()
        finally:
            os.killpg(proc.pid, 15)
            proc.wait(timeout=30)
    print(f"builder with {NODES} nodes, median of {TRIES} (min-max), milliseconds")
    for name, label in [
        ("open", "open the graph (navigate -> all nodes drawn)"),
        ("commit", "commit a node move (mouse-up -> new revision back)"),
        ("drag", "30 drag mouse-moves (browser only, no round trips)"),
    ]:
        values = figures[name]
        print(
            f"  {label:55s} {statistics.median(values):8.0f}  ({min(values):.0f}-{max(values):.0f})"
        )


if __name__ == "__main__":
    main()
