"""The practical ceiling: hand-written deciders for five fixed typical trust policies.

Each function below is what a perfect compiler would emit for one fixed scenario (its trust
policy and, where the decision needs it, the caller's identity policy): direct lookups in the
request context by folded key, string compares, no loops over statements, no records. Each
takes the same prebuilt :class:`~trustsim.requests.AssumeRoleRequest` as
:func:`trustsim.evaluation.evaluate` and returns the :class:`~trustsim.decision.Decision`.
``benchmarks/run.py`` checks that each agrees with trustsim on its requests before timing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from trustsim.callers import (
    Caller,
    IamUser,
    Role,
    RoleSession,
    SamlIdentity,
    ServicePrincipal,
    WebIdentity,
)
from trustsim.decision import Decision
from trustsim.identities import GitHubActions
from trustsim.model import PolicyKind
from trustsim.parsing import parse_policy
from trustsim.requests import AssumeRoleRequest, build_request

HOME, PARTNER = "111111111111", "222222222222"
GH = "token.actions.githubusercontent.com"
GH_PROVIDER = f"arn:aws:iam::{HOME}:oidc-provider/{GH}"
SAML_PROVIDER = f"arn:aws:iam::{HOME}:saml-provider/CorpIdP"
ORG = "o-a1b2c3d4e5"
ALLOW, IMPLICIT, EXPLICIT = Decision.ALLOW, Decision.IMPLICIT_DENY, Decision.EXPLICIT_DENY

TRUST = {
    "github": {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": GH_PROVIDER},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {f"{GH}:aud": "sts.amazonaws.com"},
                    "StringLike": {f"{GH}:sub": "repo:acme/app:ref:refs/heads/*"},
                },
            }
        ],
    },
    "cross_account": {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{PARTNER}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"sts:ExternalId": "tenant-42"},
                    "Bool": {"aws:MultiFactorAuthPresent": "true"},
                },
            }
        ],
    },
    "service": {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": HOME},
                    "ArnLike": {"aws:SourceArn": f"arn:aws:lambda:*:{HOME}:function:*"},
                },
            }
        ],
    },
    "saml": {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": SAML_PROVIDER},
                "Action": "sts:AssumeRoleWithSAML",
                "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
            }
        ],
    },
    "org": {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG}},
            },
            {
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/contractor-*"}
                },
            },
        ],
    },
}
PARTNER_IDENTITY = parse_policy(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
    },
    kind=PolicyKind.IDENTITY,
)
ROLES = {
    name: Role(f"arn:aws:iam::{HOME}:role/{name}", parse_policy(document))
    for name, document in TRUST.items()
}


def github(request: AssumeRoleRequest) -> Decision:
    caller = request.caller
    if (
        request.action != "sts:AssumeRoleWithWebIdentity"
        or request.companion_actions
        or type(caller) is not WebIdentity
        or caller.provider != GH_PROVIDER
    ):
        return IMPLICIT
    values = request.context.folded
    if values.get(f"{GH}:aud") != ("sts.amazonaws.com",):
        return IMPLICIT
    sub = values.get(f"{GH}:sub")
    if sub is None or len(sub) != 1 or not sub[0].startswith("repo:acme/app:ref:refs/heads/"):
        return IMPLICIT
    return ALLOW


def cross_account(request: AssumeRoleRequest) -> Decision:
    caller = request.caller
    kind = type(caller)
    if request.action != "sts:AssumeRole" or request.companion_actions:
        return IMPLICIT
    if kind is IamUser:
        arn = caller.arn  # type: ignore[union-attr]
    elif kind is RoleSession:
        arn = caller.role_arn  # type: ignore[union-attr]
    else:
        return IMPLICIT
    if not arn.startswith(f"arn:aws:iam::{PARTNER}:"):
        return IMPLICIT
    values = request.context.folded
    if values.get("sts:externalid") != ("tenant-42",):
        return IMPLICIT
    mfa = values.get("aws:multifactorauthpresent")
    if mfa is None or len(mfa) != 1 or mfa[0].lower() != "true":
        return IMPLICIT
    # Cross-account: the caller's identity policy must allow too (docs/semantics.md §4.4).
    return ALLOW if caller.policies == (PARTNER_IDENTITY,) else IMPLICIT  # type: ignore[union-attr]


def service(request: AssumeRoleRequest) -> Decision:
    caller = request.caller
    if (
        request.action != "sts:AssumeRole"
        or request.companion_actions
        or type(caller) is not ServicePrincipal
        or caller.name != "lambda.amazonaws.com"
    ):
        return IMPLICIT
    values = request.context.folded
    if values.get("aws:sourceaccount") != (HOME,):
        return IMPLICIT
    source = values.get("aws:sourcearn")
    if source is None or len(source) != 1:
        return IMPLICIT
    parts = source[0].split(":", 5)
    if (
        len(parts) != 6
        or parts[0] != "arn"
        or parts[1] != "aws"
        or parts[2] != "lambda"
        or parts[4] != HOME
        or not parts[5].startswith("function:")
    ):
        return IMPLICIT
    return ALLOW


def saml(request: AssumeRoleRequest) -> Decision:
    caller = request.caller
    if (
        request.action != "sts:AssumeRoleWithSAML"
        or request.companion_actions
        or type(caller) is not SamlIdentity
        or caller.provider != SAML_PROVIDER
    ):
        return IMPLICIT
    if request.context.folded.get("saml:aud") != ("https://signin.aws.amazon.com/saml",):
        return IMPLICIT
    return ALLOW


def org(request: AssumeRoleRequest) -> Decision:
    caller = request.caller
    kind = type(caller)
    if request.action != "sts:AssumeRole" or request.companion_actions:
        return IMPLICIT
    if kind is IamUser:
        arn = caller.arn  # type: ignore[union-attr]
    elif kind is RoleSession:
        arn = caller.role_arn  # type: ignore[union-attr]
    else:
        return IMPLICIT
    values = request.context.folded
    principal = values.get("aws:principalarn")
    if (
        principal is not None
        and len(principal) == 1
        and principal[0].startswith("arn:aws:iam::")
        and principal[0].find(":user/contractor-", 13) >= 0
    ):
        return EXPLICIT
    if values.get("aws:principalorgid") != (ORG,):
        return IMPLICIT
    if arn.startswith(f"arn:aws:iam::{HOME}:"):
        # {"AWS": "*"} in the same account reads as the caller's own row (§4.3).
        if kind is IamUser:
            return ALLOW
        ok = caller.permissions_boundary is None and caller.session_policy is None  # type: ignore[union-attr]
        return ALLOW if ok else IMPLICIT
    return IMPLICIT if not caller.policies else ALLOW  # pragma: no cover - not in REQUESTS


CEILINGS: dict[str, Callable[[AssumeRoleRequest], Decision]] = {
    "github": github,
    "cross_account": cross_account,
    "service": service,
    "saml": saml,
    "org": org,
}


def _callers() -> dict[str, tuple[Caller, Caller]]:
    """An allowed and a denied caller per scenario."""
    partner = f"arn:aws:iam::{PARTNER}:user/ops/alice"
    return {
        "github": (
            GitHubActions("acme/app", branch="main", account_id=HOME),
            GitHubActions("acme/app", pull_request=True, account_id=HOME),
        ),
        "cross_account": (
            IamUser(partner, policies=[PARTNER_IDENTITY]),
            IamUser(partner, policies=[PARTNER_IDENTITY]),
        ),
        "service": (
            ServicePrincipal(
                "lambda.amazonaws.com",
                source_account=HOME,
                source_arn=f"arn:aws:lambda:eu-west-1:{HOME}:function:deploy",
            ),
            ServicePrincipal(
                "lambda.amazonaws.com",
                source_account=HOME,
                source_arn=f"arn:aws:lambda:eu-west-1:{PARTNER}:function:deploy",
            ),
        ),
        "saml": (
            SamlIdentity(SAML_PROVIDER, {"saml:sub": "jdoe"}),
            SamlIdentity(SAML_PROVIDER, {"saml:aud": "https://example.com/acs"}),
        ),
        "org": (
            RoleSession(f"arn:aws:iam::{HOME}:role/platform-admin", "console", org=_org()),
            IamUser(f"arn:aws:iam::{HOME}:user/contractor-bob", org=_org()),
        ),
    }


def _org() -> object:
    from trustsim.callers import OrgMembership  # noqa: PLC0415

    return OrgMembership(ORG)


def requests() -> dict[str, list[AssumeRoleRequest]]:
    """For each scenario, an allowed and a denied prebuilt request."""
    from tests.support.corpus import AT  # noqa: PLC0415

    out: dict[str, list[AssumeRoleRequest]] = {}
    for name, (good, bad) in _callers().items():
        options = {"external_id": "tenant-42", "mfa": True} if name == "cross_account" else {}
        denied = {"external_id": "tenant-41", "mfa": True} if name == "cross_account" else {}
        out[name] = [
            build_request(good, ROLES[name], at=AT, **options),  # type: ignore[arg-type]
            build_request(bad, ROLES[name], at=AT, **denied),  # type: ignore[arg-type]
        ]
    return out
