"""Reading the policies once for the cell analysis: their condition clauses, principals, actions.

:class:`PolicyReader` gathers what the slot builders (:mod:`trustsim.analysis.slot_builders`)
split: each condition clause with the requests its statement can reach (:class:`Clause`),
the principals named, and the clauses the analysis does not decide (a policy variable that
relates one key to another is a :class:`~trustsim.analysis.cell_types.Gap`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from trustsim.analysis import domains as d
from trustsim.analysis.automata import (
    glob,
)
from trustsim.analysis.cell_types import Gap
from trustsim.callers import (
    Role,
)
from trustsim.context import normalize_key
from trustsim.model import ConditionClause, Policy, Statement
from trustsim.variables import Literal, Variable, parse_template

__all__ = [
    "Clause",
    "PolicyReader",
    "is_oidc_key",
    "oidc_issuer",
]


@attrs.frozen
class Clause:
    """One condition clause of a policy, with where it stands and the requests it can reach."""

    key: str  # folded
    spelled: str
    base: str
    values: tuple[str, ...]
    where: str
    reach: _Reach
    clause: ConditionClause = attrs.field(eq=False, repr=False)
    #: Whether the policy reads ``${…}`` as policy variables (``Version: 2012-10-17``).
    expands: bool = False


#: The actions a request of each caller kind exercises: its API and the companion actions.
_COMPANIONS = ("sts:tagsession", "sts:setsourceidentity", "sts:setcontext")


_KIND_ACTIONS = {
    "user": "sts:assumerole",
    "session": "sts:assumerole",
    "service": "sts:assumerole",
    "web": "sts:assumerolewithwebidentity",
    "saml": "sts:assumerolewithsaml",
}


@attrs.frozen
class _Reach:
    """Which requests a statement can apply to, by its principal and action elements alone.

    A statement whose principal element cannot name any caller of a class (an ``AWS`` value
    names IAM users and role sessions only, a ``Service`` value services only, a ``Federated``
    value its provider's callers only; ``"*"`` and ``NotPrincipal`` name everyone), or whose
    action element names neither the class's API nor a companion action, never applies to a
    request of that class, so its conditions need not split that class's requests. This is a
    superset test: it may keep a statement that cannot apply, never drop one that can.
    """

    everyone: bool
    aws: bool
    service: bool
    federated: frozenset[str]
    actions: tuple[str, ...] | None  # folded patterns; None: a NotAction element

    @classmethod
    def of(cls, statement: Statement) -> _Reach:
        principal = statement.principal
        everyone = principal is None or principal.star
        return cls(
            everyone=everyone,
            aws=bool(principal and principal.aws),
            service=bool(principal and principal.service),
            federated=frozenset(v.casefold() for v in principal.federated)
            if principal
            else frozenset(),
            actions=None
            if statement.not_action is not None
            else tuple(a.casefold() for a in statement.action or ()),
        )

    def names(self, kind: str, provider: str | None = None) -> bool:
        """Whether the statement may apply to a request of a caller of ``kind`` (``provider``)."""
        if not self.everyone:
            if kind in ("user", "session"):
                principal_ok = self.aws
            elif kind == "service":
                principal_ok = self.service
            else:
                principal_ok = provider is None or provider.casefold() in self.federated
            if not principal_ok:
                return False
        if self.actions is None:
            return True
        wanted = (_KIND_ACTIONS[kind], *_COMPANIONS)
        return any(glob(pattern).matches(action) for pattern in self.actions for action in wanted)


def _clauses(policy: Policy) -> list[Clause]:
    found: list[Clause] = []
    for statement in policy.statements:
        reach = _Reach.of(statement)
        found.extend(
            Clause(
                normalize_key(clause.key),
                clause.key,
                clause.operator.base,
                clause.values,
                statement.pointer,
                reach,
                clause,
                policy.expands_variables,
            )
            for clause in statement.condition
        )
    return found


def _principals(statement: Statement) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for element in (statement.principal, statement.not_principal):
        if element is None:
            continue
        if element.star:
            out.append(("star", "*"))
        out.extend(("aws", value) for value in element.aws)
        out.extend(("service", value) for value in element.service)
        out.extend(("federated", value) for value in element.federated)
        out.extend(("canonical", value) for value in element.canonical_user)
    return out


def is_oidc_key(key: str) -> bool:
    """Whether ``key`` is an OIDC provider's claim key (its namespace is a host name)."""
    namespace, colon, _ = key.rpartition(":")
    return bool(colon) and "." in namespace


def oidc_issuer(key: str) -> str:
    """The provider an OIDC claim key names (``accounts.google.com:sub`` → its host)."""
    return key.rpartition(":")[0]


def _relates(clause: ConditionClause, value: str) -> bool:
    """Whether a value's policy variables read another key (or are literals ``Arn*`` read).

    ``${*}``, ``${?}`` and ``${$}`` are constants (a literal ``*``, ``?``, ``$``): decided
    under ``String*`` operators; text that only looks like a variable is plain text.
    """
    parts = parse_template(value).parts
    if any(isinstance(part, Variable) for part in parts):
        return True
    literal = any(isinstance(part, Literal) for part in parts)
    return literal and d.template_language(clause.operator.base, value, parts) is None


def _variable_keys(clause: ConditionClause) -> set[str]:
    """The folded keys the policy variables of ``clause``'s values read."""
    return {
        normalize_key(part.key)
        for value in clause.values
        for part in parse_template(value).parts
        if isinstance(part, Variable)
    }


@attrs.define
class PolicyReader:
    """The policies' constants, gathered once."""

    role: Role
    policies: Sequence[Policy]
    gaps: list[Gap] = attrs.Factory(list)
    #: Folded keys some clause tests in a way no slot splits (a gap on a slot's key, a key a
    #: policy variable reads): for every class, their values are the witness's
    #: (:attr:`~trustsim.analysis.cell_types.CallerClass.unsplit`).
    unsplit: set[str] = attrs.Factory(set)
    clauses: list[Clause] = attrs.Factory(list)
    principals: list[tuple[str, Any, str]] = attrs.Factory(list)
    star: bool = False
    any_aws: bool = False
    not_principal: bool = False

    def read(self) -> None:
        """Gather the principals, the clauses, and the gaps of policy variables."""
        for policy in self.policies:
            variables = policy.expands_variables
            for statement in policy.statements:
                if statement.not_principal is not None:
                    self.not_principal = True
                for kind, value in _principals(statement):
                    self.principals.append((kind, value, statement.pointer))
                    if kind == "star" or (kind == "aws" and value == "*"):
                        self.star = self.star or kind == "star"
                    if kind == "aws":
                        self.any_aws = True
                for clause in statement.condition:
                    if variables and any(_relates(clause, value) for value in clause.values):
                        self.unsplit.add(normalize_key(clause.key))
                        self.unsplit.update(_variable_keys(clause))
                        self.gaps.append(
                            Gap(
                                f"{statement.pointer} {clause.operator.name} {clause.key}",
                                "a policy variable relates this key to another key; "
                                "such conditions are not decided",
                            )
                        )
            self.clauses.extend(_clauses(policy))

    def may_name(self, action: str) -> bool:
        """Whether some statement's action element can name ``action``.

        A request exercising a companion action (``sts:TagSession``…) needs an ``Allow`` of it;
        when no statement names it (no ``Action`` pattern matches it, no ``NotAction``), every
        such request is denied, so the analysis does not split requests by it.
        """
        for policy in self.policies:
            for statement in policy.statements:
                if statement.not_action is not None:
                    return True
                for pattern in statement.action or ():
                    if glob(pattern.casefold()).matches(action.casefold()):
                        return True
        return False

    def tested(
        self, kind: str | None = None, provider: str | None = None
    ) -> dict[str, list[Clause]]:
        """The clauses by folded key: all of them, or those that may apply to ``kind``."""
        keys: dict[str, list[Clause]] = {}
        for clause in self.clauses:
            if kind is None or clause.reach.names(kind, provider):
                keys.setdefault(clause.key, []).append(clause)
        return keys
