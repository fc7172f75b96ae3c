"""The answer to an AssumeRole-family request: :class:`Decision`, :class:`Outcome`, :class:`StatementRef`.

An :class:`Outcome` is one immutable value holding the decision, the statements that
determined it, the side that decided and the diagnostics gathered on the way (the shape of
cedar's ``Response``). :meth:`Outcome.explain` replays the same evaluation with a recorder
and returns an :class:`~trustsim.explain.Explanation`; the decision itself records nothing.
The replay is the evaluator's (:mod:`trustsim.evaluation.explaining`), handed to this module
by the evaluation package when it is imported (:func:`explained_by`): the evaluator builds
outcomes, so this module imports nothing of it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from trustsim import _reprs
from trustsim.errors import Diagnostic
from trustsim.model import Decision, StatementRef

if TYPE_CHECKING:
    from trustsim.assume_request import AssumeRoleRequest
    from trustsim.explain import Explanation

__all__ = ["SIDES", "Decision", "Outcome", "StatementRef"]

#: The sides that can decide an outcome (docs/semantics.md §4.1): the role's trust policy, the
#: caller's identity policies, permissions boundary and session policy, the SCPs of the
#: caller's organisation, the RCPs of the role's, and the caller itself (root, anonymous).
SIDES = ("trust", "identity", "boundary", "session", "scp", "rcp", "caller")


#: How an outcome is explained: the evaluator's replay with a recorder, which it supplies
#: through :func:`explained_by` when it is imported. This is the one seam between the answer
#: and the engine that made it: the evaluator builds outcomes, so it imports this module and
#: this module cannot import it.
_REPLAY: dict[str, Callable[[Outcome], Explanation]] = {}


def explained_by(replay: Callable[[Outcome], Explanation]) -> None:
    """Let :meth:`Outcome.explain` call ``replay`` (trustsim.evaluation does, once)."""
    _REPLAY["replay"] = replay


@attrs.frozen(eq=False)
class Outcome:
    """The decision on one request, why, and what could not be evaluated.

    Attributes:
        decision: :class:`Decision`.
        determined_by: the statements that decided: the matching ``Deny`` statements for an
            explicit deny; for an allow, the trust statement and every other ``Allow`` that was
            required (identity, boundary, session policy, each SCP and RCP level); empty for an
            implicit deny (nothing matched — :attr:`reason` says what was missing).
        errors: diagnostics: clauses that could not be evaluated (they did not match), and
            ``UNCERTAIN_SEMANTICS`` notes when the result rests on a reading of docs/semantics.md.
        request: the request decided (not part of equality).
        side: which side decided (one of :data:`SIDES`).
        reason: one line saying why, for people.
        actions: the actions decided: the assume action and the companion actions the call
            exercises (each must be allowed), or the one action asked about.

    >>> from trustsim.callers import Anonymous, Role
    >>> from trustsim.context import RequestContext
    >>> from trustsim.model import Policy
    >>> from trustsim.requests import AssumeRoleRequest
    >>> request = AssumeRoleRequest(Anonymous(), Role("arn:aws:iam::111122223333:role/r", Policy(())),
    ...                             "sts:AssumeRole", RequestContext.of())
    >>> outcome = Outcome(Decision.IMPLICIT_DENY, (), (), request, side="caller",
    ...                   reason="anonymous callers cannot call sts:AssumeRole")
    >>> outcome.allowed, outcome.denied
    (False, True)
    >>> print(outcome)
    ImplicitDeny: anonymous callers cannot call sts:AssumeRole
    >>> outcome
    <Outcome ImplicitDeny (caller): anonymous callers cannot call sts:AssumeRole>

    ``repr`` is one line: decision, deciding side, reason. ``str`` drops the side; IPython's
    pretty printer (``_repr_pretty_``) shows the whole :meth:`explain` text.

    ``bool(outcome)`` is :attr:`allowed`, so ``assert ts.assume_role(caller, role)`` fails on
    a denial (and the pytest plugin explains it) instead of passing on every outcome:

    >>> bool(outcome)
    False
    """

    decision: Decision
    determined_by: tuple[StatementRef, ...]
    errors: tuple[Diagnostic, ...]
    request: AssumeRoleRequest = attrs.field(eq=False, repr=False)
    side: str = attrs.field(default="trust", kw_only=True)
    reason: str = attrs.field(default="", kw_only=True)
    actions: tuple[str, ...] = attrs.field(default=(), kw_only=True)

    def _value(self) -> tuple[object, ...]:
        return (self.decision, self.determined_by, self.errors, self.side, self.reason,
                self.actions)  # fmt: skip

    # Equality by value, the request left out, whatever evaluated it: the fast path returns
    # a lazy subclass (trustsim.evaluation), equal to the plain Outcome with the same fields.
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Outcome):
            return NotImplemented
        return self._value() == other._value()

    def __hash__(self) -> int:
        return hash(self._value())

    @property
    def allowed(self) -> bool:
        """True when the decision is :attr:`Decision.ALLOW`."""
        return self.decision is Decision.ALLOW

    @property
    def denied(self) -> bool:
        """True for an explicit or an implicit deny."""
        return self.decision is not Decision.ALLOW

    def __bool__(self) -> bool:
        return self.allowed

    def explain(self) -> Explanation:
        """Replay the evaluation with a recorder and return the full :class:`Explanation`.

        Raises:
            RuntimeError: the process never imported :mod:`trustsim.evaluation` (an outcome
                built by hand or unpickled without it): there is no evaluator to replay.
        """
        replay = _REPLAY.get("replay")
        if replay is None:  # the evaluator was never imported: no outcome of it to replay
            raise RuntimeError(
                "Outcome.explain() replays trustsim's evaluator, which this process has not "
                "imported: import trustsim.evaluation (or call trustsim.assume_role) first"
            )
        return replay(self)

    def __str__(self) -> str:
        return f"{self.decision}: {self.reason}" if self.reason else str(self.decision)

    def __repr__(self) -> str:
        # Short enough for pytest's one-line ``where False = <Outcome …>.allowed`` (it cuts
        # reprs at 240 characters), exact about the decision, the side and the reason.
        errors = len(self.errors)
        noted = f" [{errors} diagnostic{'s' if errors != 1 else ''}]" if errors else ""
        reason = f": {self.reason}" if self.reason else ""
        return f"<Outcome {self.decision} ({self.side}){reason}{noted}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # IPython / pretty-printing: the readable explanation, not the one-line repr.
        printer.text(repr(self) if cycle else self.explain().to_text())


_reprs.install(globals())  # short reprs, IPython and notebook forms (trustsim._reprs)
