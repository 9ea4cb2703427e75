"""Browser-test fixtures: the real app and a Dramatiq worker as subprocesses, and Chromium.

The app starts once per session exactly as ``make run`` starts it (``reflex run --env prod
--single-port``), against the PostgreSQL, Redis and SMTP sink of ``platform_env``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

import agent_platform.models  # noqa: F401  (registers the tables the ``db`` fixture truncates)

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT_S = 300


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except Exception:  # noqa: BLE001  (not up yet: any failure means "retry")
        return 0


def _wait_ready(base_url: str, procs: list[subprocess.Popen], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        for proc in procs:
            if proc.poll() is not None:
                tail = log.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{proc.args[:2]} exited early:\n{tail}")
        if _get(f"{base_url}/api/v1/health") == 200 and _get(f"{base_url}/login") == 200:
            return
        time.sleep(0.5)
    raise RuntimeError(f"the app did not become ready in {START_TIMEOUT_S}s; see {log}")


def _stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


@contextlib.contextmanager
def running_app(
    platform_env: dict[str, str], *, worker: bool = True, extra_env: dict[str, str] | None = None
) -> Iterator[str]:
    """Start the app (and a worker unless ``worker=False``); yields the base URL.

    ``extra_env`` adds settings for this app process only (e.g. ``SECURITY__...``).
    """
    from agent_platform.launcher import free_port

    port = free_port()
    base_url = f"http://localhost:{port}"
    env = dict(os.environ)
    env.update(platform_env)
    env.update(
        REFLEX_REDIS_URL=platform_env["REDIS_URL"],
        BASE_URL=base_url,
        FRONTEND_PORT=str(port),
        BACKEND_PORT=str(port),
        ENVIRONMENT="test",
        REFLEX_USE_NPM="1",
        REFLEX_TELEMETRY_ENABLED="false",
        REFLEX_CHECK_LATEST_VERSION="false",
        PATH=f"{BIN}:{env.get('PATH', '')}",
    )
    env.update(extra_env or {})
    logs = ARTIFACTS / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    app_log, worker_log = logs / "app.log", logs / "worker.log"
    procs: list[subprocess.Popen] = []
    try:
        if worker:
            with worker_log.open("wb") as out:
                procs.append(
                    subprocess.Popen(
                        [
                            str(BIN / "dramatiq"),
                            "workers.main",
                            "--processes",
                            "1",
                            "--threads",
                            "2",
                        ],
                        cwd=ROOT,
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        with app_log.open("wb") as out:
            procs.append(
                subprocess.Popen(
                    [
                        str(BIN / "reflex"),
                        "run",
                        "--env",
                        "prod",
                        "--single-port",
                        "--frontend-port",
                        str(port),
                        "--backend-port",
                        str(port),
                        "--loglevel",
                        "warning",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        _wait_ready(base_url, procs, app_log)
        yield base_url
    finally:
        _stop(procs)


# Package scope: the app and its worker stop when the browser tests end, so the worker cannot
# pick up messages that later (non-browser) tests enqueue on the same test Redis.
@pytest.fixture(scope="package")
def app_server(platform_env: dict[str, str]) -> Iterator[str]:
    """Start the app and one worker; yields the base URL, e.g. ``http://localhost:41234``."""
    with running_app(platform_env) as base_url:
        yield base_url


# Module scope: Playwright's sync API keeps an event loop running while it is open, which
# would break every asyncio test that runs after the browser tests in the same session.
@pytest.fixture(scope="module")
def browser(app_server: str) -> Iterator[object]:
    """System Chromium driven by Playwright (never ``playwright install``)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's outcome so fixtures can react to a failed test."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def new_page(browser, app_server: str, db: None, request: pytest.FixtureRequest):
    """A factory of pages, each in its own browser context (own cookies), closed afterwards.

    Browser console errors go to test-artifacts/logs/console.log; on failure every open page
    is screenshotted to test-artifacts/failures/.
    """
    contexts, pages = [], []
    console = (ARTIFACTS / "logs" / "console.log").open("a")

    def make(**options):
        context = browser.new_context(base_url=app_server, **options)
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and console.write(f"{m.text}\n"))
        page.on("pageerror", lambda e: console.write(f"pageerror: {e}\n"))
        pages.append(page)
        if os.environ.get("E2E_DEBUG_WS"):
            page.on(
                "websocket",
                lambda ws: (
                    ws.on("framesent", lambda f: console.write(f"> {str(f)[:400]}\n"))
                    or ws.on("framereceived", lambda f: console.write(f"< {str(f)[:400]}\n"))
                ),
            )
        return page

    yield make
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        failures = ARTIFACTS / "failures"
        failures.mkdir(parents=True, exist_ok=True)
        for i, page in enumerate(pages):
            page.screenshot(path=str(failures / f"{request.node.name}-{i}.png"), full_page=True)
    for context in contexts:
        context.close()
    console.close()


@pytest.fixture(scope="session")
def shot() -> object:
    """``shot(page, name)`` saves a full-page screenshot under test-artifacts/screenshots."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(page, name: str) -> None:
        page.wait_for_load_state("networkidle")
        page.screenshot(
            path=str(SCREENSHOTS / f"{name}.png"), full_page=True, animations="disabled"
        )

    return save
