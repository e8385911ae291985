"""Headless Chromium for the browser tests, through Selenium and Debian's chromedriver.

Without Chromium, chromedriver or selenium the tests skip and say what is missing; under
CI=true a missing browser is a failure instead (`.ci/run` installs `chromium` and
`chromium-driver` first), so the browser tests can never silently stop running.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.dashboard.desk import Desk, make_project
from tests.servers import free_port

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1280,1000", "--lang=en-US"]


def _missing() -> str | None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    if not chromium or not driver:
        return "Chromium or chromedriver is missing (apt-get install chromium chromium-driver)"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A headless Chromium with a fresh profile, driven by the system's chromedriver."""
    missing = _missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: the browser tests must run, but {missing}")
        pytest.skip(f"browser tests skipped: {missing}")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_AVOID_STATS", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser") or ""
    for flag in FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="monitor-chromium-")
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Desk, str]]:
    """`monitor run` on a project whose state holds matches over the last days; yields the
    project and the dashboard's base URL."""
    port = free_port()
    desk = make_project(tmp_path_factory.mktemp("desk"), bind=f"127.0.0.1:{port}")
    log = (desk.root / "daemon.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "monitor", "run", "--config", "config.yaml"],
                            cwd=desk.root, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None:
                    break
            time.sleep(0.3)
        else:
            pytest.fail("the daemon did not become healthy:\n" + _log(desk.root))
        assert proc.poll() is None, _log(desk.root)
        yield desk, base
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _log(root: Path) -> str:
    return (root / "daemon.log").read_text(encoding="utf-8", errors="replace")[-3000:]
