"""trustsim._files: the read boundary (docs/security.md), rule by rule."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trustsim._files import (
    DEFAULT_MAX_BYTES,
    RefusedFile,
    current,
    limits,
    read_named,
    read_reference,
    read_stream,
    root_of,
)

SECRET = b"outside-secret"


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """repo/ (the current directory) with a, a/b, a file in each; outside/secret next to it."""
    repo = tmp_path / "repo"
    (repo / "a" / "b").mkdir(parents=True)
    (repo / "top.json").write_bytes(b"top")
    (repo / "a" / "one.json").write_bytes(b"one")
    (repo / "a" / "b" / "two.json").write_bytes(b"two")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret").write_bytes(SECRET)
    (repo / "a" / "up").symlink_to(tmp_path / "outside")
    (repo / "a" / "inside").symlink_to(repo / "top.json")
    monkeypatch.chdir(repo)
    return repo


def test_the_root_of_a_name_under_the_current_directory_is_the_current_directory(
    tree: Path,
) -> None:
    assert root_of("a/b/two.json") == tree.resolve()
    assert root_of(tree / "a" / "one.json") == tree.resolve()
    # A name outside it (typed by the user) has its own folder for root.
    assert root_of(tree.parent / "outside" / "secret") == (tree.parent / "outside").resolve()
    assert root_of("../outside/secret") == (tree.parent / "outside").resolve()


def test_named_files_must_resolve_inside_their_root(tree: Path) -> None:
    assert read_named("a/inside") == (b"top", tree.resolve())
    with pytest.raises(RefusedFile, match="outside the allowed root"):
        read_named("a/up/secret")
    with pytest.raises(RefusedFile, match="cannot hold NUL"):
        read_named("a\x00b")
    with pytest.raises(RefusedFile, match="a directory") as refused:
        read_named("a")
    assert isinstance(refused.value, OSError)
    with pytest.raises(FileNotFoundError):
        read_named("absent.json")


def test_references_stay_inside_the_referencing_root(tree: Path) -> None:
    root = tree.resolve()
    folder = tree / "a" / "b"
    assert read_reference("two.json", folder=folder, root=root) == b"two"
    assert read_reference("../../top.json", folder=folder, root=root) == b"top"
    for escaping in ("../../../outside/secret", "../up/secret", str(tree / "top.json"), "~/x"):
        with pytest.raises(RefusedFile):
            read_reference(escaping, folder=folder, root=root)
    with pytest.raises(RefusedFile, match="an absolute path"):
        read_reference("/etc/passwd", folder=folder, root=root)


def test_allow_outside_widens_the_root_for_the_block_only(tree: Path) -> None:
    outside = tree.parent / "outside"
    with limits(allow_outside=[outside]):
        assert read_named("a/up/secret")[0] == SECRET
        assert read_reference(str(outside / "secret"), folder=tree, root=tree) == SECRET
    with pytest.raises(RefusedFile):
        read_named("a/up/secret")
    assert current().allow_outside == ()


def test_the_size_cap_is_checked_before_and_while_reading(tree: Path) -> None:
    with limits(max_bytes=2), pytest.raises(RefusedFile, match="holds 3 bytes") as refused:
        read_named("top.json")
    assert refused.value.errno == 27  # EFBIG
    assert current().max_bytes == DEFAULT_MAX_BYTES
    with pytest.raises(RefusedFile, match="more than the limit of 4 bytes"):
        read_stream(io.BytesIO(b"12345"), "<stdin>", cap=4)
    assert read_stream(io.BytesIO(b"1234"), "<stdin>", cap=4) == b"1234"
    with pytest.raises(ValueError, match="positive"), limits(max_bytes=0):
        pass


def test_devices_and_fifos_are_refused_before_reading(tree: Path) -> None:
    os.mkfifo(tree / "fifo.json")
    with pytest.raises(RefusedFile, match="a FIFO"):
        read_named("fifo.json")
    with limits(allow_outside=["/dev/null"]), pytest.raises(RefusedFile, match="character device"):
        read_named("/dev/null")


SEGMENTS = st.sampled_from(["a", "b", "..", ".", "up", "inside", "secret", "two.json", "one.json"])


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(SEGMENTS, min_size=1, max_size=6), start=st.sampled_from(["", "a", "a/b"]))
def test_no_relative_reference_reads_outside_the_root(
    tree: Path, parts: list[str], start: str
) -> None:
    """Whatever the path, a reference reads a file inside the root or is refused."""
    folder = tree / start
    try:
        data = read_reference("/".join(parts), folder=folder, root=tree.resolve())
    except OSError:
        return
    assert data in (b"top", b"one", b"two")
