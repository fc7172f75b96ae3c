"""Inventories in SQLite: build once, answer one who-can query from the rows it needs.

Loading a whole organisation's dumps costs a fraction of a millisecond per user or role;
at 100,000 roles that is a minute before the first answer, for every query. An inventory
database (the standard library's :mod:`sqlite3`, one file) holds the same principals with
their policies stored once per distinct document, plus the two indexes who-can reads:

* the **principal index**: users and roles by ARN, unique ID, account and role name, so
  the principals a trust policy names are found without reading the others;
* the **permission index**: for every user and role, the ``sts:AssumeRole`` resources its
  identity policies allow (exact ARNs, patterns by their literal prefix, or "cannot be
  indexed"), so an account grant loads only the principals that could use it.

:meth:`InventoryDatabase.who_can` builds, for one role, the smallest
:class:`~trustsim.inventory.Inventory` that answers it exactly as the whole inventory would
(every account listed, the organisation, the providers; the principals the trust policy can
admit) and runs :func:`~trustsim.whocan.who_can_assume` on it.

The file records the trustsim version that built it and, for each dump, its path and
SHA-256 digest. A database built by another trustsim version, or whose dump files changed
since, is refused (:class:`~trustsim.inventory.InventoryError`) with what to run; building
again re-reads only the dumps that changed (one account's dump, not the rest).

>>> import json, pathlib, tempfile
>>> dump = {"UserDetailList": [{"UserName": "alice", "Path": "/", "GroupList": [],
...     "Arn": "arn:aws:iam::111122223333:user/alice", "UserPolicyList": [{"PolicyName": "p",
...     "PolicyDocument": {"Version": "2012-10-17", "Statement": {"Effect": "Allow",
...         "Action": "sts:AssumeRole", "Resource": "*"}}}]}],
...     "RoleDetailList": [{"RoleName": "ops", "Path": "/", "Arn": "arn:aws:iam::111122223333:role/ops",
...         "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": {"Effect": "Allow",
...             "Principal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole"}}}]}
>>> with tempfile.TemporaryDirectory() as tmp:
...     folder = pathlib.Path(tmp)
...     _ = (folder / "prod.json").write_text(json.dumps(dump))
...     report = build_database(folder / "org.db", [folder / "prod.json"])
...     with open_database(folder / "org.db") as database:
...         result = database.who_can("arn:aws:iam::111122223333:role/ops")
>>> report.read, report.principals
(1, 2)
>>> [answer.principal for answer in result.principals]
['arn:aws:iam::111122223333:user/alice']
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs

from trustsim import __version__
from trustsim._files import read_named
from trustsim.arn import Arn
from trustsim.callers import IamUser, Role
from trustsim.inventory import (
    Account,
    Inventory,
    InventoryError,
    InventoryRole,
    Organization,
    OrgUnit,
)
from trustsim.loaders.aws import load_authorization_details
from trustsim.model import Effect, Policy, PolicyKind, Statement
from trustsim.serialize import to_dict
from trustsim.wildcard import compile_pattern

__all__ = [
    "BuildReport",
    "InventoryDatabase",
    "build_database",
    "is_database",
    "open_database",
    "read_dump",
    "store_inventory",
]

FORMAT = "trustsim-inventory"
SCHEMA = "1"
_MAGIC = b"SQLite format 3\x00"
_ASSUME = "sts:assumerole"

_TABLES = """
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
            return file.read(len(_MAGIC)) == _MAGIC
    except OSError:
        return False


@attrs.frozen
class BuildReport:
    """What :func:`build_database` did: dumps read, dumps unchanged, principals stored."""

    read: int
    unchanged: int
    principals: int
    policies: int


# --------------------------------------------------------------------------- storing


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _document(policy: Policy) -> str:
    document = to_dict(policy)
    if len(policy.statements) == 1 and policy.statements[0].pointer == "/Statement":
        document["Statement"] = document["Statement"][0]  # as written: one object
    return json.dumps(document, separators=(",", ":"), default=str)


class _Writer:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self.known: set[str] = {row[0] for row in connection.execute("SELECT digest FROM policies")}

    def policy(self, policy: Policy) -> list[str | None]:
        text = _document(policy)
        digest = _digest(f"{policy.kind.value}\n{text}".encode())
        if digest not in self.known:
            self.known.add(digest)
            self.connection.execute(
                "INSERT INTO policies VALUES (?, ?, ?)", (digest, policy.kind.value, text)
            )
        return [digest, policy.origin]

    def principal(  # noqa: PLR0917 - one row of the principals table
        self,
        kind: str,
        arn: str,
        unique_id: str | None,
        spec: dict[str, Any],
        dump: int,
        ordinal: int,
        policies: Sequence[Policy],
    ) -> None:
        parsed = Arn.parse(arn)
        name = parsed.resource.rsplit("/", 1)[-1]
        try:
            self.connection.execute(
                "INSERT INTO principals VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    arn,
                    kind,
                    parsed.partition,
                    parsed.account,
                    name,
                    unique_id,
                    dump,
                    ordinal,
                    json.dumps(spec, separators=(",", ":")),
                ),
            )
        except sqlite3.IntegrityError:
            raise InventoryError(f"{kind} {arn} appears twice") from None
        self.connection.executemany(
            "INSERT INTO grants VALUES (?, ?, ?, ?, ?, ?)",
            [
                (arn, f"{parsed.partition}:{parsed.account}", grant, resource, prefix, dump)
                for grant, resource, prefix in _grants(policies)
            ],
        )

    def user(self, user: IamUser, dump: int, ordinal: int, unresolved: Sequence[str]) -> None:
        spec = {
            "policies": [self.policy(p) for p in user.policies],
            "boundary": self.policy(user.permissions_boundary)
            if user.permissions_boundary
            else None,
            "tags": dict(user.tags),
            "unresolved": list(unresolved),
        }
        self.principal("user", user.arn, user.unique_id, spec, dump, ordinal, user.policies)

    def role(self, entry: InventoryRole, dump: int, ordinal: int) -> None:
        role = entry.role
        spec = {
            "trust": self.policy(role.trust_policy),
            "policies": [self.policy(p) for p in entry.policies],
            "boundary": self.policy(entry.permissions_boundary)
            if entry.permissions_boundary
            else None,
            "tags": dict(role.tags),
            "identity_known": entry.identity_known,
            "unresolved": list(entry.unresolved_policy_arns),
        }
        self.principal("role", entry.arn, role.unique_id, spec, dump, ordinal, entry.policies)


def _grants(policies: Sequence[Policy]) -> Iterator[tuple[str, str, str]]:
    """The permission index rows of one principal (what ``whocan.index.AssumeIndex`` reads)."""
    literals: dict[str, None] = {}
    patterns: dict[str, None] = {}
    unindexed = False
    for policy in policies:
        for statement in policy.statements:
            if statement.effect is not Effect.ALLOW:
                continue
            if statement.action is None:
                unindexed = True
                continue
            if not any(compile_pattern(a, ignore_case=True)(_ASSUME) for a in statement.action):
                continue
            if statement.resource is None or (
                policy.expands_variables and any("${" in r for r in statement.resource)
            ):
                unindexed = True
                continue
            for resource in statement.resource:
                if "*" in resource or "?" in resource:
                    patterns[resource] = None
                else:
                    literals[resource] = None
    for resource in literals:
        yield "literal", resource, ""
    for resource in patterns:
        yield "pattern", resource, _resource_prefix(resource)
    if unindexed:
        yield "always", "", ""


def _resource_prefix(pattern: str) -> str:
    parts = pattern.split(":", 5)
    resource = parts[5] if len(parts) == 6 else ""
    cut = min(
        (i for i in (resource.find("*"), resource.find("?")) if i >= 0), default=len(resource)
    )
    return resource[:cut]


def _connect(path: str | os.PathLike[str], *, read_only: bool) -> sqlite3.Connection:
    if read_only:
        uri = Path(path).resolve().as_uri() + "?mode=ro"
        return sqlite3.connect(uri, uri=True, check_same_thread=False)
    return sqlite3.connect(path)


def _check_format(connection: sqlite3.Connection, path: object) -> dict[str, str]:
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


def _open_for_writing(path: str | os.PathLike[str]) -> sqlite3.Connection:
    exists = Path(path).exists() and Path(path).stat().st_size > 0
    if exists and not is_database(path):
        raise InventoryError(f"{path} exists and is not an inventory database; not overwritten")
    connection = _connect(path, read_only=False)
    if exists:
        _check_format(connection, path)
    else:
        connection.executescript(_TABLES)
        connection.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            [("format", FORMAT), ("trustsim", __version__), ("schema", SCHEMA)],
        )
        connection.commit()  # a build that fails later leaves an empty database, not a foreign file
    return connection


def _set_meta(connection: sqlite3.Connection, key: str, value: object) -> None:
    connection.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))


def _organization_spec(writer: _Writer, org: Organization | None) -> object:
    if org is None:
        return None

    def refs(policies: Iterable[Policy]) -> list[list[str | None]]:
        return [writer.policy(p) for p in policies]

    return {
        "id": org.org_id,
        "root": org.root_id,
        "management_account": org.management_account,
        "root_scps": refs(org.root_scps),
        "root_rcps": refs(org.root_rcps),
        "units": [
            {
                "id": u.id,
                "parent": u.parent,
                "scps": refs(u.scps),
                "rcps": refs(u.rcps),
                "name": u.name,
            }
            for u in org.units
        ],
        "accounts": dict(org.accounts),
        "account_scps": {a: refs(p) for a, p in org.account_scps.items()},
        "account_rcps": {a: refs(p) for a, p in org.account_rcps.items()},
    }


def _remove_dump(connection: sqlite3.Connection, dump: int) -> None:
    for table in ("principals", "grants", "accounts"):
        connection.execute(f"DELETE FROM {table} WHERE dump = ?", (dump,))  # noqa: S608


def _drop_unused_policies(connection: sqlite3.Connection) -> None:
    used: set[str] = set()
    for (spec,) in connection.execute("SELECT spec FROM principals"):
        used.update(_digests(json.loads(spec)))
    for key in ("organization",):
        row = connection.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is not None:
            used.update(_digests(json.loads(row[0])))
    stored = {row[0] for row in connection.execute("SELECT digest FROM policies")}
    connection.executemany("DELETE FROM policies WHERE digest = ?", [(d,) for d in stored - used])


def _digests(value: object) -> Iterator[str]:
    if isinstance(value, list):
        if len(value) == 2 and isinstance(value[0], str) and len(value[0]) == 64:
            yield value[0]
        else:
            for item in value:
                yield from _digests(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _digests(item)


def _store_common(
    connection: sqlite3.Connection,
    writer: _Writer,
    organization: Organization | None,
    oidc_providers: Iterable[str],
    saml_providers: Iterable[str],
) -> None:
    _set_meta(connection, "organization", _organization_spec(writer, organization))
    _set_meta(connection, "oidc_providers", list(oidc_providers))
    _set_meta(connection, "saml_providers", list(saml_providers))


def build_database(
    output: str | os.PathLike[str],
    dumps: Sequence[str | os.PathLike[str]],
    *,
    organization: Organization | None = None,
    oidc_providers: Iterable[str] = (),
    saml_providers: Iterable[str] = (),
) -> BuildReport:
    """Build or update the inventory database ``output`` from ``get-account-authorization-details`` dumps.

    A dump already stored with the same path and digest is not read again; a changed one
    replaces its own rows only, so rebuilding after one account's dump changed reads that
    dump alone. Dumps stored before and not named now are kept. The organisation and the
    identity providers given replace the stored ones.

    Raises:
        trustsim.errors.InvalidPolicy: a dump holds a policy AWS would refuse.
        InventoryError: a principal appears twice, or ``output`` is not a database of this
            trustsim version.
        OSError: a dump cannot be read.
    """
    connection = _open_for_writing(output)
    read = unchanged = 0
    try:
        with connection:
            writer = _Writer(connection)
            next_ordinal = connection.execute(
                "SELECT COALESCE(MAX(ordinal) + 1, 0) FROM dumps"
            ).fetchone()[0]
            for path in dumps:
                location = str(Path(path).resolve())
                data = read_dump(path)
                digest = _digest(data)
                stat = Path(path).stat()
                row = connection.execute(
                    "SELECT id, digest, ordinal FROM dumps WHERE path = ?", (location,)
                ).fetchone()
                if row is not None and row[1] == digest:
                    unchanged += 1
                    connection.execute(
                        "UPDATE dumps SET size = ?, mtime = ? WHERE id = ?",
                        (stat.st_size, stat.st_mtime_ns, row[0]),
                    )
                    continue
                details = load_authorization_details(data, origin=str(path))
                if row is not None:
                    dump_id, ordinal = row[0], row[2]
                    _remove_dump(connection, dump_id)
                    connection.execute(
                        "UPDATE dumps SET digest = ?, size = ?, mtime = ? WHERE id = ?",
                        (digest, stat.st_size, stat.st_mtime_ns, dump_id),
                    )
                else:
                    ordinal = next_ordinal
                    next_ordinal += 1
                    dump_id = connection.execute(
                        "INSERT INTO dumps (path, digest, size, mtime, ordinal) VALUES (?, ?, ?, ?, ?)",
                        (location, digest, stat.st_size, stat.st_mtime_ns, ordinal),
                    ).lastrowid
                    assert dump_id is not None  # noqa: S101 - an INSERT has a row id
                read += 1
                for index, user in enumerate(details.users):
                    writer.user(user.to_user(), dump_id, index, user.unresolved_policy_arns)
                for index, detail in enumerate(details.roles):
                    entry = InventoryRole(
                        detail.to_role(),
                        detail.policies,
                        detail.permissions_boundary,
                        identity_known=detail.identity_known,
                        unresolved_policy_arns=detail.unresolved_policy_arns,
                    )
                    writer.role(entry, dump_id, index)
                connection.executemany(
                    "INSERT INTO accounts VALUES (?, ?, NULL, 0)",
                    [(a, dump_id) for a in sorted(details.account_ids)],
                )
            _store_common(connection, writer, organization, oidc_providers, saml_providers)
            _set_meta(connection, "sorted_accounts", True)
            _drop_unused_policies(connection)
        return _report(connection, read, unchanged)
    finally:
        connection.close()


def _report(connection: sqlite3.Connection, read: int, unchanged: int) -> BuildReport:
    principals = connection.execute("SELECT COUNT(*) FROM principals").fetchone()[0]
    policies = connection.execute("SELECT COUNT(*) FROM policies").fetchone()[0]
    return BuildReport(read, unchanged, principals, policies)


def store_inventory(inventory: Inventory, output: str | os.PathLike[str]) -> BuildReport:
    """Write an in-memory :class:`~trustsim.inventory.Inventory` to a new database file.

    Principals must carry the organisation's membership the inventory gave them (or none).

    Raises:
        InventoryError: ``output`` exists, or a principal carries another membership.
    """
    if Path(output).exists():
        raise InventoryError(f"{output} exists; store_inventory writes a new database")
    organization = inventory.organization

    def expected(account: str) -> object:
        return organization.membership(account) if organization else None

    principals: list[IamUser | Role] = [*inventory.users, *(e.role for e in inventory.roles)]
    for principal in principals:
        if principal.org is not None and principal.org != expected(principal.account_id):
            raise InventoryError(
                f"{principal.arn} carries an organisation membership of its own, which an "
                "inventory database cannot store"
            )
    connection = _open_for_writing(output)
    try:
        with connection:
            writer = _Writer(connection)
            for index, user in enumerate(inventory.users):
                writer.user(attrs.evolve(user, org=None), 0, index, ())
            for index, entry in enumerate(inventory.roles):
                bare = attrs.evolve(entry, role=attrs.evolve(entry.role, org=None))
                writer.role(bare, 0, index)
            connection.executemany(
                "INSERT INTO accounts VALUES (?, 0, ?, ?)",
                [(a.account_id, a.name, i) for i, a in enumerate(inventory.accounts)],
            )
            _store_common(
                connection,
                writer,
                organization,
                inventory.oidc_providers,
                inventory.saml_providers,
            )
            _set_meta(connection, "sorted_accounts", False)
            _set_meta(connection, "notes", list(inventory.notes))
        return _report(connection, 0, 0)
    finally:
        connection.close()


# --------------------------------------------------------------------------- reading


class InventoryDatabase:
    """An inventory database opened read-only; use :func:`open_database`.

    Rows become principals only when a query needs them; parsed policies are shared.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = str(path)
        if not is_database(path):
            if not Path(path).exists():
                raise InventoryError(f"{path}: no such inventory database")
            raise InventoryError(f"{path} is not an SQLite inventory database")
        self.connection = _connect(path, read_only=True)
        meta = _check_format(self.connection, path)
        self._check_dumps()
        self._policies: dict[str, Policy] = {}
        self._placed: dict[tuple[str, str | None], Policy] = {}
        self._whole_inventory: Inventory | None = None
        self.oidc_providers: tuple[str, ...] = tuple(json.loads(meta["oidc_providers"]))
        self.saml_providers: tuple[str, ...] = tuple(json.loads(meta["saml_providers"]))
        self.organization = self._organization(json.loads(meta["organization"]))
        stored_notes = meta.get("notes")
        self._notes: tuple[str, ...] | None = (
            tuple(json.loads(stored_notes)) if stored_notes is not None else None
        )
        self.accounts = self._accounts(json.loads(meta.get("sorted_accounts", "true")))

    def __enter__(self) -> InventoryDatabase:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the database file."""
        self.connection.close()

    def _check_dumps(self) -> None:
        rows = self.connection.execute("SELECT path, digest, size, mtime FROM dumps").fetchall()
        for path, digest, size, mtime in rows:
            location = Path(path)
            try:
                stat = location.stat()
            except OSError:
                continue  # the database holds the dump's content; the file may be elsewhere
            if (stat.st_size, stat.st_mtime_ns) == (size, mtime):
                continue
            if _digest(read_dump(location)) != digest:
                raise InventoryError(
                    f"{self.path} is stale: {path} changed since the database was built; run "
                    f"`trustsim inventory build {path} -o {self.path}` to update it"
                )

    def _accounts(self, sort: bool) -> tuple[Account, ...]:
        rows = self.connection.execute(
            "SELECT account, name, ordinal FROM accounts ORDER BY ordinal, dump"
        ).fetchall()
        seen: dict[str, Account] = {}
        for account, name, _ in rows:
            seen.setdefault(account, Account(account, name))
        values = list(seen.values())
        return tuple(sorted(values, key=lambda a: a.account_id) if sort else values)

    def _policy(self, ref: Sequence[Any] | None) -> Policy | None:
        if ref is None:
            return None
        digest, origin = ref
        key = (digest, origin)
        found = self._placed.get(key)
        if found is not None:
            return found
        policy = self._policies.get(digest)
        if policy is None:
            from trustsim.loaders import load_policy  # noqa: PLC0415

            kind, text = self.connection.execute(
                "SELECT kind, document FROM policies WHERE digest = ?", (digest,)
            ).fetchone()
            policy = self._policies[digest] = load_policy(text, kind=PolicyKind(kind))
        placed = attrs.evolve(policy, origin=origin) if policy.origin != origin else policy
        self._placed[key] = placed
        return placed

    def _policy_list(self, refs: Sequence[Any]) -> tuple[Policy, ...]:
        return tuple(p for p in (self._policy(r) for r in refs) if p is not None)

    def _organization(self, spec: Any) -> Organization | None:
        if spec is None:
            return None
        return Organization(
            spec["id"],
            spec["root"],
            management_account=spec["management_account"],
            root_scps=self._policy_list(spec["root_scps"]),
            root_rcps=self._policy_list(spec["root_rcps"]),
            units=[
                OrgUnit(
                    u["id"],
                    u["parent"],
                    self._policy_list(u["scps"]),
                    self._policy_list(u["rcps"]),
                    u["name"],
                )
                for u in spec["units"]
            ],
            accounts=spec["accounts"],
            account_scps={a: self._policy_list(p) for a, p in spec["account_scps"].items()},
            account_rcps={a: self._policy_list(p) for a, p in spec["account_rcps"].items()},
        )

    # -- principals ----------------------------------------------------------------------

    _COLUMNS = "arn, kind, unique_id, spec, dump, ordinal"

    def _rows(self, where: str, parameters: Sequence[object]) -> list[tuple[Any, ...]]:
        query = f"SELECT {self._COLUMNS} FROM principals p WHERE {where}"  # noqa: S608
        return self.connection.execute(query, parameters).fetchall()

    def _build(self, rows: Iterable[tuple[Any, ...]]) -> Inventory:
        unique = {row[0]: row for row in rows}
        dump_order = dict(self.connection.execute("SELECT id, ordinal FROM dumps").fetchall())
        ordered = sorted(unique.values(), key=lambda row: (dump_order.get(row[4], 0), row[5]))
        users: list[IamUser] = []
        roles: list[InventoryRole] = []
        notes: list[str] = []
        role_notes: list[str] = []
        for arn, kind, unique_id, spec_text, _, _ in ordered:
            spec = json.loads(spec_text)
            unresolved = tuple(spec["unresolved"])
            if kind == "user":
                users.append(
                    IamUser(
                        arn,
                        policies=self._policy_list(spec["policies"]),
                        permissions_boundary=self._policy(spec["boundary"]),
                        tags=spec["tags"],
                        unique_id=unique_id,
                    )
                )
                target = notes
            else:
                trust = self._policy(spec["trust"])
                assert trust is not None  # noqa: S101 - every role row has its trust policy
                roles.append(
                    InventoryRole(
                        Role(arn, trust, tags=spec["tags"], unique_id=unique_id),
                        self._policy_list(spec["policies"]),
                        self._policy(spec["boundary"]),
                        identity_known=spec["identity_known"],
                        unresolved_policy_arns=unresolved,
                    )
                )
                target = role_notes
            target += [
                f"{arn}: attached policy {missing} is not in the dump; evaluated without it"
                for missing in unresolved
            ]
        return Inventory.build(
            users=users,
            roles=roles,
            accounts=self.accounts,
            oidc_providers=self.oidc_providers,
            saml_providers=self.saml_providers,
            organization=self.organization,
            notes=self._notes if self._notes is not None else (*notes, *role_notes),
        )

    def inventory(self) -> Inventory:
        """The whole inventory (every row: what an in-memory load would give)."""
        return self._build(self._rows("1", ()))

    def _whole(self) -> Inventory:
        """:meth:`inventory`, built once per opened database (the rows do not change)."""
        if self._whole_inventory is None:
            self._whole_inventory = self.inventory()
        return self._whole_inventory

    def role_arns(self) -> list[tuple[str, str]]:
        """Every role as ``(account, arn)``, in inventory order."""
        rows = self.connection.execute(
            "SELECT p.account, p.arn FROM principals p LEFT JOIN dumps d ON d.id = p.dump "
            "WHERE p.kind = 'role' ORDER BY COALESCE(d.ordinal, 0), p.ordinal"
        ).fetchall()
        return [(account, arn) for account, arn in rows]

    def principal_arns(self) -> list[str]:
        """Every user, then every role, in inventory order."""
        rows = self.connection.execute(
            "SELECT p.arn FROM principals p LEFT JOIN dumps d ON d.id = p.dump "
            "ORDER BY p.kind = 'role', COALESCE(d.ordinal, 0), p.ordinal"
        ).fetchall()
        return [arn for (arn,) in rows]

    def needed_for(self, role_arn: str) -> Inventory:
        """The smallest inventory that answers who can assume ``role_arn`` as the whole one does.

        Raises:
            InventoryError: the database holds no role with this ARN.
        """
        rows = self._needed_rows(role_arn)
        return self.inventory() if rows is None else self._build(rows)

    def _needed_rows(
        self, role_arn: str, loaded: set[tuple[str, str, str]] | None = None
    ) -> list[tuple[Any, ...]] | None:
        """The rows :meth:`needed_for` builds from, or ``None`` when it needs every row.

        ``loaded`` holds the needs (other than a role's holders, which depend on its ARN)
        already read for the same inventory: they are not read again.
        """
        found = self._rows("arn = ? AND kind = 'role'", (role_arn,))
        if not found:
            raise InventoryError(f"the inventory has no role {role_arn}")
        role_row = found[0]
        trust = self._policy(json.loads(role_row[3])["trust"])
        assert trust is not None  # noqa: S101 - every role row has its trust policy
        partition = Arn.parse(role_arn).partition
        rows: list[tuple[Any, ...]] = [role_row]
        for need, value in _needs(trust):
            if need == "all":
                return None
            if loaded is not None and need != "holders":
                if (need, value, partition) in loaded:
                    continue
                loaded.add((need, value, partition))
            rows += self._needed(need, value, partition, role_arn)
        return rows

    def _needed(
        self, need: str, value: str, partition: str, role_arn: str
    ) -> list[tuple[Any, ...]]:
        if need == "arn":
            return self._rows("arn = ?", (value,))
        if need == "unique":
            return self._rows("unique_id = ?", (value,))
        if need == "session":
            account, name = value.split("/", 1)
            return self._rows("account = ? AND kind = 'role' AND name = ?", (account, name))
        if need == "account":
            return self._rows("account = ? AND partition = ?", (value, partition))
        if need == "org":
            members = self.organization.accounts if self.organization else {}
            if self.organization is None or self.organization.org_id != value:
                return []
            marks = ",".join("?" * len(members))
            return self._rows(f"account IN ({marks})", list(members))
        return self._holders(value, partition, role_arn)  # need == "holders"

    def _holders(self, account: str, partition: str, role_arn: str) -> list[tuple[Any, ...]]:
        """Principals of ``account`` whose identity policies may allow assuming the role."""
        key = f"{partition}:{account}"
        resource = role_arn.split(":", 5)[-1]
        rows = self.connection.execute(
            "SELECT principal, kind, resource, prefix FROM grants WHERE account = ? AND "
            "(kind = 'always' OR (kind = 'literal' AND resource = ?) OR kind = 'pattern')",
            (key, role_arn),
        ).fetchall()
        chosen: set[str] = set()
        matchers: dict[str, bool] = {}
        for principal, kind, pattern, prefix in rows:
            if kind != "pattern":
                chosen.add(principal)
                continue
            if ":" not in resource and not resource.startswith(prefix):
                continue
            if pattern not in matchers:
                matchers[pattern] = compile_pattern(pattern)(role_arn)
            if matchers[pattern]:
                chosen.add(principal)
        found: list[tuple[Any, ...]] = []
        arns = sorted(chosen)
        for start in range(0, len(arns), 500):
            batch = arns[start : start + 500]
            found += self._rows(f"arn IN ({','.join('?' * len(batch))})", batch)
        return found

    def who_can(self, role_arn: str) -> Any:
        """:func:`~trustsim.whocan.who_can_assume` on the rows this role's answer needs."""
        from trustsim.whocan import who_can_assume  # noqa: PLC0415 (whocan imports inventory)

        return who_can_assume(self.needed_for(role_arn), role_arn)

    def who_can_each(self, role_arns: Sequence[str]) -> Iterator[Any]:
        """:meth:`who_can` for each of ``role_arns`` (one partition: say, an account's roles).

        The rows every answer needs are read and built into principals once, and one
        evaluator answers them all (its atoms are ordered per pair, so each answer is the
        one :meth:`who_can` gives): a partition costs one load, not one per role.

        Raises:
            InventoryError: the database holds no role with one of these ARNs.
        """
        from trustsim.whocan import who_can_assume  # noqa: PLC0415 (whocan imports inventory)

        rows: list[tuple[Any, ...]] = []
        loaded: set[tuple[str, str, str]] = set()
        for arn in role_arns:
            needed = self._needed_rows(arn, loaded)
            if needed is None:
                rows = []
                break
            rows += needed
        inventory = self._build(rows) if rows or not role_arns else self._whole()
        for arn in role_arns:
            yield who_can_assume(inventory, arn)


def _needs(trust: Policy) -> Iterator[tuple[str, str]]:
    """What a who-can query on a role with this trust policy must load (see ``whocan.search.collect_candidates``)."""
    for statement in trust.statements:
        if statement.effect is Effect.DENY:
            for value in statement.principal.aws if statement.principal else ():
                yield from _session_need(value)
        elif statement.principal is None:
            yield "all", ""
        else:
            if statement.principal.star:
                yield from _star_needs(statement)
            for value in statement.principal.aws:
                yield from _aws_needs(value, statement)


def _session_need(value: str) -> Iterator[tuple[str, str]]:
    arn = Arn.try_parse(value)
    if arn is not None and arn.service == "sts" and arn.resource_type == "assumed-role":
        parts = arn.resource.split("/")
        if len(parts) == 3:
            yield "session", f"{arn.account}/{parts[1]}"


def _star_needs(statement: Statement) -> Iterator[tuple[str, str]]:
    from trustsim.whocan.index import narrowing as _narrowing  # noqa: PLC0415 (the rule who-can applies)

    narrowed = _narrowing(statement)
    if narrowed is None:
        yield "all", ""
        return
    key, values = narrowed
    need = {
        "aws:principalaccount": "account",
        "aws:principalarn": "arn",
    }.get(key, "org")
    for value in sorted(values):
        yield need, value


def _aws_needs(value: str, statement: Statement) -> Iterator[tuple[str, str]]:
    if value == "*":
        yield from _star_needs(statement)
        return
    if value.isdigit() and len(value) == 12:
        yield "holders", value
        return
    arn = Arn.try_parse(value)
    if arn is None:
        yield "unique", value
    elif arn.service == "iam" and arn.resource == "root":
        yield "holders", arn.account
    elif arn.service == "iam" and arn.resource_type in {"user", "role"}:
        yield "arn", value
    elif arn.service == "sts":
        yield from _session_need(value)


def open_database(path: str | os.PathLike[str]) -> InventoryDatabase:
    """Open an inventory database read-only, refusing a foreign or stale one.

    Raises:
        InventoryError: not a trustsim inventory database, built by another trustsim
            version, or one of its dump files changed since it was built.
    """
    return InventoryDatabase(path)
