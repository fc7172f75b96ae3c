"""What a condition block answered: :class:`ClauseResult` per clause, :class:`ConditionResult` for the block."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from trustsim import _reprs
from trustsim.errors import Diagnostic

__all__ = ["ClauseResult", "ConditionResult", "show"]


def show(values: Sequence[str]) -> str:
    """Values as a policy writes them: one quoted, several as a list."""
    if len(values) == 1:
        return repr(values[0])
    return "[" + ", ".join(repr(value) for value in values) + "]"


@attrs.frozen
class ClauseResult:
    """The record of one clause: what was compared and the verdict.

    ``request_values`` is ``None`` when the key was absent; ``policy_values`` are the values
    after policy variables were filled in (a variable whose key is absent stays as written,
    and ``note`` then says that such a value matches nothing).

    >>> from trustsim.conditions import check_condition
    >>> result = check_condition({"StringLike": {"aws:PrincipalTag/team": "plat*"}},
    ...                          {"aws:PrincipalTag/team": "payments"})
    >>> clause = result.clauses[0]
    >>> clause.operator, clause.request_values, clause.policy_values, clause.matched
    ('StringLike', ('payments',), ('plat*',), False)
    """

    operator: str
    key: str
    request_values: tuple[str, ...] | None
    policy_values: tuple[str, ...]
    matched: bool
    pointer: str
    diagnostic: Diagnostic | None = None
    note: str = ""

    def __str__(self) -> str:
        got = "absent" if self.request_values is None else show(self.request_values)
        verdict = "match" if self.matched else "no match"
        text = f"{self.operator} {self.key}: request {got}, policy {show(self.policy_values)} → {verdict}"
        if self.diagnostic is not None:
            text += f"\n    {self.diagnostic.code}: {self.diagnostic.message}"
        if self.note:
            text += f"\n    note: {self.note}"
        return text


@attrs.frozen
class ConditionResult:
    """The result of a whole ``Condition`` block, clause by clause.

    ``str()`` prints one line per clause, e.g.
    ``StringEquals sts:ExternalId: request 'abc', policy 'xyz' → no match``.

    >>> from trustsim.conditions import check_condition
    >>> result = check_condition({"StringEquals": {"sts:ExternalId": "xyz"}},
    ...                          {"sts:ExternalId": "xyz"})
    >>> result.matched, len(result.clauses)
    (True, 1)
    >>> print(result)
    condition matched
      StringEquals sts:ExternalId: request 'xyz', policy 'xyz' → match
    """

    matched: bool
    clauses: tuple[ClauseResult, ...]
    diagnostics: tuple[Diagnostic, ...] = ()

    def __str__(self) -> str:
        head = "condition matched" if self.matched else "condition did not match"
        if not self.clauses:
            return f"{head} (no clauses)"
        return "\n".join([head, *(f"  {clause}" for clause in self.clauses)])


_reprs.install(globals())  # short reprs, IPython and notebook forms (trustsim._reprs)
