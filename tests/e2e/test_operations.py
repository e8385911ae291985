"""The operator's view of a real running daemon: /healthz, /metrics, status, matches, logs."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.helpers import run_cli, wait_for

HEADLINE = "Азербайджан начинает диалог с Китаем в оборонной промышленности"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(port: int, path: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read().decode()
    finally:
        conn.close()


def monitor(project: Path, command: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(command, project / "config.yaml", *args, timeout=60)


def until(predicate: Callable[[], object], timeout: float) -> bool:
    return wait_for(predicate, timeout, 0.2, ignore=(OSError,))


@pytest.fixture
def running(project: Path) -> Iterator[tuple[Path, int, subprocess.Popen[str]]]:
    port = free_port()
    config = project / "config.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace(
            'http: {enabled: false, bind: "127.0.0.1:8080"}',
            f'http: {{enabled: true, bind: "127.0.0.1:{port}"}}',
        ),
        encoding="utf-8",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor", "run", "--config", "config.yaml", "--log-format", "json"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    yield project, port, proc
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_a_running_daemon_is_observable(running: tuple[Path, int, subprocess.Popen[str]]) -> None:
    project, port, proc = running
    assert until(lambda: get(port, "/healthz")[0] == 200, 30), "no healthy /healthz"
    code, body = get(port, "/healthz")
    assert code == 200 and json.loads(body)["status"] == "ok"

    def matched() -> bool:
        families = {f.name: f for f in text_string_to_metric_families(get(port, "/metrics")[1])}
        return any(
            s.labels.get("rule") == "defence-china" and s.value >= 1
            for s in families["monitor_matches"].samples
        )

    assert until(matched, 15), get(port, "/metrics")[1]

    # `monitor status` in another process sees the running daemon (its report is saved
    # within the first seconds, then every 15 s)
    def reported() -> bool:
        done = monitor(project, "status", "--json")
        return done.returncode == 0 and json.loads(done.stdout)["daemon"]["state"] == "running"

    assert until(reported, 20)
    data = json.loads(monitor(project, "status", "--json").stdout)
    assert data["last_24h"]["defence-china"]["alerts"] == 1
    assert data["sources"][0]["id"] == "seeds" and data["sources"][0]["documents_stored"] == 1

    done = monitor(project, "status")
    assert f"http:        http://127.0.0.1:{port}/" in done.stdout, done.stdout

    done = monitor(project, "matches")
    assert done.returncode == 0 and HEADLINE in done.stdout and "Китаем" in done.stdout

    # backfill refuses to write while the daemon holds the state
    done = monitor(project, "backfill", "defence-china", "--since", "1d")
    if done.returncode != 3:
        alive = proc.poll() is None
        if not alive:
            out, _ = proc.communicate()
        else:
            proc.kill()
            out, _ = proc.communicate()
        pytest.fail(f"backfill exit {done.returncode} (daemon alive: {alive})\n"
                    f"{done.stdout}{done.stderr}\n--- daemon ---\n{out}")

    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    [match] = [r for r in lines if r["message"].startswith("match: rule defence-china")]
    assert match["rule"] == "defence-china" and match["source"] == "seeds", match
    data = json.loads(monitor(project, "status", "--json").stdout)
    assert data["daemon"]["state"] == "stopped"
