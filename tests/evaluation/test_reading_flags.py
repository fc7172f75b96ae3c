"""Outcomes resting on a recorded reading say so (issue 17, item 6).

Each reading the project records (docs/semantics.md readings 1, 3, 4, 6, 7, 9, 9b, 9c and 11) is noted with
its reading's number whenever an outcome rests on it, on the fast path (``outcome.errors``)
and in ``explain()``; reading 9 uses its own code (``UNREADABLE_REQUEST_VALUE``), naming the
reading too.
"""

from __future__ import annotations

from typing import Any

import pytest

import trustsim as ts
from trustsim.parsing import parse_policy

A = "111122223333"
ASSUME = {
    "Version": "2012-10-17",
    "Statement": {"Effect": "Allow", "Action": "sts:*", "Resource": "*"},
}
IDENTITY = parse_policy(ASSUME, kind="identity")
TRUST_ACCOUNT = {"Effect": "Allow", "Principal": {"AWS": A}, "Action": "sts:AssumeRole"}


def _role(*statements: dict[str, Any], name: str = "r") -> ts.Role:
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    return ts.Role(f"arn:aws:iam::{A}:role/{name}", parse_policy(document))


def _deny(principal: dict[str, Any]) -> dict[str, Any]:
    return {"Effect": "Deny", "Principal": principal, "Action": "sts:AssumeRole"}


def _allow(principal: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **more}


def _user(path_and_name: str) -> ts.IamUser:
    return ts.IamUser(f"arn:aws:iam::{A}:user/{path_and_name}", policies=[IDENTITY])


def _session(path_and_name: str, **fields: Any) -> ts.RoleSession:
    return ts.RoleSession(
        f"arn:aws:iam::{A}:role/{path_and_name}", "s1", policies=[IDENTITY], **fields
    )


# (caller, role, options, decision expected, the §9 decision the outcome must name)
CASES: dict[str, tuple[Any, ts.Role, dict[str, Any], str, str]] = {
    # Item 6 as reported: a Deny naming the caller in another case or path is skipped.
    "deny-user-case": (
        _user("mallory"),
        _role(TRUST_ACCOUNT, _deny({"AWS": f"arn:aws:iam::{A}:user/Mallory"})),
        {},
        "Allow",
        "reading 6",
    ),
    "deny-user-path": (
        _user("eng/mallory"),
        _role(TRUST_ACCOUNT, _deny({"AWS": f"arn:aws:iam::{A}:user/mallory"})),
        {},
        "Allow",
        "reading 6",
    ),
    "deny-role-path-case": (
        _session("ops/admin"),
        _role(TRUST_ACCOUNT, _deny({"AWS": f"arn:aws:iam::{A}:role/Admin"})),
        {},
        "Allow",
        "reading 6",
    ),
    "deny-session-case": (
        _session("admin"),
        _role(TRUST_ACCOUNT, _deny({"AWS": f"arn:aws:sts::{A}:assumed-role/Admin/S1"})),
        {},
        "Allow",
        "reading 6",
    ),
    "allow-user-case": (
        _user("alice"),
        _role(_allow({"AWS": f"arn:aws:iam::{A}:user/Alice"})),
        {},
        "ImplicitDeny",
        "reading 6",
    ),
    "allow-role-path": (
        _session("ci/deploy"),
        _role(_allow({"AWS": f"arn:aws:iam::{A}:role/deploy"})),
        {},
        "ImplicitDeny",
        "reading 6",
    ),
    "service-case": (
        ts.ServicePrincipal("lambda.amazonaws.com"),
        _role(_allow({"Service": "Lambda.amazonaws.com"})),
        {},
        "ImplicitDeny",
        "reading 7",
    ),
    "deny-service-case": (
        ts.ServicePrincipal("lambda.amazonaws.com"),
        _role(
            _allow({"Service": "lambda.amazonaws.com"}), _deny({"Service": "LAMBDA.amazonaws.com"})
        ),
        {},
        "Allow",
        "reading 7",
    ),
    # The other readings, each once.
    "aws-star-service": (
        ts.ServicePrincipal("lambda.amazonaws.com"),
        _role(_allow({"AWS": "*"})),
        {},
        "ImplicitDeny",
        "reading 4",
    ),
    "several-values": (
        _user("alice"),
        _role(
            _allow({"AWS": A}, Condition={"StringEquals": {"aws:TagKeys": "a"}}),
            {"Effect": "Allow", "Principal": {"AWS": A}, "Action": "sts:TagSession"},
        ),
        {"tags": {"a": "1", "b": "2"}},
        "ImplicitDeny",
        "reading 3",
    ),
    "date-only": (
        _user("alice"),
        _role(_allow({"AWS": A}, Condition={"DateLessThan": {"aws:CurrentTime": "2099-01-01"}})),
        {},
        "Allow",
        "reading 9b",
    ),
    "null-empty": (
        _user("alice"),
        _role(_allow({"AWS": A}, Condition={"Null": {"sts:ExternalId": "false"}})),
        {"context": {"sts:ExternalId": ""}},
        "Allow",
        "reading 9c",
    ),
    "unreadable": (
        _user("alice"),
        _role(_allow({"AWS": A}, Condition={"NumericLessThan": {"aws:EpochTime": "5"}})),
        {"context": {"aws:EpochTime": "soon"}},
        "ImplicitDeny",
        "reading 9",
    ),
    "source-identity-chain": (
        _session("ci", source_identity="alice"),
        _role(
            {
                "Effect": "Allow",
                "Principal": {"AWS": A},
                "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
            }
        ),
        {},
        "Allow",
        "reading 11",
    ),
    "source-identity-chain-denied": (
        _session("ci", source_identity="alice"),
        _role(TRUST_ACCOUNT),
        {},
        "ImplicitDeny",
        "reading 11",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_an_outcome_resting_on_a_reading_names_it_on_the_fast_path_and_in_explain(
    name: str,
) -> None:
    caller, role, options, expected, reading = CASES[name]
    outcome = ts.assume_role(caller, role, **options)
    assert outcome.decision == expected, outcome.explain()
    noted = [error for error in outcome.errors if reading in error.message]
    assert noted, outcome.errors
    assert all(error.code in ("UNCERTAIN_SEMANTICS", "UNREADABLE_REQUEST_VALUE") for error in noted)
    explained = outcome.explain()
    assert any(reading in line for line in explained.errors)
    # The decision alone (the fast path), asked again, is the same decision.
    assert ts.assume_role(caller, role, **options).decision is outcome.decision


def test_exact_principals_carry_no_reading() -> None:
    """No note where the principal matched (or missed) plainly."""
    role = _role(TRUST_ACCOUNT, _deny({"AWS": f"arn:aws:iam::{A}:user/mallory"}))
    assert ts.assume_role(_user("mallory"), role).errors == ()
    assert ts.assume_role(_user("alice"), role).errors == ()
    service_role = _role(_allow({"Service": "lambda.amazonaws.com"}))
    assert ts.assume_role(ts.ServicePrincipal("ec2.amazonaws.com"), service_role).errors == ()
