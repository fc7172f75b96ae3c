"""The trust-policy linter: the mistakes that get roles taken over, found by reasoning.

:func:`lint` returns :class:`Finding` values, each with a stable code (docs/lint.md), a
:class:`Severity` (Access Analyzer's four kinds), the JSON pointer of the offending element
(and its line and column when the policy was read from text), a message and the fix.

Findings about *who is admitted* are not pattern matches: trustsim builds a concrete caller
an outsider could be — an IAM user of an unrelated account, a GitHub workflow of someone else's
repository — fills in every condition key that caller controls (session tags, its own user's
name, its token's ``ref``…) and asks the evaluator. Only when the evaluator allows the call
is the finding raised, and the caller comes with it as its :class:`Witness`. So
``{"AWS": "*"}`` narrowed by ``aws:PrincipalOrgID`` (which an outsider cannot choose) is not
reported, and ``{"AWS": "*"}`` narrowed only by a session tag (which anyone can pass) is.

The package holds one rule family a file: ``catalogue`` (codes and severities), ``findings``
(:class:`Finding`, :class:`Witness`), ``knowledge`` (the key tables and OIDC subject formats
the rules share), ``base`` (what every rule family shares), ``witness`` (building outsiders
and asking the evaluator), ``narrowing`` (the statements of a long policy that may apply to
one outsider: what the evaluator is asked about, so that lint grows like the statements),
``breadth`` (who is admitted), ``structure`` (document, actions,
principals), ``conditions`` (operators and qualifiers), ``keys`` (keys against the
statement's actions) and ``run`` (:func:`lint`, every family in turn). ``trustsim.linter``,
the module's name before version 0.2, still imports with a :class:`DeprecationWarning`.

>>> from trustsim.lint import lint
>>> findings = lint({"Version": "2012-10-17", "Statement": {
...     "Effect": "Allow",
...     "Principal": {"Federated":
...         "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
...     "Action": "sts:AssumeRoleWithWebIdentity",
...     "Condition": {
...         "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
...         "StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme*"}}}})
>>> [finding.code for finding in findings]
['OIDC_SUB_TOO_BROAD']
>>> print(findings[0].witness)
GitHub Actions token with aud "sts.amazonaws.com", sub "repo:acme-evil/app:ref:refs/heads/main" ...
"""

from __future__ import annotations

import sys
import types
import warnings
from typing import Any

from trustsim.lint.catalogue import RULES, Rule, Severity
from trustsim.lint.findings import Finding, Witness
from trustsim.lint.run import default_role_arn, lint

__all__ = ["RULES", "Finding", "Rule", "Severity", "Witness", "default_role_arn", "lint"]


class _CallableModule(types.ModuleType):
    """A package that can still be called the way the 0.1.0 function was.

    ``trustsim.lint`` was a function before it was this package: calling the package still
    lints, with a :class:`DeprecationWarning` naming the new spelling.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> tuple[Finding, ...]:
        warnings.warn(
            "calling trustsim.lint(...) is deprecated: it is the package trustsim.lint now; "
            "call trustsim.lint.lint(...) (from trustsim.lint import lint)",
            DeprecationWarning,
            stacklevel=2,
        )
        return lint(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
