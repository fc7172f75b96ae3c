"""The compact caller syntax of the CLI and scenario files (``github:OWNER/REPO@main``, ARNs).

:func:`caller_from_spec` reads one spec into a caller (:data:`CALLER_SPEC_FORMS` lists the
forms); :func:`claims_from_pairs` reads ``KEY=VALUE`` token claims.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from trustsim.arn import Arn
from trustsim.callers import (
    AccountRoot,
    Anonymous,
    Caller,
    ClaimValue,
    IamUser,
    InvalidCaller,
    RoleSession,
    SamlIdentity,
    ServicePrincipal,
    WebIdentity,
)
from trustsim.identities import GitHubActions

__all__ = ["CALLER_SPEC_FORMS", "caller_from_spec", "claims_from_pairs", "oidc_provider"]


def oidc_provider(text: str) -> str:
    """An OIDC provider as IAM names it: the issuer URL without its scheme and final slash."""
    return text.split("://", 1)[1].rstrip("/") if "://" in text else text


_ROLE_SPEC = re.compile(r"(arn:[^:]+:iam::[0-9]{12}:role/[^#]+)(?:#(.+))?")
_ASSUMED_ROLE = re.compile(r"arn:([^:]+):sts::([0-9]{12}):assumed-role/([^/]+)/(.+)")
_DEFAULT_CALLER_SESSION = "trustsim-caller"

#: The compact caller syntax, one line per form (shown by ``trustsim explain --help``).
CALLER_SPEC_FORMS = (
    "arn:aws:iam::ACCOUNT:user/PATH/NAME          an IAM user",
    "arn:aws:iam::ACCOUNT:role/PATH/NAME[#SESSION] a session of that role",
    "arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION a session of role NAME (path /)",
    "arn:aws:iam::ACCOUNT:root                    the account's root user (or the bare ACCOUNT)",
    "service:NAME                                 a service principal (lambda.amazonaws.com)",
    "github:OWNER/REPO@BRANCH                     a GitHub Actions run (also @refs/heads/B,",
    "                                             @refs/tags/T, @environment:NAME, @pull_request)",
    "saml:SAML-PROVIDER-ARN                       a SAML federated user (attributes: claims)",
    "oidc:ISSUER-OR-PROVIDER-ARN                  any OIDC token (claims: sub=…, aud=…)",
    "anonymous                                    an unsigned caller",
)


def caller_from_spec(spec: str, claims: Mapping[str, ClaimValue] | None = None) -> Caller:
    """A caller from the compact syntax of the command line and of scenario files.

    ``claims`` are the token's claims for ``oidc:``, extra or replaced claims for
    ``github:``, and ``saml:…`` attributes for ``saml:`` (``sub`` reads as ``saml:sub``).
    A bare OIDC issuer stands for its IAM OIDC provider in the role's account.

    >>> caller_from_spec("arn:aws:iam::111122223333:role/ci/Deployer#run-7")
    RoleSession('arn:aws:iam::111122223333:role/ci/Deployer', 'run-7')
    >>> caller_from_spec("github:acme/app@environment:prod").claims["sub"]
    'repo:acme/app:environment:prod'
    >>> caller_from_spec("oidc:https://gitlab.com", {"sub": "project_path:acme/app"}).provider
    'gitlab.com'
    >>> caller_from_spec("bob")
    Traceback (most recent call last):
    ...
    trustsim.errors.InvalidCaller: 'bob' is not a caller spec; use one of: ...

    Raises:
        InvalidCaller: the spec is not one of :data:`CALLER_SPEC_FORMS`, or names a value
            AWS never produces.
    """
    given = dict(claims or {})
    scheme, colon, rest = spec.partition(":")
    if spec == "anonymous":
        caller: Caller = Anonymous()
    elif scheme == "service" and colon:
        caller = ServicePrincipal(rest)
    elif scheme == "github" and colon:
        caller = _github(rest, given)
        given = {}
    elif scheme == "saml" and colon:
        attributes = {
            key if key.lower().startswith("saml:") else f"saml:{key}": value
            for key, value in given.items()
        }
        caller = SamlIdentity(rest, attributes)
        given = {}
    elif scheme == "oidc" and colon:
        caller = WebIdentity(oidc_provider(rest), given)
        given = {}
    elif scheme == "arn" and colon:
        caller = _arn_caller(spec)
    elif spec.isascii() and spec.isdigit() and len(spec) == 12:
        caller = AccountRoot(spec)  # an account ID names the account, as in a trust policy
    else:
        raise InvalidCaller(f"{spec!r} is not a caller spec; use one of: {_forms()}")
    if given:
        raise InvalidCaller(f"claims are for oidc:, github: and saml: callers, not {spec!r}")
    return caller


def _forms() -> str:
    return "; ".join(" ".join(form.split()[:1]) for form in CALLER_SPEC_FORMS if form[0] != " ")


def _arn_caller(spec: str) -> Caller:
    arn = Arn.try_parse(spec)
    if arn is None:
        raise InvalidCaller(f"{spec!r} is not an ARN")
    if arn.service == "iam" and arn.resource == "root":
        return AccountRoot(arn.account, partition=arn.partition)
    if arn.service == "iam" and arn.resource.startswith("user/"):
        return IamUser(spec)
    role = _ROLE_SPEC.fullmatch(spec)
    if role is not None:
        return RoleSession(role.group(1), role.group(2) or _DEFAULT_CALLER_SESSION)
    session = _ASSUMED_ROLE.fullmatch(spec)
    if session is not None:
        partition, account, name, session_name = session.groups()
        return RoleSession(f"arn:{partition}:iam::{account}:role/{name}", session_name)
    raise InvalidCaller(
        f"{spec!r}: an ARN caller is an IAM user, a role (a session of it), an assumed-role "
        "session or an account root"
    )


def _github(rest: str, claims: Mapping[str, ClaimValue]) -> Caller:
    repo, at, what = rest.partition("@")
    if not at or not what:
        raise InvalidCaller(
            f"github:{rest}: say what runs after '@': BRANCH, refs/heads/BRANCH, "
            "refs/tags/TAG, environment:NAME or pull_request"
        )
    options: dict[str, Any] = {}
    if what == "pull_request":
        options["pull_request"] = True
    elif what.startswith("environment:"):
        options["environment"] = what.removeprefix("environment:")
    elif what.startswith("refs/"):
        options["ref"] = what
    else:
        # A bare name is a branch, as GitHub reads it: @main is @refs/heads/main.
        options["branch"] = what
    return GitHubActions(repo, extra_claims=claims, **options)


def claims_from_pairs(pairs: Iterable[str]) -> dict[str, ClaimValue]:
    """``k=v`` texts as claims; a name given twice becomes a multi-valued claim.

    >>> claims_from_pairs(["sub=alice", "amr=authenticated", "amr=graph.facebook.com"])
    {'sub': 'alice', 'amr': ('authenticated', 'graph.facebook.com')}
    """
    claims: dict[str, ClaimValue] = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or not key:
            raise InvalidCaller(f"{pair!r} is not NAME=VALUE")
        previous = claims.get(key)
        if previous is None:
            claims[key] = value
        elif isinstance(previous, tuple):
            claims[key] = (*previous, value)
        else:
            claims[key] = (previous, value)
    return claims
