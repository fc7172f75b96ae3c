"""Reading an inventory database: the rows one query needs, built into an inventory.

The database and what it holds are described in :mod:`trustsim.inventory_db`; this module
is its reading side (:func:`open_database`, :class:`InventoryDatabase`).
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs

from trustsim._inventory_store import check_format, connect, is_database, read_dump
from trustsim._inventory_store import digest as _digest
from trustsim.arn import Arn
from trustsim.callers import IamUser, OrgMembership, Role
from trustsim.inventory import (
    Account,
    Inventory,
    InventoryError,
    InventoryRole,
    Organization,
    OrgUnit,
)
from trustsim.model import Effect, Policy, PolicyKind, Statement
from trustsim.wildcard import compile_pattern

__all__ = ["InventoryDatabase", "open_database"]


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
        self.connection = connect(path, read_only=True)
        meta = check_format(self.connection, path)
        self._dump_ordinals: dict[int, int] = {}
        self._check_dumps()
        self._policies: dict[str, Policy] = {}
        self._placed: dict[tuple[str, str | None], Policy] = {}
        self._whole_inventory: Inventory | None = None
        self._memberships: dict[str, OrgMembership | None] = {}
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
        rows = self.connection.execute(
            "SELECT path, digest, size, mtime, id, ordinal FROM dumps"
        ).fetchall()
        self._dump_ordinals = {row[4]: row[5] for row in rows}
        # One stat per dump on every open (a database of 10,000 dumps: os.stat on the stored
        # text, not a Path made for each, halves the cost of opening it).
        stat = os.stat
        for path, digest, size, mtime, _, _ in rows:
            try:
                found = stat(path)
            except OSError:
                continue  # the database holds the dump's content; the file may be elsewhere
            if found.st_size == size and found.st_mtime_ns == mtime:
                continue
            if _digest(read_dump(Path(path))) != digest:
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

    def _membership(self, account: str) -> OrgMembership | None:
        """The organisation membership of ``account`` (one object per account)."""
        if self.organization is None:
            return None
        if account not in self._memberships:
            self._memberships[account] = self.organization.membership(account)
        return self._memberships[account]

    def _build(self, rows: Iterable[tuple[Any, ...]]) -> Inventory:
        unique = {row[0]: row for row in rows}
        dump_order = self._dump_ordinals  # read with the digests, once per open database
        ordered = sorted(unique.values(), key=lambda row: (dump_order.get(row[4], 0), row[5]))
        users: list[IamUser] = []
        roles: list[InventoryRole] = []
        notes: list[str] = []
        role_notes: list[str] = []
        for arn, kind, unique_id, spec_text, _, _ in ordered:
            spec = json.loads(spec_text)
            unresolved = tuple(spec["unresolved"])
            # Placed in the organisation here, as Inventory.build would place it (it keeps a
            # principal's org): one construction per principal, not two.
            org = self._membership(arn.split(":", 5)[4])
            if kind == "user":
                users.append(
                    IamUser(
                        arn,
                        policies=self._policy_list(spec["policies"]),
                        permissions_boundary=self._policy(spec["boundary"]),
                        tags=spec["tags"],
                        unique_id=unique_id,
                        org=org,
                    )
                )
                target = notes
            else:
                trust = self._policy(spec["trust"])
                assert trust is not None  # noqa: S101 - every role row has its trust policy
                roles.append(
                    InventoryRole(
                        Role(arn, trust, tags=spec["tags"], unique_id=unique_id, org=org),
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

        Python's cyclic garbage collector is kept off the answers' work: it is paused while
        the rows are loaded and while a batch of answers is computed (at most :data:`BATCH`
        roles), and what the batch left alive (mostly the engine's bounded memos, freed by
        reference counting when they are evicted) is then frozen out of its scans
        (:func:`gc.freeze`), unless something else froze objects already. The collector is
        running again whenever this generator yields, and everything is unfrozen when it
        ends; every :data:`COLLECT_EVERY` roles so answered, a full collection frees the
        cycles left (compiled policies and their memos form some). Scanning those memos
        again and again cost a third of the time; no answer depends on it.

        Raises:
            InventoryError: the database holds no role with one of these ARNs.
        """
        from trustsim.whocan import who_can_assume  # noqa: PLC0415 (whocan imports inventory)

        freezing = gc.isenabled() and gc.get_freeze_count() == 0
        answered = 0
        try:
            with _collector_paused():
                rows: list[tuple[Any, ...]] = []
                loaded: set[tuple[str, str, str]] = set()
                for arn in role_arns:
                    needed = self._needed_rows(arn, loaded)
                    if needed is None:
                        rows = []
                        break
                    rows += needed
                inventory = self._build(rows) if rows or not role_arns else self._whole()
            for start in range(0, len(role_arns), BATCH):
                with _collector_paused():
                    batch = role_arns[start : start + BATCH]
                    answers = [who_can_assume(inventory, arn) for arn in batch]
                    answered += len(answers)
                    if freezing:
                        gc.freeze()
                yield from answers
        finally:
            if freezing:
                gc.unfreeze()
                _collected_after(answered)


#: How many roles :meth:`InventoryDatabase.who_can_each` answers with the collector paused.
BATCH = 64
#: How many roles answered with their leftovers frozen between two full collections.
COLLECT_EVERY = 10_000
_ANSWERED = [0]  # since the last full collection


def _collected_after(answered: int) -> None:
    """Count ``answered`` roles; collect fully once :data:`COLLECT_EVERY` are reached."""
    _ANSWERED[0] += answered
    if _ANSWERED[0] >= COLLECT_EVERY:
        _ANSWERED[0] = 0
        gc.collect()


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block (as it was, after it)."""
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()


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
    if value.isascii() and value.isdigit() and len(value) == 12:
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
