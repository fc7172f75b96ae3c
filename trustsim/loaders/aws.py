"""Loaders for AWS API output: ``get-role``, ``list-roles`` and ``get-account-authorization-details``.

Each loader accepts what boto3 or the AWS CLI returns (a decoded ``dict``, JSON text, bytes or
a file path) and the URL-encoded policy strings the raw IAM Query API and some SDKs return
(docs/loaders.md). Every policy document comes back as a :class:`~trustsim.model.Policy`
whose ``origin`` names the file and the JSON pointer of the document inside it
(``gaad.json#/RoleDetailList/3/AssumeRolePolicyDocument``).

When documents are refused, one :class:`~trustsim.errors.InvalidPolicy` lists every problem of
the whole file, each pointing into the file (``/RoleDetailList/3/AssumeRolePolicyDocument/
Statement/0/Principal``), with line and column when the file was read from text.

>>> details = load_authorization_details({"RoleDetailList": [{
...     "RoleName": "deploy", "Path": "/", "Arn": "arn:aws:iam::111122223333:role/deploy",
...     "RoleId": "AROAEXAMPLEROLEID0001",
...     "AssumeRolePolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B"
...         "%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22AWS%22%3A%22111122223333%22%7D%2C"
...         "%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D",
...     "RolePolicyList": [], "AttachedManagedPolicies": [], "Tags": [{"Key": "team", "Value": "ci"}]}]},
...     origin="gaad.json")
>>> role = details.roles[0]
>>> role.arn, role.tags, role.trust_policy.statements[0].principal.aws
('arn:aws:iam::111122223333:role/deploy', {'team': 'ci'}, ('111122223333',))
>>> role.trust_policy.origin
'gaad.json#/RoleDetailList/0/AssumeRolePolicyDocument'
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeGuard

import attrs

from trustsim._caller_checks import tag_mapping
from trustsim._collector import collector_paused
from trustsim._files import read_named
from trustsim._frozen import FrozenDict
from trustsim.callers import IamUser, InvalidCaller, OrgMembership, Role, RoleSession
from trustsim.errors import InvalidPolicy, Position, Problem
from trustsim.loaders.embedded import parsed
from trustsim.loaders.json_text import quick_value, read_json
from trustsim.loaders.source_text import read_json_from
from trustsim.model import Policy, PolicyKind

__all__ = [
    "AuthorizationDetails",
    "GroupDetail",
    "RoleDetail",
    "UserDetail",
    "load_authorization_details",
    "load_role",
    "load_roles",
]

#: What a loader accepts: a decoded value, JSON text, bytes, or a path to a JSON file.
Source = str | bytes | os.PathLike[str] | Mapping[str, Any] | Sequence[Any]

_SHAPE = "INVALID_AWS_RESPONSE"
_MISSING_POLICY = "UNRESOLVED_MANAGED_POLICY"


@attrs.frozen
class RoleDetail:
    """One IAM role as AWS describes it, with its policies parsed.

    ``policies`` are the role's identity policies: inline ones first, then the default
    version of each attached managed policy found in the same dump. ``identity_known`` is
    false when the source does not list them (``get-role``, ``list-roles``), so a caller
    built from it has no identity policies *because nothing is known*, not because it has
    none. ``unresolved_policy_arns`` are attached managed policies whose text the dump does
    not hold.

    >>> detail = load_role({"Role": {"RoleName": "r", "Path": "/", "Arn":
    ...     "arn:aws:iam::111122223333:role/r", "AssumeRolePolicyDocument": {"Statement": {
    ...     "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
    ...     "Action": "sts:AssumeRole"}}}})
    >>> detail.to_role().name, detail.identity_known
    ('r', False)
    """

    arn: str
    trust_policy: Policy
    policies: tuple[Policy, ...] = ()
    permissions_boundary: Policy | None = None
    permissions_boundary_arn: str | None = None
    tags: Mapping[str, str] = attrs.field(factory=FrozenDict, converter=tag_mapping)
    unique_id: str | None = None
    identity_known: bool = True
    unresolved_policy_arns: tuple[str, ...] = ()
    origin: str = ""
    #: The role :meth:`to_role` built (the loader builds it to check the role): built once.
    _role: Role | None = attrs.field(default=None, init=False, repr=False, eq=False)

    @property
    def account_id(self) -> str:
        """The account that owns the role."""
        return self.arn.split(":")[4]

    def to_role(self, org: OrgMembership | None = None) -> Role:
        """The role as :func:`trustsim.requests.assume_role` takes it."""
        role = self._role
        if role is None:
            role = Role(self.arn, self.trust_policy, tags=self.tags, unique_id=self.unique_id)
            object.__setattr__(self, "_role", role)  # what the frozen fields decide, kept
        return role if org is None else attrs.evolve(role, org=org)

    def session(self, name: str = "trustsim", org: OrgMembership | None = None) -> RoleSession:
        """A session of this role, carrying its identity policies, boundary and tags."""
        return RoleSession(
            self.arn,
            name,
            policies=self.policies,
            permissions_boundary=self.permissions_boundary,
            role_tags=self.tags,
            role_unique_id=self.unique_id,
            org=org,
        )


@attrs.frozen
class GroupDetail:
    """An IAM group: its inline and attached managed policies.

    >>> GroupDetail("arn:aws:iam::111122223333:group/admins").policies
    ()
    """

    arn: str
    policies: tuple[Policy, ...] = ()
    unresolved_policy_arns: tuple[str, ...] = ()
    origin: str = ""

    @property
    def name(self) -> str:
        """The group's name (the last part of its ARN)."""
        return self.arn.rsplit("/", 1)[-1]


@attrs.frozen
class UserDetail:
    """An IAM user with its own policies and those of its groups.

    ``policies`` holds the user's inline policies, its attached managed policies, then each
    group's policies (group membership gives a user the group's policies).

    >>> UserDetail("arn:aws:iam::111122223333:user/alice").to_user().name
    'alice'
    """

    arn: str
    policies: tuple[Policy, ...] = ()
    permissions_boundary: Policy | None = None
    permissions_boundary_arn: str | None = None
    tags: Mapping[str, str] = attrs.field(factory=FrozenDict, converter=tag_mapping)
    unique_id: str | None = None
    groups: tuple[str, ...] = ()
    unresolved_policy_arns: tuple[str, ...] = ()
    origin: str = ""
    #: The user :meth:`to_user` built (the loader builds it to check the user): built once.
    _user: IamUser | None = attrs.field(default=None, init=False, repr=False, eq=False)

    @property
    def account_id(self) -> str:
        """The account the user belongs to."""
        return self.arn.split(":")[4]

    def to_user(self, org: OrgMembership | None = None) -> IamUser:
        """The user as a caller (:class:`~trustsim.callers.IamUser`)."""
        user = self._user
        if user is None:
            user = IamUser(
                self.arn,
                policies=self.policies,
                permissions_boundary=self.permissions_boundary,
                tags=self.tags,
                unique_id=self.unique_id,
            )
            object.__setattr__(self, "_user", user)  # what the frozen fields decide, kept
        return user if org is None else attrs.evolve(user, org=org)


@attrs.frozen
class AuthorizationDetails:
    """The content of ``aws iam get-account-authorization-details`` (all pages merged).

    ``managed_policies`` maps each managed policy ARN in the dump to its default version.
    """

    roles: tuple[RoleDetail, ...] = ()
    users: tuple[UserDetail, ...] = ()
    groups: tuple[GroupDetail, ...] = ()
    managed_policies: Mapping[str, Policy] = attrs.field(factory=dict)
    origin: str = ""

    @property
    def account_ids(self) -> frozenset[str]:
        """The accounts whose users and roles the dump describes."""
        arns = [r.arn for r in self.roles] + [u.arn for u in self.users]
        arns += [g.arn for g in self.groups]
        return frozenset(arn.split(":")[4] for arn in arns)


# --------------------------------------------------------------------------- reading sources


@attrs.frozen
class _Input:
    value: object
    origin: str
    text: str | None = None
    positions: Mapping[str, Position] = attrs.field(factory=dict)
    problems: tuple[Problem, ...] = ()
    raw: str | bytes | None = None  # read quickly: positions are read from it on a problem

    def located(self) -> _Input:
        """This input with its text and positions, read strictly when it was read quickly."""
        if self.raw is None:
            return self
        document = read_json(self.raw)
        return _Input(self.value, self.origin, document.text, document.positions, self.problems)


def _looks_like_json(text: str) -> bool:
    return text.lstrip("\ufeff \t\r\n")[:1] in ("{", "[")


def _read(source: Source, origin: str | None) -> _Input:
    if isinstance(source, (Mapping, list, tuple)):
        return _Input(source, origin or "<value>")
    if isinstance(source, str) and _looks_like_json(source):
        label = origin or "<string>"
        raw: str | bytes = source
    elif isinstance(source, bytes):
        label = origin or "<bytes>"
        raw = source
    else:
        label = origin or os.fspath(source)  # type: ignore[arg-type]
        raw, _ = read_named(source)  # type: ignore[arg-type]
    read, value = quick_value(raw)
    if read:
        return _Input(value, label, raw=raw)
    document = read_json_from(raw, label)
    return _Input(document.value, label, document.text, document.positions, document.problems)


class _Collector:
    """Parses embedded documents, gathering every problem under its pointer in the file."""

    def __init__(self, source: _Input) -> None:
        self.source = source
        self.problems: list[Problem] = list(source.problems)
        #: The source was JSON text: its values are of the JSON readers' types.
        self.from_text = source.text is not None or source.raw is not None

    def shape(self, pointer: str, message: str) -> None:
        self.problems.append(Problem(_SHAPE, pointer, message))

    def policy(self, raw: object, pointer: str, kind: PolicyKind) -> Policy | None:
        from_json = isinstance(raw, str) or self.from_text
        try:
            if isinstance(raw, str):
                read, value = quick_value(raw)
                if read:
                    raw = value
                else:
                    document = read_json(raw)
                    if document.problems:
                        raise InvalidPolicy(document.problems)
                    raw = document.value
            if not _is_object(raw):
                self.shape(pointer, "a policy document must be an object or its JSON text")
                return None
            return parsed(raw, kind, f"{self.source.origin}#{pointer}", from_json=from_json)
        except InvalidPolicy as error:
            self.problems += [
                attrs.evolve(problem, pointer=pointer + problem.pointer)
                for problem in error.problems
            ]
            return None

    def finish(self) -> None:
        if self.problems:
            source = self.source.located()
            raise InvalidPolicy(
                dict.fromkeys(self.problems),
                origin=source.origin,
                text=source.text,
                positions=source.positions,
            )


def _tags(item: Mapping[str, Any], pointer: str, collect: _Collector) -> dict[str, str]:
    """``Tags``: AWS's ``[{"Key": …, "Value": …}]``, or a plain ``{key: value}`` object.

    Tags decide conditions (``aws:ResourceTag``, ``aws:PrincipalTag``): one that cannot be
    read is a problem, never a tag silently dropped.
    """
    raw = item.get("Tags")
    if raw is None:
        return {}
    if _is_object(raw):
        plain: dict[str, str] = {}
        for name, text in raw.items():
            if not isinstance(text, str):  # not str(text): true is no tag "True"
                escaped = str(name).replace("~", "~0").replace("/", "~1")
                collect.shape(f"{pointer}/Tags/{escaped}", "a tag's value is text")
                continue
            plain[str(name)] = text
        return plain
    if not isinstance(raw, list):
        collect.shape(f"{pointer}/Tags", 'Tags must be a list of {"Key", "Value"}')
        return {}
    tags: dict[str, str] = {}
    for index, tag in enumerate(raw):
        key = _text(tag, "Key") if _is_object(tag) else None
        value = tag.get("Value", "") if _is_object(tag) else None
        if key is None or not isinstance(value, str):
            collect.shape(f"{pointer}/Tags/{index}", 'a tag is {"Key": text, "Value": text}')
            continue
        tags[key] = value
    return tags


def _text(item: Mapping[str, Any], key: str) -> str | None:
    value = item.get(key)
    return value if isinstance(value, str) else None


def _is_object(value: object) -> TypeGuard[Mapping[str, Any]]:
    """Whether ``value`` is a JSON object (a ``dict`` is asked first: ``Mapping`` is slow)."""
    return type(value) is dict or isinstance(value, Mapping)


def _role(
    item: object,
    pointer: str,
    collect: _Collector,
    *,
    managed: Mapping[str, Policy] | None,
) -> RoleDetail | None:
    if not _is_object(item):
        collect.shape(pointer, "a role must be an object")
        return None
    arn = _text(item, "Arn")
    if arn is None:
        collect.shape(f"{pointer}/Arn", "the role has no Arn")
        return None
    if "AssumeRolePolicyDocument" not in item:
        collect.shape(pointer, f"the role {arn} has no AssumeRolePolicyDocument")
        return None
    trust_pointer = f"{pointer}/AssumeRolePolicyDocument"
    trust = collect.policy(item["AssumeRolePolicyDocument"], trust_pointer, PolicyKind.TRUST)
    inline = _inline(item, "RolePolicyList", pointer, collect)
    attached, unresolved = _attached(item, pointer, collect, managed)
    boundary, boundary_arn = _boundary(item, pointer, collect, managed)
    if boundary_arn is not None and boundary is None and managed is not None:
        unresolved.append(boundary_arn)
    unique_id = _text(item, "RoleId")
    tags = _tags(item, pointer, collect)
    detail = None
    if trust is not None:
        detail = RoleDetail(
            arn,
            trust,
            policies=(*inline, *attached),
            permissions_boundary=boundary,
            permissions_boundary_arn=boundary_arn,
            tags=tags,
            unique_id=unique_id if unique_id and unique_id.startswith("AROA") else None,
            identity_known=managed is not None,
            unresolved_policy_arns=tuple(unresolved),
            origin=f"{collect.source.origin}#{pointer}",
        )
        try:
            detail.to_role()
        except InvalidCaller as error:
            collect.shape(f"{pointer}/Arn", str(error))
            return None
    return detail


def _inline(item: Mapping[str, Any], key: str, pointer: str, collect: _Collector) -> list[Policy]:
    found: list[Policy] = []
    entries = item.get(key) or []
    if not isinstance(entries, list):
        collect.shape(f"{pointer}/{key}", f"{key} must be a list")
        return found
    for index, entry in enumerate(entries):
        where = f"{pointer}/{key}/{index}"
        if not _is_object(entry) or "PolicyDocument" not in entry:
            collect.shape(where, "an inline policy needs a PolicyDocument")
            continue
        policy = collect.policy(
            entry["PolicyDocument"], f"{where}/PolicyDocument", PolicyKind.IDENTITY
        )
        if policy is not None:
            found.append(policy)
    return found


def _attached(
    item: Mapping[str, Any],
    pointer: str,
    collect: _Collector,
    managed: Mapping[str, Policy] | None,
) -> tuple[list[Policy], list[str]]:
    found: list[Policy] = []
    unresolved: list[str] = []
    if managed is None:
        return found, unresolved
    entries = item.get("AttachedManagedPolicies") or []
    if not isinstance(entries, list):
        collect.shape(f"{pointer}/AttachedManagedPolicies", "must be a list")
        return found, unresolved
    for index, entry in enumerate(entries):
        arn = _text(entry, "PolicyArn") if _is_object(entry) else None
        if arn is None:
            where = f"{pointer}/AttachedManagedPolicies/{index}"
            collect.shape(where, "an attached policy needs a PolicyArn")
            continue
        policy = managed.get(arn)
        if policy is None:
            unresolved.append(arn)
        else:
            found.append(policy)
    return found, unresolved


def _boundary(
    item: Mapping[str, Any],
    pointer: str,
    collect: _Collector,
    managed: Mapping[str, Policy] | None,
) -> tuple[Policy | None, str | None]:
    raw = item.get("PermissionsBoundary")
    if raw is None:
        return None, None
    arn = _text(raw, "PermissionsBoundaryArn") if _is_object(raw) else None
    if arn is None:
        collect.shape(f"{pointer}/PermissionsBoundary", "no PermissionsBoundaryArn")
        return None, None
    policy = None if managed is None else managed.get(arn)
    if policy is not None:
        policy = attrs.evolve(policy, kind=PolicyKind.PERMISSIONS_BOUNDARY)
    return policy, arn


# --------------------------------------------------------------------------- public loaders


def load_role(source: Source, *, origin: str | None = None) -> RoleDetail:
    """Load one role from ``get-role`` output: the whole response or its ``Role`` object.

    The trust policy may be a decoded object or the URL-encoded text the raw API returns.
    ``get-role`` does not list the role's identity policies: ``identity_known`` is false.

    >>> encoded = ("%7B%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B"
    ...            "%22Service%22%3A%22lambda.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%7D")
    >>> role = load_role({"Role": {"RoleName": "fn", "Path": "/service/",
    ...                   "Arn": "arn:aws:iam::111122223333:role/service/fn",
    ...                   "AssumeRolePolicyDocument": encoded}}, origin="get-role.json")
    >>> role.trust_policy.statements[0].principal.service, role.trust_policy.origin
    (('lambda.amazonaws.com',), 'get-role.json#/Role/AssumeRolePolicyDocument')

    Raises:
        InvalidPolicy: the trust policy is refused, or the response is not a role; every
            problem points into the source (``/Role/AssumeRolePolicyDocument/...``).
        OSError: the file cannot be read.
    """
    read = _read(source, origin)
    collect = _Collector(read)
    value = read.value
    pointer = ""
    if _is_object(value) and "Role" in value:
        value, pointer = value["Role"], "/Role"
    role = _role(value, pointer, collect, managed=None)
    collect.finish()
    assert role is not None  # noqa: S101 - no problem means the role was read
    return role


def load_roles(source: Source, *, origin: str | None = None) -> tuple[RoleDetail, ...]:
    """Load every role of ``list-roles`` output: one response, a list of pages, or a list of roles.

    >>> roles = load_roles({"Roles": [{"RoleName": "a", "Path": "/",
    ...     "Arn": "arn:aws:iam::111122223333:role/a", "AssumeRolePolicyDocument":
    ...     {"Statement": {"Effect": "Allow", "Principal": {"AWS": "111122223333"},
    ...                    "Action": "sts:AssumeRole"}}}]})
    >>> [role.arn for role in roles]
    ['arn:aws:iam::111122223333:role/a']

    Raises:
        InvalidPolicy: with every problem of every role, each pointing into the source.
    """
    read = _read(source, origin)
    collect = _Collector(read)
    found: list[RoleDetail] = []
    for item, pointer in _listed(read.value, "Roles", collect):
        role = _role(item, pointer, collect, managed=None)
        if role is not None:
            found.append(role)
    collect.finish()
    return tuple(found)


def _listed(value: object, key: str, collect: _Collector) -> Iterable[tuple[object, str]]:
    """The entries of ``key`` in a response, in a list of pages, or a bare list of entries."""
    pages: list[tuple[object, str]]
    if _is_object(value):
        pages = [(value, "")]
    elif isinstance(value, (list, tuple)):
        if value and all(_is_object(page) and key in page for page in value):
            pages = [(page, f"/{index}") for index, page in enumerate(value)]
        else:
            return [(item, f"/{index}") for index, item in enumerate(value)]
    else:
        collect.shape("", f"expected an object with {key} or a list")
        return []
    out: list[tuple[object, str]] = []
    for page, base in pages:
        assert _is_object(page)  # noqa: S101 - chosen above
        entries = page.get(key, [])
        if not isinstance(entries, list):
            collect.shape(f"{base}/{key}", f"{key} must be a list")
            continue
        out += [(item, f"{base}/{key}/{i}") for i, item in enumerate(entries)]
    return out


def load_authorization_details(*sources: Source, origin: str | None = None) -> AuthorizationDetails:
    """Load ``aws iam get-account-authorization-details`` output (several pages merge).

    Roles keep their trust policy, inline and attached managed policies, permissions boundary
    and tags; users get their own policies and those of every group they belong to. Only the
    default version of a managed policy is in force.


    >>> details = load_authorization_details({
    ...     "UserDetailList": [{"UserName": "alice", "Path": "/", "GroupList": ["ops"],
    ...         "Arn": "arn:aws:iam::111122223333:user/alice", "UserPolicyList": []}],
    ...     "GroupDetailList": [{"GroupName": "ops", "Path": "/",
    ...         "Arn": "arn:aws:iam::111122223333:group/ops", "GroupPolicyList": [{
    ...             "PolicyName": "assume-vendor", "PolicyDocument": {"Version": "2012-10-17",
    ...                 "Statement": {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}}}]}],
    ...     "RoleDetailList": [{"RoleName": "vendor", "Path": "/", "Arn": "arn:aws:iam::111122223333:role/vendor",
    ...         "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": {"Effect": "Allow",
    ...             "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "sts:AssumeRole",
    ...             "Condition": {"StringEquals": {"sts:ExternalId": "x-42"}}}},
    ...         "AttachedManagedPolicies": [{"PolicyName": "ReadOnlyAccess",
    ...                                      "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]}]},
    ...     origin="gaad.json")
    >>> sorted(details.account_ids), [role.arn for role in details.roles]
    (['111122223333'], ['arn:aws:iam::111122223333:role/vendor'])
    >>> details.roles[0].unresolved_policy_arns  # attached, but its document is not in the dump
    ('arn:aws:iam::aws:policy/ReadOnlyAccess',)
    >>> [policy.origin for policy in details.users[0].to_user().policies]
    ['gaad.json#/GroupDetailList/0/GroupPolicyList/0/PolicyDocument']

    Raises:
        InvalidPolicy: with every problem of every document in the dump, each pointer naming
            its place in the file (``/RoleDetailList/3/AssumeRolePolicyDocument/...``).
        OSError: a file cannot be read.
    """
    with collector_paused():  # see trustsim._collector: a third of a load otherwise
        return _details(sources, origin)


def _details(sources: tuple[Source, ...], origin: str | None) -> AuthorizationDetails:
    reads = [_read(source, origin) for source in sources]
    collectors = [_Collector(read) for read in reads]
    seen: dict[str, tuple[object, str]] = {}
    managed: dict[str, Policy] = {}
    for read, collect in zip(reads, collectors, strict=True):
        for item, pointer in _distinct(_pages(read.value, "Policies", collect), collect, seen):
            _managed(item, pointer, collect, managed)
    groups: dict[str, GroupDetail] = {}
    for read, collect in zip(reads, collectors, strict=True):
        for item, pointer in _distinct(
            _pages(read.value, "GroupDetailList", collect), collect, seen
        ):
            group = _group(item, pointer, collect, managed)
            if group is not None:
                groups[group.name] = group
    roles: list[RoleDetail] = []
    users: list[UserDetail] = []
    for read, collect in zip(reads, collectors, strict=True):
        for item, pointer in _distinct(
            _pages(read.value, "RoleDetailList", collect), collect, seen
        ):
            role = _role(item, pointer, collect, managed=managed)
            if role is not None:
                roles.append(role)
        for item, pointer in _distinct(
            _pages(read.value, "UserDetailList", collect), collect, seen
        ):
            user = _user(item, pointer, collect, managed, groups)
            if user is not None:
                users.append(user)
    problems = [p for collect in collectors for p in collect.problems]
    if problems:
        if len(collectors) == 1:
            collectors[0].finish()
        raise InvalidPolicy(dict.fromkeys(problems), origin=", ".join(r.origin for r in reads))
    return AuthorizationDetails(
        tuple(roles),
        tuple(users),
        tuple(groups.values()),
        managed,
        ", ".join(r.origin for r in reads),
    )


def _distinct(
    entries: list[tuple[object, str]], collect: _Collector, seen: dict[str, tuple[object, str]]
) -> list[tuple[object, str]]:
    """Entries by ARN once: a page given twice merges; one ARN with two contents is refused.

    ``--max-items`` pagination never repeats an entry, so a repeat is the same page given
    twice (merged: the same facts) or two dumps taken at different times (refused: which one
    holds would decide).
    """
    kept: list[tuple[object, str]] = []
    for item, pointer in entries:
        arn = item.get("Arn") if _is_object(item) else None
        if not isinstance(arn, str):
            kept.append((item, pointer))
            continue
        if arn not in seen:
            seen[arn] = (item, f"{collect.source.origin}#{pointer}")
            kept.append((item, pointer))
        elif seen[arn][0] != item:
            collect.shape(
                pointer,
                f"{arn} appears twice with different contents (first at {seen[arn][1]}): "
                "give pages of one dump, taken at one time",
            )
    return kept


def _pages(value: object, key: str, collect: _Collector) -> list[tuple[object, str]]:
    if _is_object(value):
        return list(_listed(value, key, collect)) if key in value else []
    if isinstance(value, (list, tuple)):
        return [
            (item, f"/{index}/{key}/{i}")
            for index, page in enumerate(value)
            if _is_object(page)
            for i, item in enumerate(page.get(key) or [])
        ]
    collect.shape("", "expected the get-account-authorization-details object (or its pages)")
    return []


def _managed(item: object, pointer: str, collect: _Collector, managed: dict[str, Policy]) -> None:
    arn = _text(item, "Arn") if _is_object(item) else None
    if arn is None or not _is_object(item):
        collect.shape(pointer, "a managed policy needs an Arn")
        return
    versions = item.get("PolicyVersionList") or []
    default = _text(item, "DefaultVersionId")
    for index, version in enumerate(versions if isinstance(versions, list) else []):
        if not _is_object(version):
            continue
        is_default = version.get("IsDefaultVersion") is True or (
            default is not None and version.get("VersionId") == default
        )
        if is_default and "Document" in version:
            where = f"{pointer}/PolicyVersionList/{index}/Document"
            # A customer managed policy was saved by CreatePolicy (Version 2012-10-17 enforced);
            # AWS managed policies (account "aws") are AWS's own documents.
            aws_managed = arn.split(":")[4:5] == ["aws"]
            kind = PolicyKind.IDENTITY if aws_managed else PolicyKind.MANAGED
            policy = collect.policy(version["Document"], where, kind)
            if policy is not None:
                managed[arn] = policy
            return
    collect.shape(pointer, f"the managed policy {arn} has no default version document")


def _group(
    item: object, pointer: str, collect: _Collector, managed: Mapping[str, Policy]
) -> GroupDetail | None:
    arn = _text(item, "Arn") if _is_object(item) else None
    if arn is None or not _is_object(item):
        collect.shape(pointer, "a group needs an Arn")
        return None
    inline = _inline(item, "GroupPolicyList", pointer, collect)
    attached, unresolved = _attached(item, pointer, collect, managed)
    return GroupDetail(
        arn, (*inline, *attached), tuple(unresolved), f"{collect.source.origin}#{pointer}"
    )


def _user(
    item: object,
    pointer: str,
    collect: _Collector,
    managed: Mapping[str, Policy],
    groups: Mapping[str, GroupDetail],
) -> UserDetail | None:
    arn = _text(item, "Arn") if _is_object(item) else None
    if arn is None or not _is_object(item):
        collect.shape(pointer, "a user needs an Arn")
        return None
    inline = _inline(item, "UserPolicyList", pointer, collect)
    attached, unresolved = _attached(item, pointer, collect, managed)
    boundary, boundary_arn = _boundary(item, pointer, collect, managed)
    if boundary_arn is not None and boundary is None:
        unresolved.append(boundary_arn)
    member_of: list[str] = []
    from_groups: list[Policy] = []
    names = item.get("GroupList") or []
    if not isinstance(names, list):
        collect.shape(f"{pointer}/GroupList", "GroupList must be a list of names")
        names = []
    for index, name in enumerate(names):
        group = groups.get(name) if isinstance(name, str) else None
        if group is None:
            where = f"{pointer}/GroupList/{index}"
            collect.shape(where, f"the user is in group {name!r}, which the dump does not list")
            continue
        member_of.append(group.arn)
        from_groups += group.policies
        unresolved += group.unresolved_policy_arns
    unique_id = _text(item, "UserId")
    detail = UserDetail(
        arn,
        (*inline, *attached, *from_groups),
        permissions_boundary=boundary,
        permissions_boundary_arn=boundary_arn,
        tags=_tags(item, pointer, collect),
        unique_id=unique_id if unique_id and unique_id.startswith("AIDA") else None,
        groups=tuple(member_of),
        unresolved_policy_arns=tuple(dict.fromkeys(unresolved)),
        origin=f"{collect.source.origin}#{pointer}",
    )
    try:
        detail.to_user()
    except InvalidCaller as error:
        collect.shape(f"{pointer}/Arn", str(error))
        return None
    return detail
