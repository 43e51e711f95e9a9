"""Fixtures of the browser tests: the service as `creditscore run` serves it (development, SQLite,
the sandbox mounted) on a loopback port, and Debian's Chromium driven by Playwright.

Nothing is downloaded: Playwright is given ``/usr/bin/chromium`` (or ``CS_TEST_CHROMIUM``).
Without it the tests fail in CI (``CI=true``) and are skipped elsewhere, with the reason.
Screenshots go to ``test-artifacts/screenshots`` (or ``CS_TEST_ARTIFACTS``).
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.app.identity.tokens import ISSUER, JWT_SECRET
from tests.servers import CLI, ROOT, free_port

CHROMIUM = Path(os.environ.get("CS_TEST_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(os.environ.get("CS_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "screenshots"
PHONE = {"width": 390, "height": 844}
STARTUP_S = 90.0


@dataclass
class Served:
    base_url: str
    lender_key: str


def _require_chromium() -> None:
    if CHROMIUM.is_file():
        return
    reason = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`creditscore run` on a free port; its printed demo lender key."""
    _require_chromium()
    data = tmp_path_factory.mktemp("served")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CS_")}
    env.update(
        {
            "CS_ENV": "development",
            "CS_DATA_DIR": str(data),
            "CS_DATABASE_URL": f"sqlite:///{(data / 'creditscore.db').as_posix()}",
            "CS_PUBLIC_BASE_URL": base,
            "CS_LOG_LEVEL": "WARNING",
            # Email sign-in on (a Supabase project that is never called: the tests follow the
            # emailed link's landing page with a token they sign with the project's secret).
            "CS_IDENTITY__SUPABASE_JWT_SECRET": JWT_SECRET,
            "CS_IDENTITY__SUPABASE_ISSUER": ISSUER,
            "CS_IDENTITY__SUPABASE_URL": "https://demo-project.supabase.co",
            "CS_IDENTITY__SUPABASE_ANON_KEY": "anon-public-key",
        }
    )
    out = data / "run.log"
    with out.open("wb") as log:
        process = subprocess.Popen(
            [*CLI, "run", "--port", str(port)], env=env, cwd=ROOT, stdout=log, stderr=log
        )
    try:
        key = _wait_until_up(process, base, out)
        yield Served(base, key)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_until_up(process: subprocess.Popen[bytes], base: str, out: Path) -> str:
    deadline = time.monotonic() + STARTUP_S
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"creditscore run exited: {out.read_text()[-2000:]}")
        found = re.search(r"lender API key \(demo, shown once\): (\S+)", out.read_text())
        if found:
            try:
                if httpx.get(f"{base}/sign-in", timeout=1).status_code == 200:
                    return found.group(1)
            except httpx.TransportError:
                pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"creditscore run did not start: {out.read_text()[-2000:]}")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def browser(served: Served) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Iterator[list[Path]]:
    """Where this test's screenshots go; each one listed, and checked to exist afterwards."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    taken: list[Path] = []
    yield taken
    for path in taken:
        assert path.is_file() and path.stat().st_size > 0, f"screenshot {path} was not written"
