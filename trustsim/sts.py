"""STS calls as boto3 spells them: ``sts.assume_role(**kwargs)`` arguments → an AssumeRoleRequest.

:func:`request_from_sts` takes the API name and boto3's exact keyword arguments for
``AssumeRole``, ``AssumeRoleWithWebIdentity`` and ``AssumeRoleWithSAML`` and builds the
request trustsim decides — ``Tags=[{"Key": …, "Value": …}]`` become session tags,
``SerialNumber`` with ``TokenCode`` an MFA-authenticated call, a ``WebIdentityToken``'s claims
(decoded, never verified) the web identity, a ``SAMLAssertion``'s issuer, subject and recipient
the SAML identity. Every argument is checked as STS checks it: a wrong type raises
``TypeError`` naming the argument, a value STS would refuse raises
:class:`~trustsim.errors.InvalidRequest`; an argument boto3 does not know is refused, never
ignored.

>>> import trustsim as ts
>>> role = ts.Role("arn:aws:iam::111122223333:role/vendor", ts.parse_policy({"Statement": {
...     "Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "sts:AssumeRole",
...     "Condition": {"StringEquals": {"sts:ExternalId": "c-42"}}}}))
>>> bot = ts.IamUser("arn:aws:iam::444455556666:user/bot", policies=[ts.parse_policy(
...     {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "sts:AssumeRole",
...      "Resource": "*"}}, kind=ts.model.PolicyKind.IDENTITY)])
>>> request = request_from_sts(bot, "AssumeRole", role=role, RoleArn=role.arn,
...                            RoleSessionName="nightly", ExternalId="c-42")
>>> ts.evaluate(request).decision.value
'Allow'
>>> request_from_sts(bot, "AssumeRole", role=role, RoleArn=role.arn, RoleSessionName="x1",
...                  Tags={"team": "a"})
Traceback (most recent call last):
TypeError: AssumeRole Tags: expected a list of {"Key": ..., "Value": ...}, got {'team': 'a'}
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from trustsim.callers import (
    Caller,
    Role,
    RoleSession,
    SamlIdentity,
    WebIdentity,
)
from trustsim.errors import InvalidRequest
from trustsim.requests import AssumeRoleRequest, ProvidedContext, build_request

__all__ = ["STS_APIS", "request_from_sts", "sts_options"]

_COMMON = frozenset({"RoleArn", "RoleSessionName", "PolicyArns", "Policy", "DurationSeconds"})

#: The parameters boto3 accepts for each assume call, and those it requires.
STS_APIS: Mapping[str, tuple[frozenset[str], frozenset[str]]] = {
    "AssumeRole": (
        _COMMON
        | {
            "Tags",
            "TransitiveTagKeys",
            "ExternalId",
            "SerialNumber",
            "TokenCode",
            "SourceIdentity",
            "ProvidedContexts",
        },
        frozenset({"RoleArn", "RoleSessionName"}),
    ),
    "AssumeRoleWithWebIdentity": (
        _COMMON | {"WebIdentityToken", "ProviderId"},
        frozenset({"RoleArn", "RoleSessionName", "WebIdentityToken"}),
    ),
    "AssumeRoleWithSAML": (
        (_COMMON - {"RoleSessionName"}) | {"PrincipalArn", "SAMLAssertion"},
        frozenset({"RoleArn", "PrincipalArn", "SAMLAssertion"}),
    ),
}

_SERIAL_NUMBER = re.compile(r"[\w+=/:,.@-]{9,256}", re.ASCII)
_TOKEN_CODE = re.compile(r"[0-9]{6}")
_MAX_POLICY_ARNS = 10
_MAX_SESSION_POLICY = 2048
_MIN_DURATION, _MAX_DURATION, _CHAINED_MAX = 900, 43200, 3600
_SAML = "{urn:oasis:names:tc:SAML:2.0:assertion}"
_SAML_FORMATS = {
    "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent": "persistent",
    "urn:oasis:names:tc:SAML:2.0:nameid-format:transient": "transient",
}


def _text(api: str, name: str, value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{api} {name}: expected a string, got {value!r}")
    return value


def _strings(api: str, name: str, value: object) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise TypeError(f"{api} {name}: expected a list of strings, got {value!r}")
    return list(value)


def _records(api: str, name: str, value: object, keys: tuple[str, ...]) -> list[dict[str, str]]:
    shape = "{" + ", ".join(f'"{k}": ...' for k in keys) + "}"
    if not isinstance(value, list | tuple):
        raise TypeError(f"{api} {name}: expected a list of {shape}, got {value!r}")
    for item in value:
        ok = isinstance(item, Mapping) and set(item) == set(keys)
        if not ok or not all(isinstance(item[k], str) for k in keys):
            raise TypeError(
                f"{api} {name}: each item must be {shape} with string values, got {item!r}"
            )
    return [dict(item) for item in value]


def _tags(api: str, value: object) -> dict[str, str]:
    tags: dict[str, str] = {}
    for item in _records(api, "Tags", value, ("Key", "Value")):
        if item["Key"].lower() in {k.lower() for k in tags}:
            raise InvalidRequest(
                f"{api} Tags: the key {item['Key']!r} is given twice (tag keys ignore case); "
                "STS answers InvalidParameterValue: Duplicate tag keys found"
            )
        tags[item["Key"]] = item["Value"]
    return tags


def _duration(api: str, value: object, caller: Caller | None) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{api} DurationSeconds: expected an integer, got {value!r}")
    if not _MIN_DURATION <= value <= _MAX_DURATION:
        raise InvalidRequest(
            f"{api} DurationSeconds: {value} is outside 900–43200; STS answers ValidationError"
        )
    if isinstance(caller, RoleSession) and value > _CHAINED_MAX:
        raise InvalidRequest(
            f"{api} DurationSeconds: {value} exceeds one hour for a chained role session "
            "(docs/semantics.md §4.12); STS answers ValidationError: The requested "
            "DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining"
        )


def _session_policy(api: str, params: Mapping[str, object]) -> None:
    if "Policy" in params:
        text = _text(api, "Policy", params["Policy"])
        if len(text) > _MAX_SESSION_POLICY:
            raise InvalidRequest(
                f"{api} Policy: {len(text)} characters, over STS's 2048; "
                "STS answers PackedPolicyTooLarge"
            )
        try:
            document = json.loads(text)
        except ValueError as error:
            raise InvalidRequest(
                f"{api} Policy: not JSON ({error}); STS answers MalformedPolicyDocument"
            ) from None
        if not isinstance(document, dict):
            raise InvalidRequest(
                f"{api} Policy: not a JSON object; STS answers MalformedPolicyDocument"
            )
    if "PolicyArns" in params:
        arns = _records(api, "PolicyArns", params["PolicyArns"], ("arn",))
        if len(arns) > _MAX_POLICY_ARNS:
            raise InvalidRequest(f"{api} PolicyArns: {len(arns)} given, STS takes at most 10")


def _b64url(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def token_claims(token: str) -> dict[str, Any]:
    """The claims of a JWT (``header.payload.signature``), decoded without verifying it.

    >>> import base64, json
    >>> body = base64.urlsafe_b64encode(json.dumps({"iss": "https://x.example", "sub": "s"}).encode())
    >>> token_claims("e30." + body.decode().rstrip("=") + ".sig")
    {'iss': 'https://x.example', 'sub': 's'}
    """
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidRequest(
            "WebIdentityToken: not a JWT (header.payload.signature); "
            "STS answers InvalidIdentityToken"
        )
    try:
        claims = json.loads(_b64url(parts[1]))
    except (ValueError, binascii.Error) as error:
        raise InvalidRequest(
            f"WebIdentityToken: the payload is not base64url JSON ({error}); "
            "STS answers InvalidIdentityToken"
        ) from None
    if not isinstance(claims, dict):
        raise InvalidRequest("WebIdentityToken: the payload is not a JSON object")
    return claims


def _web_identity(token: str) -> WebIdentity:
    claims = token_claims(token)
    issuer = claims.get("iss")
    if not isinstance(issuer, str) or not issuer:
        raise InvalidRequest(
            "WebIdentityToken: no 'iss' claim; STS cannot find the identity provider "
            "(InvalidIdentityToken)"
        )
    host = (issuer.split("://", 1)[1] if "://" in issuer else issuer).rstrip("/")
    kept = {
        name: value
        for name, value in claims.items()
        if isinstance(value, str)
        or (isinstance(value, list) and all(isinstance(v, str) for v in value))
    }
    # A built-in provider is named by its host; any other issuer stands for the IAM OIDC
    # provider of that issuer in the role's account (build_request resolves it).
    return WebIdentity(host, kept)


_SESSION_NAME_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"


def _saml_identity(provider: str, assertion: str) -> tuple[SamlIdentity, str | None]:
    try:
        xml = base64.b64decode(assertion, validate=True).decode("utf-8")
    except (ValueError, binascii.Error) as error:
        raise InvalidRequest(
            f"SAMLAssertion: not base64 of UTF-8 XML ({error}); STS answers MalformedPolicyDocument"
        ) from None
    if "<!DOCTYPE" in xml.upper() or "<!ENTITY" in xml.upper():
        raise InvalidRequest("SAMLAssertion: a DOCTYPE or ENTITY declaration is refused")
    try:
        root = ET.fromstring(xml)  # noqa: S314 - DOCTYPE/ENTITY refused above
    except ET.ParseError as error:
        raise InvalidRequest(f"SAMLAssertion: not well-formed XML ({error})") from None
    assertion_el = root if root.tag == f"{_SAML}Assertion" else root.find(f".//{_SAML}Assertion")
    if assertion_el is None:
        raise InvalidRequest("SAMLAssertion: no saml:Assertion element")
    attributes: dict[str, str | list[str]] = {}
    issuer = assertion_el.find(f"{_SAML}Issuer")
    if issuer is not None and issuer.text:
        attributes["saml:iss"] = issuer.text.strip()
    name_id = assertion_el.find(f"{_SAML}Subject/{_SAML}NameID")
    if name_id is not None and name_id.text:
        attributes["saml:sub"] = name_id.text.strip()
        form = name_id.get("Format")
        if form:
            attributes["saml:sub_type"] = _SAML_FORMATS.get(form, form)
    confirmation = assertion_el.find(
        f"{_SAML}Subject/{_SAML}SubjectConfirmation/{_SAML}SubjectConfirmationData"
    )
    if confirmation is not None and confirmation.get("Recipient"):
        attributes["saml:aud"] = str(confirmation.get("Recipient"))
    session_name = None
    for attribute in assertion_el.iter(f"{_SAML}Attribute"):
        value = attribute.find(f"{_SAML}AttributeValue")
        if attribute.get("Name") == _SESSION_NAME_ATTRIBUTE and value is not None and value.text:
            session_name = value.text.strip()
    return SamlIdentity(provider, attributes), session_name


def sts_options(
    api: str, params: Mapping[str, object], caller: Caller | None = None
) -> tuple[Caller, str, dict[str, Any]]:
    """Check boto3's arguments of one assume call: ``(caller, role ARN, build_request options)``.

    ``caller`` is the signed caller of ``AssumeRole``; for the federated calls it is derived
    from ``WebIdentityToken`` / ``SAMLAssertion`` when not given.
    """
    if api not in STS_APIS:
        raise ValueError(f"unknown STS API {api!r}: expected one of {', '.join(STS_APIS)}")
    known, required = STS_APIS[api]
    unknown = sorted(set(params) - known)
    if unknown:
        raise TypeError(
            f"{api}: unknown parameter(s) {', '.join(unknown)}; boto3 takes "
            f"{', '.join(sorted(known))}"
        )
    missing = sorted(required - set(params))
    if api == "AssumeRoleWithWebIdentity" and isinstance(caller, WebIdentity):
        missing = [m for m in missing if m != "WebIdentityToken"]
    if api == "AssumeRoleWithSAML" and isinstance(caller, SamlIdentity):
        missing = [m for m in missing if m not in {"PrincipalArn", "SAMLAssertion"}]
    if missing:
        raise TypeError(f"{api}: missing required parameter(s) {', '.join(missing)}")
    role_arn = _text(api, "RoleArn", params["RoleArn"])
    options: dict[str, Any] = {"action": f"sts:{api}"}
    if "RoleSessionName" in params:
        options["session_name"] = _text(api, "RoleSessionName", params["RoleSessionName"])
    _session_policy(api, params)
    if api == "AssumeRoleWithWebIdentity":
        caller = _federated_web(api, params, caller)
    elif api == "AssumeRoleWithSAML":
        caller, session_name = _federated_saml(api, params, caller)
        if session_name is not None:
            options["session_name"] = session_name
    elif caller is None:
        raise TypeError("AssumeRole: a signed caller is needed (caller=None)")
    if "DurationSeconds" in params:
        _duration(api, params["DurationSeconds"], caller)
    if "Tags" in params:
        options["tags"] = _tags(api, params["Tags"])
    if "TransitiveTagKeys" in params:
        options["transitive_tag_keys"] = _strings(
            api, "TransitiveTagKeys", params["TransitiveTagKeys"]
        )
    if "ExternalId" in params:
        options["external_id"] = _text(api, "ExternalId", params["ExternalId"])
    if "SourceIdentity" in params:
        options["source_identity"] = _text(api, "SourceIdentity", params["SourceIdentity"])
    if "SerialNumber" in params or "TokenCode" in params:
        options["mfa"] = _mfa(params)
    if "ProvidedContexts" in params:
        records = _records(
            api, "ProvidedContexts", params["ProvidedContexts"], ("ProviderArn", "ContextAssertion")
        )
        options["provided_contexts"] = [ProvidedContext(r["ProviderArn"]) for r in records]
    return caller, role_arn, options


def _mfa(params: Mapping[str, object]) -> bool:
    if "SerialNumber" not in params or "TokenCode" not in params:
        given = "SerialNumber" if "SerialNumber" in params else "TokenCode"
        raise InvalidRequest(
            f"AssumeRole {given}: SerialNumber and TokenCode go together; STS answers "
            "AccessDenied: MultiFactorAuthentication failed"
        )
    serial = _text("AssumeRole", "SerialNumber", params["SerialNumber"])
    code = _text("AssumeRole", "TokenCode", params["TokenCode"])
    if not _SERIAL_NUMBER.fullmatch(serial):
        raise InvalidRequest(
            f"AssumeRole SerialNumber: {serial!r} is not 9–256 characters of [\\w+=/:,.@-]; "
            "STS answers ValidationError"
        )
    if not _TOKEN_CODE.fullmatch(code):
        raise InvalidRequest(
            f"AssumeRole TokenCode: {code!r} is not six digits; STS answers ValidationError"
        )
    return True


def _federated_web(api: str, params: Mapping[str, object], caller: Caller | None) -> Caller:
    if "ProviderId" in params:
        provider = _text(api, "ProviderId", params["ProviderId"])
        if not isinstance(caller, WebIdentity) or caller.provider != provider:
            raise InvalidRequest(
                f"{api} ProviderId: {provider!r} tokens (OAuth 2.0 access tokens) cannot be "
                "read; pass caller=WebIdentity(provider, claims) instead"
            )
    if "WebIdentityToken" in params:
        token = _text(api, "WebIdentityToken", params["WebIdentityToken"])
        if caller is not None:
            raise TypeError(f"{api}: give the caller or WebIdentityToken, not both")
        return _web_identity(token)
    if not isinstance(caller, WebIdentity):
        raise TypeError(f"{api}: the caller must be a WebIdentity, got {caller!r}")
    return caller


def _federated_saml(
    api: str, params: Mapping[str, object], caller: Caller | None
) -> tuple[Caller, str | None]:
    if "SAMLAssertion" in params or "PrincipalArn" in params:
        if caller is not None:
            raise TypeError(f"{api}: give the caller or PrincipalArn/SAMLAssertion, not both")
        provider = _text(api, "PrincipalArn", params.get("PrincipalArn"))
        assertion = _text(api, "SAMLAssertion", params.get("SAMLAssertion"))
        return _saml_identity(provider, assertion)
    if not isinstance(caller, SamlIdentity):
        raise TypeError(f"{api}: the caller must be a SamlIdentity, got {caller!r}")
    return caller, None


def request_from_sts(
    caller: Caller | None, api: str, /, *, role: Role, **params: object
) -> AssumeRoleRequest:
    """The request an STS assume call with boto3's keyword arguments makes of ``role``.

    ``api`` is ``"AssumeRole"``, ``"AssumeRoleWithWebIdentity"`` or ``"AssumeRoleWithSAML"``;
    ``RoleArn`` must be ``role``'s ARN. For the federated calls ``caller`` may be ``None``: the
    identity then comes from the token's claims (never verified) or the assertion's issuer,
    subject and recipient.

    >>> import base64, json
    >>> import trustsim as ts
    >>> role = ts.Role("arn:aws:iam::111122223333:role/deploy", ts.parse_policy({"Statement": {
    ...     "Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity", "Principal": {
    ...     "Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
    ...     "Condition": {"StringEquals": {
    ...         "token.actions.githubusercontent.com:sub": "repo:acme/app:ref:refs/heads/main"}}}}))
    >>> def jwt(claims):
    ...     body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    ...     return f"e30.{body}.sig"
    >>> claims = {"iss": "https://token.actions.githubusercontent.com", "aud": "sts.amazonaws.com"}
    >>> main = jwt({**claims, "sub": "repo:acme/app:ref:refs/heads/main"})
    >>> pr = jwt({**claims, "sub": "repo:acme/app:pull_request"})
    >>> call = dict(role=role, RoleArn=role.arn, RoleSessionName="gha")
    >>> ts.decide(request_from_sts(None, "AssumeRoleWithWebIdentity", WebIdentityToken=main, **call))
    <Decision.ALLOW: 'Allow'>
    >>> ts.decide(request_from_sts(None, "AssumeRoleWithWebIdentity", WebIdentityToken=pr, **call))
    <Decision.IMPLICIT_DENY: 'ImplicitDeny'>
    """
    if not isinstance(role, Role):
        raise TypeError(f"request_from_sts role: expected a Role, got {role!r}")
    if not isinstance(api, str):
        raise TypeError(f"request_from_sts api: expected a string, got {api!r}")
    who, role_arn, options = sts_options(api, params, caller)
    if role_arn != role.arn:
        raise InvalidRequest(
            f"{api} RoleArn: {role_arn!r} is not the ARN of the role given ({role.arn!r})"
        )
    return build_request(who, role, **options)
