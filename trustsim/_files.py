"""Reading user files safely: inside an allowed root, regular files only, a size cap (docs/security.md).

Every file trustsim opens goes through :func:`read_named` (a file the user named: on the
command line or as a loader's argument) or :func:`read_reference` (a file another file names:
a scenario's policy path, an inventory manifest's dumps and SCPs, a ``cdk.out`` template).

* **The allowed root.** A named file's root is the current directory when the name lies
  (as written, before symlinks) under it, else the folder the name points into. The file
  must *resolve* inside that root: a symlink leaving it is refused. A reference is relative
  to the referencing file's folder and must resolve inside the referencing file's root:
  absolute references and ``..`` escapes are refused.
* **Regular files only.** Devices (``/dev/zero``), FIFOs and sockets are refused before any
  byte is read; the file is opened non-blocking, so a FIFO swapped in cannot hang a run.
* **A size cap** (:data:`DEFAULT_MAX_BYTES`, 10 MB: IAM's largest documents are a few KB)
  checked on the open file before reading, and again while reading.

:func:`limits` changes the defaults for a block of code: the CLI's ``--allow-outside PATH``
and ``--max-file-size BYTES``.

>>> import pathlib, tempfile
>>> with tempfile.TemporaryDirectory() as tmp:
...     folder = pathlib.Path(tmp)
...     _ = (folder / "policy.json").write_text("{}")
...     data, root = read_named(folder / "policy.json")
...     data, root == folder.resolve()
(b'{}', True)
>>> with tempfile.TemporaryDirectory() as tmp:
...     read_reference("/etc/passwd", folder=pathlib.Path(tmp), root=pathlib.Path(tmp))
Traceback (most recent call last):
...
trustsim._files.RefusedFile: '/etc/passwd': refused: an absolute path; references are relative to the referencing file
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import os
import stat
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

import attrs

from trustsim.errors import TrustsimError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "Limits",
    "RefusedFile",
    "limits",
    "read_named",
    "read_reference",
    "read_stream",
    "root_of",
]

#: The default size cap of one file: far above IAM's largest documents (a few KB).
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
_CHUNK = 1 << 16


class RefusedFile(TrustsimError, OSError):
    """A file trustsim will not read: outside the allowed root, not a regular file, too large.

    An :class:`OSError` (the file cannot be read), so every reader that reports unreadable
    files reports it; ``strerror`` says why, never what the file holds.

    >>> error = RefusedFile("x.json", "not a regular file (a FIFO)")
    >>> error.strerror, error.filename
    ('refused: not a regular file (a FIFO)', 'x.json')
    """

    def __init__(self, name: str, reason: str, code: int = errno.EACCES) -> None:
        super().__init__(code, f"refused: {reason}", name)

    def __str__(self) -> str:
        return f"{self.filename!r}: {self.strerror}"


@attrs.frozen
class Limits:
    """What a run may read: extra allowed paths (files or folders) and the size cap."""

    allow_outside: tuple[Path, ...] = ()
    max_bytes: int = DEFAULT_MAX_BYTES


_LIMITS: contextvars.ContextVar[Limits] = contextvars.ContextVar("trustsim_file_limits")


def current() -> Limits:
    """The limits in force (the defaults outside a :func:`limits` block)."""
    return _LIMITS.get(Limits())


@contextlib.contextmanager
def limits(
    *, allow_outside: Iterable[str | os.PathLike[str]] = (), max_bytes: int | None = None
) -> Iterator[Limits]:
    """Read with other limits inside the ``with`` block.

    >>> with limits(max_bytes=4) as active:
    ...     active.max_bytes
    4
    """
    if max_bytes is not None and max_bytes < 1:
        raise ValueError(f"max_bytes must be positive, got {max_bytes}")
    allowed = tuple(Path(os.path.realpath(path)) for path in allow_outside)
    active = Limits(allowed, DEFAULT_MAX_BYTES if max_bytes is None else max_bytes)
    token = _LIMITS.set(active)
    try:
        yield active
    finally:
        _LIMITS.reset(token)


def root_of(name: str | os.PathLike[str]) -> Path:
    """The allowed root of a named file, resolved.

    The current directory when the name lies under it (as written), else the folder it
    points into.

    >>> root_of("examples/scenarios.json") == Path.cwd().resolve()
    True
    >>> str(root_of("/tmp/policy.json")) == os.path.realpath("/tmp")
    True
    """
    written = Path(os.path.abspath(os.fspath(name)))
    cwd = Path(os.path.abspath(os.getcwd()))
    if written.is_relative_to(cwd) and written != cwd:
        return Path(os.path.realpath(cwd))
    return Path(os.path.realpath(written.parent))


def _allowed(resolved: Path, root: Path, active: Limits) -> bool:
    if resolved.is_relative_to(root):
        return True
    return any(resolved.is_relative_to(extra) for extra in active.allow_outside)


def _check_name(name: str) -> None:
    r"""Refuse a file name no file system can hold: a NUL, or text the OS cannot encode.

    >>> _check_name("\ud800.json")
    Traceback (most recent call last):
    trustsim._files.RefusedFile: '\ud800.json': refused: a file name the file system cannot encode (a lone surrogate?)
    """
    if "\x00" in name:
        raise RefusedFile(name, "a file name cannot hold NUL", errno.EINVAL)
    try:
        os.fsencode(name)
    except UnicodeEncodeError:
        raise RefusedFile(
            name, "a file name the file system cannot encode (a lone surrogate?)", errno.EINVAL
        ) from None


def read_named(name: str | os.PathLike[str]) -> tuple[bytes, Path]:
    """Read a file the user named; returns its bytes and its allowed root.

    Raises:
        RefusedFile: it resolves outside its root, is not a regular file, or is too large.
        OSError: it cannot be read (absent, a directory, no permission).
    """
    shown = os.fspath(name)
    _check_name(shown)
    root = root_of(shown)
    return _read(shown, Path(os.path.realpath(shown)), root), root


def read_reference(reference: str, *, folder: Path, root: Path) -> bytes:
    """Read a file another file names, relative to that file's ``folder``, inside ``root``.

    Raises:
        RefusedFile: an absolute path, a path resolving outside ``root`` (``..``, a
            symlink), not a regular file, or too large.
        OSError: it cannot be read.
    """
    active = current()
    _check_name(reference)
    if os.path.isabs(reference) or reference.startswith("~"):
        target = Path(os.path.realpath(reference))
        if not any(target.is_relative_to(extra) for extra in active.allow_outside):
            raise RefusedFile(
                reference,
                "an absolute path; references are relative to the referencing file",
            )
        return _read(reference, target, target.parent)
    return _read(reference, Path(os.path.realpath(folder / reference)), root)


def _read(shown: str, resolved: Path, root: Path) -> bytes:
    active = current()
    if not _allowed(resolved, root, active):
        raise RefusedFile(
            shown,
            f"it resolves outside the allowed root {str(root)!r} (a symlink or '..' leaving "
            "it); name it with --allow-outside to read it anyway",
        )
    try:
        before = os.stat(resolved)
    except OSError as error:
        raise OSError(error.errno, error.strerror, shown) from None
    _check_kind(shown, before.st_mode)
    _check_size(shown, before.st_size, active.max_bytes)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(resolved, flags)
    except OSError as error:
        raise OSError(error.errno, error.strerror, shown) from None
    with os.fdopen(descriptor, "rb", buffering=0) as file:
        opened = os.fstat(file.fileno())
        # The file checked is the file opened (nothing swapped it in between).
        if (opened.st_dev, opened.st_ino) != (before.st_dev, before.st_ino):
            raise RefusedFile(shown, "the file changed while it was opened")
        _check_kind(shown, opened.st_mode)
        _check_size(shown, opened.st_size, active.max_bytes)
        return read_stream(file, shown, active.max_bytes)


def _check_kind(shown: str, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    kinds = (
        (stat.S_ISDIR, "a directory", errno.EISDIR),
        (stat.S_ISFIFO, "a FIFO", errno.EINVAL),
        (stat.S_ISCHR, "a character device", errno.EINVAL),
        (stat.S_ISBLK, "a block device", errno.EINVAL),
        (stat.S_ISSOCK, "a socket", errno.EINVAL),
    )
    for test, kind, code in kinds:
        if test(mode):
            raise RefusedFile(shown, f"not a regular file ({kind})", code)
    raise RefusedFile(shown, "not a regular file", errno.EINVAL)


def _check_size(shown: str, size: int, cap: int) -> None:
    if size > cap:
        raise RefusedFile(
            shown,
            f"the file holds {size:,} bytes, more than the limit of {cap:,} "
            "(raise it with --max-file-size)",
            errno.EFBIG,
        )


def read_stream(stream: BinaryIO, shown: str, cap: int | None = None) -> bytes:
    """Read at most ``cap`` bytes (default: the limit in force) from a binary stream.

    >>> import io
    >>> read_stream(io.BytesIO(b"12345"), "<stdin>", cap=3)
    Traceback (most recent call last):
    ...
    trustsim._files.RefusedFile: '<stdin>': refused: more than the limit of 3 bytes ...
    """
    limit = current().max_bytes if cap is None else cap
    chunks: list[bytes] = []
    total = 0
    while True:
        try:
            chunk = stream.read(min(_CHUNK, limit + 1 - total))
        except BlockingIOError:  # pragma: no cover - a regular file never blocks
            raise RefusedFile(shown, "reading would block") from None
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise RefusedFile(
                shown,
                f"more than the limit of {limit:,} bytes (raise it with --max-file-size)",
                errno.EFBIG,
            )


def read_stdin() -> bytes:
    """Standard input, at most the size cap."""
    return read_stream(sys.stdin.buffer, "<stdin>")
