"""The linter is the package ``trustsim.lint``; its old spellings still work, with a warning.

``trustsim.linter`` (the module's name in 0.1.0) and calling ``trustsim.lint(...)`` (a function
of the front door in 0.1.0) hand out the same objects and the same findings as the new path, and
each emits a DeprecationWarning that names the new import.
"""

from __future__ import annotations

import importlib
import pickle
import re
import sys
from pathlib import Path

import pytest

import trustsim
import trustsim.lint
from trustsim.lint import RULES, Finding, Rule, Severity, Witness, default_role_arn, lint

TRUST = {
    "Version": "2012-10-17",
    "Statement": {
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": ["sts:AssumeRole", "sts:TagSession"],
        "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}},
    },
}
ROLE = "arn:aws:iam::111122223333:role/deploy"


def _import_linter_afresh() -> object:
    sys.modules.pop("trustsim.linter", None)
    return importlib.import_module("trustsim.linter")


def test_the_public_types_say_where_they_live() -> None:
    # No __module__ rewriting: each type names the module that defines it.
    assert Finding.__module__ == "trustsim.lint.findings"
    assert Witness.__module__ == "trustsim.lint.findings"
    assert Severity.__module__ == "trustsim.lint.catalogue"
    assert Rule.__module__ == "trustsim.lint.catalogue"
    assert lint.__module__ == "trustsim.lint.run"


def test_findings_pickle_through_their_real_module() -> None:
    findings = lint(TRUST, role_arn=ROLE)
    assert findings
    assert pickle.loads(pickle.dumps(findings))  # noqa: S301 (our own bytes) == findings


def test_the_old_module_warns_and_hands_out_the_same_objects() -> None:
    with pytest.warns(DeprecationWarning, match=r"import from trustsim\.lint instead"):
        old = _import_linter_afresh()
    for name in ("RULES", "Finding", "Rule", "Severity", "Witness", "default_role_arn", "lint"):
        assert getattr(old, name) is getattr(trustsim.lint, name), name
    assert old.RULES is RULES  # type: ignore[attr-defined]
    assert old.default_role_arn is default_role_arn  # type: ignore[attr-defined]


def test_calling_the_package_warns_and_lints() -> None:
    with pytest.warns(DeprecationWarning, match=r"call trustsim\.lint\.lint\(\.\.\.\)"):
        old = trustsim.lint(TRUST, role_arn=ROLE)  # type: ignore[operator]
    assert old == lint(TRUST, role_arn=ROLE)
    assert [finding.code for finding in old] == ["ANY_AWS_PRINCIPAL"]


def test_the_front_door_reaches_the_package() -> None:
    assert trustsim.lint is sys.modules["trustsim.lint"]
    assert "lint" not in trustsim.__all__


def test_no_module_of_trustsim_imports_the_deprecated_path() -> None:
    # Importing trustsim.linter warns, and the suite turns warnings into errors: the package
    # itself imports trustsim.lint.
    package = Path(trustsim.__file__).parent
    offenders = [
        str(path.relative_to(package))
        for path in sorted(package.rglob("*.py"))
        if path.name != "linter.py"
        and re.search(
            r"^\s*(from trustsim\.linter import|import trustsim\.linter)",
            path.read_text(encoding="utf-8"),
            re.M,
        )
    ]
    assert offenders == []
