"""Matched documents recorded a batch at a time on PostgreSQL (one transaction for the
batch's alerts, stories and documents: bench_nodes measures what it saves), and a document
the store refuses costs only itself (the batch is then recorded one document at a time)."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.errors import StoreError
from monitor.matching.loader import load_rules
from monitor.models import Document
from monitor.service.ingest import Ingest
from monitor.store.postgres import PostgresStore


class _Refusing(PostgresStore):
    """Refuses to record one document, as PostgreSQL refuses a value it cannot take."""

    def put_document(self, doc: Document):  # type: ignore[no-untyped-def]
        if doc.id == "wire:bad":
            raise StoreError("wire:bad: a value the server refuses")
        return super().put_document(doc)


def _docs(n: int) -> list[Document]:
    return [Document(id=f"wire:{i}", source="wire", title=f"Harbour strike day {i}",
                     body=f"Dockers walked out at the harbour, report number {i}.")
            for i in range(n)]


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    (tmp_path / "r.yaml").write_text("rules:\n  - {id: strike, query: harbour}\n")
    return tmp_path / "r.yaml"


async def test_a_matched_batch_is_recorded_whole(
    postgres_url: str, rules: Path
) -> None:
    store = PostgresStore(postgres_url)
    ruleset = load_rules(rules, languages=["en"])
    ingest = Ingest(store, lambda: ruleset, ["mail"], ["en"], batch=32)
    try:
        docs = _docs(32)
        assert await ingest.ingest("wire", docs) == 32
        assert store.document_statuses(docs) == ["unchanged"] * 32
        assert len(store.due_deliveries(now=1e12, limit=100)) == 32
        assert await ingest.ingest("wire", docs) == 0  # seen: nothing twice
    finally:
        ingest.close()
        store.close()


async def test_a_document_the_store_refuses_costs_only_itself(
    postgres_url: str, rules: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = _Refusing(postgres_url)
    ruleset = load_rules(rules, languages=["en"])
    ingest = Ingest(store, lambda: ruleset, ["mail"], ["en"], batch=32)
    try:
        docs = _docs(3)
        docs.insert(1, docs[1].model_copy(update={"id": "wire:bad", "title": "Harbour bad"}))
        assert await ingest.ingest("wire", docs) == 3
        statuses = store.document_statuses(docs)
        assert statuses == ["unchanged", "new", "unchanged", "unchanged"]  # matched again
        assert len(store.due_deliveries(now=1e12, limit=100)) == 4  # its alert, once
        assert "wire:bad: a value the server refuses" in caplog.text
    finally:
        ingest.close()
        store.close()
