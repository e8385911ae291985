"""A throwaway PostgreSQL server for tests: initdb + pg_ctl in a temporary folder, on a
free port of 127.0.0.1, trusting local connections (no password), removed afterwards.

PostgreSQL refuses to run as root: when the tests run as root, the server's commands run
as `nobody` and the folder is handed to it. `missing()` says why no server can be had
(no binaries), so the fixture can skip, or fail under CI=true.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Any

BIN_DIRS = ("/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin",
            "/usr/lib/postgresql/15/bin")
USER = "monitor"  # the superuser initdb creates; URLs name it
RUN_AS = "nobody"  # who runs the server when the tests run as root


def bin_dir() -> Path | None:
    """The folder holding initdb and pg_ctl (PATH first, then Debian's places)."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).parent
    for folder in BIN_DIRS:
        if (Path(folder) / "pg_ctl").exists() and (Path(folder) / "initdb").exists():
            return Path(folder)
    return None


def missing() -> str | None:
    """Why no throwaway server can be started here, or None."""
    if bin_dir() is None:
        return ("PostgreSQL's initdb and pg_ctl are not installed "
                "(apt-get install postgresql, or put their folder on PATH)")
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    """One PostgreSQL server in a temporary folder; `database()` makes a fresh database
    and returns its URL (postgresql://monitor@127.0.0.1:PORT/NAME)."""

    def __init__(self) -> None:
        folder = bin_dir()
        if folder is None:
            raise RuntimeError(missing())
        self.bin = folder
        self.root = Path(tempfile.mkdtemp(prefix="monitor-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self._names = itertools.count(1)
        self._as: dict[str, Any] = {}
        if os.geteuid() == 0:
            user = pwd.getpwnam(RUN_AS)
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self._as = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}

    def _pg(self, tool: str, *args: str) -> None:
        env = {**os.environ, "HOME": str(self.root), "LC_ALL": "C"}
        done = subprocess.run([str(self.bin / tool), *args], cwd=self.root, env=env,
                              capture_output=True, text=True, timeout=120, **self._as)
        if done.returncode:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{tool} {' '.join(args)} failed: {done.stderr}{done.stdout}{log}")

    def start(self) -> PgServer:
        self._pg("initdb", "-D", str(self.data), "-U", USER, "--auth=trust", "-E", "UTF8",
                 "--no-sync", "--no-instructions")
        self._ctl("start")
        return self

    def _ctl(self, action: str) -> None:
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
                   " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                   " -c max_connections=200 -c shared_buffers=32MB")
        self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                 "-m", "fast", "-o", options, action)

    def restart(self) -> None:
        """Stop the server (its connections are cut) and start it again."""
        self._ctl("restart")

    def stop(self) -> None:
        """Stop the server, cutting its connections (`start_again` brings it back)."""
        self._pg("pg_ctl", "-D", str(self.data), "-w", "-m", "fast", "stop")

    def start_again(self) -> None:
        self._ctl("start")

    def running(self) -> bool:
        env = {**os.environ, "HOME": str(self.root)}
        done = subprocess.run([str(self.bin / "pg_ctl"), "-D", str(self.data), "status"],
                              capture_output=True, env=env, timeout=30, **self._as)
        return done.returncode == 0

    def ensure_running(self) -> None:
        """Start the server again if a test left it stopped."""
        if not self.running():
            self.start_again()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def database(self) -> str:
        """A new, empty database; its URL."""
        import psycopg

        name = f"test_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}".encode())
        return self.url(name)

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            self._pg("pg_ctl", "-D", str(self.data), "-w", "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
