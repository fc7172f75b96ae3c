"""Who calls: frozen models of every kind of caller of the AssumeRole family.

A caller is described the way a user thinks of it (an IAM user, a session of a role, a
GitHub Actions run…); :mod:`trustsim.requests` derives from it the request context AWS would
build (``aws:PrincipalArn``, ``aws:PrincipalTag/…``, OIDC claim keys…).

Policies held by callers are :class:`trustsim.model.Policy` values of the matching
:class:`~trustsim.model.PolicyKind` (identity, permissions boundary, session).

Every class checks its values when built and raises :class:`InvalidCaller` for a shape AWS
never produces (an IAM user ARN without a 12-digit account, a role session name with a
space…), so a typo fails loudly instead of quietly matching nothing.

>>> alice = IamUser("arn:aws:iam::111122223333:user/eng/alice")
>>> alice.account_id, alice.name, alice.path, alice.partition
('111122223333', 'alice', '/eng/', 'aws')
>>> IamUser("arn:aws:iam::1111:user/alice")
Traceback (most recent call last):
...
trustsim.errors.InvalidCaller: IamUser.arn: 'arn:aws:iam::1111:user/alice' is not an IAM user ARN ...
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable, Mapping
from typing import Any, overload

import attrs

from trustsim import _reprs
from trustsim._caller_checks import (
    ClaimValue,
    check,
    check_optional_policy,
    check_org_paths,
    check_policies,
    check_policy_levels,
    check_strings,
    check_tags,
    claim_mapping,
    claim_value,
    is_arn,
    match_groups,
    part,
    policy_levels,
    policy_tuple,
    set_time,
    string_tuple,
    tag_mapping,
)
from trustsim._frozen import FrozenDict
from trustsim._inputs import expect_bool, expect_policy, expect_text, shown
from trustsim._memo import memo, remember
from trustsim._org_rules import check_levels
from trustsim.arn import Arn
from trustsim.errors import InvalidCaller
from trustsim.model import Policy, PolicyKind

__all__ = [
    "BUILTIN_WEB_IDENTITY_PROVIDERS",
    "AccountRoot",
    "Anonymous",
    "Caller",
    "ClaimValue",
    "IamUser",
    "InvalidCaller",
    "OrgMembership",
    "Role",
    "RoleSession",
    "SamlIdentity",
    "ServicePrincipal",
    "WebIdentity",
]


#: The web identity providers that need no IAM OIDC provider: a trust policy names them
#: directly in ``Federated`` (docs/semantics.md §3.8).
BUILTIN_WEB_IDENTITY_PROVIDERS: frozenset[str] = frozenset(
    {
        "cognito-identity.amazonaws.com",
        "accounts.google.com",
        "graph.facebook.com",
        "www.amazon.com",
    }
)

_PARTITION = r"[a-z][a-z0-9-]*"
_ACCOUNT = r"[0-9]{12}"
# IAM paths are "/" or "/a/b/" of printable ASCII; names are 1-64 of [\w+=,.@-] (IAM quotas).
_PATH_AND_NAME = r"(/(?:[\x21-\x7e]*/)?)([A-Za-z0-9_+=,.@-]{1,64})"
_USER_ARN = re.compile(rf"arn:({_PARTITION}):iam::({_ACCOUNT}):user{_PATH_AND_NAME}")
_ROLE_ARN = re.compile(rf"arn:({_PARTITION}):iam::({_ACCOUNT}):role{_PATH_AND_NAME}")
_OIDC_PROVIDER_ARN = re.compile(rf"arn:({_PARTITION}):iam::({_ACCOUNT}):oidc-provider/(\S+)")
_SAML_PROVIDER_ARN = re.compile(
    rf"arn:({_PARTITION}):iam::({_ACCOUNT}):saml-provider/([A-Za-z0-9_.-]{{1,128}})"
)
_ACCOUNT_ID = re.compile(_ACCOUNT)
_ROOT_ARN = re.compile(rf"arn:({_PARTITION}):iam::({_ACCOUNT}):root")
_PARTITION_NAME = re.compile(_PARTITION)
_SESSION_NAME = re.compile(r"[A-Za-z0-9_+=,.@-]{2,64}")
_SOURCE_IDENTITY = re.compile(r"[A-Za-z0-9_+=,.@-]{2,64}")
_ORG_ID = re.compile(r"o-[a-z0-9]{10,32}")
_SERVICE_NAME = re.compile(r"[a-z0-9][a-z0-9.-]*\.[a-z]{2,}")
_ISSUER = re.compile(r"[A-Za-z0-9.-]+\.[A-Za-z]{2,}(?::[0-9]+)?(?:/\S*)?")
_USER_UNIQUE_ID = re.compile(r"AIDA[A-Z0-9]+")
_ROLE_UNIQUE_ID = re.compile(r"AROA[A-Z0-9]+")


class _ArnPart:
    """A read-only attribute: one part of an ARN field the class checked at construction.

    >>> IamUser("arn:aws:iam::111122223333:user/eng/alice").path
    '/eng/'
    >>> IamUser.path.__doc__
    "The user's IAM path (``/`` or ``/eng/``)."
    """

    def __init__(self, pattern: re.Pattern[str], field: str, group: int, doc: str) -> None:
        self.pattern, self.field, self.group = pattern, field, group
        self.__doc__ = doc

    @overload
    def __get__(self, instance: None, owner: type[object]) -> _ArnPart: ...

    @overload
    def __get__(self, instance: object, owner: type[object]) -> str: ...

    def __get__(self, instance: object | None, owner: type[object]) -> _ArnPart | str:
        if instance is None:
            return self
        return part(self.pattern, getattr(instance, self.field), self.group)


def _check_entity_arn(field: str, value: object, kind: str) -> None:
    """Check an IAM user or role ARN (``kind``), its path kept: the caller's or the role's."""
    pattern = _USER_ARN if kind == "user" else _ROLE_ARN
    shape = f"an IAM {kind} ARN (arn:<partition>:iam::<12-digit account>:{kind}/<path>/<name>)"
    check(field, value, pattern, shape)


def _check_org(field: str, org: object) -> None:
    if org is not None and not isinstance(org, OrgMembership):
        raise TypeError(
            f"{field}: expected a trustsim.OrgMembership or None, got "
            f"{type(org).__name__}: {shown(org)}"
        )


@attrs.frozen(cache_hash=True)
class OrgMembership:
    """An account's place in AWS Organizations, and the SCPs and RCPs attached over it.

    ``scps`` and ``rcps`` hold one tuple of policies per level of the hierarchy, root first,
    then each OU, then the account itself (with ``paths``, one level per part of the path).
    Every SCP level must allow; an RCP level always lets everything through (AWS attaches
    ``RCPFullAWSAccess`` to every level and it cannot be detached), so only the ``Deny``
    statements of RCPs restrict, and a customer RCP may not allow (docs/organizations.md;
    docs/semantics.md §4.5, §4.6).
    A caller's SCPs restrict what it may call; a role's RCPs restrict who may assume it.
    ``management_account`` is true for the organisation's management account, whose
    principals and resources SCPs and RCPs never restrict.
    :meth:`trustsim.inventory.Organization.member` builds one from an organisation.

    ``org_id`` becomes ``aws:PrincipalOrgID`` and ``paths`` ``aws:PrincipalOrgPaths`` for the
    account's principals; for a role, ``aws:ResourceOrgID`` and ``aws:ResourceOrgPaths``
    (docs/semantics.md §6.1).

    >>> OrgMembership("o-a1b2c3d4e5", paths=["o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/"]).paths
    ('o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/',)
    """

    org_id: str
    paths: tuple[str, ...] = attrs.field(default=(), converter=string_tuple)
    scps: tuple[tuple[Policy, ...], ...] = attrs.field(default=(), converter=policy_levels)
    rcps: tuple[tuple[Policy, ...], ...] = attrs.field(default=(), converter=policy_levels)
    management_account: bool = False

    def __attrs_post_init__(self) -> None:
        check("OrgMembership.org_id", self.org_id, _ORG_ID, "an organization ID (o-…)")
        check_strings("OrgMembership.paths", self.paths)
        check_org_paths("OrgMembership.paths", self.paths, self.org_id)
        check_policy_levels("OrgMembership.scps", self.scps, PolicyKind.SCP)
        check_policy_levels("OrgMembership.rcps", self.rcps, PolicyKind.RCP)
        # RCPs deny-only, one level per part of the path (trustsim._org_rules;
        # docs/organizations.md).
        for field, kind in (("scps", PolicyKind.SCP), ("rcps", PolicyKind.RCP)):
            wrong = check_levels(f"OrgMembership.{field}", getattr(self, field), kind, self.paths)
            if wrong is not None:
                raise InvalidCaller(wrong)
        expect_bool("OrgMembership.management_account", self.management_account, optional=False)


@attrs.frozen(cache_hash=True)
class IamUser:
    """An IAM user calling with its long-term credentials.

    ``arn`` keeps the user's path (``arn:aws:iam::111122223333:user/eng/alice``).
    ``unique_id`` (``AIDA…``) becomes ``aws:userid`` when given; trustsim never makes one up.
    ``mfa_authenticated``: ``None`` for plain access keys (``aws:MultiFactorAuthPresent`` is
    then *absent*), ``True`` when an MFA code is passed with the call, ``False`` for
    credentials that carry the flag without MFA (docs/semantics.md §6.1).

    >>> IamUser("arn:aws:iam::111122223333:user/alice", tags={"team": "blue"}).tags
    {'team': 'blue'}
    """

    arn: str
    policies: tuple[Policy, ...] = attrs.field(default=(), converter=policy_tuple)
    permissions_boundary: Policy | None = None
    tags: Mapping[str, str] = attrs.field(factory=dict, converter=tag_mapping)
    unique_id: str | None = None
    org: OrgMembership | None = None
    mfa_authenticated: bool | None = None

    def __attrs_post_init__(self) -> None:
        _check_entity_arn("IamUser.arn", self.arn, "user")
        check_policies("IamUser.policies", self.policies, PolicyKind.IDENTITY)
        check_optional_policy(
            "IamUser.permissions_boundary",
            self.permissions_boundary,
            PolicyKind.PERMISSIONS_BOUNDARY,
        )
        check_tags("IamUser.tags", self.tags)
        if self.unique_id is not None:
            check("IamUser.unique_id", self.unique_id, _USER_UNIQUE_ID, "a user ID (AIDA…)")
        _check_org("IamUser.org", self.org)
        expect_bool("IamUser.mfa_authenticated", self.mfa_authenticated)

    partition = _ArnPart(
        _USER_ARN, "arn", 1, "The ARN's partition (``aws``, ``aws-cn``, ``aws-us-gov``…)."
    )
    account_id = _ArnPart(_USER_ARN, "arn", 2, "The 12-digit account the user belongs to.")
    path = _ArnPart(_USER_ARN, "arn", 3, "The user's IAM path (``/`` or ``/eng/``).")
    name = _ArnPart(
        _USER_ARN, "arn", 4, "The user name without its path: the value of ``aws:username``."
    )


@attrs.frozen(cache_hash=True)
class RoleSession:
    """A session of an IAM role (the caller of a chained AssumeRole).

    ``role_arn`` keeps the role's path; the session ARN (``assumed-role/NAME/SESSION``) has none.
    ``session_tags`` are the session's tags, inherited transitive tags included, and
    ``transitive_tag_keys`` names those that pass on to the next role (docs/semantics.md §4.12).
    ``issued_at`` is when the session's credentials were issued (``aws:TokenIssueTime``; when
    omitted, the request time is used). ``mfa_authenticated`` says whether MFA was used to get
    the session (sessions always carry ``aws:MultiFactorAuthPresent``; ``None`` reads as
    ``False``). ``federated_provider`` is the identity provider of a session born from
    ``AssumeRoleWithWebIdentity``/``…WithSAML`` (``aws:FederatedProvider``), and
    ``carried_keys`` the federation condition keys such a session carries into later calls
    (``saml:sub``, ``accounts.google.com:aud``…; docs/semantics.md §6.3, §6.5).

    >>> s = RoleSession("arn:aws:iam::111122223333:role/ci/Deployer", "run-42")
    >>> s.session_arn
    'arn:aws:sts::111122223333:assumed-role/Deployer/run-42'
    >>> s.role_name, s.account_id
    ('Deployer', '111122223333')
    """

    role_arn: str
    session_name: str
    policies: tuple[Policy, ...] = attrs.field(default=(), converter=policy_tuple)
    permissions_boundary: Policy | None = None
    session_policy: Policy | None = None
    role_tags: Mapping[str, str] = attrs.field(factory=dict, converter=tag_mapping)
    session_tags: Mapping[str, str] = attrs.field(factory=dict, converter=tag_mapping)
    transitive_tag_keys: tuple[str, ...] = attrs.field(default=(), converter=string_tuple)
    source_identity: str | None = None
    role_unique_id: str | None = None
    org: OrgMembership | None = None
    mfa_authenticated: bool | None = None
    issued_at: _dt.datetime | None = None
    federated_provider: str | None = None
    carried_keys: Mapping[str, ClaimValue] = attrs.field(factory=dict, converter=claim_mapping)

    def __attrs_post_init__(self) -> None:
        _check_entity_arn("RoleSession.role_arn", self.role_arn, "role")
        check(
            "RoleSession.session_name",
            self.session_name,
            _SESSION_NAME,
            "a role session name (2-64 characters of letters, digits and _+=,.@-)",
        )
        check_policies("RoleSession.policies", self.policies, PolicyKind.IDENTITY)
        check_optional_policy(
            "RoleSession.permissions_boundary",
            self.permissions_boundary,
            PolicyKind.PERMISSIONS_BOUNDARY,
        )
        check_optional_policy("RoleSession.session_policy", self.session_policy, PolicyKind.SESSION)
        check_tags("RoleSession.role_tags", self.role_tags)
        check_tags("RoleSession.session_tags", self.session_tags)
        check_strings("RoleSession.transitive_tag_keys", self.transitive_tag_keys)
        _check_org("RoleSession.org", self.org)
        expect_bool("RoleSession.mfa_authenticated", self.mfa_authenticated)
        expect_text("RoleSession.federated_provider", self.federated_provider)
        session_keys = {key.lower() for key in self.session_tags}
        for key in self.transitive_tag_keys:
            if key.lower() not in session_keys:
                raise InvalidCaller(
                    f"RoleSession.transitive_tag_keys: {key!r} is not one of the session tags "
                    f"{sorted(self.session_tags)}"
                )
        if self.source_identity is not None:
            check(
                "RoleSession.source_identity",
                self.source_identity,
                _SOURCE_IDENTITY,
                "a source identity (2-64 characters of letters, digits and _+=,.@-)",
            )
        if self.role_unique_id is not None:
            check(
                "RoleSession.role_unique_id",
                self.role_unique_id,
                _ROLE_UNIQUE_ID,
                "a role ID (AROA…)",
            )
        set_time(self, "RoleSession.issued_at", self.issued_at)

    partition = _ArnPart(_ROLE_ARN, "role_arn", 1, "The role ARN's partition.")
    account_id = _ArnPart(
        _ROLE_ARN, "role_arn", 2, "The 12-digit account of the role (and so of the session)."
    )
    role_name = _ArnPart(_ROLE_ARN, "role_arn", 4, "The role's name without its path.")

    @property
    def session_arn(self) -> str:
        """``arn:<partition>:sts::<account>:assumed-role/<role name>/<session name>``."""
        role = Arn.parse(self.role_arn)
        role_name = role.resource.rsplit("/", 1)[-1]
        return (
            f"arn:{role.partition}:sts::{role.account}:assumed-role/{role_name}/{self.session_name}"
        )

    @property
    def transitive_tags(self) -> dict[str, str]:
        """The session tags that pass on to the next role in a chain (docs/semantics.md §4.12)."""
        keys = {key.lower() for key in self.transitive_tag_keys}
        return {key: value for key, value in self.session_tags.items() if key.lower() in keys}


def account_of(given: object, partition: str, field: str) -> tuple[str, str]:
    """The partition and 12-digit ID of an account named by its ID or its root ARN.

    A trust policy names an account either way; so do :class:`AccountRoot` and the
    ``account_id`` of the identity builders (:mod:`trustsim.identities`). A root ARN says its
    own partition, which must be ``partition`` unless that is the default ``aws``. Errors
    name ``field``.

    >>> account_of("arn:aws-cn:iam::111122223333:root", "aws", "account_id")
    ('aws-cn', '111122223333')
    >>> account_of("111122223333", "aws-us-gov", "account_id")
    ('aws-us-gov', '111122223333')
    >>> account_of("arn:aws:iam::111122223333:user/x", "aws", "account_id")
    Traceback (most recent call last):
    ...
    trustsim.errors.InvalidCaller: account_id: 'arn:aws:iam::111122223333:user/x' is not a 12-digit account ID ...
    """
    root = _ROOT_ARN.fullmatch(given) if isinstance(given, str) else None
    if root is None:
        shape = "a 12-digit account ID or its root ARN (arn:aws:iam::111122223333:root)"
        check(field, given, _ACCOUNT_ID, shape)
        return partition, str(given)
    named, account = root.groups()
    if partition not in {"aws", named}:
        raise InvalidCaller(
            f"{field}: the root ARN {given!r} is in partition {named!r}, not {partition!r}"
        )
    return named, account


@attrs.frozen(cache_hash=True)
class AccountRoot:
    """The root user of an account. AWS refuses to let it assume roles at all.

    The account is given as its ID or as its root ARN, as a trust policy names it:

    >>> AccountRoot("111122223333").arn
    'arn:aws:iam::111122223333:root'
    >>> AccountRoot("arn:aws-cn:iam::111122223333:root") == AccountRoot("111122223333", "aws-cn")
    True
    """

    account_id: str
    partition: str = "aws"
    org: OrgMembership | None = None

    def __attrs_post_init__(self) -> None:
        partition, account = account_of(self.account_id, self.partition, "AccountRoot.account_id")
        object.__setattr__(self, "account_id", account)
        object.__setattr__(self, "partition", partition)
        check(
            "AccountRoot.partition", self.partition, _PARTITION_NAME, "a partition (aws, aws-cn…)"
        )
        _check_org("AccountRoot.org", self.org)

    @property
    def arn(self) -> str:
        """``arn:<partition>:iam::<account>:root``."""
        return f"arn:{self.partition}:iam::{self.account_id}:root"


@attrs.frozen(cache_hash=True)
class Anonymous:
    """An unsigned caller with no identity. STS never lets it assume a role.

    >>> from trustsim.parsing import parse_policy
    >>> from trustsim.requests import assume_role
    >>> role = Role("arn:aws:iam::111122223333:role/open", parse_policy({"Statement": {
    ...     "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}}))
    >>> assume_role(Anonymous(), role).decision
    <Decision.IMPLICIT_DENY: 'ImplicitDeny'>
    """


@attrs.frozen(cache_hash=True)
class ServicePrincipal:
    """An AWS service assuming a role on a customer's behalf (``lambda.amazonaws.com``).

    ``source_account`` / ``source_arn`` / ``source_org_id`` / ``source_org_paths`` are what the
    service passes as ``aws:SourceAccount`` / ``aws:SourceArn`` / ``aws:SourceOrgID`` /
    ``aws:SourceOrgPaths`` (services differ in which they send; leave a field ``None`` when the
    service sends nothing; docs/semantics.md §6.2, docs/semantics.md §7.10).

    >>> ServicePrincipal("lambda.amazonaws.com", source_account="111122223333").source_account
    '111122223333'
    """

    name: str
    source_account: str | None = None
    source_arn: str | None = None
    source_org_id: str | None = None
    source_org_paths: tuple[str, ...] = attrs.field(default=(), converter=string_tuple)

    def __attrs_post_init__(self) -> None:
        check(
            "ServicePrincipal.name",
            self.name,
            _SERVICE_NAME,
            "a service principal name such as 'lambda.amazonaws.com'",
        )
        if self.source_account is not None:
            check(
                "ServicePrincipal.source_account",
                self.source_account,
                _ACCOUNT_ID,
                "a 12-digit account ID",
            )
        expect_text("ServicePrincipal.source_arn", self.source_arn)
        if self.source_arn is not None and not is_arn(self.source_arn):
            raise InvalidCaller(f"ServicePrincipal.source_arn: {self.source_arn!r} is not an ARN")
        if self.source_org_id is not None:
            check(
                "ServicePrincipal.source_org_id",
                self.source_org_id,
                _ORG_ID,
                "an organization ID (o-…)",
            )
        check_strings("ServicePrincipal.source_org_paths", self.source_org_paths)
        check_org_paths("ServicePrincipal.source_org_paths", self.source_org_paths, None)


def _condition_claims(value: Iterable[str] | None) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise TypeError(
            "WebIdentity.condition_claims: expected a set of claim names (str) or None, got "
            f"{type(value).__name__}: {shown(value)}"
        )
    names = frozenset(value)
    if not all(isinstance(name, str) for name in names):
        raise TypeError(
            f"WebIdentity.condition_claims: claim names must be text, got {shown(sorted(map(repr, names)))}"
        )
    return names


@attrs.frozen(cache_hash=True)
class WebIdentity:
    """A caller holding an OIDC token: ``sts:AssumeRoleWithWebIdentity``.

    ``provider`` is what a trust policy names in ``Federated``: an IAM OIDC provider ARN
    (``arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com``) or a
    built-in (``cognito-identity.amazonaws.com``, ``accounts.google.com``, …). A bare issuer
    (``token.actions.githubusercontent.com``) stands for the IAM OIDC provider of that issuer
    *in the role's account*; :func:`trustsim.requests.build_request` resolves it.

    ``claims`` are the token's claims by claim name (``sub``, ``aud``…), all of them: AWS turns
    only some into condition keys (docs/semantics.md §6.4), and ``condition_claims`` overrides
    which, for issuers trustsim does not know (``None``: the documented set for the issuer).

    >>> w = WebIdentity("arn:aws:iam::111122223333:oidc-provider/auth.example.com/tenant",
    ...                 {"sub": "svc", "aud": ["a", "b"]})
    >>> w.issuer, w.claims["aud"]
    ('auth.example.com/tenant', ('a', 'b'))
    >>> WebIdentity("token.actions.githubusercontent.com").resolved_for("111122223333").provider
    'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com'
    """

    provider: str
    claims: Mapping[str, ClaimValue] = attrs.field(factory=dict, converter=claim_mapping)
    condition_claims: frozenset[str] | None = attrs.field(default=None, converter=_condition_claims)

    def __attrs_post_init__(self) -> None:
        provider = self.provider
        expect_text("WebIdentity.provider", provider, optional=False)
        if provider.startswith("arn:"):
            check(
                "WebIdentity.provider",
                provider,
                _OIDC_PROVIDER_ARN,
                "an IAM OIDC provider ARN (arn:<partition>:iam::<account>:oidc-provider/<issuer>)",
            )
        elif "://" in provider:
            raise InvalidCaller(
                f"WebIdentity.provider: {provider!r} has a scheme; IAM names OIDC providers "
                "without it (token.actions.githubusercontent.com)"
            )
        else:
            check(
                "WebIdentity.provider",
                provider,
                _ISSUER,
                "an OIDC provider ARN, a built-in provider or an issuer host[/path]",
            )

    @property
    def issuer(self) -> str:
        """The issuer host and path: the prefix of this provider's condition keys."""
        groups = match_groups(_OIDC_PROVIDER_ARN, self.provider)
        return groups[2] if groups else self.provider

    @property
    def is_resolved(self) -> bool:
        """Whether ``provider`` is a provider ARN or a built-in, not a bare issuer."""
        return self.provider.startswith("arn:") or self.provider in BUILTIN_WEB_IDENTITY_PROVIDERS

    def resolved_for(self, account_id: str, partition: str = "aws") -> WebIdentity:
        """This identity with a bare issuer replaced by its IAM OIDC provider ARN in ``account_id``."""
        if self.is_resolved:
            return self
        key = (self, account_id, partition)
        resolved = _RESOLVED.get(key)
        if resolved is None:
            arn = f"arn:{partition}:iam::{account_id}:oidc-provider/{self.provider}"
            check("WebIdentity.provider", arn, _OIDC_PROVIDER_ARN, "an IAM OIDC provider ARN")
            # The resolution depends on the identity's value, the account and the partition.
            resolved = remember(_RESOLVED, key, attrs.evolve(self, provider=arn), 1024)
        return resolved


#: Resolved identities by (identity, account, partition): equal tokens, built afresh for
#: each call, resolve to one object (and so share the evaluator's caches).
_RESOLVED: dict[tuple[WebIdentity, str, str], WebIdentity] = memo(
    "callers: resolved web identities", 1024
)


#: SAML condition keys AWS documents as multi-valued (docs/semantics.md §6.5).
SAML_MULTIVALUED_KEYS: frozenset[str] = frozenset(
    {
        "saml:cn",
        "saml:commonName",
        "saml:eduorghomepageuri",
        "saml:eduorgidentityauthnpolicyuri",
        "saml:eduorglegalname",
        "saml:eduorgsuperioruri",
        "saml:eduorgwhitepagesuri",
        "saml:edupersonaffiliation",
        "saml:edupersonassurance",
        "saml:edupersonentitlement",
        "saml:edupersonnickname",
        "saml:edupersonorgunitdn",
        "saml:edupersonscopedaffiliation",
        "saml:edupersontargetedid",
        "saml:givenName",
        "saml:mail",
        "saml:name",
        "saml:organizationStatus",
        "saml:primaryGroupSID",
        "saml:surname",
        "saml:uid",
        "saml:x500UniqueIdentifier",
    }
)
#: SAML condition keys AWS documents as single-valued (docs/semantics.md §6.5).
SAML_SINGLE_VALUED_KEYS: frozenset[str] = frozenset(
    {
        "saml:aud",
        "saml:doc",
        "saml:iss",
        "saml:namequalifier",
        "saml:sub",
        "saml:sub_type",
        "saml:edupersonorgdn",
        "saml:edupersonprimaryaffiliation",
        "saml:edupersonprimaryorgunitdn",
        "saml:edupersonprincipalname",
    }
)
_SAML_SPELLING = {key.lower(): key for key in SAML_MULTIVALUED_KEYS | SAML_SINGLE_VALUED_KEYS}


def _saml_attributes(value: Mapping[Any, Any] | None) -> Mapping[str, ClaimValue]:
    if value is not None and not isinstance(value, Mapping):
        raise TypeError(
            "SamlIdentity.attributes: expected a mapping of saml: key to value, got "
            f"{type(value).__name__}: {shown(value)}"
        )
    attributes: dict[str, ClaimValue] = {}
    for raw_key, raw_value in (value or {}).items():
        key = _SAML_SPELLING.get(raw_key.lower()) if isinstance(raw_key, str) else None
        if key is None:
            raise InvalidCaller(
                f"SamlIdentity.attributes: {shown(raw_key)} is not a SAML condition key AWS documents "
                f"(docs/semantics.md §6.5: {', '.join(sorted(_SAML_SPELLING.values()))}); "
                "put other keys in context="
            )
        if key == "saml:doc":
            raise InvalidCaller(
                "SamlIdentity.attributes: saml:doc is derived from the provider ARN "
                "(<account>/<provider name>); leave it out"
            )
        if key in attributes:
            raise InvalidCaller(f"SamlIdentity.attributes: {key!r} is given twice")
        item = claim_value(key, raw_value)
        if key in SAML_MULTIVALUED_KEYS:
            attributes[key] = (item,) if isinstance(item, str) else item
        elif isinstance(item, tuple):
            if len(item) != 1:
                raise InvalidCaller(
                    f"SamlIdentity.attributes: {key} is single-valued, got {len(item)} values"
                )
            attributes[key] = item[0]
        else:
            attributes[key] = item
    return FrozenDict(attributes)


@attrs.frozen(cache_hash=True)
class SamlIdentity:
    """A caller holding a SAML assertion: ``sts:AssumeRoleWithSAML``.

    ``provider`` is the IAM SAML provider ARN; ``attributes`` maps ``saml:…`` condition keys to
    values (docs/semantics.md §6.5). Keys are spelled as AWS documents them whatever case you use;
    the multi-valued ones always become tuples; a key AWS does not document is refused, and
    ``saml:doc`` is derived from the provider, never given.

    >>> s = SamlIdentity("arn:aws:iam::111122223333:saml-provider/CorpIdP",
    ...                  {"SAML:sub": "jdoe", "saml:edupersonaffiliation": "staff"})
    >>> s.attributes
    {'saml:sub': 'jdoe', 'saml:edupersonaffiliation': ('staff',)}
    >>> s.doc
    '111122223333/CorpIdP'
    """

    provider: str
    attributes: Mapping[str, ClaimValue] = attrs.field(factory=dict, converter=_saml_attributes)

    def __attrs_post_init__(self) -> None:
        check(
            "SamlIdentity.provider",
            self.provider,
            _SAML_PROVIDER_ARN,
            "an IAM SAML provider ARN (arn:<partition>:iam::<account>:saml-provider/<name>)",
        )

    account_id = _ArnPart(
        _SAML_PROVIDER_ARN, "provider", 2, "The account that holds the SAML provider."
    )
    provider_name = _ArnPart(
        _SAML_PROVIDER_ARN,
        "provider",
        3,
        "The provider's friendly name (the last part of its ARN).",
    )

    @property
    def doc(self) -> str:
        """The value of ``saml:doc``: ``<account>/<provider name>``."""
        return f"{self.account_id}/{self.provider_name}"


@attrs.frozen(cache_hash=True)
class Role:
    """The role to be assumed: its ARN (with path), trust policy, tags and the RCPs over it.

    ``tags`` become ``aws:ResourceTag/…`` of the request (docs/semantics.md §6.2).

    >>> from trustsim.model import Effect, Policy, Principal, Statement
    >>> trust = Policy((Statement(Effect.ALLOW, principal=Principal(service=("ec2.amazonaws.com",)),
    ...                           action=("sts:AssumeRole",)),))
    >>> role = Role("arn:aws:iam::111122223333:role/ci/Deployer", trust)
    >>> role.account_id, role.name, role.path
    ('111122223333', 'Deployer', '/ci/')
    """

    arn: str
    trust_policy: Policy
    tags: Mapping[str, str] = attrs.field(factory=dict, converter=tag_mapping)
    unique_id: str | None = None
    org: OrgMembership | None = None

    def __attrs_post_init__(self) -> None:
        _check_entity_arn("Role.arn", self.arn, "role")
        # A policy of another kind is refused: an identity policy's statements name no
        # Principal, and read as a trust policy they would trust every caller.
        expect_policy("Role.trust_policy", self.trust_policy, PolicyKind.TRUST, InvalidCaller)
        check_tags("Role.tags", self.tags)
        if self.unique_id is not None:
            check("Role.unique_id", self.unique_id, _ROLE_UNIQUE_ID, "a role ID (AROA…)")
        _check_org("Role.org", self.org)

    partition = _ArnPart(_ROLE_ARN, "arn", 1, "The role ARN's partition.")
    account_id = _ArnPart(_ROLE_ARN, "arn", 2, "The 12-digit account that owns the role.")
    path = _ArnPart(_ROLE_ARN, "arn", 3, "The role's IAM path (``/`` or ``/ci/``).")
    name = _ArnPart(_ROLE_ARN, "arn", 4, "The role's name without its path.")


Caller = (
    IamUser | RoleSession | AccountRoot | Anonymous | ServicePrincipal | WebIdentity | SamlIdentity
)


_reprs.install(globals())  # short reprs, IPython and notebook forms (trustsim._reprs)
