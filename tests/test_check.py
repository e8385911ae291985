"""`monitor check` on the shipped files and on broken rule files."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.cli import main


def check(project: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["check", "--config", str(project / "config.yaml")])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_shipped_files_are_valid(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = check(project, capsys)
    assert code == 0, out
    assert "ok" in out


def test_yaml_error_names_file_and_line(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = project / "rules" / "broken.yaml"
    bad.write_text("rules:\n  - id: x\n    query: [unclosed\n", encoding="utf-8")
    code, out = check(project, capsys)
    assert code == 2
    assert "broken.yaml:" in out
    assert any(f"broken.yaml:{n}" in out for n in (3, 4)), out


def test_unknown_reference_names_file_and_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = project / "rules" / "typo.yaml"
    bad.write_text(
        "rules:\n"
        "  - id: typo-rule\n"
        "    title: A typo\n"
        "    query: '@chinaa AND @defence-cooperation'\n",
        encoding="utf-8",
    )
    code, out = check(project, capsys)
    assert code == 2
    assert "typo.yaml:4" in out, out
    assert "chinaa" in out and "china" in out  # the unknown name and a suggestion


def test_invalid_config_names_key_and_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = project / "config.yaml"
    cfg.write_text(cfg.read_text().replace("state: out/state.db", "stat: out/state.db"))
    code, out = check(project, capsys)
    assert code == 2
    assert "config.yaml:7" in out and "'stat'" in out and "did you mean 'state'" in out


def test_the_shipped_examples_state_the_language_detection_finds() -> None:
    """The shipped rules' examples state their language (so checking them loads no language
    detector); each is the language detection would find, so their verdicts are those of
    the examples as plain text."""
    import yaml

    from monitor.models import Document
    from monitor.text.analysis import document_language

    root = Path(__file__).resolve().parent.parent
    languages = yaml.safe_load((root / "config.yaml").read_text(encoding="utf-8"))["languages"]
    examples = [ex for f in sorted((root / "rules").rglob("*.yaml"))
                for rule in yaml.safe_load(f.read_text(encoding="utf-8")).get("rules", [])
                for key in ("match", "no_match")
                for ex in rule.get("examples", {}).get(key, [])]
    assert examples
    for ex in examples:
        assert isinstance(ex, dict) and ex.get("language"), ex
        doc = Document(id="x", source="s", title=ex["title"], body=ex.get("body", ""))
        assert document_language(doc, languages) == ex["language"], ex
