"""What the linter reports: findings and the witness callers that prove them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from trustsim import _reprs
from trustsim.callers import (
    Caller,
)
from trustsim.context import ContextValue
from trustsim.errors import Position
from trustsim.lint.catalogue import Severity


@attrs.frozen
class Witness:
    """A concrete caller and request the evaluator allows: the proof of a breadth finding.

    Attributes:
        caller: the caller (an outsider).
        action: the action it calls.
        context: the request context entries it passes (what it controls), beyond what
            trustsim derives from the caller.
        description: the witness in a few words.
        caller_allowed: whether the caller was given an identity policy allowing the call
            (a caller of another account needs its own allow; it can always give itself one).

    >>> from trustsim.callers import ServicePrincipal
    >>> print(Witness(ServicePrincipal("sns.amazonaws.com"), "sts:AssumeRole", {},
    ...               "service sns.amazonaws.com acting for any account"))
    service sns.amazonaws.com acting for any account
    """

    caller: Caller
    action: str
    context: Mapping[str, ContextValue]
    description: str
    caller_allowed: bool = False

    def __str__(self) -> str:
        return self.description

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (the caller as its ``repr``)."""
        return {
            "description": self.description,
            "caller": repr(self.caller),
            "action": self.action,
            "context": {
                key: list(value) if isinstance(value, (list, tuple)) else str(value)
                for key, value in self.context.items()
            },
            "caller_allowed": self.caller_allowed,
        }


@attrs.frozen
class Finding:
    """One mistake found in a trust policy.

    Attributes:
        code: the stable code (a key of :data:`RULES`; docs/lint.md).
        severity: :class:`Severity`.
        pointer: JSON pointer of the offending element.
        message: what is wrong, with the values involved.
        fix: how to fix it.
        witness: for a breadth finding, a caller the evaluator allows.
        position: line and column of ``pointer`` when the policy was read from text.

    >>> from trustsim.lint import lint
    >>> finding = lint({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
    ...     "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:*",
    ...     "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}}})[0]
    >>> print(finding)
    /Statement/Action: warning WILDCARD_ACTION: "sts:*" allows every AssumeRole-family action ...
      fix: name the actions: sts:AssumeRole (and sts:TagSession or sts:SetSourceIdentity if ...)
    """

    code: str
    severity: Severity
    pointer: str
    message: str
    fix: str
    witness: Witness | None = None
    position: Position | None = None

    def __str__(self) -> str:
        where = self.pointer or "(document)"
        if self.position is not None:
            where += f" (line {self.position})"
        lines = [f"{where}: {self.severity} {self.code}: {self.message}", f"  fix: {self.fix}"]
        if self.witness is not None:
            lines.append(f"  witness: {self.witness}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "pointer": self.pointer,
            "line": None if self.position is None else self.position.line,
            "column": None if self.position is None else self.position.column,
            "message": self.message,
            "fix": self.fix,
            "witness": None if self.witness is None else self.witness.to_dict(),
        }


_reprs.install(globals())  # short reprs, IPython and notebook forms (trustsim._reprs)
