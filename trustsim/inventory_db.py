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

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs

from trustsim import __version__
from trustsim._inventory_query import InventoryDatabase, open_database
from trustsim._inventory_store import (
    FORMAT,
    SCHEMA,
    TABLES,
    check_format,
    connect,
    is_database,
    read_dump,
)
from trustsim._inventory_store import (
    digest as _digest,
)
from trustsim.arn import Arn
from trustsim.callers import IamUser, Role
from trustsim.inventory import Inventory, InventoryError, InventoryRole, Organization
from trustsim.loaders.aws import load_authorization_details
from trustsim.model import Policy
from trustsim.serialize import to_dict
from trustsim.whocan.index import assume_grants, resource_prefix

__all__ = [
    "BuildReport",
    "InventoryDatabase",
    "build_database",
    "is_database",
    "open_database",
    "read_dump",
    "store_inventory",
]


@attrs.frozen
class BuildReport:
    """What :func:`build_database` did: dumps read, dumps unchanged, principals stored."""

    read: int
    unchanged: int
    principals: int
    policies: int


# --------------------------------------------------------------------------- storing


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
    literals, patterns, unindexed = assume_grants(policies)
    for resource in literals:
        yield "literal", resource, ""
    for resource in patterns:
        yield "pattern", resource, resource_prefix(resource)
    if unindexed:
        yield "always", "", ""


def _open_for_writing(path: str | os.PathLike[str]) -> sqlite3.Connection:
    exists = Path(path).exists() and Path(path).stat().st_size > 0
    if exists and not is_database(path):
        raise InventoryError(f"{path} exists and is not an inventory database; not overwritten")
    connection = connect(path, read_only=False)
    if exists:
        check_format(connection, path)
    else:
        connection.executescript(TABLES)
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
