"""The index of the trust policies' principals: candidates grow with the answers, not with roles × principals."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from trustsim.callers import IamUser
from trustsim.inventory import Inventory, InventoryRole
from trustsim.model import Effect, Policy, Statement
from trustsim.requests import ASSUME_ROLE
from trustsim.wildcard import compile_pattern

#: A principal of the inventory.
_Principal = IamUser | InventoryRole


def _account_of(principal: IamUser | InventoryRole) -> tuple[str, str]:
    """The (partition, account) of a principal of the inventory."""
    if isinstance(principal, IamUser):
        return principal.partition, principal.account_id
    return principal.role.partition, principal.account_id


def allow_statements(policy: Policy) -> Iterator[Statement]:
    """The Allow statements of ``policy``."""
    for statement in policy.statements:
        if statement.effect is Effect.ALLOW:
            yield statement


def narrowing(statement: Statement) -> tuple[str, frozenset[str]] | None:
    """A plain equality on the principal's account, org or ARN that narrows ``AWS:*``."""
    for clause in statement.condition:
        operator = clause.operator
        if operator.qualifier is not None or operator.if_exists:
            continue
        key = clause.key.lower()
        literal = not any("*" in v or "?" in v or "${" in v for v in clause.values)
        if (
            key in ("aws:principalaccount", "aws:principalorgid")
            and operator.base == "StringEquals"
        ):
            return key, frozenset(clause.values)
        if key == "aws:principalarn" and literal and operator.base in ("ArnEquals", "StringEquals"):
            return key, frozenset(clause.values)
    return None


class AssumeIndex:
    """Which principals' identity policies can allow ``sts:AssumeRole`` on a given role.

    An account principal (and any cross-account grant) needs the caller's identity policies
    to allow the call too (docs/semantics.md §4.3, §4.4), so a principal none of whose Allow
    statements covers the action and the role's ARN can never use such a grant: it need not
    be evaluated. Literal resources are indexed by ARN, wildcard resources grouped by pattern
    (each pattern is matched once per role); ``NotAction``/``NotResource`` and policy
    variables cannot be indexed, and their holders are always candidates.
    """

    def __init__(self, inventory: Inventory) -> None:
        self.literal: dict[str, list[IamUser | InventoryRole]] = {}
        self.patterns: dict[
            tuple[str, str], dict[str, dict[str, tuple[Callable[[str], bool], list[_Principal]]]]
        ] = {}
        self.always: dict[tuple[str, str], list[IamUser | InventoryRole]] = {}
        for user in inventory.users:
            self._add(user, (user.partition, user.account_id), user.policies)
        for entry in inventory.roles:
            self._add(entry, (entry.role.partition, entry.account_id), entry.policies)

    def _add(
        self,
        principal: IamUser | InventoryRole,
        account: tuple[str, str],
        policies: Sequence[Policy],
    ) -> None:
        literals, patterns, unindexed = assume_grants(policies)
        for arn in literals:
            self.literal.setdefault(arn, []).append(principal)
        buckets = self.patterns.setdefault(account, {})
        for pattern in patterns:
            bucket = buckets.setdefault(resource_prefix(pattern), {})
            if pattern not in bucket:
                bucket[pattern] = (compile_pattern(pattern), [])
            bucket[pattern][1].append(principal)
        if unindexed:
            self.always.setdefault(account, []).append(principal)

    def holders(
        self, partition: str, account: str, role_arn: str
    ) -> Iterator[IamUser | InventoryRole]:
        """The principals of one account whose identity policies may allow assuming the role."""
        key = (partition, account)
        for principal in self.literal.get(role_arn, ()):
            if _account_of(principal) == key:
                yield principal
        buckets = self.patterns.get(key)
        if buckets:
            # Only patterns whose literal resource prefix is a prefix of the role's resource
            # part can match: one dictionary lookup per prefix length, not one per pattern.
            resource = role_arn.split(":", 5)[-1]
            if ":" in resource:  # a path with a colon: a "*" before it could take part of it
                chosen: Iterable[dict[str, Any]] = buckets.values()
            else:
                chosen = (buckets.get(resource[:n]) or {} for n in range(len(resource) + 1))
            for bucket in chosen:
                for matcher, principals in bucket.values():
                    if matcher(role_arn):
                        yield from principals
        yield from self.always.get(key, ())


def assume_grants(policies: Iterable[Policy]) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    """The ``sts:AssumeRole`` resources the Allow statements of ``policies`` grant.

    Literal ARNs, then patterns (each once, in order), then whether a grant cannot be
    indexed (``NotAction``, ``NotResource``, a resource resolved per request): what
    :class:`AssumeIndex` holds in memory and an inventory database stores as rows.
    """
    literals: dict[str, None] = {}
    patterns: dict[str, None] = {}
    unindexed = False
    for policy in policies:
        for statement in allow_statements(policy):
            if statement.action is None:
                unindexed = True  # NotAction
                continue
            if not any(compile_pattern(a, ignore_case=True)(ASSUME_ROLE) for a in statement.action):
                continue
            if statement.resource is None or (
                policy.expands_variables and any("${" in r for r in statement.resource)
            ):
                unindexed = True  # NotResource, or a resource resolved per request
                continue
            for resource in statement.resource:
                if "*" in resource or "?" in resource:
                    patterns[resource] = None
                else:
                    literals[resource] = None
    return tuple(literals), tuple(patterns), unindexed


def resource_prefix(pattern: str) -> str:
    """The literal start of a resource pattern's resource part (``role/team7-`` of ``…:role/team7-*``)."""
    parts = pattern.split(":", 5)
    resource = parts[5] if len(parts) == 6 else ""
    cut = min(
        (i for i in (resource.find("*"), resource.find("?")) if i >= 0), default=len(resource)
    )
    return resource[:cut]
