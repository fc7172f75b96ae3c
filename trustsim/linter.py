"""Deprecated: the linter is the package :mod:`trustsim.lint` (``from trustsim.lint import lint``).

Importing this module still works and hands out the same objects, with a
:class:`DeprecationWarning` naming the new import path. pytest does not collect this module
(its import warns, and the suite turns warnings into errors); tests/lint/test_lint_package.py
checks both paths.
"""

from __future__ import annotations

import warnings

from trustsim.lint import RULES, Finding, Rule, Severity, Witness, default_role_arn, lint

__all__ = ["RULES", "Finding", "Rule", "Severity", "Witness", "default_role_arn", "lint"]

warnings.warn(
    "trustsim.linter is deprecated: import from trustsim.lint instead "
    "(from trustsim.lint import lint, Finding, Severity, ...)",
    DeprecationWarning,
    stacklevel=2,
)
