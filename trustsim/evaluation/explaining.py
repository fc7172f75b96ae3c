"""Explaining an outcome: its evaluation replayed with a recorder, as an :class:`Explanation`.

:meth:`Outcome.explain <trustsim.decision.Outcome.explain>` calls :func:`explain`, which the
evaluation package hands to :mod:`trustsim.decision` when it is imported (the one seam
between the answer and the engine: the engine builds outcomes, so the outcome's module
cannot import it). The replay is the evaluator's own
(:func:`~trustsim.evaluation.scan.replay_actions`), with a recorder that keeps every policy
scanned; the records are made from what it kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from trustsim._memo import memo, remember
from trustsim.callers import SamlIdentity, WebIdentity
from trustsim.compiler import CompiledStatement, MatchKind
from trustsim.evaluation.plan import Plan, plan_of
from trustsim.evaluation.rules import ActionResult
from trustsim.evaluation.scan import replay_actions
from trustsim.explain.explanation import Explanation
from trustsim.explain.records import ActionRecord, PendingPolicyRecord, PolicyRecord

if TYPE_CHECKING:
    from trustsim.assume_request import AssumeRoleRequest
    from trustsim.context import RequestContext
    from trustsim.decision import Outcome
    from trustsim.evaluation.scan import StaticScan

__all__ = ["explain"]


#: A compiled statement's texts, computed once: (statement, effect, actions, resources, the
#: principal values for "is not among", or None without a principal element).
_Texts = tuple[CompiledStatement, str, str, str, "str | None"]
_TEXTS: dict[int, _Texts] = memo("explain: texts", 4096)
_TEXTS_SIZE = 4096
_MATCHED_AS = {kind: f" matched as {kind.value}" for kind in MatchKind}
#: The side, and the first nine fields of each statement's record, kept on a static scan
#: (evaluation.scan.StaticScan: one policy's statements checked for one caller, role and action);
#: they need no request context. ``described`` is the caller's, fixed by the scan's key.
_Prefixes = tuple[str, tuple[tuple[Any, ...], ...]]


def _texts(statement: CompiledStatement) -> _Texts:
    """Build and keep the texts of ``statement`` (the recorder looked in ``_TEXTS`` first)."""
    actions = statement.action
    action_text = ("NotAction " if actions.negated else "") + ", ".join(actions.written)
    resource = statement.resource
    resources = (
        ""
        if resource is None
        else ("NotResource " if resource.negated else "") + ", ".join(resource.written)
    )
    matcher = statement.principal or statement.not_principal
    among = None
    if matcher is not None:
        negated = "NotPrincipal " if statement.not_principal is not None else ""
        among = negated + ", ".join(matcher.values())
    texts = (statement, "Deny" if statement.is_deny else "Allow", action_text, resources, among)
    # The texts depend on the statement object alone (held by the entry: its id stays its own).
    return remember(_TEXTS, id(statement), texts, _TEXTS_SIZE)


class _Recorder:
    """Collects the replayed evaluation into records (implements evaluation.scan.Recorder)."""

    __slots__ = ("_policies", "actions", "context", "described", "role_arn")

    def __init__(self, plan: Plan) -> None:
        self.described: str = plan.described
        self.role_arn: str = plan.role_arn
        self.context: RequestContext = plan.context
        self.actions: list[ActionRecord] = []
        self._policies: list[PolicyRecord] = []

    def begin_action(self, action: str) -> None:
        self._policies = []

    def policy(self, side: str, scan: StaticScan, checked: Mapping[int, bool]) -> None:
        hit = scan.records
        if hit is None or hit[0] != side:
            hit = scan.records = self._prefixes(scan, side)
        label = scan.policy.label
        self._policies.append(
            PendingPolicyRecord(label, side, scan, hit[1], self.context, checked, self.role_arn)
        )

    def _prefixes(self, scan: StaticScan, side: str) -> _Prefixes:
        """The request-independent fields of each statement's record, kept with ``scan``."""
        prefixes = []
        for statement, kind, action_matched, resource_matched in scan.entries:
            hit = _TEXTS.get(id(statement))
            if hit is None or hit[0] is not statement:
                hit = _texts(statement)
            _, effect, actions, resources, among = hit
            principal: MatchKind | None
            if among is None:
                principal, detail = None, ""
            elif kind is MatchKind.NO:
                principal, detail = kind, f"{self.described} is not among: {among}"
            else:
                principal, detail = kind, self.described + _MATCHED_AS[kind]
            prefixes.append(
                (statement.ref, side, effect, principal, detail, action_matched, actions,
                 resource_matched, resources)
            )  # fmt: skip
        return side, tuple(prefixes)

    def end_action(self, result: ActionResult) -> None:
        policies = tuple(self._policies)  # (each policy of a plan has a label of its own)
        action, decision, side, reason, refs = result[:5]
        self.actions.append(ActionRecord(action, decision, side, reason, refs, policies))


def explain(outcome: Outcome) -> Explanation:
    """Replay ``outcome``'s evaluation with a recorder and build its :class:`Explanation`.

    The replay is the full evaluation of every action again (:func:`replay_actions`; the plan
    comes from the cached facts), every part of every statement checked and recorded.
    """
    request = outcome.request
    plan = plan_of(request)
    recorder = _Recorder(plan)
    actions = outcome.actions or (request.action,)
    decision, _, errors, side, reason = replay_actions(request, actions, recorder)
    return Explanation(
        decision,
        reason,
        side,
        _describe_caller(request, plan),
        request.role.arn,
        tuple(recorder.actions),
        tuple([str(e) for e in errors]) if errors else (),
    )


def _describe_caller(request: AssumeRoleRequest, plan: Plan) -> str:
    """Name the caller; a federated caller also by its subject, so a reader knows who was denied.

    The subject is the request context's (the token's ``<issuer>:sub`` for OIDC, AWS IAM
    "Available keys for AssumeRoleWithWebIdentity"; ``saml:sub`` for SAML, "Available keys for
    SAML-based federation"), else the caller's own claim when the action carries no such keys.
    """
    described: str = plan.described
    if plan.subject is None:
        return described
    label, key = plan.subject
    caller = request.caller
    if isinstance(caller, WebIdentity):
        given = caller.claims.get(label)
    elif isinstance(caller, SamlIdentity):
        given = caller.attributes.get(label)
    else:  # only federated callers have a subject
        return described
    subject = request.context.folded.get(key) or ((given,) if isinstance(given, str) else given)
    if not subject:
        return described
    shown = ", ".join(f'"{value}"' for value in subject)
    return f"{described} {label} {shown}"
