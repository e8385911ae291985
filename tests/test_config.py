"""config.yaml: the shipped file, durations, relative paths, errors with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import FolderSourceConfig, load_config, parse_duration
from monitor.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def test_shipped_config_loads() -> None:
    config = load_config(ROOT / "config.yaml")
    assert config.state == ROOT / "out" / "state.db"
    source = config.source("seeds")
    assert isinstance(source, FolderSourceConfig)
    assert source.path == ROOT / "seeds" and source.interval == 2.0
    assert [n.name for n in config.notifiers] == ["analysts", "atom"]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("2s", 2), ("15m", 900), ("1h", 3600), ("1d", 86400), (30, 30), ("1.5s", 1.5),
     ("250ms", 0.25)],
)
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["soon", "-1s", "5 parsecs", True])
def test_bad_durations(text: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_unknown_key_is_located_with_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path, "sources:\n  - {id: a, type: folder, path: x, intervall: 2s}\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert f"{path}:2" in str(err.value)
    assert "'intervall'" in str(err.value) and "did you mean 'interval'" in str(err.value)


def test_bad_value_is_located(tmp_path: Path) -> None:
    path = write(tmp_path, "languages: [en]\nsources:\n  - id: a\n    type: folder\n"
                 "    path: x\n    interval: often\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert f"{path}:6" in str(err.value) and "often" in str(err.value)


def test_yaml_syntax_error_is_located(tmp_path: Path) -> None:
    path = write(tmp_path, "languages: [en\nstate: x\n")
    with pytest.raises(ConfigError, match=r"config\.yaml:\d+"):
        load_config(path)


def test_a_config_saved_in_a_legacy_encoding_is_located_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_bytes("languages: [en, ru]\n# Источники новостей\n".encode("cp1251"))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == (f"{path}:2:3: the file is not UTF-8 (byte 0xC8 cannot be read): "
                              "save it as UTF-8")
    path.write_bytes("\ufeffsources:\n\t- {id: a, type: folder, path: x}\n".encode())
    with pytest.raises(ConfigError) as err:
        load_config(path)  # the byte-order mark is fine; the tab is not
    assert str(err.value).startswith(f"{path}:2:1: invalid YAML: ")
    assert str(err.value).endswith("(a tab: YAML indents with spaces)")


def test_duplicate_ids_and_unknown_type(tmp_path: Path) -> None:
    path = write(tmp_path, "sources:\n  - {id: a, type: folder, path: x}\n"
                 "  - {id: a, type: folder, path: y}\n")
    with pytest.raises(ConfigError, match="duplicate source id 'a'"):
        load_config(path)
    path = write(tmp_path, "sources:\n  - {id: a, type: ftp, path: x}\n")
    with pytest.raises(ConfigError, match=r"config\.yaml:2"):
        load_config(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.yaml")


def test_relative_paths_follow_the_config_file(tmp_path: Path) -> None:
    sub = tmp_path / "etc"
    sub.mkdir()
    config = load_config(write(sub, "state: data/s.db\nrules: ../rules\n"))
    assert config.state == sub / "data" / "s.db"
    assert config.rules == sub / ".." / "rules"


def test_log_level_in_any_case(tmp_path: Path) -> None:
    from monitor.cli import build_parser

    path = write(tmp_path, "languages: [en]\nlog: {level: debug}\n")
    assert load_config(path).log.level == "DEBUG"
    args = build_parser().parse_args(["run", "--log-level", "warning"])
    assert args.log_level == "WARNING"
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, "languages: [en]\nlog: {level: loud}\n"))
    assert "loud" in str(err.value).lower() and "WARNING" in str(err.value)
