"""The AssumeRole decision: trust × identity × boundary × session × SCPs × RCPs (docs/semantics.md §4).

The evaluator's doors: :func:`assume_role` and :func:`check_action` build a request and decide
it; :func:`evaluate` decides a whole call (the assume action and every companion action the
request exercises: ``sts:TagSession``, ``sts:SetSourceIdentity``, ``sts:SetContext``, each
decided separately; all must be allowed and any explicit deny denies, §4.11);
:func:`evaluate_action` decides ``request.action`` alone; :func:`decide` returns the decision
alone, without an :class:`~trustsim.decision.Outcome`.

Behind the doors, four rooms (docs/concepts.md draws them)::

    rules  IAM's tables as pure functions: what each side needs, the combination table,
           how the actions of one call combine, the readings an answer rests on
    plan   compiled facts about callers and roles, derived once and kept
    scan   the full evaluation: every policy scanned, the facts put to the rules
           (explanations replay it with a recorder)
    fast   the rules' answers, remembered by what they depend on (the call, and which
           statements apply): speed code that may remember, never decide; it declines
           (``None``) when the rules have not answered, and tests/speed proves it with the
           fast path switched off (``trustsim._memo.without_fast_path``)
    explaining  the scan replayed with a recorder into an Explanation: this package hands
           it to trustsim.decision for Outcome.explain (the one seam: the outcome's
           module cannot import the engine that builds outcomes)
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import attrs

from trustsim._memo import SWITCH, clear_caches
from trustsim._request_derivation import prepare_request
from trustsim.assume_request import AssumeRoleRequest, ContextOptions, RequestOptions, keywords_from
from trustsim.callers import Caller, Role
from trustsim.decision import Decision, Outcome, explained_by
from trustsim.evaluation.explaining import explain
from trustsim.evaluation.fast import (
    DECIDED,
    keep_decided,
    known,
    known_call,
    lazy_outcome,
    learn,
    new_lazy_outcome,
    set_lazy_core,
)
from trustsim.evaluation.rules import call_actions
from trustsim.evaluation.scan import Recorder, decision_of, replay

if sys.version_info >= (3, 11):
    from typing import Unpack
elif TYPE_CHECKING:  # Python 3.10: only type checkers read the annotation
    from typing_extensions import Unpack

__all__ = [
    "Recorder",
    "assume_role",
    "check_action",
    "decide",
    "evaluate",
    "evaluate_action",
    "replay",
]

explained_by(explain)


def _switched(request: AssumeRoleRequest, actions: tuple[str, ...]) -> Outcome | None:
    """The test switches (``trustsim._memo``): start cold; with the fast path off, the full scan."""
    if SWITCH.fresh:
        clear_caches()
    if SWITCH.slow:
        return replay(request, actions, None)
    return None


def _by_the_rules(request: AssumeRoleRequest, actions: tuple[str, ...]) -> Decision:
    """The rules decide (the full scan); the fast path remembers their answer."""
    decision = decision_of(request, actions)
    learn(request, actions, decision)
    return decision


def evaluate(request: AssumeRoleRequest) -> Outcome:
    """Decide a whole call: ``request.action`` and every companion action it exercises.

    Each action is decided separately; the call is allowed only if all are, and an explicit
    deny in any of them is an explicit deny (docs/semantics.md §4.11). The same request
    decided again may get the same outcome object back: outcomes are immutable values.

    >>> from trustsim.callers import IamUser, Role
    >>> from trustsim.context import RequestContext
    >>> from trustsim.model import Effect, Policy, Principal, Statement
    >>> from trustsim.requests import AssumeRoleRequest
    >>> trust = Policy((Statement(Effect.ALLOW, principal=Principal(
    ...     aws=("arn:aws:iam::111122223333:user/alice",)), action=("sts:AssumeRole",)),),
    ...     version="2012-10-17")
    >>> role = Role("arn:aws:iam::111122223333:role/deploy", trust)
    >>> alice = IamUser("arn:aws:iam::111122223333:user/alice")
    >>> outcome = evaluate(AssumeRoleRequest(alice, role, "sts:AssumeRole", RequestContext.of()))
    >>> outcome.decision
    <Decision.ALLOW: 'Allow'>
    >>> print(outcome.reason)  # doctest: +ELLIPSIS
    sts:AssumeRole is allowed: trust policy statement 0 trusts IAM user ...:user/alice (matched as user ARN; ...)
    >>> bob = IamUser("arn:aws:iam::111122223333:user/bob")
    >>> print(evaluate(AssumeRoleRequest(bob, role, "sts:AssumeRole", RequestContext.of())))
    ImplicitDeny: no statement of the trust policy allows sts:AssumeRole for IAM user arn:aws:iam::111122223333:user/bob
    """
    if SWITCH.on:  # a test switch (trustsim._memo)
        switched = _switched(request, call_actions(request))
        if switched is not None:
            return switched
    kept = DECIDED.get(id(request))  # this very request, decided lately
    if kept is not None and kept[0] is request:
        _, test, applied, _, outcome = kept
        context = request.context
        # The statements that apply, tested again: the same as when the rules answered
        # (known_call), the outcome handed out then is the answer.
        if outcome is not None and test(context.folded, context) == applied:
            return outcome
    decision = known_call(request)  # the rules' answer on the same facts, remembered
    if decision is None:
        decision = _by_the_rules(request, call_actions(request))
    outcome = new_lazy_outcome()  # fast.lazy_outcome(decision, request, None), inlined
    set_lazy_core(outcome, (decision, request, None))
    keep_decided(request, decision, outcome)
    return outcome


def decide(request: AssumeRoleRequest) -> Decision:
    """The decision alone on a whole call: what :func:`evaluate` decides, without an Outcome.

    For loops over many requests that need only the answer (CI over every role, who-can
    searches); :func:`evaluate` when the reason, the statements or an explanation may be
    wanted.

    >>> from trustsim.callers import ServicePrincipal, Role
    >>> from trustsim.context import RequestContext
    >>> from trustsim.model import Effect, Policy, Principal, Statement
    >>> from trustsim.requests import AssumeRoleRequest
    >>> trust = Policy((Statement(Effect.ALLOW, principal=Principal(
    ...     service=("lambda.amazonaws.com",)), action=("sts:AssumeRole",)),))
    >>> role = Role("arn:aws:iam::111122223333:role/fn", trust)
    >>> decide(AssumeRoleRequest(ServicePrincipal("lambda.amazonaws.com"), role,
    ...                          "sts:AssumeRole", RequestContext.of()))
    <Decision.ALLOW: 'Allow'>
    """
    if SWITCH.on:  # a test switch (trustsim._memo)
        switched = _switched(request, call_actions(request))
        if switched is not None:
            return switched.decision
    kept = DECIDED.get(id(request))  # this very request, decided lately
    if kept is not None and kept[0] is request:
        context = request.context
        # The statements that apply, tested again: the same as when the rules answered
        # (known_call), their answer then is the answer.
        if kept[1](context.folded, context) == kept[2]:
            return kept[3]
    decision = known_call(request)  # the rules' answer on the same facts, remembered
    if decision is None:
        decision = _by_the_rules(request, call_actions(request))
    keep_decided(request, decision, None)
    return decision


def evaluate_action(request: AssumeRoleRequest) -> Outcome:
    """Decide ``request.action`` alone (companion actions are not added).

    Used to ask "is this one permission allowed in this context?", e.g. ``sts:TagSession``
    with a given ``aws:TagKeys``.

    >>> from trustsim.callers import Role, ServicePrincipal
    >>> from trustsim.parsing import parse_policy
    >>> from trustsim.requests import build_request
    >>> role = Role("arn:aws:iam::111122223333:role/fn", parse_policy({"Statement": {
    ...     "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
    ...     "Action": "sts:AssumeRole"}}))
    >>> request = build_request(ServicePrincipal("lambda.amazonaws.com"), role,
    ...                         action="sts:TagSession")
    >>> evaluate_action(request).decision
    <Decision.IMPLICIT_DENY: 'ImplicitDeny'>
    """
    actions = (request.action,)
    if SWITCH.on:  # a test switch (trustsim._memo)
        switched = _switched(request, actions)
        if switched is not None:
            return switched
    decision = known(request, actions)  # the rules' answer on the same facts, remembered
    if decision is None:
        decision = _by_the_rules(request, actions)
    return lazy_outcome(decision, request, actions)


@keywords_from(RequestOptions)
def assume_role(caller: Caller, role: Role, **options: Unpack[RequestOptions]) -> Outcome:
    """Decide the whole call: the assume action and every companion action it exercises.

    Same options as :func:`build_request`; the decision is
    :func:`trustsim.evaluation.evaluate` of that request (deny wins across the actions).

    >>> from trustsim.callers import IamUser, Role
    >>> from trustsim.parsing import parse_policy
    >>> role = Role("arn:aws:iam::111122223333:role/vendor", parse_policy({"Statement": {
    ...     "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:user/bot"},
    ...     "Action": "sts:AssumeRole",
    ...     "Condition": {"StringEquals": {"sts:ExternalId": "a8f3c2e1"}}}}))
    >>> identity = parse_policy({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
    ...     "Action": "sts:AssumeRole", "Resource": "*"}}, kind="identity")
    >>> bot = IamUser("arn:aws:iam::444455556666:user/bot", policies=[identity])
    >>> assume_role(bot, role, external_id="a8f3c2e1").allowed
    True
    >>> assume_role(bot, role, external_id="guessed").decision
    <Decision.IMPLICIT_DENY: 'ImplicitDeny'>
    >>> assume_role(bot, role, external_id="a8f3c2e1", tags={"team": "blue"}).reason
    '...sts:TagSession...'
    """
    return evaluate(prepare_request(caller, role, options))


@keywords_from(ContextOptions)
def check_action(
    caller: Caller, role: Role, action: str, **options: Unpack[ContextOptions]
) -> Outcome:
    """Decide ``action`` alone (e.g. only ``sts:TagSession``) in the derived context.

    No companion action is added, even for an assume action: this answers "is this one
    permission granted here?" (:func:`trustsim.evaluation.evaluate_action`).

    >>> from trustsim.callers import Role, SamlIdentity
    >>> from trustsim.parsing import parse_policy
    >>> okta = "arn:aws:iam::111122223333:saml-provider/Okta"
    >>> role = Role("arn:aws:iam::111122223333:role/sso", parse_policy({"Statement": {
    ...     "Effect": "Allow", "Principal": {"Federated": okta},
    ...     "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
    ...     "Condition": {"StringEquals": {"aws:RequestTag/team": "blue"}}}}))
    >>> check_action(SamlIdentity(okta), role, "sts:TagSession", tags={"team": "blue"}).allowed
    True
    >>> check_action(SamlIdentity(okta), role, "sts:TagSession", tags={"team": "red"}).allowed
    False
    """
    request = prepare_request(caller, role, {**options, "action": action})
    return evaluate_action(attrs.evolve(request, companion_actions=()))
