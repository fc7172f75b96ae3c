"""The inventory database file: its tables, its format marks, and opening it (both sides).

:mod:`trustsim.inventory_db` writes it (:func:`~trustsim.inventory_db.build_database`),
:mod:`trustsim._inventory_query` reads it; :mod:`trustsim.inventory_db` tells what the tables
hold and why.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
from pathlib import Path

from trustsim import __version__
from trustsim._files import read_named
from trustsim.inventory import InventoryError

FORMAT = "trustsim-inventory"
SCHEMA = "1"
MAGIC = b"SQLite format 3\x00"

TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dumps (
    id INTEGER PRIMARY KEY, path TEXT UNIQUE NOT NULL, digest TEXT NOT NULL,
    size INTEGER NOT NULL, mtime INTEGER NOT NULL, ordinal INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    account TEXT NOT NULL, dump INTEGER NOT NULL, name TEXT, ordinal INTEGER NOT NULL,
    PRIMARY KEY (account, dump));
CREATE TABLE IF NOT EXISTS policies (digest TEXT PRIMARY KEY, kind TEXT NOT NULL,
    document TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS principals (
    arn TEXT PRIMARY KEY, kind TEXT NOT NULL, partition TEXT NOT NULL, account TEXT NOT NULL,
    name TEXT NOT NULL, unique_id TEXT, dump INTEGER NOT NULL, ordinal INTEGER NOT NULL,
    spec TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS principals_account ON principals (account, kind, name);
CREATE INDEX IF NOT EXISTS principals_unique ON principals (unique_id);
CREATE INDEX IF NOT EXISTS principals_dump ON principals (dump);
CREATE TABLE IF NOT EXISTS grants (
    principal TEXT NOT NULL, account TEXT NOT NULL, kind TEXT NOT NULL, resource TEXT NOT NULL,
    prefix TEXT NOT NULL, dump INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS grants_lookup ON grants (account, kind, resource);
CREATE INDEX IF NOT EXISTS grants_dump ON grants (dump);
"""


def read_dump(path: str | os.PathLike[str]) -> bytes:
    """The bytes of one dump file, read within docs/security.md's boundary (size cap too)."""
    return read_named(path)[0]


def is_database(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is an SQLite file (an inventory database, or a foreign one).

    Only a regular file is opened: a FIFO would block the read and a device never end it
    (docs/security.md).
    """
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False
        with Path(path).open("rb") as file:
            return file.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def connect(path: str | os.PathLike[str], *, read_only: bool) -> sqlite3.Connection:
    """A connection to the database at ``path`` (read-only: through a URI, shared by threads)."""
    if read_only:
        uri = Path(path).resolve().as_uri() + "?mode=ro"
        return sqlite3.connect(uri, uri=True, check_same_thread=False)
    return sqlite3.connect(path)


def check_format(connection: sqlite3.Connection, path: object) -> dict[str, str]:
    """The meta table, once it says a trustsim inventory of this version and schema."""
    try:
        meta = dict(connection.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.DatabaseError:
        meta = {}
    if meta.get("format") != FORMAT:
        raise InventoryError(
            f"{path} is not a trustsim inventory database (an SQLite file without trustsim's "
            "tables); build one with `trustsim inventory build DUMPS... -o FILE`"
        )
    if meta.get("trustsim") != __version__ or meta.get("schema") != SCHEMA:
        raise InventoryError(
            f"{path} was built by trustsim {meta.get('trustsim')} (schema {meta.get('schema')}); "
            f"this is trustsim {__version__} (schema {SCHEMA}): its answers could differ. "
            "Delete the file and run `trustsim inventory build` again"
        )
    return meta


def digest(data: bytes) -> str:
    """The SHA-256 digest (hex) a dump or a policy document is recorded by."""
    return hashlib.sha256(data).hexdigest()
