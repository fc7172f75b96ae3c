"""Who calls: frozen models of every kind of caller of the AssumeRole family.

A caller is described the way a user thinks of it (an IAM user, a session of a role, a
GitHub Actions run…); :mod:`trustsim.requests` derives from it the request context AWS would
build (``aws:PrincipalArn``, ``aws:PrincipalTag/…``, OIDC claim keys…).

Policies held by callers are :class:`trustsim.model.Policy` values of the matching
:class:`~trustsim.model.PolicyKind` (identity, permissions boundary, session).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from trustsim.arn import Arn
from trustsim.model import Policy

__all__ = [
    "AccountRoot",
    "Anonymous",
    "Caller",
    "IamUser",
    "OrgMembership",
    "Role",
    "RoleSession",
    "SamlIdentity",
    "ServicePrincipal",
    "WebIdentity",
]


def _frozen_mapping(value: Mapping[str, str] | None) -> Mapping[str, str]:
    return dict(value or {})


def _policies(value: Policy | Iterable[Policy] | None) -> tuple[Policy, ...]:
    if value is None:
        return ()
    if isinstance(value, Policy):
        return (value,)
    return tuple(value)


@attrs.frozen
class OrgMembership:
    """An account's place in AWS Organizations, and the SCPs and RCPs attached over it.

    ``scps`` and ``rcps`` hold one tuple of policies per level of the hierarchy, root first,
    then each OU, then the account itself; every level must allow (SEMANTICS.md §4.5, §4.6).
    A caller's SCPs restrict what it may call; a role's RCPs restrict who may assume it.
    ``management_account`` is true for the organisation's management account, whose
    principals and resources SCPs and RCPs never restrict.
    """

    org_id: str
    paths: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    scps: tuple[tuple[Policy, ...], ...] = attrs.field(default=(), converter=tuple)
    rcps: tuple[tuple[Policy, ...], ...] = attrs.field(default=(), converter=tuple)
    management_account: bool = False


@attrs.frozen
class IamUser:
    """An IAM user calling with its long-term credentials.

    ``arn`` keeps the user's path (``arn:aws:iam::111122223333:user/eng/alice``).
    """

    arn: str
    policies: tuple[Policy, ...] = attrs.field(default=(), converter=_policies)
    permissions_boundary: Policy | None = None
    tags: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_mapping)
    unique_id: str | None = None
    org: OrgMembership | None = None
    mfa_authenticated: bool | None = None


@attrs.frozen
class RoleSession:
    """A session of an IAM role (the caller of a chained AssumeRole).

    ``role_arn`` keeps the role's path; the session ARN (``assumed-role/NAME/SESSION``) has none.
    ``session_tags`` and ``transitive_tag_keys`` are what the session was created with;
    ``transitive_tag_keys`` names the session tags that pass on to the next role.
    """

    role_arn: str
    session_name: str
    policies: tuple[Policy, ...] = attrs.field(default=(), converter=_policies)
    permissions_boundary: Policy | None = None
    session_policy: Policy | None = None
    role_tags: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_mapping)
    session_tags: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_mapping)
    transitive_tag_keys: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    source_identity: str | None = None
    role_unique_id: str | None = None
    org: OrgMembership | None = None
    mfa_authenticated: bool | None = None

    @property
    def session_arn(self) -> str:
        """``arn:<partition>:sts::<account>:assumed-role/<role name>/<session name>``."""
        role = Arn.parse(self.role_arn)
        role_name = role.resource.rsplit("/", 1)[-1]
        return (
            f"arn:{role.partition}:sts::{role.account}:assumed-role/{role_name}/{self.session_name}"
        )


@attrs.frozen
class AccountRoot:
    """The root user of an account. AWS refuses to let it assume roles at all."""

    account_id: str
    partition: str = "aws"

    @property
    def arn(self) -> str:
        """``arn:<partition>:iam::<account>:root``."""
        return f"arn:{self.partition}:iam::{self.account_id}:root"


@attrs.frozen
class Anonymous:
    """An unsigned caller with no identity. STS never lets it assume a role."""


@attrs.frozen
class ServicePrincipal:
    """An AWS service assuming a role on a customer's behalf (``lambda.amazonaws.com``).

    ``source_account`` / ``source_arn`` / ``source_org_id`` are what the service passes as
    ``aws:SourceAccount`` / ``aws:SourceArn`` / ``aws:SourceOrgID`` (services differ in which
    they send; leave a field ``None`` when the service sends nothing).
    """

    name: str
    source_account: str | None = None
    source_arn: str | None = None
    source_org_id: str | None = None
    source_org_paths: tuple[str, ...] = attrs.field(default=(), converter=tuple)


#: An OIDC claim value: text, or a tuple of texts for array claims (``amr``, array ``aud``).
ClaimValue = str | tuple[str, ...]


@attrs.frozen
class WebIdentity:
    """A caller holding an OIDC token: ``sts:AssumeRoleWithWebIdentity``.

    ``provider`` is what a trust policy names in ``Federated``: an IAM OIDC provider ARN
    (``arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com``) or a
    built-in (``cognito-identity.amazonaws.com``, ``accounts.google.com``, …).
    ``claims`` are the token's claims by claim name (``sub``, ``aud``…).
    """

    provider: str
    claims: Mapping[str, ClaimValue] = attrs.field(factory=dict)


@attrs.frozen
class SamlIdentity:
    """A caller holding a SAML assertion: ``sts:AssumeRoleWithSAML``.

    ``provider`` is the IAM SAML provider ARN; ``attributes`` maps ``saml:…`` keys to values
    (a tuple for the multi-valued attributes of SEMANTICS.md §6.5).
    """

    provider: str
    attributes: Mapping[str, ClaimValue] = attrs.field(factory=dict)


@attrs.frozen
class Role:
    """The role to be assumed: its ARN (with path), trust policy, tags and the RCPs over it."""

    arn: str
    trust_policy: Policy
    tags: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_mapping)
    unique_id: str | None = None
    org: OrgMembership | None = None


Caller = (
    IamUser | RoleSession | AccountRoot | Anonymous | ServicePrincipal | WebIdentity | SamlIdentity
)
