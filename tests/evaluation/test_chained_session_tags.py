"""A chained call carrying transitive session tags needs ``sts:TagSession`` (issue 17, item 9).

The IAM guide ("Chaining roles with session tags") describes inherited transitive tags as
session tags of the new session; STS then authorises ``sts:TagSession`` on the target role.
Reported against EKS Pod Identity, whose sessions carry transitive tags: chaining into a role
whose trust policy allows only ``sts:AssumeRole`` fails with "not authorized to perform:
sts:TagSession" (mattrobinsonsre/terrapod#1546, aws/eks-pod-identity-agent#80).
"""

from __future__ import annotations

from typing import Any

import pytest

import trustsim as ts
from trustsim.parsing import parse_policy

A = "111122223333"
POD_ROLE = f"arn:aws:iam::{A}:role/pod-role"
IDENTITY = parse_policy(
    {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "sts:*", "Resource": "*"}},
    kind="identity",
)
EKS_TAGS = {"eks-cluster-name": "prod", "kubernetes-namespace": "ci"}


def _automation(actions: list[str], **more: Any) -> ts.Role:
    statement = {"Effect": "Allow", "Principal": {"AWS": POD_ROLE}, "Action": actions, **more}
    document = {"Version": "2012-10-17", "Statement": statement}
    return ts.Role(
        f"arn:aws:iam::{A}:role/automation", parse_policy(document), tags={"env": "prod"}
    )


def _pod(transitive: bool) -> ts.RoleSession:
    return ts.RoleSession(
        POD_ROLE,
        "eks-pod",
        policies=[IDENTITY],
        session_tags=EKS_TAGS,
        transitive_tag_keys=list(EKS_TAGS) if transitive else [],
    )


def test_a_session_with_transitive_tags_needs_tag_session_to_chain() -> None:
    """On main: Allow. AWS: not authorized to perform sts:TagSession."""
    outcome = ts.assume_role(_pod(transitive=True), _automation(["sts:AssumeRole"]))
    assert outcome.decision == "ImplicitDeny"
    assert "sts:TagSession" in outcome.reason
    assert outcome.actions == ("sts:AssumeRole", "sts:TagSession")


@pytest.mark.parametrize(
    ("transitive", "actions", "allowed"),
    [
        (True, ["sts:AssumeRole"], False),
        (True, ["sts:AssumeRole", "sts:TagSession"], True),
        (False, ["sts:AssumeRole"], True),  # tags that are not transitive stay behind
        (False, ["sts:AssumeRole", "sts:TagSession"], True),
    ],
)
def test_only_transitive_tags_make_a_chained_call_a_tagging_call(
    transitive: bool, actions: list[str], allowed: bool
) -> None:
    outcome = ts.assume_role(_pod(transitive), _automation(actions))
    assert outcome.allowed is allowed
    companions = ts.build_request(_pod(transitive), _automation(actions)).companion_actions
    assert companions == (("sts:TagSession",) if transitive else ())


def test_explicit_context_entries_keep_the_companion() -> None:
    """With ``context=`` the companions are read off the final context; the rule holds there."""
    request = ts.build_request(
        _pod(transitive=True), _automation(["sts:AssumeRole"]), context={"x:y": "z"}
    )
    assert request.companion_actions == ("sts:TagSession",)


def test_a_tag_session_statement_sees_the_inherited_tags_as_principal_tags() -> None:
    role = _automation(
        ["sts:AssumeRole", "sts:TagSession"],
        Condition={"StringEquals": {"aws:PrincipalTag/eks-cluster-name": "prod"}},
    )
    assert ts.assume_role(_pod(transitive=True), role).allowed


@pytest.mark.parametrize("transitive", [True, False])
def test_the_role_resource_tags_are_the_roles_own(transitive: bool) -> None:
    """aws:ResourceTag is the target role's tags; inherited transitive tags do not replace
    them (the IAM guide states that override for the new session's principal tags only)."""
    session = ts.RoleSession(
        POD_ROLE,
        "eks-pod",
        policies=[IDENTITY],
        session_tags={"env": "dev"},
        transitive_tag_keys=["env"] if transitive else [],
    )
    deny_prod = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": POD_ROLE},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
            },
            {
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:ResourceTag/env": "prod"}},
            },
        ],
    }
    role = ts.Role(f"arn:aws:iam::{A}:role/prod", parse_policy(deny_prod), tags={"env": "prod"})
    outcome = ts.assume_role(session, role)
    assert outcome.decision == "ExplicitDeny"
    assert outcome.request.context["aws:ResourceTag/env"] == ("prod",)
