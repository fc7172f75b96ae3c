"""Assertions for test suites, proven rather than sampled: no access beyond an intent, exact Grants.

A policy passes against an intent that allows at least what it allows, and fails with the
first request it allows beyond it (:func:`trustsim.analysis.compare` shows a planted
``repo:acme*`` mistake caught the same way):

>>> from trustsim.loaders import load_policy
>>> from trustsim.model import Policy
>>> deploy = load_policy("examples/github-deploy-trust.json")  # acme/app's main branch only
>>> assert_no_access_beyond(deploy, deploy).no_new_access
True
>>> assert_no_access_beyond(deploy, Policy(()))  # an intent that trusts no one
Traceback (most recent call last):
...
AssertionError: the policy allows a request the reference denies: web identity ...
...
"""

from __future__ import annotations

from collections.abc import Iterable

from trustsim._describe import describe_caller
from trustsim.analysis.compare import Comparison, compare
from trustsim.analysis.grants import Grants, grants
from trustsim.callers import Role
from trustsim.evaluation import evaluate
from trustsim.model import Policy

__all__ = ["assert_grants", "assert_no_access_beyond"]


def assert_no_access_beyond(
    role: Role | Policy, reference: Role | Policy, *, role_arn: str | None = None
) -> Comparison:
    """Fail unless ``role`` allows no request ``reference`` denies — proven, not sampled.

    ``reference`` is the intent, written as a trust policy (or the old role). Fails with the
    first counterexample caller and the explanation of its Allow; fails too when the answer is
    undetermined (a part of either policy outside the decided fragment), naming that part.

    >>> from trustsim.parsing import parse_policy
    >>> def vendor(external_id):
    ...     return parse_policy({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
    ...         "Principal": {"AWS": "444455556666"}, "Action": "sts:AssumeRole",
    ...         "Condition": {"StringLike": {"sts:ExternalId": external_id}}}})
    >>> assert_no_access_beyond(vendor("tenant-42"), vendor("tenant-*")).no_new_access
    True
    >>> assert_no_access_beyond(vendor("tenant-*"), vendor("tenant-42"))
    Traceback (most recent call last):
    ...
    AssertionError: the policy allows a request the reference denies: IAM user arn:aws:iam::444455556666:user/...
    ...
    """
    __tracebackhide__ = True
    result = compare(role, reference, role_arn=role_arn)
    if result.no_new_access is True:
        return result
    if result.no_new_access is None:
        raise AssertionError(
            "cannot prove the policy grants nothing beyond the reference: "
            + "; ".join(str(gap) for gap in result.gaps)
        )
    request = result.counterexamples[0]
    outcome = evaluate(request)
    more = len(result.counterexamples) - 1
    raise AssertionError(
        f"the policy allows a request the reference denies: "
        f"{describe_caller(request.caller)}"
        + (f" (and {more} more kind(s) of request)" if more else "")
        + f"\n{outcome.explain().to_text()}"
    )


def assert_grants(
    role: Role | Policy, expected: Iterable[str], *, role_arn: str | None = None
) -> Grants:
    """Fail unless ``role``'s Grants, as text, are exactly ``expected`` and complete.

    Each expected line is ``str(grant)`` (what ``trustsim grants`` prints). The failure lists
    the Grants missing and unexpected, each unexpected one with its witness caller.

    >>> from trustsim.parsing import parse_policy
    >>> lambda_only = parse_policy({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
    ...     "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}})
    >>> len(assert_grants(lambda_only, [
    ...     "AWS services, sts:AssumeRole: service is lambda.amazonaws.com"]))
    1
    """
    __tracebackhide__ = True
    if isinstance(expected, str):
        raise TypeError("assert_grants: expected must be an iterable of Grant lines, not one str")
    found = grants(role, role_arn=role_arn)
    wanted = list(expected)
    got = [str(grant) for grant in found]
    problems = []
    if not found.complete:
        problems.append("the Grants are incomplete: " + "; ".join(str(gap) for gap in found.gaps))
    missing = [line for line in wanted if line not in got]
    extra = [grant for grant in found if str(grant) not in wanted]
    if missing:
        problems.append("missing:\n" + "\n".join(f"  {line}" for line in missing))
    if extra:
        problems.append(
            "unexpected:\n"
            + "\n".join(
                f"  {grant}\n    e.g. {describe_caller(grant.witness.caller)}" for grant in extra
            )
        )
    if problems:
        raise AssertionError("Grants differ from the expected ones:\n" + "\n".join(problems))
    return found
