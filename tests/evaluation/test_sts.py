"""trustsim.sts: boto3's keyword arguments of the three assume calls, checked as STS checks them."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

import trustsim as ts
from trustsim.errors import InvalidRequest
from trustsim.sts import STS_APIS, request_from_sts, sts_options, token_claims

ROLE = ts.Role(
    "arn:aws:iam::111122223333:role/vendor",
    ts.parse_policy(
        {
            "Statement": {
                "Effect": "Allow",
                "Principal": {"AWS": "444455556666"},
                "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
            }
        }
    ),
)
BOT = ts.IamUser("arn:aws:iam::444455556666:user/bot")
SESSION = ts.RoleSession("arn:aws:iam::444455556666:role/ci", "run-1")
BASE = {"role": ROLE, "RoleArn": ROLE.arn, "RoleSessionName": "nightly"}
GITHUB = "token.actions.githubusercontent.com"


def _jwt(claims: object) -> str:
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"eyJhbGciOiJub25lIn0.{body}.c2ln"


def _ctx(request: ts.AssumeRoleRequest) -> dict[str, tuple[str, ...]]:
    return {
        k: v for k, v in request.context.items() if k not in {"aws:currenttime", "aws:epochtime"}
    }


def test_the_boto3_arguments_build_the_request_build_request_would() -> None:
    params: dict[str, Any] = {
        "Tags": [{"Key": "team", "Value": "a"}, {"Key": "env", "Value": "prod"}],
        "TransitiveTagKeys": ["team"],
        "ExternalId": "customer-42",
        "SourceIdentity": "alice",
        "SerialNumber": "arn:aws:iam::444455556666:mfa/bot",
        "TokenCode": "123456",
        "DurationSeconds": 3600,
        "Policy": json.dumps({"Version": "2012-10-17", "Statement": []}),
        "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
    }
    ours = request_from_sts(BOT, "AssumeRole", **BASE, **params)
    theirs = ts.build_request(
        BOT,
        ROLE,
        action="sts:AssumeRole",
        session_name="nightly",
        tags={"team": "a", "env": "prod"},
        transitive_tag_keys=["team"],
        external_id="customer-42",
        source_identity="alice",
        mfa=True,
    )
    assert _ctx(ours) == _ctx(theirs)
    assert ours.companion_actions == theirs.companion_actions
    assert ours.context.get_values("aws:MultiFactorAuthPresent") == ("true",)
    assert ts.evaluate(ours).decision is ts.evaluate(theirs).decision


def test_every_api_lists_what_boto3_requires() -> None:
    assert set(STS_APIS) == {"AssumeRole", "AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"}
    for known, required in STS_APIS.values():
        assert required <= known
        assert "RoleArn" in required


@pytest.mark.parametrize(
    ("api", "params", "error", "message"),
    [
        ("AssumeRoles", {}, ValueError, "unknown STS API 'AssumeRoles'"),
        (
            "AssumeRole",
            {"RoleSessionName": "x1"},
            TypeError,
            "missing required parameter.s. RoleArn",
        ),
        ("AssumeRole", {**BASE, "Externalid": "x"}, TypeError, "unknown parameter.s. Externalid"),
        ("AssumeRole", {**BASE, "RoleArn": 5}, TypeError, "RoleArn: expected a string"),
        ("AssumeRole", {**BASE, "Tags": {"a": "b"}}, TypeError, "Tags: expected a list"),
        ("AssumeRole", {**BASE, "Tags": [{"Key": "a"}]}, TypeError, "each item must be"),
        ("AssumeRole", {**BASE, "Tags": [{"Key": "a", "Value": 1}]}, TypeError, "string values"),
        (
            "AssumeRole",
            {**BASE, "Tags": [{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}]},
            InvalidRequest,
            "given twice",
        ),
        ("AssumeRole", {**BASE, "TransitiveTagKeys": "team"}, TypeError, "list of strings"),
        (
            "AssumeRole",
            {**BASE, "SerialNumber": "arn:aws:iam::1:mfa/x"},
            InvalidRequest,
            "go together",
        ),
        ("AssumeRole", {**BASE, "TokenCode": "123456"}, InvalidRequest, "go together"),
        (
            "AssumeRole",
            {**BASE, "SerialNumber": "arn:aws:iam::1:mfa/x", "TokenCode": "12345"},
            InvalidRequest,
            "six digits",
        ),
        (
            "AssumeRole",
            {**BASE, "SerialNumber": "short", "TokenCode": "123456"},
            InvalidRequest,
            "9–256",
        ),
        ("AssumeRole", {**BASE, "DurationSeconds": "3600"}, TypeError, "expected an integer"),
        ("AssumeRole", {**BASE, "DurationSeconds": True}, TypeError, "expected an integer"),
        ("AssumeRole", {**BASE, "DurationSeconds": 899}, InvalidRequest, "outside 900–43200"),
        ("AssumeRole", {**BASE, "DurationSeconds": 43201}, InvalidRequest, "outside 900–43200"),
        ("AssumeRole", {**BASE, "Policy": "{"}, InvalidRequest, "not JSON"),
        ("AssumeRole", {**BASE, "Policy": "[]"}, InvalidRequest, "not a JSON object"),
        ("AssumeRole", {**BASE, "Policy": " " * 2049}, InvalidRequest, "over STS's 2048"),
        ("AssumeRole", {**BASE, "PolicyArns": ["arn:x"]}, TypeError, "each item must be"),
        (
            "AssumeRole",
            {**BASE, "PolicyArns": [{"arn": f"arn:aws:iam::aws:policy/P{i}"} for i in range(11)]},
            InvalidRequest,
            "at most 10",
        ),
        (
            "AssumeRole",
            {**BASE, "RoleArn": "arn:aws:iam::111122223333:role/other"},
            InvalidRequest,
            "is not the ARN of the role given",
        ),
        ("AssumeRoleWithWebIdentity", {**BASE, "ExternalId": "x"}, TypeError, "unknown parameter"),
    ],
)
def test_wrong_arguments_are_refused_naming_them(
    api: str, params: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        request_from_sts(BOT, api, **{"role": ROLE, **params})


def test_the_role_and_the_api_are_type_checked() -> None:
    with pytest.raises(TypeError, match="role: expected a Role"):
        request_from_sts(BOT, "AssumeRole", **{**BASE, "role": ROLE.arn})
    with pytest.raises(TypeError, match="api: expected a string"):
        request_from_sts(BOT, 1, **BASE)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="a signed caller is needed"):
        request_from_sts(None, "AssumeRole", **BASE)


def test_a_chained_session_may_not_ask_for_more_than_an_hour() -> None:
    request_from_sts(SESSION, "AssumeRole", **BASE, DurationSeconds=3600)
    request_from_sts(BOT, "AssumeRole", **BASE, DurationSeconds=7200)
    with pytest.raises(InvalidRequest, match="exceeds one hour for a chained role session"):
        request_from_sts(SESSION, "AssumeRole", **BASE, DurationSeconds=3601)


def test_sts_own_checks_still_apply() -> None:
    with pytest.raises(InvalidRequest):
        request_from_sts(BOT, "AssumeRole", **BASE, ExternalId="x")


WEB_ROLE = ts.Role(
    "arn:aws:iam::111122223333:role/deploy",
    ts.parse_policy(
        {
            "Statement": {
                "Effect": "Allow",
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Principal": {"Federated": f"arn:aws:iam::111122223333:oidc-provider/{GITHUB}"},
                "Condition": {
                    "StringEquals": {
                        f"{GITHUB}:sub": "repo:acme/app:ref:refs/heads/main",
                        f"{GITHUB}:aud": "sts.amazonaws.com",
                    }
                },
            }
        }
    ),
)
WEB = {"role": WEB_ROLE, "RoleArn": WEB_ROLE.arn, "RoleSessionName": "gha"}
CLAIMS = {"iss": f"https://{GITHUB}", "aud": "sts.amazonaws.com"}


def test_a_token_decides_like_the_github_actions_caller_it_describes() -> None:
    for branch in ("main", "dev"):
        token = _jwt({**CLAIMS, "sub": f"repo:acme/app:ref:refs/heads/{branch}", "ref": "x"})
        ours = request_from_sts(None, "AssumeRoleWithWebIdentity", WebIdentityToken=token, **WEB)
        theirs = ts.build_request(ts.GitHubActions("acme/app", branch=branch), WEB_ROLE)
        assert ours.context.get_values(f"{GITHUB}:sub") == theirs.context.get_values(
            f"{GITHUB}:sub"
        )
        assert ts.decide(ours) is ts.decide(theirs)
        assert (ts.decide(ours) is ts.Decision.ALLOW) == (branch == "main")


def test_a_web_identity_caller_may_stand_for_the_token() -> None:
    caller = ts.GitHubActions("acme/app", branch="main")
    request = request_from_sts(caller, "AssumeRoleWithWebIdentity", **WEB)
    assert ts.decide(request) is ts.Decision.ALLOW
    with pytest.raises(TypeError, match="not both"):
        request_from_sts(caller, "AssumeRoleWithWebIdentity", WebIdentityToken=_jwt(CLAIMS), **WEB)
    with pytest.raises(TypeError, match=r"missing required parameter\(s\) WebIdentityToken"):
        request_from_sts(BOT, "AssumeRoleWithWebIdentity", **WEB)


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("abc", "not a JWT"),
        ("a.!!!.c", "not base64url JSON"),
        (_jwt([1]), "not a JSON object"),
        (_jwt({"sub": "x"}), "no 'iss' claim"),
    ],
)
def test_unreadable_tokens_are_refused(token: str, message: str) -> None:
    with pytest.raises(InvalidRequest, match=message):
        request_from_sts(None, "AssumeRoleWithWebIdentity", WebIdentityToken=token, **WEB)


def test_token_claims_are_read_without_verification() -> None:
    assert token_claims(_jwt({"iss": "https://x", "n": [1]})) == {"iss": "https://x", "n": [1]}


def test_an_oauth_provider_id_needs_a_caller() -> None:
    with pytest.raises(InvalidRequest, match="ProviderId"):
        request_from_sts(
            None,
            "AssumeRoleWithWebIdentity",
            WebIdentityToken="opaque",
            ProviderId="graph.facebook.com",
            **WEB,
        )


SAML_PROVIDER = "arn:aws:iam::111122223333:saml-provider/Okta"
SAML_ROLE = ts.Role(
    "arn:aws:iam::111122223333:role/okta",
    ts.parse_policy(
        {
            "Statement": {
                "Effect": "Allow",
                "Action": "sts:AssumeRoleWithSAML",
                "Principal": {"Federated": SAML_PROVIDER},
                "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
            }
        }
    ),
)


def _assertion(recipient: str, prolog: str = "") -> str:
    xml = f"""{prolog}<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"
 xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><saml:Assertion>
<saml:Issuer>http://www.okta.com/exk1</saml:Issuer>
<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">jdoe</saml:NameID>
<saml:SubjectConfirmation><saml:SubjectConfirmationData Recipient="{recipient}"/></saml:SubjectConfirmation>
</saml:Subject><saml:AttributeStatement>
<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName">
<saml:AttributeValue>jdoe</saml:AttributeValue></saml:Attribute>
</saml:AttributeStatement></saml:Assertion></samlp:Response>"""
    return base64.b64encode(xml.encode()).decode()


def test_a_saml_assertion_gives_the_keys_aws_derives() -> None:
    call = {"role": SAML_ROLE, "RoleArn": SAML_ROLE.arn, "PrincipalArn": SAML_PROVIDER}
    good = _assertion("https://signin.aws.amazon.com/saml")
    request = request_from_sts(None, "AssumeRoleWithSAML", SAMLAssertion=good, **call)
    expected = ts.SamlIdentity(
        SAML_PROVIDER,
        {
            "saml:aud": "https://signin.aws.amazon.com/saml",
            "saml:iss": "http://www.okta.com/exk1",
            "saml:sub": "jdoe",
            "saml:sub_type": "persistent",
        },
    )
    assert request.caller == expected
    assert request.context.get_values("sts:RoleSessionName") == ("jdoe",)
    assert ts.decide(request) is ts.Decision.ALLOW
    evil = _assertion("https://evil.example/saml")
    denied = request_from_sts(None, "AssumeRoleWithSAML", SAMLAssertion=evil, **call)
    assert ts.decide(denied) is ts.Decision.IMPLICIT_DENY


@pytest.mark.parametrize(
    ("assertion", "message"),
    [
        ("not base64!", "not base64"),
        (_assertion("x", '<!DOCTYPE r [<!ENTITY a "b">]>'), "DOCTYPE or ENTITY"),
        (base64.b64encode(b"<a>").decode(), "not well-formed"),
        (base64.b64encode(b"<a/>").decode(), "no saml:Assertion"),
    ],
)
def test_unreadable_assertions_are_refused(assertion: str, message: str) -> None:
    call = {"role": SAML_ROLE, "RoleArn": SAML_ROLE.arn, "PrincipalArn": SAML_PROVIDER}
    with pytest.raises(InvalidRequest, match=message):
        request_from_sts(None, "AssumeRoleWithSAML", SAMLAssertion=assertion, **call)


def test_sts_options_names_the_caller_role_and_options() -> None:
    caller, role_arn, options = sts_options(
        "AssumeRole",
        {
            "RoleArn": ROLE.arn,
            "RoleSessionName": "x1",
            "ProvidedContexts": [
                {
                    "ProviderArn": "arn:aws:iam::aws:contextProvider/IdentityCenter",
                    "ContextAssertion": "opaque",
                }
            ],
        },
        BOT,
    )
    assert (caller, role_arn) == (BOT, ROLE.arn)
    assert options["provided_contexts"] == [
        ts.ProvidedContext("arn:aws:iam::aws:contextProvider/IdentityCenter")
    ]


def _scenario(request: object, expected: str = "Allow", action: str = "sts:AssumeRole") -> object:
    return {
        "name": "vendor",
        "role": {
            "arn": "arn:aws:iam::111122223333:role/vendor",
            "trust_policy": {
                "Statement": {
                    "Effect": "Allow",
                    "Principal": {"AWS": "444455556666"},
                    "Action": ["sts:AssumeRole", "sts:TagSession"],
                    "Condition": {"StringEquals": {"sts:ExternalId": "customer-42"}},
                }
            },
        },
        "caller": {
            "kind": "user",
            "arn": BOT.arn,
            "identity_policies": [
                {
                    "Version": "2012-10-17",
                    "Statement": {"Effect": "Allow", "Action": "sts:*", "Resource": "*"},
                }
            ],
        },
        "action": action,
        "request": request,
        "expected": expected,
    }


def test_scenario_files_take_the_same_boto3_arguments() -> None:
    good = {
        "RoleSessionName": "nightly",
        "ExternalId": "customer-42",
        "Tags": [{"Key": "team", "Value": "a"}],
    }
    [allowed] = ts.load_scenarios([_scenario(good)])
    result = allowed.run()
    assert result.passed, result.report()
    assert result.outcome is not None
    assert result.outcome.request.context.get_values("aws:RequestTag/team") == ("a",)
    [denied] = ts.load_scenarios([_scenario({"RoleSessionName": "nightly"}, "ImplicitDeny")])
    assert denied.run().passed
    [wrong] = ts.load_scenarios([_scenario({**good, "Tags": {"team": "a"}})])
    assert wrong.run().decision == "Error"


@pytest.mark.parametrize(
    ("request_", "action", "message"),
    [
        ({"ExternalID": "x"}, "sts:AssumeRole", "AssumeRole takes no ExternalID"),
        (["x"], "sts:AssumeRole", "request must be an object"),
        ({}, "sts:TagSession", "not sts:TagSession"),
    ],
)
def test_scenario_requests_are_checked_when_loaded(
    request_: object, action: str, message: str
) -> None:
    with pytest.raises(ts.MalformedScenario, match=message):
        ts.load_scenarios([_scenario(request_, action=action)])
