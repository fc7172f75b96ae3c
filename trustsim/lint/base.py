"""The shared state of the linter's rule mixins."""

from __future__ import annotations

import datetime as dt

from trustsim import _pointer
from trustsim.callers import (
    Role,
)
from trustsim.lint.catalogue import RULES
from trustsim.lint.findings import Finding, Witness
from trustsim.lint.narrowing import Narrowing
from trustsim.model import ConditionClause, Policy, Statement


class LintBase:
    """The state every rule shares: the policy, the role, and the findings so far."""

    def __init__(self, policy: Policy, role_arn: str, *, role_known: bool) -> None:
        self.policy = policy
        self.role_known = role_known
        self.role = Role(role_arn, policy)
        self.findings: list[Finding] = []
        self._allow_all: Policy | None = None
        self._allows_action: dict[str, bool] = {}
        #: The instant every question about an outsider is asked at (one lint, one time).
        self.at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        #: The evaluator's answers about outsiders, by caller, action and context (witness).
        self._answers: dict[tuple[object, ...], bool] = {}
        self._narrowing: Narrowing | None = None

    def add(
        self, code: str, pointer: str, message: str, fix: str, witness: Witness | None = None
    ) -> None:
        rule = RULES[code]
        self.findings.append(Finding(code, rule.severity, pointer, message, fix, witness))

    def pointer(self, statement: Statement, *tokens: str | int) -> str:
        return _pointer.join(statement.pointer, *tokens)

    def clause_pointer(self, statement: Statement, clause: ConditionClause) -> str:
        return self.pointer(statement, "Condition", clause.operator.name, clause.key)

    # -- principals and structure

    def principal_kinds(self, statement: Statement) -> set[str]:
        principal = statement.principal
        # lint() refuses a trust policy with a statement without Principal, or with "*".
        assert principal is not None  # noqa: S101 (narrowing for mypy)
        kinds = set()
        if principal.aws:
            kinds.add("aws")
        if principal.service:
            kinds.add("service")
        if principal.federated:
            kinds.add("federated")
        return kinds
