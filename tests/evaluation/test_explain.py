"""Explanations: the rendered text compared whole for representative cases, and the views."""

from __future__ import annotations

import json

import pytest

from tests.evaluation.test_evaluation import (
    ALICE_ARN,
    BOB_ARN,
    GH,
    ROLE_ARN,
    TRUST_BUILDER_SESSION,
    B,
    allows,
    cond,
    decide,
    denies_assume,
    session,
    stmt,
    trust,
    user,
)
from trustsim.callers import WebIdentity
from trustsim.model import PolicyKind

GITHUB = trust(
    stmt(
        federated=(GH,),
        action=("sts:AssumeRoleWithWebIdentity",),
        sid="GitHubMain",
        condition=[
            cond("StringEquals", "token.actions.githubusercontent.com:aud", "sts.amazonaws.com"),
            cond(
                "StringEquals",
                "token.actions.githubusercontent.com:sub",
                "repo:acme/app:ref:refs/heads/main",
            ),
        ],
    ),
    stmt(aws=(ALICE_ARN,), sid="Alice"),
)
PULL_REQUEST = {
    "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
    "token.actions.githubusercontent.com:sub": "repo:acme/app:pull_request",
}


def test_implicit_deny_leads_with_the_nearest_miss_and_both_values() -> None:
    text = str(decide(WebIdentity(GH), GITHUB, context=PULL_REQUEST).explain())
    assert text == "\n".join(
        [
            "ImplicitDeny: no statement of the trust policy allows sts:AssumeRoleWithWebIdentity for OIDC web "
            "identity arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com",
            "  caller: OIDC web identity arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"
            ' sub "repo:acme/app:pull_request"',
            "  role: arn:aws:iam::111111111111:role/TargetRole",
            "  decided by: trust",
            "closest Allow statements:",
            '  trust policy statement 0 (Sid "GitHubMain") [Allow] — does not apply',
            "    ✓ principal: OIDC web identity arn:aws:iam::111111111111:oidc-provider/"
            "token.actions.githubusercontent.com matched as federated provider",
            '    ✗ StringEquals token.actions.githubusercontent.com:sub expected "repo:acme/app:ref:refs/heads/main", '
            'got "repo:acme/app:pull_request"',
            '  trust policy statement 1 (Sid "Alice") [Allow] — does not apply',
            "    ✗ principal: OIDC web identity arn:aws:iam::111111111111:oidc-provider/"
            "token.actions.githubusercontent.com is not among: arn:aws:iam::111111111111:user/alice",
            "    ✗ action: sts:AssumeRole",
        ]
    )


def test_allow_shows_every_statement_that_was_required() -> None:
    bob = user(BOB_ARN, policies=allows(resource=ROLE_ARN))
    text = decide(bob, trust(stmt(aws=(B,), sid="AccountB"))).explain().to_text()
    assert text == "\n".join(
        [
            'Allow: sts:AssumeRole is allowed: trust policy statement 0 (Sid "AccountB") trusts IAM user '
            "arn:aws:iam::222222222222:user/bob (matched as account; cross-account: the caller's account must "
            "allow too)",
            "  caller: IAM user arn:aws:iam::222222222222:user/bob",
            "  role: arn:aws:iam::111111111111:role/TargetRole",
            "  decided by: trust",
            "determined by:",
            '  trust policy statement 0 (Sid "AccountB") [Allow] — applies',
            "    ✓ principal: IAM user arn:aws:iam::222222222222:user/bob matched as account",
            "    ✓ action: sts:AssumeRole",
            "  identity policy 0 statement 0 [Allow] — applies",
            "    ✓ action: sts:AssumeRole",
            "    ✓ resource: arn:aws:iam::111111111111:role/TargetRole",
        ]
    )


def test_the_all_view_lists_every_policy_and_statement() -> None:
    caller = session(session_policy=denies_assume(PolicyKind.SESSION))
    text = decide(caller, TRUST_BUILDER_SESSION).explain().to_text("all")
    assert text == "\n".join(
        [
            'ExplicitDeny: sts:AssumeRole is explicitly denied by session policy statement 1 (Sid "NoAssume")',
            "  caller: session arn:aws:sts::111111111111:assumed-role/Builder/build-1 of role "
            "arn:aws:iam::111111111111:role/ci/Builder",
            "  role: arn:aws:iam::111111111111:role/TargetRole",
            "  decided by: session",
            "sts:AssumeRole: ExplicitDeny — sts:AssumeRole is explicitly denied by session policy "
            'statement 1 (Sid "NoAssume")',
            "  trust policy (trust):",
            "    trust policy statement 0 [Allow] — applies",
            "      ✓ principal: session arn:aws:sts::111111111111:assumed-role/Builder/build-1 of role "
            "arn:aws:iam::111111111111:role/ci/Builder matched as session ARN",
            "      ✓ action: sts:AssumeRole",
            "  session policy (session):",
            "    session policy statement 0 [Allow] — applies",
            "      ✓ action: *",
            "      ✓ resource: *",
            '    session policy statement 1 (Sid "NoAssume") [Deny] — applies',
            "      ✓ action: sts:AssumeRole",
            "      ✓ resource: *",
        ]
    )


def test_failures_are_ranked_nearest_first() -> None:
    explanation = decide(WebIdentity(GH), GITHUB, context=PULL_REQUEST).explain()
    assert [s.ref.sid for s in explanation.failures] == ["GitHubMain", "Alice"]
    nearest = explanation.failures[0]
    assert [c.key for c in nearest.failing_clauses] == ["token.actions.githubusercontent.com:sub"]
    assert nearest.failing_clauses[0].request_values == ("repo:acme/app:pull_request",)
    assert explanation.determining == ()


def test_determining_is_the_deny_for_an_explicit_deny_and_failures_are_empty() -> None:
    explanation = decide(
        session(session_policy=denies_assume(PolicyKind.SESSION)), TRUST_BUILDER_SESSION
    ).explain()
    assert [str(s.ref) for s in explanation.determining] == [
        'session policy statement 1 (Sid "NoAssume")'
    ]
    assert explanation.failures == ()


def test_explanation_agrees_with_the_outcome_and_is_json() -> None:
    outcome = decide(WebIdentity(GH), GITHUB, context=PULL_REQUEST)
    data = outcome.explain().to_dict()
    assert json.loads(json.dumps(data)) == data
    assert (data["decision"], data["side"], data["reason"]) == (
        outcome.decision.value,
        outcome.side,
        outcome.reason,
    )
    clause = data["failures"][0]["condition"][1]
    assert clause == {
        "operator": "StringEquals",
        "key": "token.actions.githubusercontent.com:sub",
        "policy_values": ["repo:acme/app:ref:refs/heads/main"],
        "request_values": ["repo:acme/app:pull_request"],
        "matched": False,
        "pointer": clause["pointer"],
        "diagnostic": None,
    }


def test_companion_actions_appear_in_the_explanation() -> None:
    tags = {"aws:RequestTag/Project": "blue", "aws:TagKeys": ["Project"]}
    outcome = decide(
        user(), trust(stmt(aws=(ALICE_ARN,))), context=tags, companions=["sts:TagSession"]
    )
    explanation = outcome.explain()
    assert [a.action for a in explanation.all] == ["sts:AssumeRole", "sts:TagSession"]
    assert "  actions: sts:AssumeRole Allow, sts:TagSession ImplicitDeny" in explanation.to_text()


def test_diagnostics_are_listed() -> None:
    outcome = decide(
        WebIdentity(GH), trust(stmt(aws=("*",), action=("sts:AssumeRoleWithWebIdentity",)))
    )
    text = outcome.explain().to_text()
    assert text.splitlines()[-2] == "diagnostics:"
    assert "UNCERTAIN_SEMANTICS" in text.splitlines()[-1]


def test_unknown_view_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown view"):
        decide(user(), trust(stmt(aws=(ALICE_ARN,)))).explain().to_text("everything")
