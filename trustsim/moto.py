"""moto's STS, deciding with trustsim: ``AccessDenied`` where AWS would deny.

moto (the AWS mock most Python test suites use) hands out credentials for any ``assume_role``
call, whatever the role's trust policy says. Inside :func:`enforcing` (or with the pytest
fixture ``moto_trust`` of trustsim's pytest plugin) its ``AssumeRole``, ``AssumeRoleWithWebIdentity`` and
``AssumeRoleWithSAML`` first ask trustsim: the role, its trust policy and tags come from
moto's IAM backend, and so do the calling user's or role session's identity policies and
permissions boundary; the caller is the principal owning the credentials moto resolves (an
IAM user's access key, or a session moto issued). Where trustsim denies, the call fails with
``AccessDenied`` carrying trustsim's reason; otherwise moto answers as it always does.

Requires the ``moto`` extra (``pip install 'trustsim[moto]'``). See docs/moto.md.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from trustsim.callers import (
    AccountRoot,
    Caller,
    IamUser,
    Role,
    RoleSession,
    SamlIdentity,
    WebIdentity,
)
from trustsim.errors import TrustsimError
from trustsim.evaluation import evaluate
from trustsim.model import Policy, PolicyKind
from trustsim.parsing import parse_policy
from trustsim.requests import build_request
from trustsim.sts import sts_options

__all__ = ["TrustDenied", "enforcing"]

_APIS = {
    "assume_role": "AssumeRole",
    "assume_role_with_web_identity": "AssumeRoleWithWebIdentity",
    "assume_role_with_saml": "AssumeRoleWithSAML",
}
_PARAMS = (
    "RoleArn",
    "RoleSessionName",
    "Policy",
    "DurationSeconds",
    "ExternalId",
    "SerialNumber",
    "TokenCode",
    "SourceIdentity",
    "TransitiveTagKeys",
    "WebIdentityToken",
    "ProviderId",
    "PrincipalArn",
    "SAMLAssertion",
)
_LOCK = threading.Lock()
_DEPTH = [0]
#: Token or assertion text → the trustsim identity it stands for, per active enforcing() block.
_IDENTITIES: list[Mapping[str, WebIdentity | SamlIdentity]] = []
_CREDENTIAL_PARAMS = {
    "AssumeRoleWithWebIdentity": "WebIdentityToken",
    "AssumeRoleWithSAML": "SAMLAssertion",
}


def _moto() -> tuple[Any, Any, Any, Any]:
    try:
        from moto.core.exceptions import _RESTError  # noqa: PLC0415
        from moto.iam.models import iam_backends  # noqa: PLC0415
        from moto.sts.models import sts_backends  # noqa: PLC0415
        from moto.sts.responses import TokenResponse  # noqa: PLC0415
    except ImportError as error:  # pragma: no cover - exercised without the extra
        raise ImportError("trustsim.moto needs moto: pip install 'trustsim[moto]'") from error
    return _RESTError, iam_backends, sts_backends, TokenResponse


def _error_class() -> type[Exception]:
    rest_error = _moto()[0]

    class AccessDenied(rest_error):  # type: ignore[misc, valid-type]
        """STS's AccessDenied: HTTP 403 with code ``AccessDenied``."""

        code = 403

    return AccessDenied


class TrustDenied(Exception):
    """Raised inside moto (and turned into an ``AccessDenied`` response) when trustsim denies."""


def _policy(document: str | dict[str, Any], kind: PolicyKind) -> Policy:
    data = json.loads(document) if isinstance(document, str) else document
    return parse_policy(data, kind=kind)


def _managed(iam: Any, arn: str | None, kind: PolicyKind = PolicyKind.IDENTITY) -> Policy | None:
    if not arn:
        return None
    policy = iam.managed_policies.get(arn) or getattr(iam, "aws_managed_policies", {}).get(arn)
    if policy is None:
        raise TrustDenied(f"the managed policy {arn} is not in moto's IAM")
    for version in policy.versions:
        if version.is_default:
            return _policy(version.document, kind)
    raise TrustDenied(f"the managed policy {arn} has no default version")


def _identity_policies(iam: Any, entity: Any) -> list[Policy]:
    policies = [_policy(doc, PolicyKind.IDENTITY) for doc in entity.policies.values()]
    for managed in entity.managed_policies.values():
        found = _managed(iam, managed.arn)
        if found is not None:
            policies.append(found)
    for group in getattr(iam, "groups", {}).values():
        if entity in getattr(group, "users", ()):
            policies += [_policy(doc, PolicyKind.IDENTITY) for doc in group.policies.values()]
            for managed in group.managed_policies.values():
                found = _managed(iam, managed.arn)
                if found is not None:
                    policies.append(found)
    return policies


def _boundary(iam: Any, entity: Any) -> Policy | None:
    arn = getattr(entity, "permissions_boundary_arn", None)
    return _managed(iam, arn, PolicyKind.PERMISSIONS_BOUNDARY)


def _role(iam_backends: Any, role_arn: str) -> tuple[Role, Any] | None:
    parts = role_arn.split(":")
    if len(parts) < 6 or not (parts[4].isascii() and parts[4].isdigit()):
        return None
    iam = iam_backends[parts[4]][parts[1]]
    for role in iam.roles.values():
        if role.arn == role_arn:
            trust = _policy(role.assume_role_policy_document, PolicyKind.TRUST)
            tags = {k: v["Value"] for k, v in role.tags.items()} if role.tags else {}
            return Role(role.arn, trust, tags=tags), iam
    return None


def _caller(response: Any, iam_backends: Any, sts_backends: Any) -> Caller:
    key = response.get_access_key()
    for account in list(iam_backends):
        for partition in list(iam_backends[account]):
            iam = iam_backends[account][partition]
            user = iam.get_user_from_access_key_id(key)
            if user is not None:
                return IamUser(
                    user.arn,
                    policies=_identity_policies(iam, user),
                    permissions_boundary=_boundary(iam, user),
                )
    for account in list(sts_backends):
        for partition in list(sts_backends[account]):
            session = sts_backends[account][partition].get_assumed_role_from_access_key(key)
            if session is not None:
                return _session(iam_backends, session)
    # moto treats unknown credentials as the root user of its current account.
    return AccountRoot(response.current_account)


def _session(iam_backends: Any, session: Any) -> Caller:
    found = _role(iam_backends, session.role_arn)
    if found is None:
        raise TrustDenied(f"the calling session's role {session.role_arn} is not in moto's IAM")
    role, iam = found
    entity = next(r for r in iam.roles.values() if r.arn == session.role_arn)
    return RoleSession(
        session.role_arn,
        session.session_name,
        policies=_identity_policies(iam, entity),
        permissions_boundary=_boundary(iam, entity),
        role_tags=role.tags,
    )


def _params(response: Any, api: str) -> dict[str, object]:
    params: dict[str, object] = {}
    for name in _PARAMS:
        value = response._get_param(name)
        if value is not None:
            params[name] = value
    if "DurationSeconds" in params:
        params["DurationSeconds"] = int(str(params["DurationSeconds"]))
    tags = response._get_param("Tags")
    if tags:
        params["Tags"] = [{"Key": t.get("Key"), "Value": t.get("Value")} for t in tags]
    if "TransitiveTagKeys" in params:
        params["TransitiveTagKeys"] = list(params["TransitiveTagKeys"])  # type: ignore[call-overload]
    if api != "AssumeRole":
        for name in ("ExternalId", "SerialNumber", "TokenCode", "SourceIdentity", "Tags"):
            params.pop(name, None)
    return params


def _check(response: Any, api: str) -> None:
    _, iam_backends, sts_backends, _ = _moto()
    params = _params(response, api)
    role_arn = str(params.get("RoleArn", ""))
    denied = f"not authorized to perform: sts:{api} on resource: {role_arn}"
    try:
        found = _role(iam_backends, role_arn)
        if found is None:
            raise TrustDenied(
                f"{denied} (trustsim: no such role in moto's IAM; STS refuses a role that "
                "does not exist)"
            )
        caller = (
            _caller(response, iam_backends, sts_backends)
            if api == "AssumeRole"
            else _known_identity(api, params)
        )
        who, _, options = sts_options(api, params, caller)
        outcome = evaluate(build_request(who, found[0], **options))
    except (TrustsimError, TypeError, ValueError) as error:
        # Fail closed: a policy, caller or argument trustsim cannot read is a denial.
        raise TrustDenied(f"{denied} (trustsim refused the call: {error})") from None
    if not outcome.allowed:
        raise TrustDenied(f"{denied} (trustsim: {outcome.decision.value}: {outcome.reason})")


def _known_identity(api: str, params: dict[str, object]) -> WebIdentity | SamlIdentity | None:
    """The identity enforcing(identities=...) gave for this call's token or assertion."""
    text = params.get(_CREDENTIAL_PARAMS[api])
    for identities in reversed(_IDENTITIES):
        if isinstance(text, str) and text in identities:
            params.pop(_CREDENTIAL_PARAMS[api])
            params.pop("PrincipalArn", None)
            return identities[text]
    return None


def _wrap(original: Callable[..., Any], api: str) -> Callable[..., Any]:
    access_denied = _error_class()

    def checked(self: Any) -> Any:
        try:
            _check(self, api)
        except TrustDenied as denied:
            raise access_denied("AccessDenied", str(denied)) from None
        return original(self)

    checked.__wrapped__ = original  # type: ignore[attr-defined]
    return checked


@contextlib.contextmanager
def enforcing(
    identities: Mapping[str, WebIdentity | SamlIdentity] | None = None,
) -> Iterator[None]:
    """Make moto's STS decide assume calls with trustsim while the block runs.

    Use inside moto's own ``mock_aws()``; nesting is allowed. ``identities`` maps the text of a
    ``WebIdentityToken`` or ``SAMLAssertion`` your code passes to the trustsim identity it stands
    for (``{"token-of-main": ts.GitHubActions("acme/app", branch="main")}``), for tests whose
    tokens are not JWTs; other tokens are read as :func:`trustsim.sts.request_from_sts` reads them.
    """
    given: object = identities
    if given is not None and (
        not isinstance(given, Mapping)
        or not all(isinstance(k, str) for k in given)
        or not all(isinstance(v, WebIdentity | SamlIdentity) for v in given.values())
    ):
        raise TypeError(
            "enforcing identities: expected a mapping of token or assertion text to "
            f"WebIdentity / SamlIdentity, got {identities!r}"
        )
    _, _, _, token_response = _moto()
    with _LOCK:
        if _DEPTH[0] == 0:
            for method, api in _APIS.items():
                setattr(token_response, method, _wrap(getattr(token_response, method), api))
        _DEPTH[0] += 1
        _IDENTITIES.append(dict(identities or {}))
    try:
        yield
    finally:
        with _LOCK:
            _IDENTITIES.pop()
            _DEPTH[0] -= 1
            if _DEPTH[0] == 0:
                for method in _APIS:
                    current = getattr(token_response, method)
                    setattr(token_response, method, current.__wrapped__)
