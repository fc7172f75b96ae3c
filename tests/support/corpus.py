"""A seeded generator of realistic trust policies and the requests made against them.

Run: python tests/support/corpus.py [--seed 7] [--count 400]   (prints a summary)

Each case is plain JSON-able data (``Case``): a role (ARN and trust policy document), a caller
description and the request options. Shapes follow what real accounts hold
(docs/semantics.md §3, §6, §7):

* GitHub Actions OIDC: ``Federated`` the GitHub provider, ``StringEquals`` on ``aud`` and
  ``StringEquals``/``StringLike`` on ``sub`` (branch, environment, ``repo:org/*``);
* cross-account: an account root, account ID or role ARN of another account, with
  ``sts:ExternalId`` and sometimes ``aws:MultiFactorAuthPresent``; the caller's identity policy
  allows (or forgets to allow) ``sts:AssumeRole``;
* AWS services: ``Service`` with ``aws:SourceAccount`` / ``aws:SourceArn`` (``ArnLike``);
* SAML: ``Federated`` a SAML provider with ``SAML:aud``;
* ``{"AWS": "*"}`` narrowed by ``aws:PrincipalOrgID`` and ``aws:PrincipalTag/…``;
* 1–20 statements per policy (other teams' grants as filler), and ``Deny`` guards
  (pull-request subjects, contractor users, a blocked account).

About half the requests are made to be allowed: each starts from a request that the
scenario's main statement grants, and half are then perturbed (another branch, a wrong
ExternalId, no MFA, another source account, another organisation…). The runner checks every
decision against ``tests/support/reference.py`` and prints the share allowed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(
    0, str(Path(__file__).resolve().parents[2])
)  # the repository root, when run as a script

from trustsim.callers import (
    Caller,
    IamUser,
    OrgMembership,
    Role,
    RoleSession,
    SamlIdentity,
    ServicePrincipal,
)
from trustsim.identities import GitHubActions
from trustsim.parsing import parse_policy
from trustsim.requests import AssumeRoleRequest, build_request
from trustsim.validation import TRUST_POLICY_MAX_CHARS

Json = dict[str, Any]
Case = dict[str, Any]

AT = dt.datetime(2026, 11, 27, 12, 0, 0, tzinfo=dt.timezone.utc)
HOME = "111111111111"
GH = "token.actions.githubusercontent.com"
GH_PROVIDER = f"arn:aws:iam::{HOME}:oidc-provider/{GH}"
SAML_PROVIDER = f"arn:aws:iam::{HOME}:saml-provider/CorpIdP"
SAML_AUD = "https://signin.aws.amazon.com/saml"
ORG = "o-a1b2c3d4e5"
OTHER_ORG = "o-zz9y8x7w6v"
SERVICES = [
    "lambda.amazonaws.com",
    "ecs-tasks.amazonaws.com",
    "ec2.amazonaws.com",
    "events.amazonaws.com",
    "states.amazonaws.com",
]
REPOS = ["acme/app", "acme/api", "acme/infra", "acme/web", "acme/data"]
TEAMS = ["platform", "payments", "search", "data"]


def _account(rng: random.Random) -> str:
    return "".join(rng.choice("23456789") for _ in range(12))


def _allow(principal: Json, action: str | list[str], condition: Json | None = None) -> Json:
    statement: Json = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        statement["Condition"] = condition
    return statement


def _filler(rng: random.Random) -> Json:
    """A grant to someone else: another account, repository, service or provider."""
    shape = rng.randrange(4)
    if shape == 0:
        return _allow(
            {"AWS": f"arn:aws:iam::{_account(rng)}:root"},
            "sts:AssumeRole",
            {"StringEquals": {"sts:ExternalId": f"ext-{rng.randrange(10**6)}"}},
        )
    if shape == 1:
        repo = f"other/{rng.choice(['svc', 'tool', 'lib'])}{rng.randrange(100)}"
        return _allow(
            {"Federated": GH_PROVIDER},
            "sts:AssumeRoleWithWebIdentity",
            {
                "StringEquals": {f"{GH}:aud": "sts.amazonaws.com"},
                "StringLike": {f"{GH}:sub": f"repo:{repo}:*"},
            },
        )
    if shape == 2:
        return _allow(
            {"Service": rng.choice(["glue.amazonaws.com", "sagemaker.amazonaws.com"])},
            "sts:AssumeRole",
        )
    return _allow(
        {"AWS": f"arn:aws:iam::{_account(rng)}:role/team-{rng.randrange(100)}"},
        ["sts:AssumeRole", "sts:TagSession"],
    )


def _github(rng: random.Random, allowed: bool) -> tuple[list[Json], Json, Json]:
    repo = rng.choice(REPOS)
    style = rng.randrange(3)
    if style == 0:
        sub: Json = {"StringEquals": {f"{GH}:sub": f"repo:{repo}:ref:refs/heads/main"}}
        caller: Json = {"type": "github", "repo": repo, "branch": "main"}
        wrong: Json = {"type": "github", "repo": repo, "branch": "feature-x"}
    elif style == 1:
        sub = {"StringLike": {f"{GH}:sub": f"repo:{repo}:environment:prod*"}}
        caller = {"type": "github", "repo": repo, "environment": "prod-eu"}
        wrong = {"type": "github", "repo": repo, "environment": "staging"}
    else:
        sub = {"StringLike": {f"{GH}:sub": "repo:acme/*"}}
        caller = {"type": "github", "repo": repo, "branch": "main"}
        wrong = {"type": "github", "repo": "evil/app", "branch": "main"}
    condition: Json = {"StringEquals": {f"{GH}:aud": "sts.amazonaws.com"}}
    for operator, block in sub.items():  # merge the sub test into the aud block
        condition.setdefault(operator, {}).update(block)
    main = _allow({"Federated": GH_PROVIDER}, "sts:AssumeRoleWithWebIdentity", condition)
    guards: list[Json] = []
    if rng.random() < 0.3:
        guards.append(
            {
                "Effect": "Deny",
                "Principal": {"Federated": GH_PROVIDER},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringLike": {f"{GH}:sub": "repo:*:pull_request"}},
            }
        )
        if not allowed and rng.random() < 0.5:
            wrong = {"type": "github", "repo": repo, "pull_request": True}
    return [main, *guards], caller if allowed else wrong, {}


def _cross_account(rng: random.Random, allowed: bool) -> tuple[list[Json], Json, Json]:
    account = _account(rng)
    kind = rng.randrange(3)
    identity = [
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
        }
    ]
    if kind == 0:
        principal: Json = {"AWS": f"arn:aws:iam::{account}:root"}
        caller: Json = {"type": "user", "arn": f"arn:aws:iam::{account}:user/ops/alice"}
    elif kind == 1:
        principal = {"AWS": account}
        caller = {"type": "user", "arn": f"arn:aws:iam::{account}:user/bob"}
    else:
        principal = {"AWS": f"arn:aws:iam::{account}:role/ci/Builder"}
        caller = {
            "type": "session",
            "role_arn": f"arn:aws:iam::{account}:role/ci/Builder",
            "session_name": "build-42",
        }
    caller["identity"] = identity
    external = f"tenant-{rng.randrange(10**6)}"
    condition: Json = {"StringEquals": {"sts:ExternalId": external}}
    options: Json = {"external_id": external}
    mfa = rng.random() < 0.4
    if mfa:
        condition["Bool"] = {"aws:MultiFactorAuthPresent": "true"}
        options["mfa"] = True
    main = _allow(principal, "sts:AssumeRole", condition)
    if not allowed:
        fault = rng.randrange(3)
        if fault == 0:
            options["external_id"] = external + "-old"
        elif fault == 1 and mfa:
            options["mfa"] = False
        else:
            caller["identity"] = []  # the caller's account does not allow it (§4.4)
    return [main], caller, options


def _service(rng: random.Random, allowed: bool) -> tuple[list[Json], Json, Json]:
    service = rng.choice(SERVICES)
    condition = {
        "StringEquals": {"aws:SourceAccount": HOME},
        "ArnLike": {"aws:SourceArn": f"arn:aws:*:*:{HOME}:*"},
    }
    main = _allow({"Service": service}, "sts:AssumeRole", condition)
    caller: Json = {
        "type": "service",
        "name": service,
        "source_account": HOME,
        "source_arn": f"arn:aws:lambda:eu-west-1:{HOME}:function:deploy",
    }
    if not allowed:
        if rng.random() < 0.5:
            caller["source_account"] = _account(rng)
        else:
            caller["name"] = (
                "glue.amazonaws.com" if service != "glue.amazonaws.com" else SERVICES[0]
            )
    return [main], caller, {}


def _saml(rng: random.Random, allowed: bool) -> tuple[list[Json], Json, Json]:
    main = _allow(
        {"Federated": SAML_PROVIDER},
        "sts:AssumeRoleWithSAML",
        {"StringEquals": {"SAML:aud": SAML_AUD}},
    )
    caller: Json = {"type": "saml", "provider": SAML_PROVIDER, "attributes": {"saml:sub": "jdoe"}}
    if not allowed:
        caller["attributes"]["saml:aud"] = "https://signin.aws.amazon.com/other"
    return [main], caller, {}


def _org(rng: random.Random, allowed: bool) -> tuple[list[Json], Json, Json]:
    team = rng.choice(TEAMS)
    condition: Json = {"StringEquals": {"aws:PrincipalOrgID": ORG}}
    with_tag = rng.random() < 0.5
    if with_tag:
        condition["StringEquals"]["aws:PrincipalTag/team"] = team
    main = _allow({"AWS": "*"}, ["sts:AssumeRole", "sts:TagSession"], condition)
    guard = {
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/contractor-*"}},
    }
    account = HOME if rng.random() < 0.5 else _account(rng)
    if rng.random() < 0.5:
        caller: Json = {"type": "user", "arn": f"arn:aws:iam::{account}:user/eng-{team}"}
    else:
        caller = {
            "type": "session",
            "role_arn": f"arn:aws:iam::{account}:role/{team}-admin",
            "session_name": "console",
        }
    caller["org"] = ORG
    caller["tags"] = {"team": team}
    caller["identity"] = [
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"], "Resource": "*"}
            ],
        }
    ]
    if not allowed:
        fault = rng.randrange(3)
        if fault == 0:
            caller["org"] = OTHER_ORG
        elif fault == 1 and with_tag:
            caller["tags"] = {"team": "intern"}
        else:
            caller = {"type": "user", "arn": f"arn:aws:iam::{account}:user/contractor-{team}"}
            caller.update(org=ORG, tags={"team": team})
    return [main, guard], caller, {}


SCENARIOS: dict[str, Callable[[random.Random, bool], tuple[list[Json], Json, Json]]] = {
    "github": _github,
    "cross_account": _cross_account,
    "service": _service,
    "saml": _saml,
    "org": _org,
}


def _statement_count(rng: random.Random) -> int:
    # Most trust policies hold one to three statements; a few shared roles hold many.
    return min(20, max(1, int(rng.expovariate(1 / 3)) + 1))


def _size(statements: list[Json]) -> int:
    # Characters besides whitespace, as IAM counts a trust policy (trustsim.validation).
    named = [{**statement, "Sid": f"S{index}"} for index, statement in enumerate(statements)]
    document = {"Version": "2012-10-17", "Statement": named}
    return len(re.sub(r"\s", "", json.dumps(document)))


def generate(count: int = 400, seed: int = 7) -> list[Case]:
    """``count`` cases, the same for the same seed."""
    rng = random.Random(seed)
    names = list(SCENARIOS)
    cases: list[Case] = []
    for number in range(count):
        scenario = names[number % len(names)]
        allowed = rng.random() < 0.5
        statements, caller, options = SCENARIOS[scenario](rng, allowed)
        filler = [_filler(rng) for _ in range(max(0, _statement_count(rng) - len(statements)))]
        # Only policies IAM can save: fillers go until the policy fits its size quota.
        while filler and _size(statements + filler) > TRUST_POLICY_MAX_CHARS:
            filler.pop()
        everything = statements + filler
        rng.shuffle(everything)
        for index, statement in enumerate(everything):
            statement["Sid"] = f"S{index}"
        cases.append(
            {
                "name": f"{scenario}-{number}",
                "scenario": scenario,
                "role_arn": f"arn:aws:iam::{HOME}:role/{scenario}/target-{number % 7}",
                "trust": {"Version": "2012-10-17", "Statement": everything},
                "caller": caller,
                "options": options,
            }
        )
    return cases


# --------------------------------------------------------------------------- building


def make_caller(spec: Json) -> Caller:
    """A fresh trustsim caller from a case's caller description."""
    return caller_factory(spec)()


def caller_factory(spec: Json) -> Callable[[], Caller]:
    """A function that builds the case's caller afresh on each call, as a test fixture does.

    The description is read once, here; each call constructs (and validates) new trustsim
    objects from the values read — the caller, and its organisation membership — the way a
    fixture written out by hand would. The end-to-end benchmark times these calls.
    """
    kind = spec["type"]
    if kind == "github":
        repo = spec["repo"]
        options = {k: v for k, v in spec.items() if k not in ("type", "repo")}
        return lambda: GitHubActions(repo, **options)
    if kind == "service":
        name, account, arn = spec["name"], spec.get("source_account"), spec.get("source_arn")
        return lambda: ServicePrincipal(name, source_account=account, source_arn=arn)
    if kind == "saml":
        provider, attributes = spec["provider"], spec.get("attributes", {})
        return lambda: SamlIdentity(provider, attributes)
    org_id = spec.get("org")
    policies = tuple(_policy(p, "identity") for p in spec.get("identity", ()))
    tags = spec.get("tags", {})
    if kind == "user":
        arn = spec["arn"]
        if org_id:
            return lambda: IamUser(arn, policies=policies, tags=tags, org=OrgMembership(org_id))
        return lambda: IamUser(arn, policies=policies, tags=tags)
    role_arn, session_name = spec["role_arn"], spec["session_name"]
    if org_id:
        return lambda: RoleSession(
            role_arn, session_name, policies=policies, role_tags=tags, org=OrgMembership(org_id)
        )
    return lambda: RoleSession(role_arn, session_name, policies=policies, role_tags=tags)


_POLICIES: dict[tuple[str, int], Any] = {}


def _policy(document: Json, kind: str) -> Any:
    # Parse each document once: the same dict object yields the same Policy object, as a
    # user's fixtures would (compiled plans are cached by policy identity).
    from trustsim.model import PolicyKind  # noqa: PLC0415

    key = (kind, id(document))
    if key not in _POLICIES:
        _POLICIES[key] = (
            document,
            parse_policy(
                document, kind=PolicyKind.IDENTITY if kind == "identity" else PolicyKind.TRUST
            ),
        )
    return _POLICIES[key][1]


def make_role(case: Case) -> Role:
    """The case's role, its trust policy parsed."""
    return Role(case["role_arn"], _policy(case["trust"], "trust"))


def make_request(case: Case, role: Role, caller: Caller | None = None) -> AssumeRoleRequest:
    """The request of a case (a fresh caller unless one is given), at a fixed time."""
    who = make_caller(case["caller"]) if caller is None else caller
    return build_request(who, role, at=AT, **case["options"])


def reference_args(case: Case, request: AssumeRoleRequest) -> tuple[Any, ...]:
    """Arguments of ``tests.support.reference.decide`` for the same request."""
    caller = request.caller
    spec = case["caller"]
    if isinstance(caller, IamUser):
        ref: Json = {"kind": "user", "arn": caller.arn, "identity": spec.get("identity", [])}
    elif isinstance(caller, RoleSession):
        ref = {
            "kind": "role_session",
            "arn": caller.session_arn,
            "role_arn": caller.role_arn,
            "identity": spec.get("identity", []),
        }
    elif isinstance(caller, ServicePrincipal):
        ref = {"kind": "service", "name": caller.name}
    elif isinstance(caller, SamlIdentity):
        ref = {"kind": "saml", "name": caller.provider}
    else:
        ref = {"kind": "oidc", "name": caller.provider}  # type: ignore[union-attr]
    actions = [request.action, *(a for a in request.companion_actions if a != request.action)]
    return case["trust"], ref, request.role.arn, actions, request.context.to_dict()


def main() -> None:
    """Print a summary of a generated corpus."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--count", type=int, default=400)
    args = parser.parse_args()
    from tests.support import reference  # noqa: PLC0415

    cases = generate(args.count, args.seed)
    allowed = 0
    sizes = []
    for case in cases:
        request = make_request(case, make_role(case))
        allowed += reference.decide(*reference_args(case, request)) == "Allow"
        sizes.append(len(case["trust"]["Statement"]))
    print(f"{len(cases)} cases, {allowed} allowed ({allowed / len(cases):.0%}); "
          f"statements per policy: 1-{max(sizes)}, mean {sum(sizes) / len(sizes):.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
