"""AssumeRole-family requests: what a caller asks STS for, and the context AWS derives.

:func:`build_request` turns a caller, a role and the call's options into an
:class:`AssumeRoleRequest` carrying the request context AWS would build (docs/semantics.md §6):
the caller's principal keys, time and transport keys, the ``sts:*`` keys of the call, the
role's tags, OIDC claim keys and SAML keys. It refuses, with :class:`InvalidRequest`, what STS
itself refuses before reading any policy. :func:`assume_role` decides the whole call;
:func:`check_action` decides one action alone (both live with the evaluator,
:mod:`trustsim.evaluation`, and are exported here). The request values are
:mod:`trustsim.assume_request`'s; the checks and the derivation, ``trustsim._request_derivation``.

>>> import datetime as dt
>>> from trustsim.callers import IamUser, Role
>>> from trustsim.model import Effect, Policy, Principal, Statement
>>> trust = Policy((Statement(Effect.ALLOW, principal=Principal(aws=("111122223333",)),
...                           action=("sts:AssumeRole",)),))
>>> role = Role("arn:aws:iam::111122223333:role/ci/Deployer", trust)
>>> alice = IamUser("arn:aws:iam::111122223333:user/eng/alice")
>>> request = build_request(alice, role, external_id="tenant-42", tags={"project": "blue"},
...                         at=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc))
>>> request.action, request.companion_actions
('sts:AssumeRole', ('sts:TagSession',))
>>> for key, value in request.context.to_dict().items():
...     print(key, "=", value)
aws:PrincipalArn = arn:aws:iam::111122223333:user/eng/alice
aws:PrincipalAccount = 111122223333
aws:PrincipalType = User
aws:PrincipalIsAWSService = false
aws:username = alice
aws:CurrentTime = 2026-01-02T03:04:05Z
aws:EpochTime = 1767323045
aws:SecureTransport = true
aws:ViaAWSService = false
aws:ResourceAccount = 111122223333
sts:RoleSessionName = trustsim
sts:ExternalId = tenant-42
aws:RequestTag/project = blue
aws:TagKeys = ['project']
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if sys.version_info >= (3, 11):
    from typing import Unpack
elif TYPE_CHECKING:  # Python 3.10: only type checkers read the annotation
    from typing_extensions import Unpack

from trustsim._request_derivation import prepare_request
from trustsim.assume_request import (
    ASSUME_ACTIONS,
    ASSUME_ROLE,
    ASSUME_ROLE_WITH_SAML,
    ASSUME_ROLE_WITH_WEB_IDENTITY,
    COMPANION_ACTIONS,
    DEFAULT_SESSION_NAME,
    SET_CONTEXT,
    SET_SOURCE_IDENTITY,
    TAG_SESSION,
    AssumeRoleRequest,
    ContextOptions,
    ProvidedContext,
    RequestOptions,
    assume_action_for,
    keywords_from,
)
from trustsim.callers import Caller, Role
from trustsim.evaluation import assume_role, check_action

__all__ = [
    "ASSUME_ACTIONS",
    "ASSUME_ROLE",
    "ASSUME_ROLE_WITH_SAML",
    "ASSUME_ROLE_WITH_WEB_IDENTITY",
    "COMPANION_ACTIONS",
    "DEFAULT_SESSION_NAME",
    "SET_CONTEXT",
    "SET_SOURCE_IDENTITY",
    "TAG_SESSION",
    "AssumeRoleRequest",
    "ContextOptions",
    "ProvidedContext",
    "RequestOptions",
    "assume_action_for",
    "assume_role",
    "build_request",
    "check_action",
]


@keywords_from(RequestOptions)
def build_request(
    caller: Caller, role: Role, **options: Unpack[RequestOptions]
) -> AssumeRoleRequest:
    """The request AWS would evaluate when ``caller`` asks to assume ``role``.

    Args:
        caller: who calls.
        role: the role asked for.
        action: the action to decide; by default the API the caller kind uses
            (:func:`assume_action_for`). A companion action (``sts:TagSession``…) decides
            that permission alone, with the same context.
        external_id: ``ExternalId`` (``AssumeRole`` only) → ``sts:ExternalId``.
        session_name: ``RoleSessionName`` → ``sts:RoleSessionName`` (default
            :data:`DEFAULT_SESSION_NAME`).
        tags: session tags → ``aws:RequestTag/<k>`` and ``aws:TagKeys``.
        transitive_tag_keys: → ``sts:TransitiveTagKeys``; each must be one of ``tags``.
        source_identity: → ``sts:SourceIdentity``.
        source_ip: → ``aws:SourceIp`` (absent when not given: trustsim cannot know it).
        region: the Region of the STS endpoint called → ``aws:RequestedRegion`` (absent when
            not given: calls to the global endpoint may be served in more than one Region).
        at: the time of the call (default: now) → ``aws:CurrentTime``, ``aws:EpochTime``.
        mfa: whether an MFA code is passed with the call (IAM users, role sessions, root).
        provided_contexts: ``ProvidedContexts`` (``AssumeRole`` only).
        context: explicit entries applied last: they add keys or replace derived ones.

    Raises:
        InvalidRequest: STS would refuse the call (a malformed ``ExternalId``, a session tag
            colliding with an inherited transitive tag, …).
        trustsim.errors.InvalidContext: ``context`` holds a value of a shape AWS never sends.

    The derived keys follow docs/semantics.md §6 per caller kind; keys AWS documents as absent
    (MFA for plain access keys, ``aws:username`` for roles, principal keys for federated and
    service callers) are left out, as are values trustsim cannot know (``aws:userid`` without
    the caller's unique ID, ``aws:SourceIp`` unless given).

    >>> from trustsim.identities import GitHubActions
    >>> from trustsim.model import Policy
    >>> role = Role("arn:aws:iam::111122223333:role/deploy", Policy(()))
    >>> request = build_request(GitHubActions("acme/app", environment="prod"), role,
    ...                         context={"aws:CurrentTime": "2026-01-01T00:00:00Z"})
    >>> request.action
    'sts:AssumeRoleWithWebIdentity'
    >>> request.caller.provider
    'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com'
    >>> request.context["token.actions.githubusercontent.com:sub"]
    ('repo:acme/app:environment:prod',)
    >>> "aws:PrincipalArn" in request.context
    False
    """
    return prepare_request(caller, role, options)
