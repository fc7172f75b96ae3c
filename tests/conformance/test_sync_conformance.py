"""scripts/sync_conformance.py: the copy of the conformance cases and its check."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import CONFORMANCE_COPY, REPO_ROOT, conformance_dir


def _script() -> ModuleType:
    path = REPO_ROOT / "scripts" / "sync_conformance.py"
    spec = importlib.util.spec_from_file_location("sync_conformance", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["sync_conformance"] = module
    spec.loader.exec_module(module)
    return module


SYNC = _script()


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_the_tests_read_the_copy_inside_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRUSTSIM_CONFORMANCE_DIR", raising=False)
    assert conformance_dir() == CONFORMANCE_COPY
    assert CONFORMANCE_COPY.is_relative_to(REPO_ROOT)
    assert sorted(p.name for p in CONFORMANCE_COPY.glob("*.json")) == ["aws_documented.json"]


def test_the_environment_variable_still_overrides(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TRUSTSIM_CONFORMANCE_DIR", str(tmp_path))
    assert conformance_dir() == tmp_path


def test_check_passes_on_equal_folders_and_names_each_difference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _tree(tmp_path / "up", {"a.json": "[]", "README.md": "x", "sub/b.json": "[1]"})
    copy = _tree(tmp_path / "copy", {"a.json": "[]", "README.md": "x", "sub/b.json": "[1]"})
    assert SYNC.main(["--check", "--source", str(source), "--copy", str(copy)]) == 0

    (copy / "a.json").write_text("[ ]", encoding="utf-8")
    (copy / "extra.json").write_text("[]", encoding="utf-8")
    (copy / "sub" / "b.json").unlink()
    assert SYNC.main(["--check", "--source", str(source), "--copy", str(copy)]) == 1
    err = capsys.readouterr().err
    assert "differs from upstream: a.json" in err
    assert "not upstream (remove it): extra.json" in err
    assert "missing from the copy: sub/b.json" in err


def test_sync_makes_the_copy_equal(tmp_path: Path) -> None:
    source = _tree(tmp_path / "up", {"a.json": "[]", "sub/b.json": "[1]"})
    copy = _tree(tmp_path / "copy", {"a.json": "old", "stale.json": "[]"})
    assert SYNC.main(["--source", str(source), "--copy", str(copy)]) == 0
    assert SYNC.differences(source, copy) == []
    assert not (copy / "stale.json").exists()


def test_a_missing_upstream_folder_is_an_error_not_a_pass(tmp_path: Path) -> None:
    copy = _tree(tmp_path / "copy", {"a.json": "[]"})
    assert SYNC.main(["--check", "--source", str(tmp_path / "none"), "--copy", str(copy)]) == 2
