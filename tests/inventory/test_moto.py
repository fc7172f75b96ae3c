"""trustsim.moto: boto3 against moto, with moto's STS deciding through trustsim."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.sts.responses import TokenResponse

import trustsim as ts
from trustsim.moto import enforcing

ROLE_ACCOUNT = "111111111111"
VENDOR = "123456789012"  # moto's default account: the vendor's user lives there
REGION = "us-east-1"
GITHUB = "token.actions.githubusercontent.com"


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def _client(service: str, **credentials: str) -> object:
    return boto3.client(service, region_name=REGION, **credentials)


def _in_role_account() -> dict[str, str]:
    """Credentials in the role's account, made before trustsim enforces anything."""
    sts = boto3.client("sts", region_name=REGION)
    creds = sts.assume_role(
        RoleArn=f"arn:aws:iam::{ROLE_ACCOUNT}:role/bootstrap", RoleSessionName="setup"
    )["Credentials"]
    return {
        "aws_access_key_id": creds["AccessKeyId"],
        "aws_secret_access_key": creds["SecretAccessKey"],
        "aws_session_token": creds["SessionToken"],
    }


def _role(name: str, trust: dict[str, object]) -> str:
    iam = _client("iam", **_in_role_account())
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]


def _vendor_user() -> dict[str, str]:
    iam = _client("iam")
    iam.create_user(UserName="bot")
    iam.put_user_policy(
        UserName="bot",
        PolicyName="assume",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"},
            }
        ),
    )
    key = iam.create_access_key(UserName="bot")["AccessKey"]
    return {
        "aws_access_key_id": key["AccessKeyId"],
        "aws_secret_access_key": key["SecretAccessKey"],
    }


def _jwt(claims: dict[str, object]) -> str:
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"eyJhbGciOiJub25lIn0.{body}.c2ln"


def test_an_external_id_role_denies_without_it_and_allows_with_it(aws: None) -> None:
    arn = _role(
        "vendor",
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{VENDOR}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": "customer-42"}},
            },
        },
    )
    sts = _client("sts", **_vendor_user())
    # moto alone hands out credentials here:
    assert sts.assume_role(RoleArn=arn, RoleSessionName="nightly")["Credentials"]
    with enforcing():
        with pytest.raises(ClientError) as denied:
            sts.assume_role(RoleArn=arn, RoleSessionName="nightly")
        error = denied.value.response["Error"]
        assert error["Code"] == "AccessDenied"
        assert "sts:AssumeRole" in error["Message"]
        assert "ImplicitDeny" in error["Message"]
        wrong = pytest.raises(ClientError, match="AccessDenied")
        with wrong:
            sts.assume_role(RoleArn=arn, RoleSessionName="nightly", ExternalId="customer-43")
        allowed = sts.assume_role(RoleArn=arn, RoleSessionName="nightly", ExternalId="customer-42")
        assert allowed["AssumedRoleUser"]["Arn"].endswith(":assumed-role/vendor/nightly")
    # Outside the block moto is itself again.
    assert sts.assume_role(RoleArn=arn, RoleSessionName="nightly")["Credentials"]


def test_the_fixture_enforces_for_the_test(aws: None, moto_trust: None) -> None:
    sts = _client("sts")
    # moto's default credentials are the account's root user, which STS never lets assume a role.
    with pytest.raises(ClientError, match="AccessDenied"):
        sts.assume_role(RoleArn=f"arn:aws:iam::{VENDOR}:role/absent", RoleSessionName="nightly")


def test_a_missing_role_is_denied(aws: None) -> None:
    sts = _client("sts", **_vendor_user())
    with enforcing(), pytest.raises(ClientError, match="no such role"):
        sts.assume_role(RoleArn=f"arn:aws:iam::{ROLE_ACCOUNT}:role/none", RoleSessionName="x1")


def test_a_github_oidc_role_denies_a_pull_request_token(aws: None) -> None:
    arn = _role(
        "deploy",
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Principal": {"Federated": f"arn:aws:iam::{ROLE_ACCOUNT}:oidc-provider/{GITHUB}"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{GITHUB}:aud": "sts.amazonaws.com",
                        f"{GITHUB}:sub": "repo:acme/app:ref:refs/heads/main",
                    }
                },
            },
        },
    )
    sts = _client("sts")
    claims = {"iss": f"https://{GITHUB}", "aud": "sts.amazonaws.com"}
    pull_request = _jwt({**claims, "sub": "repo:acme/app:pull_request"})
    main = _jwt({**claims, "sub": "repo:acme/app:ref:refs/heads/main"})
    call = {"RoleArn": arn, "RoleSessionName": "gha"}
    assert sts.assume_role_with_web_identity(WebIdentityToken=pull_request, **call)
    with enforcing():
        with pytest.raises(ClientError) as denied:
            sts.assume_role_with_web_identity(WebIdentityToken=pull_request, **call)
        assert denied.value.response["Error"]["Code"] == "AccessDenied"
        assert "sts:AssumeRoleWithWebIdentity" in denied.value.response["Error"]["Message"]
        ok = sts.assume_role_with_web_identity(WebIdentityToken=main, **call)
        assert ok["Credentials"]["AccessKeyId"]


def _assertion(recipient: str, role: str, provider: str) -> str:
    xml = f"""<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">
<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">
<saml:Issuer>http://www.okta.com/exk1</saml:Issuer>
<saml:Subject>
<saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">jdoe</saml:NameID>
<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
<saml:SubjectConfirmationData Recipient="{recipient}"/>
</saml:SubjectConfirmation>
</saml:Subject>
<saml:AttributeStatement>
<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">
<saml:AttributeValue>{role},{provider}</saml:AttributeValue>
</saml:Attribute>
<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName">
<saml:AttributeValue>jdoe</saml:AttributeValue>
</saml:Attribute>
</saml:AttributeStatement>
</saml:Assertion>
</samlp:Response>"""
    return base64.b64encode(xml.encode()).decode()


def test_a_saml_role_checks_saml_aud(aws: None) -> None:
    provider = f"arn:aws:iam::{ROLE_ACCOUNT}:saml-provider/Okta"
    arn = _role(
        "okta",
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Principal": {"Federated": provider},
                "Action": "sts:AssumeRoleWithSAML",
                "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
            },
        },
    )
    sts = _client("sts")
    call = {"RoleArn": arn, "PrincipalArn": provider}
    with enforcing():
        with pytest.raises(ClientError, match="AccessDenied"):
            sts.assume_role_with_saml(
                SAMLAssertion=_assertion("https://evil.example/saml", arn, provider), **call
            )
        ok = sts.assume_role_with_saml(
            SAMLAssertion=_assertion("https://signin.aws.amazon.com/saml", arn, provider), **call
        )
        assert ok["Credentials"]["AccessKeyId"]


def test_enforcing_nests_and_restores_moto() -> None:
    before = TokenResponse.assume_role
    with enforcing():
        inner = TokenResponse.assume_role
        assert inner is not before
        with enforcing():
            assert TokenResponse.assume_role is inner
        assert TokenResponse.assume_role is inner
    assert TokenResponse.assume_role is before


def test_the_callers_identity_policies_come_from_moto(aws: None) -> None:
    """Cross-account, the caller's own account must allow too: a user with no identity policy
    is denied even with the right ExternalId, which moto alone would grant."""
    arn = _role(
        "vendor",
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Principal": {"AWS": VENDOR},
                "Action": "sts:AssumeRole",
            },
        },
    )
    iam = _client("iam")
    iam.create_user(UserName="intern")
    key = iam.create_access_key(UserName="intern")["AccessKey"]
    sts = _client(
        "sts", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"]
    )
    with enforcing():
        with pytest.raises(ClientError) as denied:
            sts.assume_role(RoleArn=arn, RoleSessionName="intern")
        assert "identity" in denied.value.response["Error"]["Message"]
        allowed = _client("sts", **_vendor_user())
        assert allowed.assume_role(RoleArn=arn, RoleSessionName="bot")["Credentials"]


def test_a_role_session_caller_is_its_role_with_its_policies(aws: None) -> None:
    """Role chaining: the session moto issued is the caller; the target trusts its role."""
    first = _role(
        "first",
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{VENDOR}:user/bot"},
                "Action": "sts:AssumeRole",
            },
        },
    )
    second = _role(
        "second",
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Principal": {"AWS": first},
                "Action": "sts:AssumeRole",
            },
        },
    )
    third = _role(
        "third",
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ROLE_ACCOUNT}:role/other"},
                "Action": "sts:AssumeRole",
            },
        },
    )
    bot = _client("sts", **_vendor_user())
    with enforcing():
        creds = bot.assume_role(RoleArn=first, RoleSessionName="hop")["Credentials"]
        session = _client(
            "sts",
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )
        assert session.assume_role(RoleArn=second, RoleSessionName="hop2")["Credentials"]
        with pytest.raises(ClientError, match="AccessDenied"):
            session.assume_role(RoleArn=third, RoleSessionName="hop3")
        with pytest.raises(ClientError, match="one hour"):
            session.assume_role(RoleArn=second, RoleSessionName="hop4", DurationSeconds=7200)


def test_opaque_tokens_stand_for_the_identities_given(aws: None) -> None:
    arn = _role(
        "deploy",
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Principal": {"Federated": f"arn:aws:iam::{ROLE_ACCOUNT}:oidc-provider/{GITHUB}"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {f"{GITHUB}:sub": "repo:acme/app:ref:refs/heads/main"}
                },
            },
        },
    )
    sts = _client("sts")
    call = {"RoleArn": arn, "RoleSessionName": "gha"}
    identities = {
        "token-of-main": ts.GitHubActions("acme/app", branch="main"),
        "token-of-a-pr": ts.GitHubActions("acme/app", pull_request=True),
    }
    with enforcing(identities=identities):
        assert sts.assume_role_with_web_identity(WebIdentityToken="token-of-main", **call)
        with pytest.raises(ClientError, match="AccessDenied"):
            sts.assume_role_with_web_identity(WebIdentityToken="token-of-a-pr", **call)
        with pytest.raises(ClientError, match="not a JWT"):
            sts.assume_role_with_web_identity(WebIdentityToken="unknown-token", **call)


def test_enforcing_checks_its_identities() -> None:
    with pytest.raises(TypeError, match="enforcing identities"), enforcing(identities={"t": "x"}):  # type: ignore[dict-item]
        pass
