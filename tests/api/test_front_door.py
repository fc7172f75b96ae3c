"""The front door holds what a test author needs; every name it exported in 0.1.0 still works.

A name moved to its module (``trustsim._MOVED``) is the same object at ``trustsim.<name>``
and at its module, and the old spelling warns with the import to write; the new one does not
warn. The public modules are reached through the package without importing them first.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import trustsim

MOVED = sorted(trustsim._MOVED.items())

#: What a test author reaches for: callers, the role, policies, the decision and its outcome,
#: the errors to catch, the pytest assertions.
FRONT_DOOR = {
    "AccountRoot",
    "Anonymous",
    "Decision",
    "GitHubActions",
    "IamUser",
    "InvalidCaller",
    "InvalidContext",
    "InvalidPolicy",
    "InvalidRequest",
    "OrgMembership",
    "Outcome",
    "Policy",
    "Role",
    "RoleSession",
    "SamlIdentity",
    "ServicePrincipal",
    "TrustsimError",
    "WebIdentity",
    "__version__",
    "assert_allowed",
    "assert_denied",
    "assert_grants",
    "assert_no_access_beyond",
    "assert_only",
    "assume_role",
    "build_request",
    "check_action",
    "decide",
    "evaluate",
    "load_policy",
    "parse_policy",
}


def test_the_front_door_is_what_a_test_needs() -> None:
    assert set(trustsim.__all__) == FRONT_DOOR


def test_no_name_is_both_public_and_moved() -> None:
    assert not set(trustsim.__all__) & set(trustsim._MOVED)


@pytest.mark.parametrize(("name", "module"), MOVED)
def test_a_moved_name_works_at_its_module_without_a_warning(name: str, module: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = getattr(importlib.import_module(module), name)
    assert value is not None


@pytest.mark.parametrize(("name", "module"), MOVED)
def test_the_old_spelling_warns_and_is_the_same_object(name: str, module: str) -> None:
    with pytest.warns(DeprecationWarning, match=rf"from {module} import {name}$"):
        old = getattr(trustsim, name)
    assert old is getattr(importlib.import_module(module), name)
    with pytest.warns(DeprecationWarning, match=name):  # every use warns, not the first only
        getattr(trustsim, name)


def test_from_import_of_a_moved_name_warns() -> None:
    with pytest.warns(DeprecationWarning, match="from trustsim.inventory import Organization"):
        from trustsim import Organization  # noqa: PLC0415
    from trustsim import inventory  # noqa: PLC0415

    assert Organization is inventory.Organization


def test_unknown_names_are_still_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Organisation'"):
        _ = trustsim.Organisation  # type: ignore[attr-defined]


@pytest.mark.parametrize("module", sorted(trustsim._MODULES))
def test_the_modules_are_reached_through_the_package(module: str) -> None:
    assert getattr(trustsim, module) is importlib.import_module(f"trustsim.{module}")


def test_a_fresh_interpreter_imports_the_front_door_without_warnings() -> None:
    code = (
        "import trustsim as ts\n"
        "for name in ts.__all__: getattr(ts, name)\n"
        "ts.inventory.Organization, ts.lint.lint, ts.whocan.who_can_assume\n"
    )
    subprocess.run([sys.executable, "-W", "error", "-c", code], check=True)  # noqa: S603


def test_type_checkers_see_the_names_the_front_door_hands_out() -> None:
    # The TYPE_CHECKING imports (what mypy and IDEs read) and _LAZY (what runs) name the same
    # names from the same modules.
    tree = ast.parse(Path(trustsim.__file__).read_text(encoding="utf-8"))
    guarded = next(
        node
        for node in tree.body
        if isinstance(node, ast.If)
        and isinstance(node.test, ast.Name)
        and node.test.id == "TYPE_CHECKING"
    )
    typed = {
        alias.name: node.module
        for node in guarded.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert typed == trustsim._LAZY
    assert set(typed) | {"__version__"} == set(trustsim.__all__)
