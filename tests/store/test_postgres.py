"""The PostgreSQL store: chosen by `state: postgresql://...`, never with a password in
config.yaml, its schema migrated once and refused when newer or foreign."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg
import pytest

from monitor.cli import main
from monitor.config import PostgresStoreConfig, load_config
from monitor.errors import StoreError
from monitor.store import open_store
from monitor.store.pg_schema import MIGRATIONS
from monitor.store.postgres import PostgresStore
from tests.pg import PgServer


def _config(project: Path, state: str) -> Path:
    path = project / "config.yaml"
    text = re.sub(r"(?m)^state: \S+", f"state: {state}", path.read_text(encoding="utf-8"))
    path.write_text(text, encoding="utf-8")
    return path


def test_a_postgresql_url_selects_the_postgresql_store(project: Path) -> None:
    config = load_config(_config(project, "postgresql://monitor@db.example:5433/news"))
    assert isinstance(config.store, PostgresStoreConfig)
    assert config.state_url == "postgresql://monitor@db.example:5433/news"
    assert load_config(project / "config.yaml").state_url is not None
    assert load_config(_config(project, "out/other.db")).state_url is None


@pytest.mark.parametrize("url", ["postgresql://monitor:secret@db.example/news",
                                 "postgresql://db.example/news?password=secret"])
def test_check_refuses_a_password_in_the_url(
    project: Path, capsys: pytest.CaptureFixture[str], url: str
) -> None:
    path = _config(project, url)
    assert main(["check", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "password" in err and "PGPASSWORD" in err and "config.yaml" in err
    assert "secret" not in err


def test_the_daemon_opens_the_database_the_config_names(project: Path, postgres_url: str) -> None:
    config = load_config(_config(project, postgres_url))
    store = open_store(config)
    try:
        store.set_state("k", {"v": 1})
        assert isinstance(store, PostgresStore) and store.get_state("k") == {"v": 1}
    finally:
        store.close()


def test_schema_is_migrated_once_and_a_newer_one_refused(postgres_url: str) -> None:
    PostgresStore(postgres_url).close()
    PostgresStore(postgres_url).close()  # already up to date: nothing to do
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        row = conn.execute("SELECT version FROM monitor_schema").fetchone()
        assert row == (len(MIGRATIONS),)
        conn.execute("UPDATE monitor_schema SET version = 999")
    with pytest.raises(StoreError, match="newer monitor"):
        PostgresStore(postgres_url)


def test_another_applications_tables_are_left_alone(postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE documents (x int)")
    with pytest.raises(StoreError, match="another application"):
        PostgresStore(postgres_url)


def test_an_unreachable_server_is_a_clear_error() -> None:
    from tests.pg import free_port

    url = f"postgresql://monitor@127.0.0.1:{free_port()}/none"
    with pytest.raises(StoreError, match="cannot use the PostgreSQL state"):
        PostgresStore(url)


def _store_section(project: Path, url: str, settings: str) -> Path:
    path = project / "config.yaml"
    text = re.sub(r"(?m)^state: \S+\n", "", path.read_text(encoding="utf-8"))
    path.write_text(f"{text}\nstore: {{type: postgresql, url: '{url}', {settings}}}\n",
                    encoding="utf-8")
    return path


def test_the_connections_carry_the_configured_timeouts_and_keepalives(
    project: Path, postgres_url: str
) -> None:
    from monitor.cluster import open_coordinator

    config = load_config(_store_section(project, postgres_url,
                                        "statement_timeout: 7s, network_timeout: 12s"))
    store = open_store(config)
    coordinator = open_coordinator(config, node="a")
    try:
        assert isinstance(store, PostgresStore)
        shown = store._one("SHOW statement_timeout")
        assert shown is not None and shown["statement_timeout"] == "7s"
        coordinator.nodes()  # connects
        db = coordinator._db  # type: ignore[attr-defined]
        assert db.execute("SHOW statement_timeout").fetchone() == ("7s",)
        params = db.info.get_parameters()
        assert params["keepalives"] == "1" and params["tcp_user_timeout"] == "12000"
        assert int(params["keepalives_idle"]) + 3 * int(params["keepalives_interval"]) <= 12
    finally:
        store.close()
        coordinator.close()


def test_a_statement_held_by_a_lock_is_cancelled_and_reported(postgres_url: str) -> None:
    """A statement that would wait forever (a lock never given up, a stuck server) ends
    after the statement timeout: the store says the state cannot be reached, the node's
    coordination says the same, and the caller carries on."""
    from monitor.cluster.postgres import PostgresCoordinator
    from monitor.errors import ClusterError, StoreUnavailable
    from monitor.models import Document
    from monitor.store.pg_connect import connection_options

    store = PostgresStore(postgres_url, retry_for=0.5, statement_timeout=1)
    coordinator = PostgresCoordinator(
        postgres_url, "a", options=connection_options(postgres_url, statement_timeout=1))
    doc = Document(id="d1", source="s", title="t", body="x")
    with psycopg.connect(postgres_url) as holder:
        holder.execute("LOCK TABLE documents, cluster_leases IN ACCESS EXCLUSIVE MODE")
        try:
            with pytest.raises(StoreUnavailable, match="statement timeout"):
                store.document_status(doc)
            with pytest.raises(ClusterError, match="statement timeout"):
                coordinator.acquire("source:s", 30)
        finally:
            holder.rollback()
    assert store.document_status(doc) == "new"
    assert coordinator.acquire("source:s", 30) is not None
    store.close()
    coordinator.close()


def test_a_store_opened_while_the_server_restarts_waits_for_it(
    project: Path, postgres: PgServer
) -> None:
    """A node started while PostgreSQL restarts waits for it (as its coordination does)
    instead of exiting; `monitor status` and the other commands do not wait."""
    import threading

    from monitor.errors import StoreUnavailable

    config = load_config(_config(project, postgres.database()))
    postgres.stop()
    try:
        with pytest.raises(StoreUnavailable, match="cannot use the PostgreSQL state"):
            open_store(config)
        threading.Timer(2.0, postgres.start_again).start()
        store = open_store(config, wait=120)
    finally:
        postgres.ensure_running()
    try:
        store.set_state("k", {"v": 1})
        assert store.get_state("k") == {"v": 1}
    finally:
        store.close()
