"""The request context AWS derives for an AssumeRole-family call (docs/semantics.md §6).

:func:`derive_context` writes the keys straight into the folded form a
:class:`~trustsim.context.RequestContext` keeps. The keys trustsim spells itself are folded
once, at import (:func:`_key`), and their spellings are looked up only when someone reads
them (:class:`_Spelling`): building the request is on the end-to-end path of every
``assume_role`` call (issue 5), and folding and checking a dozen constant keys per call cost
more than deriving them. Keys spelled by the caller or the call (tag keys, token claims, SAML
attributes, provided contexts) go through :func:`trustsim.context.fold_into`, which checks
them as :meth:`RequestContext.of <trustsim.context.RequestContext.of>` does.

The input checks STS makes before deriving anything live in :mod:`trustsim.requests`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from typing import TYPE_CHECKING

import attrs

from trustsim._memo import cached, memo, remember
from trustsim.callers import (
    AccountRoot,
    IamUser,
    RoleSession,
    SamlIdentity,
    ServicePrincipal,
    WebIdentity,
)
from trustsim.context import RequestContext, fold_into, utc_text
from trustsim.identities import oidc_condition_keys, saml_condition_keys

if TYPE_CHECKING:  # in annotations only
    from trustsim.callers import Caller, OrgMembership, Role

__all__ = ["CallOptions", "derive_context", "epoch_text", "overlay"]

#: The spelling of every key trustsim derives under a fixed name, by folded key.
_SPELLING: dict[str, str] = {}


def _key(spelled: str) -> str:
    """The folded form of a key trustsim derives (its spelling is kept for reading back)."""
    folded = spelled.lower()
    _SPELLING[folded] = spelled
    return folded


PRINCIPAL_ARN = _key("aws:PrincipalArn")
PRINCIPAL_ACCOUNT = _key("aws:PrincipalAccount")
PRINCIPAL_ORG_ID = _key("aws:PrincipalOrgID")
PRINCIPAL_ORG_PATHS = _key("aws:PrincipalOrgPaths")
PRINCIPAL_TYPE = _key("aws:PrincipalType")
USERID = _key("aws:userid")
USERNAME = _key("aws:username")
PRINCIPAL_IS_SERVICE = _key("aws:PrincipalIsAWSService")
PRINCIPAL_SERVICE_NAME = _key("aws:PrincipalServiceName")
MFA_PRESENT = _key("aws:MultiFactorAuthPresent")
MFA_AGE = _key("aws:MultiFactorAuthAge")
TOKEN_ISSUE_TIME = _key("aws:TokenIssueTime")
AWS_SOURCE_IDENTITY = _key("aws:SourceIdentity")
FEDERATED_PROVIDER = _key("aws:FederatedProvider")
SOURCE_ACCOUNT = _key("aws:SourceAccount")
SOURCE_ARN = _key("aws:SourceArn")
SOURCE_ORG_ID = _key("aws:SourceOrgID")
SOURCE_ORG_PATHS = _key("aws:SourceOrgPaths")
CURRENT_TIME = _key("aws:CurrentTime")
EPOCH_TIME = _key("aws:EpochTime")
SECURE_TRANSPORT = _key("aws:SecureTransport")
SOURCE_IP = _key("aws:SourceIp")
REQUESTED_REGION = _key("aws:RequestedRegion")
VIA_AWS_SERVICE = _key("aws:ViaAWSService")
RESOURCE_ACCOUNT = _key("aws:ResourceAccount")
RESOURCE_ORG_ID = _key("aws:ResourceOrgID")
RESOURCE_ORG_PATHS = _key("aws:ResourceOrgPaths")
ROLE_SESSION_NAME = _key("sts:RoleSessionName")
EXTERNAL_ID = _key("sts:ExternalId")
STS_SOURCE_IDENTITY = _key("sts:SourceIdentity")
TAG_KEYS = _key("aws:TagKeys")
TRANSITIVE_TAG_KEYS = _key("sts:TransitiveTagKeys")
CONTEXT_PROVIDERS = _key("sts:RequestContextProviders")

_TRUE = ("true",)
_FALSE = ("false",)


class _Spelling(MutableMapping[str, str]):
    """The spelling of each key of a derived context, looked up when first read.

    Keys trustsim spells itself are read from the table built at import; ``written`` holds
    the spellings of the others (tag keys, claims), as the caller or the call gave them.
    """

    __slots__ = ("_values", "_written")

    def __init__(self, values: Mapping[str, tuple[str, ...]]) -> None:
        self._values = values
        self._written: dict[str, str] = {}

    def __getitem__(self, folded: str) -> str:
        if folded not in self._values:
            raise KeyError(folded)
        written = self._written.get(folded)
        return written if written is not None else _SPELLING[folded]

    def get(self, folded: str, default: str | None = None) -> str | None:  # type: ignore[override]
        # Mapping.get goes through __getitem__ and an exception; this is on the request path.
        if folded not in self._values:
            return default
        written = self._written.get(folded)
        return written if written is not None else _SPELLING[folded]

    def __setitem__(self, folded: str, spelled: str) -> None:
        self._written[folded] = spelled

    def __delitem__(self, folded: str) -> None:
        del self._written[folded]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


class _Derived:
    """A derived context under construction: folded values, spellings, multi-valued keys."""

    __slots__ = ("multi", "spelling", "values")

    def __init__(self) -> None:
        self.values: dict[str, tuple[str, ...]] = {}
        self.spelling = _Spelling(self.values)
        self.multi: set[str] = set()

    def add(self, key: str, value: object) -> None:
        """A key spelled by the caller or the call, checked as RequestContext.of checks it."""
        fold_into(self.values, self.spelling, self.multi, key, value)

    def context(self) -> RequestContext:
        """The finished context (the spellings stay lazy)."""
        return RequestContext._make(self.values, self.spelling, frozenset(self.multi))


@attrs.define(kw_only=True)
class CallOptions:
    """The options of one call that reach the request context, already checked by STS rules."""

    when: _dt.datetime
    session_name: str
    mfa: bool | None
    external_id: str | None
    source_identity: str | None
    source_ip: str | None
    region: str | None
    tags: Mapping[str, str]
    transitive: Sequence[str]
    incoming: Mapping[str, str]
    contexts: Sequence[tuple[str, Mapping[str, str]]]


def derive_context(caller: Caller, role: Role, options: CallOptions) -> RequestContext:
    """Every key AWS derives for ``caller`` calling with ``options`` on ``role`` (§6)."""
    out = _Derived()
    values, multi = out.values, out.multi
    when = options.when
    _principal_keys(out, caller, when, options.mfa)
    values[CURRENT_TIME] = (utc_text(when),)
    values[EPOCH_TIME] = (epoch_text(when),)
    values[SECURE_TRANSPORT] = _TRUE
    # trustsim models direct calls: the caller's own request, not one an AWS service makes
    # with the caller's credentials (forward access sessions) [DOC GLOBAL aws:ViaAWSService].
    values[VIA_AWS_SERVICE] = _FALSE
    if options.region is not None:
        values[REQUESTED_REGION] = (options.region,)
    if options.source_ip is not None:
        values[SOURCE_IP] = (options.source_ip,)
    values[RESOURCE_ACCOUNT] = (role.account_id,)
    # The role's organisation, when its account is a member (STS is not among the services
    # that leave these keys out) [DOC GLOBAL aws:ResourceOrgID, aws:ResourceOrgPaths].
    if role.org is not None:
        values[RESOURCE_ORG_ID] = (role.org.org_id,)
        if role.org.paths:
            values[RESOURCE_ORG_PATHS] = role.org.paths
            multi.add(RESOURCE_ORG_PATHS)
    # The role's own IAM tags: aws:ResourceTag is "the tags attached to the resource". The
    # IAM guide's "Chaining roles with session tags" has incoming transitive tags override
    # the role's tags of the same key in the *new session's principal tags*; nothing says
    # they replace the role's resource tags when its trust policy is read, so they do not
    # (docs/fidelity.md, "Chained calls and session tags").
    for key, value in role.tags.items():
        out.add(f"aws:ResourceTag/{key}", value)
        out.add(f"iam:ResourceTag/{key}", value)
    values[ROLE_SESSION_NAME] = (options.session_name,)
    if options.external_id is not None:
        values[EXTERNAL_ID] = (options.external_id,)
    if options.source_identity is not None:
        values[STS_SOURCE_IDENTITY] = (options.source_identity,)
    tags = options.tags
    if tags:
        for key, value in tags.items():
            out.add(f"aws:RequestTag/{key}", value)
        values[TAG_KEYS] = tuple(tags)
        multi.add(TAG_KEYS)
    if options.transitive:
        values[TRANSITIVE_TAG_KEYS] = tuple(options.transitive)
        multi.add(TRANSITIVE_TAG_KEYS)
    if options.contexts:
        values[CONTEXT_PROVIDERS] = tuple(provider for provider, _ in options.contexts)
        multi.add(CONTEXT_PROVIDERS)
        for _, asserted in options.contexts:
            for key, value in asserted.items():
                out.add(f"sts:RequestContext/{key}", value)
    return out.context()


def overlay(base: Mapping[str, str], top: Mapping[str, str]) -> dict[str, str]:
    """``base`` with ``top`` applied; keys compared case-insensitively, ``top``'s spelling wins."""
    if not top:
        return dict(base)
    merged: dict[str, tuple[str, str]] = {key.lower(): (key, value) for key, value in base.items()}
    for key, value in top.items():
        merged[key.lower()] = (key, value)
    return dict(merged.values())


@cached(256)  # the requests of one test run share a handful of times
def epoch_text(when: _dt.datetime) -> str:
    """``aws:EpochTime``'s text for ``when``: whole seconds since 1970.

    >>> epoch_text(_dt.datetime(2026, 1, 1, tzinfo=_dt.timezone.utc))
    '1767225600'
    """
    return str(int(when.timestamp()))


_Values = dict[str, tuple[str, ...]]


#: The caller-side keys derived lately, by (caller value, MFA option): values, spellings
#: written, multi-valued keys. Only a role session's keys depend on the time; those are
#: derived every time.
_Fragment = tuple[dict[str, tuple[str, ...]], dict[str, str], frozenset[str]]
_FRAGMENTS_SIZE = 8192  # as many as requests are kept (trustsim._request_derivation)
_FRAGMENTS: dict[tuple[Caller, bool | None], _Fragment] = memo(
    "derive: caller keys", _FRAGMENTS_SIZE
)


def _principal_keys(out: _Derived, caller: Caller, at: _dt.datetime, mfa: bool | None) -> None:
    """:func:`_principal` into the empty ``out``, from a copy of an equal caller's when known."""
    if type(caller) is RoleSession:
        _principal(out, caller, at, mfa)
        return
    key = (caller, mfa)
    try:
        fragment = _FRAGMENTS.get(key)
    except TypeError:  # a caller holding something unhashable: derived on its own
        _principal(out, caller, at, mfa)
        return
    if fragment is None:
        _principal(out, caller, at, mfa)
        fragment = (dict(out.values), dict(out.spelling._written), frozenset(out.multi))
        remember(_FRAGMENTS, key, fragment, _FRAGMENTS_SIZE)
        return
    values, written, multi = fragment
    out.values.update(values)
    out.spelling._written.update(written)
    out.multi.update(multi)


def _principal(out: _Derived, caller: Caller, at: _dt.datetime, mfa: bool | None) -> None:
    """Caller-side keys per caller kind (docs/semantics.md §6.1, reading 10)."""
    values = out.values
    kind = type(caller)
    if kind is IamUser:
        _user(out, caller, mfa)  # type: ignore[arg-type]
    elif kind is RoleSession:
        _session(out, caller, at, mfa)  # type: ignore[arg-type]
    elif kind is AccountRoot:
        root: AccountRoot = caller  # type: ignore[assignment]
        values[PRINCIPAL_ARN] = (root.arn,)
        values[PRINCIPAL_ACCOUNT] = (root.account_id,)
        _org(out, root.org)
        values[PRINCIPAL_TYPE] = ("Account",)
        values[USERID] = (root.account_id,)
        values[PRINCIPAL_IS_SERVICE] = _FALSE
        _long_term_mfa(values, mfa)
    elif kind is ServicePrincipal:
        _service(out, caller)  # type: ignore[arg-type]
    elif kind is WebIdentity:
        # An unsigned call: no principal keys; the provider and the token's mapped claims.
        web: WebIdentity = caller  # type: ignore[assignment]
        values[FEDERATED_PROVIDER] = (web.provider,)
        for key, value in oidc_condition_keys(web).items():
            out.add(key, value)
    elif kind is SamlIdentity:
        for key, value in saml_condition_keys(caller).items():  # type: ignore[arg-type]
            out.add(key, value)
    # Anonymous: STS refuses unsigned AssumeRole; the evaluator says so (docs/semantics.md §3.9).


def _org(out: _Derived, org: OrgMembership | None) -> None:
    if org is None:
        return
    out.values[PRINCIPAL_ORG_ID] = (org.org_id,)
    if org.paths:
        out.values[PRINCIPAL_ORG_PATHS] = org.paths
        out.multi.add(PRINCIPAL_ORG_PATHS)


def _principal_tags(out: _Derived, tags: Mapping[str, str]) -> None:
    for key, value in tags.items():
        out.add(f"aws:PrincipalTag/{key}", value)


def _user(out: _Derived, caller: IamUser, mfa: bool | None) -> None:
    values = out.values
    values[PRINCIPAL_ARN] = (caller.arn,)
    values[PRINCIPAL_ACCOUNT] = (caller.account_id,)
    _org(out, caller.org)
    _principal_tags(out, caller.tags)
    values[PRINCIPAL_TYPE] = ("User",)
    if caller.unique_id is not None:
        values[USERID] = (caller.unique_id,)
    values[PRINCIPAL_IS_SERVICE] = _FALSE
    values[USERNAME] = (caller.name,)
    _long_term_mfa(values, mfa if mfa is not None else caller.mfa_authenticated)


def _session(out: _Derived, caller: RoleSession, at: _dt.datetime, mfa: bool | None) -> None:
    # aws:PrincipalArn of a session is its role's ARN, path included (§6.1); session tags
    # replace role tags of the same key, compared case-insensitively [DOC TAGS].
    values = out.values
    values[PRINCIPAL_ARN] = (caller.role_arn,)
    values[PRINCIPAL_ACCOUNT] = (caller.account_id,)
    _org(out, caller.org)
    _principal_tags(out, overlay(caller.role_tags, caller.session_tags))
    values[PRINCIPAL_TYPE] = ("AssumedRole",)
    if caller.role_unique_id is not None:
        values[USERID] = (f"{caller.role_unique_id}:{caller.session_name}",)
    values[PRINCIPAL_IS_SERVICE] = _FALSE
    issued = caller.issued_at if caller.issued_at is not None else at
    # Temporary credentials always carry aws:MultiFactorAuthPresent [DOC GLOBAL].
    if mfa:  # a code passed with this call: authenticated just now
        values[MFA_PRESENT], values[MFA_AGE] = _TRUE, ("0",)
    elif mfa is None and caller.mfa_authenticated:
        age = max(0, int((at - issued).total_seconds()))
        values[MFA_PRESENT], values[MFA_AGE] = _TRUE, (str(age),)
    else:
        values[MFA_PRESENT] = _FALSE
    values[TOKEN_ISSUE_TIME] = (utc_text(issued),)
    if caller.source_identity is not None:
        values[AWS_SOURCE_IDENTITY] = (caller.source_identity,)
    if caller.federated_provider is not None:
        values[FEDERATED_PROVIDER] = (caller.federated_provider,)
    for key, value in caller.carried_keys.items():
        out.add(key, value)


def _service(out: _Derived, caller: ServicePrincipal) -> None:
    # Decision 10: only these, plus the source keys the service supplies.
    values = out.values
    values[PRINCIPAL_IS_SERVICE] = _TRUE
    values[PRINCIPAL_SERVICE_NAME] = (caller.name,)
    if caller.source_account is not None:
        values[SOURCE_ACCOUNT] = (caller.source_account,)
    if caller.source_arn is not None:
        values[SOURCE_ARN] = (caller.source_arn,)
    if caller.source_org_id is not None:
        values[SOURCE_ORG_ID] = (caller.source_org_id,)
    if caller.source_org_paths:
        values[SOURCE_ORG_PATHS] = tuple(caller.source_org_paths)
        out.multi.add(SOURCE_ORG_PATHS)


def _long_term_mfa(values: _Values, state: bool | None) -> None:
    # Absent for plain long-term keys; present when an MFA code is passed [DOC GLOBAL; STS-API].
    if state is None:
        return
    if state:
        values[MFA_PRESENT], values[MFA_AGE] = _TRUE, ("0",)
    else:
        values[MFA_PRESENT] = _FALSE
