"""Assertions for users' test suites: "this caller may assume this role", "these may not".

Each helper decides the request with :func:`trustsim.requests.assume_role` (or takes an
:class:`~trustsim.decision.Outcome` you already have), returns the outcome when the
expectation holds, and otherwise raises :class:`AssertionError` whose message holds the
explanation's *determining* and *failures* views: the statement that decided and, for a
denial, the nearest ``Allow`` statements with each failing clause and both values. Pytest
hides the helpers' own frames (``__tracebackhide__``), so a failure points at your line.

>>> from trustsim.callers import Role
>>> from trustsim.identities import GitHubActions
>>> from trustsim.parsing import parse_policy
>>> trust = parse_policy({"Version": "2012-10-17", "Statement": [{
...     "Sid": "MainBranchOnly", "Effect": "Allow",
...     "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/"
...                                "token.actions.githubusercontent.com"},
...     "Action": "sts:AssumeRoleWithWebIdentity",
...     "Condition": {"StringEquals": {
...         "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
...         "token.actions.githubusercontent.com:sub": "repo:acme/app:ref:refs/heads/main"}}}]})
>>> role = Role("arn:aws:iam::111122223333:role/deploy", trust)
>>> assert_allowed(GitHubActions("acme/app", branch="main"), role, sid="MainBranchOnly")
<Outcome Allow (trust): ...>
>>> assert_allowed(GitHubActions("acme/app", pull_request=True), role)
Traceback (most recent call last):
...
AssertionError: expected Allow, got ImplicitDeny for web identity ... sub "repo:acme/app:pull_request"
ImplicitDeny: no statement of the trust policy allows sts:AssumeRoleWithWebIdentity for ...
...
closest Allow statements:
  trust policy statement 0 (Sid "MainBranchOnly") [Allow] — does not apply
    ✓ principal: ...
    ✗ StringEquals ...:sub expected "repo:acme/app:ref:refs/heads/main", got "repo:acme/app:pull_request"
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from trustsim._describe import describe_caller
from trustsim._inputs import expect_text, shown
from trustsim.analysis.testing import assert_grants, assert_no_access_beyond
from trustsim.callers import (
    Caller,
    Role,
)
from trustsim.decision import Decision, Outcome
from trustsim.evaluation import assume_role
from trustsim.requests import RequestOptions

if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        from typing import Unpack
    else:
        from typing_extensions import Unpack

__all__ = [
    "RequestOptions",
    "assert_allowed",
    "assert_denied",
    "assert_grants",
    "assert_no_access_beyond",
    "assert_only",
    "describe_caller",
]


def _decide(
    subject: Outcome | Caller, role: Role | None, options: RequestOptions, helper: str
) -> Outcome:
    if isinstance(subject, Outcome):
        if role is not None or options:
            raise TypeError(f"{helper}(outcome) takes no role and no request options")
        return subject
    if role is None:
        raise TypeError(f"{helper}(caller, role, ...) needs the role to assume")
    return assume_role(subject, role, **options)


def _headline(outcome: Outcome, expected: str, got: str) -> str:
    return f"expected {expected}, got {got} for {describe_caller(outcome.request.caller)}"


def _failure(outcome: Outcome, headline: str) -> AssertionError:
    """An AssertionError whose message is ``headline`` and the explanation (both views)."""
    explanation = outcome.explain()
    error = AssertionError(f"{headline}\n{explanation.to_text()}")
    # The pytest plugin adds no second copy of the explanation for this failure.
    error.trustsim_explained = True  # type: ignore[attr-defined]
    return error


def _check_sid(outcome: Outcome, sid: str | None) -> None:
    __tracebackhide__ = True
    if sid is None or sid in (ref.sid for ref in outcome.determined_by):
        return
    deciding = ", ".join(str(ref) for ref in outcome.determined_by) or "no statement"
    raise _failure(
        outcome,
        _headline(
            outcome,
            f"{outcome.decision} by the statement with Sid {sid!r}",
            f"{outcome.decision} by {deciding}",
        ),
    )


def assert_allowed(
    subject: Outcome | Caller,
    role: Role | None = None,
    /,
    *,
    sid: str | None = None,
    **options: Unpack[RequestOptions],
) -> Outcome:
    """Assert that ``caller`` may assume ``role`` (or that ``outcome`` is an allow).

    Args:
        subject: the caller, or an :class:`~trustsim.decision.Outcome` already decided.
        role: the role to assume (with a caller only).
        sid: when given, one of the statements that decided must have this ``Sid``.
        **options: request options of :func:`trustsim.requests.assume_role`
            (``external_id=``, ``tags=``, ``at=``…).

    Returns:
        The outcome, for further checks.

    Raises:
        AssertionError: the request is denied (or decided by other statements); the message
            holds the explanation: the deciding statements and the nearest misses.

    >>> from trustsim.callers import Role, ServicePrincipal
    >>> from trustsim.parsing import parse_policy
    >>> trust = parse_policy({"Statement": {"Sid": "Lambda", "Effect": "Allow",
    ...     "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}})
    >>> role = Role("arn:aws:iam::111122223333:role/fn-exec", trust)
    >>> assert_allowed(ServicePrincipal("lambda.amazonaws.com"), role, sid="Lambda").allowed
    True
    """
    __tracebackhide__ = True
    expect_text("assert_allowed(sid=)", sid)
    outcome = _decide(subject, role, options, "assert_allowed")
    if not outcome.allowed:
        raise _failure(outcome, _headline(outcome, "Allow", str(outcome.decision)))
    _check_sid(outcome, sid)
    return outcome


def _expected_denial(decision: Decision | str | None) -> Decision | None:
    if decision is None:
        return None
    if not isinstance(decision, str):  # a Decision is a str too
        raise TypeError(
            "assert_denied(decision=): expected 'ExplicitDeny', 'ImplicitDeny' or a Decision, "
            f"got {type(decision).__name__}: {shown(decision)}"
        )
    try:
        wanted = Decision(decision)
    except ValueError:
        raise ValueError(
            f"assert_denied(decision=): {shown(decision)} is not a decision; "
            "give ExplicitDeny or ImplicitDeny"
        ) from None
    if wanted is Decision.ALLOW:
        raise ValueError("assert_denied(decision=...) takes ExplicitDeny or ImplicitDeny")
    return wanted


def assert_denied(
    subject: Outcome | Caller,
    role: Role | None = None,
    /,
    *,
    decision: Decision | str | None = None,
    sid: str | None = None,
    **options: Unpack[RequestOptions],
) -> Outcome:
    """Assert that ``caller`` may not assume ``role`` (or that ``outcome`` is a deny).

    Args:
        subject: the caller, or an :class:`~trustsim.decision.Outcome` already decided.
        role: the role to assume (with a caller only).
        decision: when given, the kind of denial expected: :attr:`Decision.EXPLICIT_DENY`
            (a ``Deny`` statement matched) or :attr:`Decision.IMPLICIT_DENY` (nothing
            allowed), or their values ``"ExplicitDeny"`` / ``"ImplicitDeny"``.
        sid: when given, one of the ``Deny`` statements that decided must have this ``Sid``
            (an implicit deny has no deciding statement, so it fails this check).
        **options: request options of :func:`trustsim.requests.assume_role`.

    Returns:
        The outcome, for further checks.

    Raises:
        AssertionError: the request is allowed, or denied in another way than expected; the
            message holds the explanation.
        ValueError: ``decision`` is ``Allow``.

    >>> from trustsim.callers import IamUser, Role
    >>> from trustsim.parsing import parse_policy
    >>> trust = parse_policy({"Statement": {"Effect": "Allow",
    ...     "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "sts:AssumeRole",
    ...     "Condition": {"StringEquals": {"sts:ExternalId": "tenant-42"}}}})
    >>> role = Role("arn:aws:iam::111122223333:role/vendor", trust)
    >>> may_assume = parse_policy({"Statement": {"Effect": "Allow", "Action": "sts:AssumeRole",
    ...     "Resource": "arn:aws:iam::111122223333:role/vendor"}}, kind="identity")
    >>> vendor = IamUser("arn:aws:iam::444455556666:user/scanner", policies=[may_assume])
    >>> assert_denied(vendor, role, decision="ImplicitDeny").decision
    <Decision.IMPLICIT_DENY: 'ImplicitDeny'>
    >>> assert_denied(vendor, role, external_id="tenant-42")
    Traceback (most recent call last):
    ...
    AssertionError: expected a denial, got Allow for IAM user arn:aws:iam::444455556666:user/scanner
    ...
    """
    __tracebackhide__ = True
    expect_text("assert_denied(sid=)", sid)
    wanted = _expected_denial(decision)
    outcome = _decide(subject, role, options, "assert_denied")
    if outcome.allowed:
        raise _failure(outcome, _headline(outcome, str(wanted or "a denial"), "Allow"))
    if wanted is not None and outcome.decision is not wanted:
        raise _failure(outcome, _headline(outcome, str(wanted), str(outcome.decision)))
    _check_sid(outcome, sid)
    return outcome


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def assert_only(
    role: Role,
    *,
    allowed: Iterable[Caller] = (),
    denied: Iterable[Caller] = (),
    **options: Unpack[RequestOptions],
) -> list[Outcome]:
    """Assert that every caller in ``allowed`` may assume ``role`` and none in ``denied`` may.

    Every caller is decided (with the same request ``options``) before anything fails, so
    the message lists *every* caller that went the wrong way, each with its explanation.

    Args:
        role: the role to assume.
        allowed: callers that must be allowed.
        denied: callers that must be denied (explicitly or implicitly).
        **options: request options of :func:`trustsim.requests.assume_role`, the same for all.

    Returns:
        The outcomes, ``allowed`` callers first, in order (``outcome.request.caller`` says whose).

    Raises:
        AssertionError: some callers went the wrong way.

    >>> from trustsim.callers import IamUser, Role
    >>> from trustsim.parsing import parse_policy
    >>> trust = parse_policy({"Statement": {"Effect": "Allow",
    ...     "Principal": {"AWS": "arn:aws:iam::111122223333:user/alice"},
    ...     "Action": "sts:AssumeRole"}})
    >>> role = Role("arn:aws:iam::111122223333:role/admin", trust)
    >>> alice = IamUser("arn:aws:iam::111122223333:user/alice")
    >>> bob = IamUser("arn:aws:iam::111122223333:user/bob")
    >>> outcomes = assert_only(role, allowed=[alice], denied=[bob])
    >>> assert_only(role, allowed=[alice, bob])
    Traceback (most recent call last):
    ...
    AssertionError: 1 of 2 callers went the wrong way for arn:aws:iam::111122223333:role/admin:
    - IAM user arn:aws:iam::111122223333:user/bob: expected allowed, got ImplicitDeny
        ImplicitDeny: no statement of the trust policy allows sts:AssumeRole for ...
    ...
    """
    __tracebackhide__ = True
    for name, callers in (("allowed", allowed), ("denied", denied)):
        if isinstance(callers, (str, bytes, Mapping)) or not isinstance(callers, Iterable):
            raise TypeError(
                f"assert_only({name}=): expected a list of callers, got "
                f"{type(callers).__name__}: {shown(callers)}"
            )
    expectations = [(caller, True) for caller in allowed] + [(caller, False) for caller in denied]
    outcomes: list[Outcome] = []
    wrong: list[str] = []
    for caller, should_allow in expectations:
        outcome = assume_role(caller, role, **options)
        outcomes.append(outcome)
        if outcome.allowed != should_allow:
            expected = "allowed" if should_allow else "denied"
            wrong.append(
                f"- {describe_caller(caller)}: expected {expected}, got {outcome.decision}\n"
                + _indent(outcome.explain().to_text())
            )
    if wrong:
        error = AssertionError(
            f"{len(wrong)} of {len(expectations)} callers went the wrong way for {role.arn}:\n"
            + "\n".join(wrong)
        )
        error.trustsim_explained = True  # type: ignore[attr-defined]
        raise error
    return outcomes
