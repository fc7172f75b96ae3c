"""What each principal can reach by chaining roles: a breadth-first search over who-can answers."""

from __future__ import annotations

from collections import deque
from typing import Any

import attrs

from trustsim import _reprs
from trustsim._memo import kept_for, memo
from trustsim.arn import Arn
from trustsim.callers import IamUser
from trustsim.errors import escape
from trustsim.inventory import Inventory, InventoryError, InventoryRole
from trustsim.model import Statement
from trustsim.whocan.answers import Access, Residual
from trustsim.whocan.evaluator import budget_note, evaluator_for
from trustsim.whocan.index import AssumeIndex, allow_statements, narrowing

# --------------------------------------------------------------------------- reach


@attrs.frozen
class Step:
    """One hop of a chain: ``principal`` assumes ``role_arn`` (allowed always or under ``residual``)."""

    principal: str
    role_arn: str
    access: Access
    residual: Residual | None = None

    def __str__(self) -> str:
        how = "" if self.residual is None else f" if {self.residual}"
        return f"{self.principal} → {self.role_arn}{how}"


@attrs.frozen
class Reached:
    """A role reachable from the start, with the shortest chain found."""

    role_arn: str
    path: tuple[Step, ...]

    @property
    def conditional(self) -> bool:
        """Whether some hop needs request-time values."""
        return any(step.access is not Access.ALWAYS for step in self.path)


@attrs.frozen
class ReachResult:
    """Every role a principal can reach by assuming roles in turn (role chaining).

    >>> from trustsim.callers import IamUser, Role
    >>> from trustsim.inventory import Inventory
    >>> from trustsim.parsing import parse_policy
    >>> def trusting(principal):
    ...     return parse_policy({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
    ...         "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}})
    >>> inventory = Inventory.build(users=[IamUser("arn:aws:iam::111122223333:user/alice")], roles=[
    ...     Role("arn:aws:iam::111122223333:role/ci", trusting("arn:aws:iam::111122223333:user/alice")),
    ...     Role("arn:aws:iam::111122223333:role/prod", trusting("arn:aws:iam::111122223333:role/ci"))])
    >>> result = reachable_from(inventory, "arn:aws:iam::111122223333:user/alice")
    >>> [(r.role_arn, len(r.path), r.conditional) for r in result.reached]
    [('arn:aws:iam::111122223333:role/ci', 1, False), ('arn:aws:iam::111122223333:role/prod', 2, False)]
    """

    principal_arn: str
    reached: tuple[Reached, ...]
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON data (``notes`` only when there are some)."""
        noted = {"notes": list(self.notes)} if self.notes else {}
        return {
            "principal": self.principal_arn,
            "reached": [
                {
                    "role": r.role_arn,
                    "path": [
                        {
                            "principal": s.principal,
                            "role": s.role_arn,
                            "access": s.access.name.lower(),
                            "residual": None if s.residual is None else str(s.residual),
                        }
                        for s in r.path
                    ],
                }
                for r in self.reached
            ],
        } | noted

    def to_text(self) -> str:
        """The result for people: each role and the chain to it."""
        lines = [f"{self.principal_arn} can reach {len(self.reached)} role(s)"]
        for reached in self.reached:
            lines.append(f"  {reached.role_arn}")
            lines += [f"    {step}" for step in reached.path]
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(escape(line) for line in lines)  # values came from input

    def __str__(self) -> str:
        return self.to_text()


class _ReverseIndex:
    """For each principal, the roles whose trust policy can name it (built once per inventory)."""

    def __init__(self, inventory: Inventory) -> None:
        self.by_arn: dict[str, list[InventoryRole]] = {}
        self.by_account: dict[tuple[str, str], list[InventoryRole]] = {}
        self.by_unique_id: dict[str, list[InventoryRole]] = {}
        self.star: list[InventoryRole] = []
        #: ``{"AWS": "*"}`` grants narrowed by an equality on the principal's account, org or ARN.
        self.star_narrowed: dict[tuple[str, str], list[InventoryRole]] = {}
        self.account_grants: dict[str, list[InventoryRole]] | None = None
        for entry in inventory.roles:
            for statement in allow_statements(entry.role.trust_policy):
                if statement.principal is None:  # NotPrincipal or none: see collect_candidates
                    self.star.append(entry)
                else:
                    if statement.principal.star:
                        self._add_star(statement, entry)
                    for value in statement.principal.aws:
                        self._add(value, statement, entry)

    def _add_star(self, statement: Statement, entry: InventoryRole) -> None:
        narrowed = narrowing(statement)
        if narrowed is None:
            self.star.append(entry)
            return
        key, values = narrowed
        for value in values:
            self.star_narrowed.setdefault((key, value), []).append(entry)

    def _add(self, value: str, statement: Statement, entry: InventoryRole) -> None:
        partition = entry.role.partition
        if value == "*":
            self._add_star(statement, entry)
        elif value.isascii() and value.isdigit() and len(value) == 12:
            self.by_account.setdefault((partition, value), []).append(entry)
        else:
            arn = Arn.try_parse(value)
            if arn is None:
                self.by_unique_id.setdefault(value, []).append(entry)
            elif arn.service == "iam" and arn.resource == "root":
                self.by_account.setdefault((arn.partition, arn.account), []).append(entry)
            elif arn.service != "sts":
                # A session ARN names one session: who-can answers it apart ("session"), and
                # reach follows a role as all of its sessions, so it adds no edge here.
                self.by_arn.setdefault(value, []).append(entry)

    def _account_grants(self, index: AssumeIndex) -> dict[str, list[InventoryRole]]:
        """Principal ARN → the roles granted to its account that its identity policies may use.

        An account grant needs the principal's identity policies to allow (see
        :class:`AssumeIndex`), so the holders of each granted role are found through that
        index once, and inverted: the cost follows the edges, not accounts x roles.
        """
        if self.account_grants is None:
            grants: dict[str, list[InventoryRole]] = {}
            for (partition, account), entries in self.by_account.items():
                for entry in entries:
                    for holder in index.holders(partition, account, entry.arn):
                        grants.setdefault(holder.arn, []).append(entry)
            self.account_grants = grants
        return self.account_grants

    def roles_for(
        self, principal: IamUser | InventoryRole, index: AssumeIndex
    ) -> dict[str, InventoryRole]:
        if isinstance(principal, IamUser):
            account, unique, org = principal.account_id, principal.unique_id, principal.org
        else:
            account, unique, org = (
                principal.account_id,
                principal.role.unique_id,
                principal.role.org,
            )
        found: dict[str, InventoryRole] = {}
        for entry in self._account_grants(index).get(principal.arn, ()):
            found[entry.arn] = entry
        groups = [
            self.by_arn.get(principal.arn, ()),
            self.star,
            self.star_narrowed.get(("aws:principalaccount", account), ()),
            self.star_narrowed.get(("aws:principalarn", principal.arn), ()),
        ]
        if org is not None:
            groups.append(self.star_narrowed.get(("aws:principalorgid", org.org_id), ()))
        if unique:
            groups.append(self.by_unique_id.get(unique, ()))
        for group in groups:
            for entry in group:
                found[entry.arn] = entry
        return found


_REVERSE: dict[int, tuple[Inventory, _ReverseIndex]] = memo("whocan: reverse indexes", 8)


def _reverse_index(inventory: Inventory) -> _ReverseIndex:
    # The index depends on the inventory object alone.
    return kept_for(_REVERSE, inventory, lambda: _ReverseIndex(inventory), 8)


def reachable_from(inventory: Inventory, principal_arn: str) -> ReachResult:
    """Every role of ``inventory`` that ``principal_arn`` can reach by chaining, with the path.

    ``principal_arn`` is a user or a role of the inventory (a role starts as one of its
    sessions). The search is breadth first over who-can answers, so each path is a shortest
    chain; a hop allowed only under request-time values keeps its residual.

    Raises:
        InventoryError: the inventory has no such user or role.

    >>> from trustsim.callers import IamUser, Role
    >>> from trustsim.inventory import Inventory
    >>> from trustsim.parsing import parse_policy
    >>> vendor_trust = parse_policy({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
    ...     "Principal": {"AWS": "arn:aws:iam::111122223333:role/ci"}, "Action": "sts:AssumeRole",
    ...     "Condition": {"StringEquals": {"sts:ExternalId": "x-42"}}}})
    >>> ci_trust = parse_policy({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
    ...     "Principal": {"AWS": "arn:aws:iam::111122223333:user/alice"}, "Action": "sts:AssumeRole"}})
    >>> inventory = Inventory.build(users=[IamUser("arn:aws:iam::111122223333:user/alice")],
    ...     roles=[Role("arn:aws:iam::111122223333:role/ci", ci_trust),
    ...            Role("arn:aws:iam::111122223333:role/vendor", vendor_trust)])
    >>> print(reachable_from(inventory, "arn:aws:iam::111122223333:user/alice").to_text())
    arn:aws:iam::111122223333:user/alice can reach 2 role(s)
      arn:aws:iam::111122223333:role/ci
        arn:aws:iam::111122223333:user/alice → arn:aws:iam::111122223333:role/ci
      arn:aws:iam::111122223333:role/vendor
        arn:aws:iam::111122223333:user/alice → arn:aws:iam::111122223333:role/ci
        arn:aws:iam::111122223333:role/ci → arn:aws:iam::111122223333:role/vendor
          if StringEquals sts:ExternalId = 'x-42'
    """
    start: IamUser | InventoryRole | None = inventory.find_user(principal_arn)
    if start is None:
        start = inventory.find_role(principal_arn)
    if start is None:
        raise InventoryError(f"the inventory has no user or role {principal_arn}")
    evaluator = evaluator_for(inventory)
    evaluator.start_query()
    index = _reverse_index(inventory)
    paths: dict[str, tuple[Step, ...]] = {}
    queue: deque[tuple[IamUser | InventoryRole, tuple[Step, ...]]] = deque([(start, ())])
    while queue:
        principal, path = queue.popleft()
        for arn, entry in index.roles_for(principal, evaluator.assume_index).items():
            if arn in paths or arn == start.arn:
                continue
            answer = evaluator.pair(principal, entry)
            if answer.access in (Access.NEVER, Access.UNDETERMINED):
                continue
            step = Step(principal.arn, arn, answer.access, answer.residual)
            paths[arn] = (*path, step)
            queue.append((entry, paths[arn]))
    notes = (f"{budget_note()}; roles past it may be missing",) if evaluator.exhausted else ()
    return ReachResult(
        principal_arn, tuple(Reached(arn, path) for arn, path in paths.items()), notes
    )


_reprs.install(globals())  # short reprs, IPython and notebook forms (trustsim._reprs)
