"""Policies compiled once into matchers, so that evaluation only looks things up and compares.

:func:`compile_policy` turns a :class:`~trustsim.model.Policy` into a :class:`CompiledPolicy`:
one :class:`CompiledStatement` per statement, each tagged with its
:class:`~trustsim.decision.StatementRef`, holding

* a :class:`PrincipalMatcher`: the statement's principals indexed once (exact user, role and
  session ARNs, account IDs and root ARNs, unique IDs, services, federated providers,
  ``{"AWS": "*"}``). Matching a caller returns the *kind* of match (docs/semantics.md §3.12),
  which the decision table of §4.3 needs;
* an :class:`ActionMatcher` (case-insensitive, ``*``/``?``, ``NotAction``);
* a :class:`ResourceMatcher` for caller-side policies, matched against the role's ARN
  (wildcards; policy variables resolved from the request context);
* the statement's :class:`~trustsim.conditions.CompiledCondition`.

Compiled policies are cached by the identity of the policy value (and the label), so
compiling the same policy again costs one dictionary lookup.
"""

from __future__ import annotations

import enum
import re
import weakref
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from trustsim._memo import cached, memo, remember
from trustsim._memo import clear_caches as clear_every_cache
from trustsim.arn import Arn
from trustsim.callers import (
    AccountRoot,
    Anonymous,
    IamUser,
    RoleSession,
    SamlIdentity,
    ServicePrincipal,
    WebIdentity,
)
from trustsim.conditions import compile_condition
from trustsim.errors import Problem
from trustsim.model import Effect, Policy, PolicyKind, Principal, Statement, StatementRef
from trustsim.variables import Template, parse_template
from trustsim.wildcard import compile_pattern, compile_segments

if TYPE_CHECKING:
    from trustsim.callers import Caller
    from trustsim.conditions import CompiledCondition
    from trustsim.context import RequestContext

__all__ = [
    "ActionMatcher",
    "CallerIdentity",
    "CallerKind",
    "CompiledPolicy",
    "CompiledStatement",
    "MatchKind",
    "PrincipalMatcher",
    "ResourceMatcher",
    "compile_policy",
]

_ACCOUNT_ID = re.compile(r"[0-9]{12}")
_SERVICE_LINKED_PATH = "role/aws-service-role/"


class MatchKind(enum.Enum):
    """How a statement's principal matched the caller (docs/semantics.md §3.12)."""

    NO = "no match"
    ACCOUNT = "account"
    DIRECT_USER = "user ARN"
    DIRECT_ROLE = "role ARN"
    DIRECT_SESSION = "session ARN"
    DIRECT_STAR = "all AWS principals"
    SERVICE = "service"
    FEDERATED = "federated provider"


class CallerKind(enum.Enum):
    """The kinds of caller of the AssumeRole family (docs/semantics.md §3.1)."""

    USER = "IAM user"
    ROLE_SESSION = "role session"
    ROOT = "account root"
    ANONYMOUS = "anonymous"
    SERVICE = "AWS service"
    WEB_IDENTITY = "OIDC web identity"
    SAML = "SAML identity"


@attrs.frozen
class CallerIdentity:
    """What principal matching needs to know about a caller, computed once per request.

    ``arn`` is the user ARN, the session ARN (``assumed-role/NAME/SESSION``, no path) or the
    root ARN; ``role_arn`` is a session's role ARN *with* its path, through which a role
    principal matches (never by parsing the session ARN, docs/semantics.md §3.4).

    >>> from trustsim.callers import RoleSession
    >>> who = CallerIdentity.of(RoleSession("arn:aws:iam::111122223333:role/ci/Deployer", "run-1"))
    >>> who.kind, who.account, who.arn
    (<CallerKind.ROLE_SESSION: 'role session'>, '111122223333', 'arn:aws:sts::111122223333:assumed-role/Deployer/run-1')
    """

    kind: CallerKind
    partition: str | None = None
    account: str | None = None
    arn: str | None = None
    role_arn: str | None = None
    unique_id: str | None = None
    name: str | None = None  # service principal name or federated provider

    @classmethod
    def of(cls, caller: Caller) -> CallerIdentity:
        """Describe ``caller`` for principal matching."""
        # (Callers check their ARNs when built: the parts are always there.)
        for caller_type, kind, fields in _IDENTITY_FIELDS:
            if isinstance(caller, caller_type):
                return cls(kind, **{field: getattr(caller, name) for field, name in fields})
        raise TypeError(f"not a caller: {caller!r}")

    @property
    def is_iam_principal(self) -> bool:
        """An IAM user or role session: the callers that have an identity side."""
        return self.kind in (CallerKind.USER, CallerKind.ROLE_SESSION)

    @property
    def is_service_linked_role_session(self) -> bool:
        """A session of a service-linked role (exempt from SCPs and RCPs, DOC EVAL-CTX)."""
        return self.role_arn is not None and _SERVICE_LINKED_PATH in self.role_arn

    def describe(self) -> str:
        """One phrase naming the caller: ``IAM user arn:…`` / ``service lambda.amazonaws.com``."""
        if self.kind is CallerKind.ROLE_SESSION:
            return f"session {self.arn} of role {self.role_arn}"
        if self.kind is CallerKind.ANONYMOUS:
            return "an anonymous caller"
        return f"{self.kind.value} {self.arn or self.name}"


#: Per kind of caller: which of its attributes fill which field of its CallerIdentity (the
#: user ARN, the session ARN and its role's ARN with path, the root ARN; a service's name, a
#: federated caller's provider).
_IDENTITY_FIELDS: tuple[tuple[type[Caller], CallerKind, tuple[tuple[str, str], ...]], ...] = (
    (IamUser, CallerKind.USER, (("partition", "partition"), ("account", "account_id"),
                                ("arn", "arn"), ("unique_id", "unique_id"))),
    (RoleSession, CallerKind.ROLE_SESSION, (("partition", "partition"), ("account", "account_id"),
                                            ("arn", "session_arn"), ("role_arn", "role_arn"),
                                            ("unique_id", "role_unique_id"))),
    (AccountRoot, CallerKind.ROOT, (("partition", "partition"), ("account", "account_id"),
                                    ("arn", "arn"))),
    (ServicePrincipal, CallerKind.SERVICE, (("name", "name"),)),
    (WebIdentity, CallerKind.WEB_IDENTITY, (("name", "provider"),)),
    (SamlIdentity, CallerKind.SAML, (("name", "provider"),)),
    (Anonymous, CallerKind.ANONYMOUS, ()),
)  # fmt: skip


@attrs.frozen
class PrincipalMatcher:
    """A statement's ``Principal`` indexed once (docs/semantics.md §3.2–3.9, §3.11, §3.12).

    ``account_ids`` hold bare 12-digit IDs (read in the role's partition, §3.11);
    ``account_roots`` hold (partition, account) pairs from root ARNs. User, role and session
    ARNs are compared exactly, path and case included (docs/semantics.md, reading 6).
    """

    everyone: bool = False
    aws_star: bool = False
    account_ids: frozenset[str] = frozenset()
    account_roots: frozenset[tuple[str, str]] = frozenset()
    users: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()
    sessions: frozenset[str] = frozenset()
    unique_ids: frozenset[str] = frozenset()
    services: frozenset[str] = frozenset()
    federated: frozenset[str] = frozenset()
    #: User, role and session ARNs and service names folded (case, and the path of user and
    #: role ARNs, dropped): what would match if IAM compared them loosely (readings 6, 7).
    loose: frozenset[str] = frozenset()

    @classmethod
    def of(cls, principal: Principal) -> PrincipalMatcher:
        """Index ``principal``'s values by the way each can match."""
        found: dict[str, set[Any]] = {field: set() for field in _AWS_FIELDS}
        for value in principal.aws:
            field, item = _aws_index(value)
            if field:
                found[field].add(item)
        named = [
            _loose_arn(arn) for field in ("users", "roles", "sessions") for arn in found[field]
        ]
        services = [f"service:{name.lower()}" for name in principal.service]
        indexed: dict[str, Any] = {field: frozenset(items) for field, items in found.items()}
        return cls(
            everyone=principal.star,
            aws_star="*" in principal.aws,
            services=frozenset(principal.service),
            federated=frozenset(principal.federated),
            loose=frozenset(named + services),
            **indexed,
        )

    def near_miss(self, who: CallerIdentity) -> str | None:
        """The reading a non-match rests on, when a value names ``who`` but for case or path.

        ``"6"`` when a user or role ARN (or a session ARN) differs from the caller's only in
        letter case or IAM path, ``"7"`` when a service name differs only in case; ``None``
        otherwise. Such values are compared exactly (docs/semantics.md, readings 6 and 7), and an
        outcome resting on that reading says so.
        """
        if not self.loose:
            return None
        kind = who.kind
        if kind is CallerKind.SERVICE:
            name = who.name or ""
            return "7" if f"service:{name.lower()}" in self.loose else None
        if kind is CallerKind.USER and who.arn:
            return "6" if _loose_arn(who.arn) in self.loose else None
        if kind is CallerKind.ROLE_SESSION:
            arns = (who.arn, who.role_arn)
            return "6" if any(arn and _loose_arn(arn) in self.loose for arn in arns) else None
        return None

    def match(self, who: CallerIdentity, role_partition: str) -> MatchKind:
        """The kind of match of ``who`` (the most specific one when several values match).

        ``{"AWS": "*"}`` matches IAM users and role sessions only, never services or
        federated callers (docs/semantics.md, reading 4); an account principal matches the IAM
        identities of that account in that partition (§3.2, §3.11).
        """
        if self.everyone:
            return MatchKind.DIRECT_STAR
        kind = who.kind
        if kind is CallerKind.SERVICE:
            return MatchKind.SERVICE if who.name in self.services else MatchKind.NO
        if kind is CallerKind.WEB_IDENTITY or kind is CallerKind.SAML:
            return MatchKind.FEDERATED if who.name in self.federated else MatchKind.NO
        if kind is CallerKind.USER:
            if who.arn in self.users or (who.unique_id and who.unique_id in self.unique_ids):
                return MatchKind.DIRECT_USER
        elif kind is CallerKind.ROLE_SESSION:
            if who.arn in self.sessions:
                return MatchKind.DIRECT_SESSION
            if who.role_arn in self.roles or (who.unique_id and who.unique_id in self.unique_ids):
                return MatchKind.DIRECT_ROLE
        else:  # root and anonymous never assume a role (§3.9); evaluation says so
            return MatchKind.NO
        if self.aws_star:
            return MatchKind.DIRECT_STAR
        if (who.partition, who.account) in self.account_roots or (
            who.partition == role_partition and who.account in self.account_ids
        ):
            return MatchKind.ACCOUNT
        return MatchKind.NO

    def star_skipped(self, who: CallerIdentity) -> bool:
        """Whether ``{"AWS": "*"}`` is here and ``who`` is a service or federated caller.

        Such a caller is not matched by it (reading 4); evaluation notes it when that reading
        is what decided.
        """
        return self.aws_star and who.kind in (
            CallerKind.SERVICE,
            CallerKind.WEB_IDENTITY,
            CallerKind.SAML,
        )

    def values(self) -> tuple[str, ...]:
        """Every value indexed, for explanations."""
        out: list[str] = []
        if self.everyone:
            out.append("*")
        if self.aws_star:
            out.append("AWS:*")
        out.extend(sorted(self.account_ids))
        out.extend(f"arn:{p}:iam::{a}:root" for p, a in sorted(self.account_roots))
        for group in (self.users, self.roles, self.sessions, self.unique_ids):
            out.extend(sorted(group))
        out.extend(f"Service:{s}" for s in sorted(self.services))
        out.extend(f"Federated:{f}" for f in sorted(self.federated))
        return tuple(out)


#: The fields of PrincipalMatcher an ``AWS`` principal value other than ``*`` is indexed under.
_AWS_FIELDS = (
    "account_ids",
    "account_roots",
    "users",
    "roles",
    "sessions",
    "unique_ids",
)


def _aws_index(value: str) -> tuple[str, object]:
    """Where an ``AWS`` principal value is indexed, and as what (``""``: nowhere)."""
    if value == "*":
        return "", value  # PrincipalMatcher.aws_star
    if _ACCOUNT_ID.fullmatch(value):
        return "account_ids", value
    arn = Arn.try_parse(value)
    if arn is None:
        return "unique_ids", value
    if arn.service == "iam" and arn.resource == "root":
        return "account_roots", (arn.partition, arn.account)
    if arn.service == "iam" and arn.resource_type in ("user", "role"):
        return f"{arn.resource_type}s", value
    if arn.service == "sts":
        return "sessions", value  # assumed-role/R/S and federated-user/N
    return "", value


_MATCH_ANY_PRINCIPAL = PrincipalMatcher(everyone=True)


def _loose_arn(arn: str) -> str:
    """An IAM ARN folded to lower case, the path of a user or role ARN dropped."""
    head, _, resource = arn.lower().rpartition(":")
    kind, _, rest = resource.partition("/")
    if kind in ("user", "role"):
        rest = rest.rpartition("/")[2]
    return f"{head}:{kind}/{rest}"


def _has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


@attrs.frozen
class ActionMatcher:
    """``Action`` / ``NotAction``: case-insensitive, with ``*`` and ``?`` (DOC ACTION).

    Literal names sit in a set of lower-cased names; only wildcard patterns run a matcher.
    """

    literals: frozenset[str]
    patterns: tuple[Callable[[str], bool], ...]
    negated: bool
    written: tuple[str, ...]

    @classmethod
    def of(cls, statement: Statement) -> ActionMatcher:
        """Compile the statement's ``Action`` (or ``NotAction``)."""
        negated = statement.action is None and statement.not_action is not None
        written = (statement.not_action if negated else statement.action) or ()
        literals = frozenset(a.casefold() for a in written if not _has_wildcard(a))
        patterns = tuple(compile_pattern(a, ignore_case=True) for a in written if _has_wildcard(a))
        return cls(literals, patterns, negated, tuple(written))

    def matches(self, action: str, action_lower: str) -> bool:
        """Whether the statement covers ``action`` (``action_lower``: the same, case-folded)."""
        hit = action_lower in self.literals or any(p(action) for p in self.patterns)
        return hit is not self.negated


@attrs.frozen
class ResourceMatcher:
    """``Resource`` / ``NotResource`` of a caller-side policy, matched against the role ARN.

    ARNs are matched case-sensitively with ``*``/``?`` (DOC IDS); under Version 2012-10-17,
    ``${…}`` policy variables are resolved from the request context, and a variable that
    cannot be resolved (absent or multi-valued key, no default) makes the value match nothing
    (DOC VARS).
    """

    literals: frozenset[str]
    patterns: tuple[Callable[[str], bool], ...]
    templates: tuple[Template, ...]
    negated: bool
    written: tuple[str, ...]

    @classmethod
    def of(cls, statement: Statement, *, expand_variables: bool) -> ResourceMatcher | None:
        """Compile the statement's resource element; ``None`` when it has none."""
        if statement.resource is None and statement.not_resource is None:
            return None
        negated = statement.resource is None
        written = (statement.not_resource if negated else statement.resource) or ()
        literals: set[str] = set()
        patterns: list[Callable[[str], bool]] = []
        templates: list[Template] = []
        for value in written:
            template = parse_template(value) if expand_variables and "${" in value else None
            if template is not None and template.has_variables:
                templates.append(template)
            elif _has_wildcard(value):
                patterns.append(compile_pattern(value))
            else:
                literals.add(value)
        return cls(frozenset(literals), tuple(patterns), tuple(templates), negated, written)

    def matches(self, arn: str, context: RequestContext) -> bool:
        """Whether the element covers ``arn`` in ``context``."""
        hit = (
            arn in self.literals
            or any(p(arn) for p in self.patterns)
            or any(_template_matches(t, arn, context) for t in self.templates)
        )
        return hit is not self.negated


def _template_matches(template: Template, arn: str, context: RequestContext) -> bool:
    segments, _unresolved = template.resolve(context)
    if segments is None:
        return False  # an unresolvable variable never matches (DOC VARS)
    return compile_segments(segments)(arn)  # compiled matchers are cached by the wildcard module


@attrs.frozen(eq=False)
class CompiledStatement:
    """One statement, ready to evaluate; every part was prepared at compile time."""

    ref: StatementRef
    is_deny: bool
    principal: PrincipalMatcher | None
    not_principal: PrincipalMatcher | None
    action: ActionMatcher
    resource: ResourceMatcher | None
    condition: CompiledCondition
    statement: Statement

    def principal_kind(self, who: CallerIdentity, role_partition: str) -> MatchKind:
        """How the principal element matches ``who`` (caller-side policies match everyone)."""
        if self.principal is not None:
            return self.principal.match(who, role_partition)
        if self.not_principal is not None:
            if self.not_principal.match(who, role_partition) is MatchKind.NO:
                return MatchKind.DIRECT_STAR
            return MatchKind.NO
        return MatchKind.DIRECT_STAR

    def resource_matches(self, role_arn: str, context: RequestContext) -> bool:
        """Whether the resource element covers the role (no element: always)."""
        return self.resource is None or self.resource.matches(role_arn, context)


_Key = tuple[str, ...]


def _only_aws_star(matcher: PrincipalMatcher) -> bool:
    """``{"AWS": "*"}`` and nothing else an IAM caller could match more specifically."""
    return matcher.aws_star and not (
        matcher.everyone
        or matcher.users
        or matcher.roles
        or matcher.sessions
        or matcher.unique_ids
        or matcher.account_roots
        or matcher.account_ids
    )


def _matcher_keys(matcher: PrincipalMatcher) -> list[_Key] | None:
    """The lookups by which a caller can match ``matcher``; ``None``: any caller may."""
    if matcher.everyone:
        return None
    if matcher.aws_star:  # also names some: every IAM user and role session may match
        return None
    keys: list[_Key] = [("service", name) for name in matcher.services]
    keys += [("federated", name) for name in matcher.federated]
    keys += [("arn", arn) for arn in matcher.users | matcher.sessions]
    keys += [("role", arn) for arn in matcher.roles]
    keys += [("unique-id", value) for value in matcher.unique_ids]
    keys += [("root", partition, account) for partition, account in matcher.account_roots]
    keys += [("account", account) for account in matcher.account_ids]
    return keys


def _caller_keys(who: CallerIdentity) -> list[_Key]:
    """Every lookup under which :meth:`PrincipalMatcher.match` could match ``who``."""
    kind = who.kind
    if kind is CallerKind.SERVICE:
        return [("service", who.name or "")]
    if kind is CallerKind.WEB_IDENTITY or kind is CallerKind.SAML:
        return [("federated", who.name or "")]
    if kind is not CallerKind.USER and kind is not CallerKind.ROLE_SESSION:
        return []
    keys: list[_Key] = [
        ("arn", who.arn or ""),
        ("root", who.partition or "", who.account or ""),
        ("account", who.account or ""),
    ]
    if kind is CallerKind.ROLE_SESSION:
        keys.append(("role", who.role_arn or ""))
    if who.unique_id:
        keys.append(("unique-id", who.unique_id))
    return keys


@attrs.frozen(eq=False)
class PrincipalIndex:
    """A long policy's statements by the principal values they name (issue 22).

    Only a superset is looked up: the statements whose ``Principal`` names one of the
    caller's lookups, and every statement any caller may match (``"*"``, ``{"AWS": "*"}``
    with other values, ``NotPrincipal``, no principal element); statements of
    ``{"AWS": "*"}`` alone are kept apart (:attr:`aws_star_only`). The evaluator still asks each of those how it
    matches, so the index can only skip statements that match nothing: finding a caller's
    statements costs what they number, not what the policy holds (lint asks about many
    callers of one long policy).
    """

    by_key: Mapping[_Key, tuple[int, ...]]
    always: tuple[int, ...]
    statements: tuple[CompiledStatement, ...]
    #: The statements whose principal is ``{"AWS": "*"}`` alone: they match every IAM user
    #: and role session alike (a direct star match), whoever it is, so what they contribute
    #: depends on the kind of caller, not on the caller (see :attr:`star_memo`).
    aws_star_only: tuple[CompiledStatement, ...] = ()
    #: The evaluator's memo of what :attr:`aws_star_only` contributes, keyed by everything
    #: that contribution depends on (trustsim.evaluation).
    star_memo: dict[tuple[object, ...], Any] = attrs.field(
        factory=dict, init=False, eq=False, repr=False
    )

    @classmethod
    def of(cls, statements: tuple[CompiledStatement, ...]) -> PrincipalIndex:
        """Index ``statements``."""
        by_key: dict[_Key, list[int]] = {}
        always: list[int] = []
        star_only: list[CompiledStatement] = []
        for position, statement in enumerate(statements):
            principal = statement.principal
            if principal is None or statement.not_principal is not None:
                always.append(position)
                continue
            if _only_aws_star(principal):
                star_only.append(statement)
                continue
            keys = _matcher_keys(principal)
            if keys is None:
                always.append(position)
                continue
            for key in set(keys):
                by_key.setdefault(key, []).append(position)
        return cls(
            {key: tuple(found) for key, found in by_key.items()},
            tuple(always),
            statements,
            tuple(star_only),
        )

    def candidates(self, who: CallerIdentity) -> tuple[CompiledStatement, ...]:
        """The statements that may match ``who``, in document order (not :attr:`aws_star_only`)."""
        found = set(self.always)
        for key in _caller_keys(who):
            found.update(self.by_key.get(key, ()))
        statements = self.statements
        return tuple(statements[position] for position in sorted(found))


#: Policies of more statements than this get a :class:`PrincipalIndex`; shorter ones are
#: scanned whole (what the index would save there is less than what looking it up costs).
INDEX_FROM = 32


@attrs.frozen(eq=False)
class CompiledPolicy:
    """A policy compiled for evaluation: its label and its statements.

    It holds no reference to the source :class:`~trustsim.model.Policy`, so that the cache
    (which maps the policy's identity to this value) never keeps a policy alive.
    """

    label: str
    kind: PolicyKind
    statements: tuple[CompiledStatement, ...]
    allows: tuple[CompiledStatement, ...]
    denies: tuple[CompiledStatement, ...]
    #: Why AWS would refuse Allow statements of this hand-built policy that would otherwise
    #: grant too much; they are left out (fail closed) and the evaluator says so.
    refused: tuple[Problem, ...] = ()
    #: The statements by principal, for policies longer than :data:`INDEX_FROM`; ``None``
    #: for shorter ones.
    index: PrincipalIndex | None = None
    #: The evaluator's memo: for one caller, action and role, which statements can apply
    #: (principal, action and static resource already matched). Pure functions of the policy
    #: and the key, so a hit is the same answer as a fresh scan (trustsim.evaluation).
    memo: dict[tuple[str, str, str], Any] = attrs.field(
        factory=dict, init=False, eq=False, repr=False
    )
    #: The reason and explain paths' memo, by the same key: each statement's principal,
    #: action and static resource results, which need no request context.
    scans: dict[tuple[str, str, str], Any] = attrs.field(
        factory=dict, init=False, eq=False, repr=False
    )


def _principal_less_allows(policy: Policy) -> list[Problem]:
    # (An RCP statement's only valid principal is "*", which is what a missing one reads as.)
    if policy.kind is not PolicyKind.TRUST:
        return []
    return [
        Problem(
            "MISSING_PRINCIPAL",
            statement.pointer,
            "an Allow statement of a role trust policy must have a Principal",
        )
        for statement in policy.statements
        if statement.effect is Effect.ALLOW
        and statement.principal is None
        and statement.not_principal is None
    ]


def _compile_statement(statement: Statement, policy: Policy, label: str) -> CompiledStatement:
    expand = policy.expands_variables
    principal = statement.principal
    not_principal = statement.not_principal
    return CompiledStatement(
        ref=StatementRef(label, statement.index, statement.sid, statement.pointer),
        is_deny=statement.effect is Effect.DENY,
        principal=None
        if principal is None
        else (_MATCH_ANY_PRINCIPAL if principal.star else _principal_matcher(principal)),
        not_principal=None if not_principal is None else _principal_matcher(not_principal),
        action=_action_matcher(statement.action, statement.not_action),
        resource=ResourceMatcher.of(statement, expand_variables=expand),
        condition=compile_condition(
            statement.condition, expand_variables=expand, statement_pointer=statement.pointer
        ),
        statement=statement,
    )


# Matchers are immutable values: statements naming the same principals or actions (the same
# GitHub provider, the same partner account across many roles) share one.
@cached(4096)
def _principal_matcher(principal: Principal) -> PrincipalMatcher:
    return PrincipalMatcher.of(principal)


@cached(4096)
def _action_matcher(
    action: tuple[str, ...] | None, not_action: tuple[str, ...] | None
) -> ActionMatcher:
    return ActionMatcher.of(Statement(Effect.ALLOW, action=action, not_action=not_action))


_CACHE: dict[tuple[int, str], tuple[weakref.ref[Policy], CompiledPolicy]] = memo(
    "compiler: compiled policies", 8192
)
_CACHE_SIZE = 8192


def clear_caches() -> None:
    """Forget everything trustsim remembers between calls, in every module.

    Compiled policies, generated condition code (and the :mod:`linecache` entries it
    registered), derived contexts, decision plans, explanation texts: every cache is made
    through one mechanism (``trustsim._memo``), bounded, and emptied here. Benchmarks call it
    to measure cold runs; no answer depends on it.

    >>> clear_caches()
    """
    clear_every_cache()


def _forget(key: tuple[int, str]) -> Callable[[weakref.ref[Policy]], None]:
    # The table itself, not the module global: at interpreter exit, module globals are
    # already None when the last policies are collected.
    cache = _CACHE

    def callback(_ref: weakref.ref[Policy]) -> None:
        cache.pop(key, None)

    return callback


def compile_policy(policy: Policy, *, label: str) -> CompiledPolicy:
    """Compile ``policy`` once; later calls with the same policy value and label hit a cache.

    The cache is keyed by the policy object's identity and holds it weakly: an entry goes
    when the policy does.

    >>> from trustsim.model import Effect, Principal, Statement
    >>> trust = Policy((Statement(Effect.ALLOW, principal=Principal(aws=("111122223333",)),
    ...                           action=("sts:AssumeRole",)),), version="2012-10-17")
    >>> compiled = compile_policy(trust, label="trust policy")
    >>> compiled is compile_policy(trust, label="trust policy")
    True
    >>> print(compiled.statements[0].ref)
    trust policy statement 0
    """
    key = (id(policy), label)
    hit = _CACHE.get(key)
    if hit is not None and hit[0]() is policy:
        return hit[1]
    statements = tuple(_compile_statement(s, policy, label) for s in policy.statements)
    # A hand-built trust-policy Allow without a principal element cannot exist in AWS
    # (parsing refuses it: MISSING_PRINCIPAL); it grants nothing rather than everything.
    refused = tuple(_principal_less_allows(policy))
    if refused:
        keep = {problem.pointer for problem in refused}
        statements = tuple(s for s in statements if s.ref.pointer not in keep)
    compiled = CompiledPolicy(
        label=label,
        kind=policy.kind,
        statements=statements,
        allows=tuple(s for s in statements if not s.is_deny),
        denies=tuple(s for s in statements if s.is_deny),
        refused=refused,
        index=PrincipalIndex.of(statements) if len(statements) > INDEX_FROM else None,
    )
    remember(_CACHE, key, (weakref.ref(policy, _forget(key)), compiled), _CACHE_SIZE)
    return compiled
