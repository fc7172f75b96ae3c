"""Caller classes, their slots, the regions of each slot, and the witness of each cell.

A *caller class* is a kind of caller with what fixes its keys' names: IAM users, role
sessions, AWS services, one OIDC provider, one SAML provider. A *slot* is one thing a caller
of that class chooses freely (its ARN, the ``ExternalId`` it passes, a token claim, whether it
passes session tags…) and the condition keys it sets. The policies' constants split each slot's
domain into *regions*; a *cell* picks one region per slot, and :func:`witness` builds one
concrete request of the cell with :func:`trustsim.build_request`.

Every key a policy tests is, for each class, one of: set by a slot; *fixed* (the same for every
request of the class: ``aws:SecureTransport``, the role's tags, a key a caller of that class
never carries); or not modelled, which makes the answer incomplete (a :class:`Gap`).
"""

from __future__ import annotations

import datetime as _dt
import itertools
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import attrs

from trustsim._derive import epoch_text
from trustsim.analysis import domains as d
from trustsim.analysis import probes
from trustsim.analysis.automata import (
    TooLarge,
    any_text,
    equals_ignore_case,
    explore,
    glob,
    seq,
)
from trustsim.callers import (
    BUILTIN_WEB_IDENTITY_PROVIDERS as _BUILTINS,
)
from trustsim.callers import (
    SAML_MULTIVALUED_KEYS as _SAML_MULTI,
)
from trustsim.callers import (
    SAML_SINGLE_VALUED_KEYS as _SAML_SINGLE,
)
from trustsim.callers import (
    IamUser,
    InvalidCaller,
    OrgMembership,
    Role,
    RoleSession,
    SamlIdentity,
    ServicePrincipal,
    WebIdentity,
)
from trustsim.context import normalize_key, utc_text
from trustsim.errors import InvalidRequest
from trustsim.model import ConditionClause, Policy, PolicyKind, Statement
from trustsim.parsing import parse_policy
from trustsim.requests import AssumeRoleRequest, ProvidedContext, build_request
from trustsim.variables import Literal, Variable, parse_template

__all__ = [
    "CallerClass",
    "Cell",
    "Gap",
    "Region",
    "Slot",
    "caller_classes",
    "cells",
    "region_of",
    "witness",
]

#: The time of every witness (no decided policy tests the time).
WITNESS_TIME = _dt.datetime(2026, 1, 1, tzinfo=_dt.timezone.utc)
#: The identity policy of witness callers: their own side allows (Grants say when that matters).
CALLER_ALLOWS = parse_policy(
    {
        "Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Action": "sts:*", "Resource": "*"},
    },
    kind=PolicyKind.IDENTITY,
)
_CONTEXT_PROVIDER = "arn:aws:iam::aws:contextProvider/IdentityCenter"
_WITNESS_TAGS = {"witness": "tag"}
_CALLER_SESSION = "caller-session"

#: Keys that are the same for every request of any class (derived from the role or constant).
_FIXED = frozenset(
    {
        "aws:securetransport",
        "aws:viaawsservice",
        "aws:resourceaccount",
        "aws:resourceorgid",
        "aws:resourceorgpaths",
        "aws:principaltype",
        "aws:principalisawsservice",
    }
)
#: Families of operators whose regions the string languages describe exactly.
_STRING_BASES = frozenset(
    {
        "StringEquals",
        "StringNotEquals",
        "StringEqualsIgnoreCase",
        "StringNotEqualsIgnoreCase",
        "StringLike",
        "StringNotLike",
        "ArnEquals",
        "ArnLike",
        "ArnNotEquals",
        "ArnNotLike",
        "Bool",
        "Null",
    }
)


@attrs.frozen
class Gap:
    """A part of a policy the analysis does not decide: where, and why."""

    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@attrs.frozen(eq=False)
class Slot:
    """One free choice of a caller class and the condition keys it sets.

    ``knob`` names what :func:`witness` sets (``principal``, ``external_id``, ``claim:sub``…);
    ``keys`` are the folded condition keys it sets; ``choices`` lists the values of an
    enumerated slot (``domain`` is then ``None``).
    """

    name: str
    knob: str
    keys: tuple[str, ...]
    domain: d.Domain | None = None
    languages: tuple[d.Language, ...] = ()
    optional: bool = False
    multi: bool = False
    choices: tuple[Any, ...] = ()
    #: For a multi-valued slot: the sets of languages (by position) whose union one clause's
    #: values match, and the ARN-shaped values when an ``Arn*`` operator reads the key. A
    #: clause matches one value when the value lies in its union (negated: does not), and
    #: reads several values only through "does some value / does every value lie in it?"
    #: (ForAnyValue, ForAllValues; ``Arn*`` fail on an unreadable value; a qualifier-less
    #: operator never matches several values), so these answers tell sets of values apart.
    unions: tuple[frozenset[int], ...] = ()
    #: For a probed slot (the time, the source IP): the clauses whose answers name a region;
    #: ``choices`` are then the probe values (:mod:`trustsim.analysis.probes`).
    probes: tuple[ConditionClause, ...] = ()


@attrs.frozen(eq=False)
class Region:
    """One region of a slot: the value its witness uses and what it means.

    ``value`` is ``None`` for "absent", a text, a tuple of texts (a multi-valued key), or an
    enumerated choice. ``signature`` says, for each language of the slot, whether the region
    lies in it (for tuples: the set of signatures of the values, and whether there are several).
    """

    value: Any
    signature: Any
    text: str


@attrs.frozen(eq=False)
class CallerClass:
    """A kind of caller whose keys are named alike: its API, its slots, the keys it fixes."""

    kind: str
    label: str
    action: str
    provider: str | None
    slots: tuple[Slot, ...]


@attrs.frozen(eq=False)
class Cell:
    """One region per slot of a class."""

    caller_class: CallerClass
    regions: tuple[Region, ...]
    index: tuple[int, ...]


# --------------------------------------------------------------------------- reading policies


@attrs.frozen
class _Clause:
    key: str  # folded
    spelled: str
    base: str
    values: tuple[str, ...]
    where: str
    reach: _Reach
    clause: ConditionClause = attrs.field(eq=False, repr=False)
    #: Whether the policy reads ``${…}`` as policy variables (``Version: 2012-10-17``).
    expands: bool = False


#: The actions a request of each caller kind exercises: its API and the companion actions.
_COMPANIONS = ("sts:tagsession", "sts:setsourceidentity", "sts:setcontext")
_KIND_ACTIONS = {
    "user": "sts:assumerole",
    "session": "sts:assumerole",
    "service": "sts:assumerole",
    "web": "sts:assumerolewithwebidentity",
    "saml": "sts:assumerolewithsaml",
}


@attrs.frozen
class _Reach:
    """Which requests a statement can apply to, by its principal and action elements alone.

    A statement whose principal element cannot name any caller of a class (an ``AWS`` value
    names IAM users and role sessions only, a ``Service`` value services only, a ``Federated``
    value its provider's callers only; ``"*"`` and ``NotPrincipal`` name everyone), or whose
    action element names neither the class's API nor a companion action, never applies to a
    request of that class, so its conditions need not split that class's requests. This is a
    superset test: it may keep a statement that cannot apply, never drop one that can.
    """

    everyone: bool
    aws: bool
    service: bool
    federated: frozenset[str]
    actions: tuple[str, ...] | None  # folded patterns; None: a NotAction element

    @classmethod
    def of(cls, statement: Statement) -> _Reach:
        principal = statement.principal
        everyone = principal is None or principal.star
        return cls(
            everyone=everyone,
            aws=bool(principal and principal.aws),
            service=bool(principal and principal.service),
            federated=frozenset(v.casefold() for v in principal.federated)
            if principal
            else frozenset(),
            actions=None
            if statement.not_action is not None
            else tuple(a.casefold() for a in statement.action or ()),
        )

    def names(self, kind: str, provider: str | None = None) -> bool:
        """Whether the statement may apply to a request of a caller of ``kind`` (``provider``)."""
        if not self.everyone:
            if kind in ("user", "session"):
                principal_ok = self.aws
            elif kind == "service":
                principal_ok = self.service
            else:
                principal_ok = provider is None or provider.casefold() in self.federated
            if not principal_ok:
                return False
        if self.actions is None:
            return True
        wanted = (_KIND_ACTIONS[kind], *_COMPANIONS)
        return any(glob(pattern).matches(action) for pattern in self.actions for action in wanted)


def _clauses(policy: Policy) -> list[_Clause]:
    found: list[_Clause] = []
    for statement in policy.statements:
        reach = _Reach.of(statement)
        found.extend(
            _Clause(
                normalize_key(clause.key),
                clause.key,
                clause.operator.base,
                clause.values,
                statement.pointer,
                reach,
                clause,
                policy.expands_variables,
            )
            for clause in statement.condition
        )
    return found


def _principals(statement: Statement) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for element in (statement.principal, statement.not_principal):
        if element is None:
            continue
        if element.star:
            out.append(("star", "*"))
        out.extend(("aws", value) for value in element.aws)
        out.extend(("service", value) for value in element.service)
        out.extend(("federated", value) for value in element.federated)
        out.extend(("canonical", value) for value in element.canonical_user)
    return out


def _is_oidc_key(key: str) -> bool:
    namespace, colon, _ = key.rpartition(":")
    return bool(colon) and "." in namespace


def _oidc_issuer(key: str) -> str:
    return key.rpartition(":")[0]


# --------------------------------------------------------------------------- classes


def _relates(clause: ConditionClause, value: str) -> bool:
    """Whether a value's policy variables read another key (or are literals ``Arn*`` read).

    ``${*}``, ``${?}`` and ``${$}`` are constants (a literal ``*``, ``?``, ``$``): decided
    under ``String*`` operators; text that only looks like a variable is plain text.
    """
    parts = parse_template(value).parts
    if any(isinstance(part, Variable) for part in parts):
        return True
    literal = any(isinstance(part, Literal) for part in parts)
    return literal and d.template_language(clause.operator.base, value, parts) is None


@attrs.define
class _Reader:
    """The policies' constants, gathered once."""

    role: Role
    policies: Sequence[Policy]
    gaps: list[Gap] = attrs.Factory(list)
    clauses: list[_Clause] = attrs.Factory(list)
    principals: list[tuple[str, Any, str]] = attrs.Factory(list)
    star: bool = False
    any_aws: bool = False
    not_principal: bool = False

    def read(self) -> None:
        for policy in self.policies:
            variables = policy.expands_variables
            for statement in policy.statements:
                if statement.not_principal is not None:
                    self.not_principal = True
                for kind, value in _principals(statement):
                    self.principals.append((kind, value, statement.pointer))
                    if kind == "star" or (kind == "aws" and value == "*"):
                        self.star = self.star or kind == "star"
                    if kind == "aws":
                        self.any_aws = True
                for clause in statement.condition:
                    if variables and any(_relates(clause, value) for value in clause.values):
                        self.gaps.append(
                            Gap(
                                f"{statement.pointer} {clause.operator.name} {clause.key}",
                                "a policy variable relates this key to another key; "
                                "such conditions are not decided",
                            )
                        )
            self.clauses.extend(_clauses(policy))

    def may_name(self, action: str) -> bool:
        """Whether some statement's action element can name ``action``.

        A request exercising a companion action (``sts:TagSession``…) needs an ``Allow`` of it;
        when no statement names it (no ``Action`` pattern matches it, no ``NotAction``), every
        such request is denied, so the analysis does not split requests by it.
        """
        for policy in self.policies:
            for statement in policy.statements:
                if statement.not_action is not None:
                    return True
                for pattern in statement.action or ():
                    if glob(pattern.casefold()).matches(action.casefold()):
                        return True
        return False

    def tested(
        self, kind: str | None = None, provider: str | None = None
    ) -> dict[str, list[_Clause]]:
        """The clauses by folded key: all of them, or those that may apply to ``kind``."""
        keys: dict[str, list[_Clause]] = {}
        for clause in self.clauses:
            if kind is None or clause.reach.names(kind, provider):
                keys.setdefault(clause.key, []).append(clause)
        return keys


def _string_slot(
    name: str,
    knob: str,
    keys: tuple[str, ...],
    domain: d.Domain,
    clauses: Sequence[_Clause],
    *,
    reader: _Reader,
    optional: bool,
    multi: bool = False,
    extra: Sequence[d.Language] = (),
    account_keys: frozenset[str] = frozenset(),
) -> Slot:
    languages = list(extra)
    clause_keys: list[list[tuple[str, ...]]] = []
    for clause in clauses:
        if clause.base not in _STRING_BASES:
            reader.gaps.append(
                Gap(
                    f"{clause.where} {clause.base} {clause.spelled}",
                    f"{clause.base} splits values into ranges; only String, Arn, Bool and "
                    "Null operators are decided on this key",
                )
            )
            continue
        if clause.base.startswith("Arn"):
            languages.append(d.arn_readable())
        own = []
        for value in clause.values:
            parts = parse_template(value).parts if clause.expands else (value,)
            if any(isinstance(part, Variable) for part in parts):
                continue  # a gap already (_relates): related to another key
            if any(isinstance(part, Literal) for part in parts):
                found = d.template_language(clause.base, value, parts)
                if found is not None and clause.key in account_keys:
                    found = None
                    reader.gaps.append(
                        Gap(
                            f"{clause.where} {clause.base} {clause.spelled}",
                            "${*}, ${?} and ${$} are decided on text keys, not on accounts",
                        )
                    )
                if found is None:
                    continue  # a gap (here, or in _relates): no language to split by
                languages.append(found)
                own.append(found.key)
                continue
            found = d.language_for(clause.base, value, account_key=clause.key in account_keys)
            if found is not None:
                languages.append(found)
                own.append(found.key)
        clause_keys.append(own)
    unique: dict[tuple[str, ...], d.Language] = {}
    for language in languages:
        unique.setdefault(language.key, language)
    position = {key: index for index, key in enumerate(unique)}
    unions = {frozenset(position[key] for key in own) for own in clause_keys if own}
    readable = d.arn_readable().key
    if readable in position:  # Arn* operators cannot read a value of fewer than six parts
        unions.add(frozenset({position[readable]}))
    return Slot(
        name,
        knob,
        keys,
        domain,
        tuple(unique.values()),
        optional=optional,
        multi=multi,
        unions=tuple(sorted(unions, key=sorted)),
    )


def _companion_slots(
    tested: Mapping[str, list[_Clause]], reader: _Reader, handled: set[str], *, contexts: bool
) -> list[Slot]:
    slots = []
    if reader.may_name("sts:SetSourceIdentity") or "sts:sourceidentity" in tested:
        slots.append(
            _string_slot(
                "sts:SourceIdentity",
                "source_identity",
                ("sts:sourceidentity",),
                d.SOURCE_IDENTITY,
                # a role session's own source identity is passed on: one set of languages for
                # both keys, so a caller's value and the request's lie in regions alike
                [*tested.get("sts:sourceidentity", []), *_carried_source_identity(tested)],
                reader=reader,
                optional=True,
            )
        )
    if reader.may_name("sts:TagSession"):
        slots.append(Slot("session tags", "tags", (), choices=(False, True)))
        slots += _tag_slots(tested, reader, handled)
    else:
        # no request passing tags is allowed: the keys they set are absent in every other one
        handled.update(key for key in tested if key.startswith(_TAG_KEYS[:3]))
    if contexts and reader.may_name("sts:SetContext"):
        slots.append(Slot("provided contexts", "contexts", (), choices=(False, True)))
    return slots


def _tag_slots(
    tested: Mapping[str, list[_Clause]], reader: _Reader, handled: set[str]
) -> list[Slot]:
    """The session tags passed, by value, when one family of their keys is tested.

    ``aws:TagKeys`` (the keys passed), ``sts:TransitiveTagKeys`` (the keys passed on) and
    ``aws:RequestTag/<key>`` (one tag's value) are each split like any other key, but they
    are not free of each other (a transitive key or a tag's value needs its key among the
    keys passed): when statements test more than one family, the keys stay a gap.
    """
    families = {
        "keys": "aws:tagkeys" in tested,
        "transitive": "sts:transitivetagkeys" in tested,
        "values": any(key.startswith("aws:requesttag/") for key in tested),
    }
    if sum(families.values()) != 1:
        return []
    if families["values"]:
        slots = []
        for key in sorted(tested):
            if key.startswith("aws:requesttag/"):
                handled.add(key)
                spelled = tested[key][0].spelled
                slots.append(
                    _string_slot(
                        spelled,
                        f"rtag:{spelled.partition('/')[2]}",
                        (key,),
                        d.TAG_VALUE,
                        tested[key],
                        reader=reader,
                        optional=True,
                    )
                )
        return slots
    key, knob = (
        ("aws:tagkeys", "tag_keys") if families["keys"] else ("sts:transitivetagkeys", "transitive")
    )
    handled.add(key)
    return [
        _string_slot(
            tested[key][0].spelled,
            knob,
            (key,),
            d.TAG_KEY,
            tested[key],
            reader=reader,
            optional=True,
            multi=True,
        )
    ]


def _carried_source_identity(tested: Mapping[str, list[_Clause]]) -> list[_Clause]:
    """The clauses on a calling session's source identity (only role sessions carry one)."""
    return list(tested.get("aws:sourceidentity", ()))


def _session_name_slot(tested: Mapping[str, list[_Clause]], reader: _Reader) -> list[Slot]:
    clauses = tested.get("sts:rolesessionname")
    if not clauses:
        return []
    return [
        _string_slot(
            "sts:RoleSessionName",
            "session_name",
            ("sts:rolesessionname",),
            d.SESSION_NAME,
            clauses,
            reader=reader,
            optional=False,
        )
    ]


#: Keys only IAM callers (users, role sessions) carry.
_IAM_ONLY_KEYS = frozenset(
    {
        "aws:principalarn",
        "aws:principalaccount",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:multifactorauthpresent",
        "aws:multifactorauthage",
        "aws:userid",
        "aws:username",
        "aws:tokenissuetime",
    }
)
_UNIQUE_ID = re.compile(r"A(?:IDA|ROA)[A-Z0-9]+")


def _another_id(prefix: str, named: Sequence[str]) -> str:
    """A unique ID of ``prefix`` that none of ``named`` is: it stands for every other ID."""
    number = 0
    while f"{prefix}OTHER{number}" in named:
        number += 1
    return f"{prefix}OTHER{number}"


#: A role session's ARN as a principal: partition, account, role name, session name.
_ASSUMED_ROLE = re.compile(r"arn:([a-z][a-z0-9-]*):sts::(\d{12}):assumed-role/([^/]+)/([^/]+)")
_SOURCE_KEYS = frozenset(
    {"aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths"}
)
#: Operators whose answers on an ordered key the probes show completely (with ``Null``).
_TIME_BASES = ("Date", "Numeric")
_IP_BASES = ("IpAddress", "NotIpAddress")


def _probe_slots(tested: Mapping[str, list[_Clause]], handled: set[str]) -> list[Slot]:
    """The time of the call and the caller's IP address, when only ordered operators test them.

    Every request carries the time (``aws:CurrentTime`` and ``aws:EpochTime``, one instant);
    ``aws:SourceIp`` is present only when the caller says where it calls from. A key tested
    by another operator (``StringLike`` on the time…) stays a gap.
    """
    slots = []
    time_clauses = [c for key in ("aws:currenttime", "aws:epochtime") for c in tested.get(key, [])]
    if time_clauses and all(
        c.base == "Null" or c.base.startswith(_TIME_BASES) for c in time_clauses
    ):
        handled |= {"aws:currenttime", "aws:epochtime"}
        found = probes.time_probes((c.clause for c in time_clauses), usual=WITNESS_TIME)
        slots.append(
            Slot(
                "the time of the call",
                "at",
                tuple(normalize_key(key) for key in probes.TIME_KEYS),
                choices=(WITNESS_TIME, *found),
                probes=tuple(c.clause for c in time_clauses),
            )
        )
    ip_clauses = tested.get("aws:sourceip", [])
    if ip_clauses and all(c.base in ("Null", *_IP_BASES) for c in ip_clauses):
        handled.add("aws:sourceip")
        slots.append(
            Slot(
                ip_clauses[0].spelled,
                "source_ip",
                ("aws:sourceip",),
                optional=True,
                choices=(None, *probes.ip_probes(c.clause for c in ip_clauses)),
                probes=tuple(c.clause for c in ip_clauses),
            )
        )
    return slots


_CREDENTIAL_KEYS = ("aws:multifactorauthpresent", "aws:multifactorauthage", "aws:tokenissuetime")


def _credential_slots(
    kind: str,
    tested: Mapping[str, list[_Clause]],
    handled: set[str],
) -> list[Slot]:
    """How the caller's credentials were got: MFA, its age, and when they were issued.

    One probed slot sets ``aws:MultiFactorAuthPresent``, ``aws:MultiFactorAuthAge`` and
    ``aws:TokenIssueTime`` together, since one choice fixes all three. An IAM user's keys
    carry no issue time and, with MFA, an age of 0 (a code passed with the call); a role
    session carries the time its credentials were issued and, when MFA was used to get them,
    the seconds since (the time of the call minus the issue time), or 0 when a code is
    passed with this call. Every ``Numeric`` bound on the age is probed as an issue time that
    many seconds before the witness's time, every ``Date`` bound on the issue time around
    itself, so every way the clauses answer has a probe. A session's age also depends on the
    time of the call: when a policy tests both, the age stays a gap.
    """
    clauses = [c for key in _CREDENTIAL_KEYS for c in tested.get(key, [])]
    timed = "aws:currenttime" in tested or "aws:epochtime" in tested
    if kind == "session" and timed and "aws:multifactorauthage" in tested:
        return []  # classified as a gap: the age relates two free times
    handled.update(_CREDENTIAL_KEYS)
    if kind == "user":
        choices: tuple[Any, ...] = ((None, None, None), (True, None, None), (False, None, None))
    else:
        issued = set(probes.time_probes((c.clause for c in clauses), usual=WITNESS_TIME))
        for clause in clauses:
            if clause.key != "aws:multifactorauthage":
                continue
            for age in probes.number_probes([clause.clause]):
                if 0 <= age <= 10**10:
                    issued.add(WITNESS_TIME - _dt.timedelta(seconds=age))
        choices = tuple(
            (authenticated, at, call)
            for at in sorted(issued)
            for authenticated, call in ((False, None), (True, None), (False, True))
        )
    return [
        Slot(
            "the caller's credentials",
            "credentials",
            _CREDENTIAL_KEYS,
            choices=choices,
            probes=tuple(c.clause for c in clauses),
        )
    ]


_TAG_KEYS = ("aws:requesttag/", "aws:tagkeys", "sts:transitivetagkeys", "sts:requestcontext")


def _classify(
    kind: str,
    key: str,
    clauses: Sequence[_Clause],
    *,
    handled: set[str],
    reader: _Reader,
    label: str,
    issuer: str | None = None,
) -> None:
    """Record a gap when ``key`` is neither set by a slot nor fixed for this class."""
    if key in handled or key in _FIXED or key.startswith("aws:resourcetag/"):
        return
    foreign = False
    if _is_oidc_key(key):
        foreign = kind in ("user", "service", "saml") or (
            kind == "web" and _oidc_issuer(key) != issuer
        )
    elif key.startswith("saml:"):
        foreign = kind in ("user", "service", "web")
    elif key in _IAM_ONLY_KEYS or key.startswith("aws:principaltag/"):
        foreign = kind in ("service", "web", "saml")  # no principal keys: unsigned or a service
    elif key == "aws:federatedprovider":
        foreign = kind in ("user", "service", "web", "saml")
    elif key == "sts:externalid":
        foreign = kind in ("web", "saml")
    elif key == "aws:sourceidentity":
        foreign = kind != "session"  # the source identity a role session carries
    elif key in ("aws:principalservicename", "aws:principalservicenameslist"):
        foreign = kind != "service"  # only a service principal carries them
    elif key in _SOURCE_KEYS:
        foreign = kind != "service"  # only a service calling on a resource's behalf sets them
    if foreign:
        return
    where = ", ".join(sorted({c.where for c in clauses}))
    why = (
        "session tags and provided contexts are not split by value yet"
        if key.startswith(_TAG_KEYS)
        else "the analysis does not model the values this key takes"
    )
    reader.gaps.append(Gap(f"{where} {clauses[0].spelled} for {label}", why))


def _aws_principal_languages(
    reader: _Reader,
) -> tuple[list[d.Language], list[d.Language], list[d.Language], list[str]]:
    """The languages ``AWS`` principal values set on ``aws:PrincipalArn``.

    Returns the languages for every IAM caller (the role's own account, accounts, user and role
    ARNs), the role languages of session-ARN principals, their session names, and the unique
    IDs named (``AIDA…`` users, ``AROA…`` roles).
    """
    role = reader.role
    principal_languages: list[d.Language] = [
        d.account_principal(role.partition, role.account_id),
    ]
    session_roles: list[d.Language] = []  # roles of the sessions named by a session ARN
    session_names: list[d.Language] = []
    unique_ids: list[str] = []
    for kind, value, where in reader.principals:
        if kind != "aws" or value == "*":
            continue
        if _UNIQUE_ID.fullmatch(value):
            unique_ids.append(value)
            continue
        session = _ASSUMED_ROLE.fullmatch(value)
        if session is not None:
            partition, account, role_name, session_name = session.groups()
            session_roles.append(d.role_named(partition, account, role_name))
            session_names.append(d.exact(session_name, f'= "{session_name}"'))
            continue
        if len(value) == 12 and value.isdigit():
            principal_languages.append(d.account_principal(role.partition, value))
            continue
        parts = value.split(":", 5)
        if len(parts) == 6 and parts[0] == "arn" and parts[2] == "iam" and parts[5] == "root":
            principal_languages.append(d.account_principal(parts[1], parts[4]))
        elif (
            len(parts) == 6
            and parts[0] == "arn"
            and parts[2] == "iam"
            and parts[5].startswith(("user/", "role/"))
        ):
            principal_languages.append(d.exact(value, f"is {value}"))
        else:
            reader.gaps.append(
                Gap(
                    f"{where} Principal {value}",
                    "federated-user ARNs and other principal forms are not decided",
                )
            )
    return principal_languages, session_roles, session_names, unique_ids


def _iam_classes(reader: _Reader) -> list[CallerClass]:
    tested = reader.tested("user")  # role sessions: the same principal values name them
    principal_languages, session_roles, session_names, unique_ids = _aws_principal_languages(reader)
    classes = []
    for kind, label, domain in (
        ("user", "IAM users", d.USER_ARN),
        ("session", "IAM role sessions", d.ROLE_ARN),
    ):
        handled = {"aws:principalarn", "aws:principalaccount"}
        slots = [
            _string_slot(
                "aws:PrincipalArn",
                "principal",
                ("aws:principalarn",),
                domain,
                [*tested.get("aws:principalarn", []), *tested.get("aws:principalaccount", [])],
                reader=reader,
                optional=False,
                extra=principal_languages + (session_roles if kind == "session" else []),
                account_keys=frozenset({"aws:principalaccount"}),
            )
        ]
        prefix, knob = ("AIDA", "unique_id") if kind == "user" else ("AROA", "role_unique_id")
        named = sorted({value for value in unique_ids if value.startswith(prefix)})
        if named:
            # matched by the caller's unique ID (the user's, or the session's role's)
            slots.append(
                Slot(
                    "the caller's unique ID",
                    knob,
                    (),
                    choices=(None, *named, _another_id(prefix, named)),
                )
            )
        if kind == "session" and "aws:sourceidentity" in tested:
            handled.add("aws:sourceidentity")
            slots.append(
                _string_slot(
                    tested["aws:sourceidentity"][0].spelled,
                    "caller_source_identity",
                    ("aws:sourceidentity",),
                    d.SOURCE_IDENTITY,
                    [*tested["aws:sourceidentity"], *tested.get("sts:sourceidentity", [])],
                    reader=reader,
                    optional=True,
                )
            )
        if kind == "session" and session_names:
            # the caller's own session name, which its session ARN (a principal) carries
            slots.append(
                Slot(
                    "the caller's session name",
                    "caller_session",
                    (),
                    d.SESSION_NAME,
                    tuple({language.key: language for language in session_names}.values()),
                )
            )
        if "sts:externalid" in tested:
            handled.add("sts:externalid")
            slots.append(
                _string_slot(
                    "sts:ExternalId",
                    "external_id",
                    ("sts:externalid",),
                    d.EXTERNAL_ID,
                    tested["sts:externalid"],
                    reader=reader,
                    optional=True,
                )
            )
        slots += _session_name_slot(tested, reader)
        slots += _probe_slots(tested, handled)
        credentials = (
            _credential_slots(kind, tested, handled)
            if "aws:multifactorauthage" in tested or "aws:tokenissuetime" in tested
            else []
        )
        slots += credentials
        if credentials:
            pass
        elif "aws:multifactorauthpresent" in tested:
            handled.add("aws:multifactorauthpresent")
            choices = (None, True, False) if kind == "user" else (True, False)
            slots.append(
                Slot(
                    "aws:MultiFactorAuthPresent",
                    "mfa",
                    ("aws:multifactorauthpresent",),
                    choices=choices,
                )
            )
        if "aws:principalorgid" in tested:
            handled.add("aws:principalorgid")
            slots.append(
                _string_slot(
                    tested["aws:principalorgid"][0].spelled,
                    "org_id",
                    ("aws:principalorgid",),
                    d.ORG_ID,
                    tested["aws:principalorgid"],
                    reader=reader,
                    optional=True,
                )
            )
        if "aws:principalorgpaths" in tested and "aws:principalorgid" not in tested:
            # the paths of the caller's account (all in one organisation; with the ID tested
            # too, the two keys are related and stay a gap)
            handled.add("aws:principalorgpaths")
            slots.append(
                _string_slot(
                    tested["aws:principalorgpaths"][0].spelled,
                    "org_paths",
                    ("aws:principalorgpaths",),
                    d.ORG_PATH,
                    tested["aws:principalorgpaths"],
                    reader=reader,
                    optional=True,
                    multi=True,
                )
            )
        for key in tested:
            if key.startswith("aws:principaltag/"):
                # the caller's own tags (a user's, or the role's of a session): any text
                handled.add(key)
                spelled = tested[key][0].spelled
                slots.append(
                    _string_slot(
                        spelled,
                        f"ptag:{spelled.partition('/')[2]}",
                        (key,),
                        d.TEXT,
                        tested[key],
                        reader=reader,
                        optional=True,
                    )
                )
        if kind == "session":
            for key in tested:
                if _is_oidc_key(key) or key.startswith("saml:"):
                    handled.add(key)
                    slots.append(
                        _string_slot(
                            tested[key][0].spelled,
                            f"carried:{tested[key][0].spelled}",
                            (key,),
                            d.TEXT,
                            tested[key],
                            reader=reader,
                            optional=True,
                            multi=True,
                        )
                    )
        slots += _companion_slots(tested, reader, handled, contexts=True)
        handled |= {"sts:sourceidentity", "sts:rolesessionname"}
        for key, clauses in tested.items():
            _classify(kind, key, clauses, handled=handled, reader=reader, label=label)
        classes.append(CallerClass(kind, label, "sts:AssumeRole", None, tuple(slots)))
    return classes


def _service_class(reader: _Reader) -> CallerClass:
    tested = reader.tested("service")
    names = [
        d.exact(value, f"is {value}") for kind, value, _ in reader.principals if kind == "service"
    ]
    slots = [
        _string_slot(
            "service",
            "service",
            (),
            d.SERVICE_NAME,
            tested.get("aws:principalservicename", []),  # the service's own name
            reader=reader,
            optional=False,
            extra=_dedupe(names),
        )
    ]
    handled = {"sts:sourceidentity", "sts:rolesessionname", "aws:principalservicename"}
    for key, knob, domain in (
        ("aws:sourceaccount", "source_account", d.ACCOUNT),
        ("aws:sourcearn", "source_arn", d.SOURCE_ARN),
        ("aws:sourceorgid", "source_org_id", d.ORG_ID),
        ("sts:externalid", "external_id", d.EXTERNAL_ID),
    ):
        if key in tested:
            handled.add(key)
            slots.append(
                _string_slot(
                    tested[key][0].spelled,
                    knob,
                    (key,),
                    domain,
                    tested[key],
                    reader=reader,
                    optional=True,
                )
            )
    if "aws:sourceorgpaths" in tested:
        # the paths of the resource's account the service acts for (several, any organisation:
        # the caller model does not tie them to aws:SourceOrgID)
        handled.add("aws:sourceorgpaths")
        slots.append(
            _string_slot(
                tested["aws:sourceorgpaths"][0].spelled,
                "source_org_paths",
                ("aws:sourceorgpaths",),
                d.ORG_PATH,
                tested["aws:sourceorgpaths"],
                reader=reader,
                optional=True,
                multi=True,
            )
        )
    slots += _session_name_slot(tested, reader)
    slots += _probe_slots(tested, handled)
    slots += _companion_slots(tested, reader, handled, contexts=True)
    for key, clauses in tested.items():
        _classify("service", key, clauses, handled=handled, reader=reader, label="AWS services")
    return CallerClass("service", "AWS services", "sts:AssumeRole", None, tuple(slots))


def _dedupe(languages: Sequence[d.Language]) -> list[d.Language]:
    seen: dict[str, d.Language] = {}
    for language in languages:
        seen.setdefault(language.text, language)
    return list(seen.values())


def _federated_classes(reader: _Reader) -> list[CallerClass]:
    role = reader.role
    every = reader.tested()
    named = [value for kind, value, _ in reader.principals if kind == "federated"]
    saml = sorted({v for v in named if ":saml-provider/" in v})
    oidc = sorted({v for v in named if ":saml-provider/" not in v})
    anyone = reader.star or reader.not_principal
    prefix = f"arn:{role.partition}:iam::{role.account_id}"
    if anyone:
        issuers = {_oidc_issuer(key) for key in every if _is_oidc_key(key)}
        known = {WebIdentity(p).issuer for p in oidc if _valid_web(p)}
        for issuer in sorted(issuers - known):
            candidate = issuer if issuer in _BUILTINS else f"{prefix}:oidc-provider/{issuer}"
            if _valid_web(candidate):
                oidc.append(candidate)
        oidc.append(f"{prefix}:oidc-provider/unlisted.example.com")
        saml.append(f"{prefix}:saml-provider/Unlisted")
    classes = []
    for provider in oidc:
        if not _valid_web(provider):
            continue
        issuer = WebIdentity(provider).issuer
        tested = reader.tested("web", provider)
        label = f"web identities of {provider}"
        handled = {"sts:sourceidentity", "sts:rolesessionname", "aws:federatedprovider"}
        slots: list[Slot] = []
        for key, clauses in tested.items():
            if _is_oidc_key(key) and _oidc_issuer(key) == issuer.lower():
                handled.add(key)
                claim = clauses[0].spelled.rpartition(":")[2]
                slots.append(
                    _string_slot(
                        clauses[0].spelled,
                        f"claim:{claim}",
                        (key,),
                        d.TEXT,
                        clauses,
                        reader=reader,
                        optional=True,
                        multi=True,
                    )
                )
        slots += _session_name_slot(tested, reader)
        slots += _probe_slots(tested, handled)
        slots += _companion_slots(tested, reader, handled, contexts=False)
        for key, clauses in tested.items():
            _classify(
                "web",
                key,
                clauses,
                handled=handled,
                reader=reader,
                label=label,
                issuer=issuer.lower(),
            )
        classes.append(
            CallerClass("web", label, "sts:AssumeRoleWithWebIdentity", provider, tuple(slots))
        )
    for provider in saml:
        try:
            SamlIdentity(provider)
        except InvalidCaller:
            continue
        tested = reader.tested("saml", provider)
        label = f"SAML identities of {provider}"
        handled = {"sts:sourceidentity", "sts:rolesessionname", "aws:federatedprovider", "saml:doc"}
        slots = []
        for key, clauses in tested.items():
            if key.startswith("saml:") and key in _SAML_KEYS:
                handled.add(key)
                spelled = _SAML_KEYS[key]
                default = SamlIdentity(provider).attributes.get(spelled)
                slots.append(
                    _string_slot(
                        spelled,
                        f"saml:{spelled}",
                        (key,),
                        d.TEXT,
                        clauses,
                        reader=reader,
                        optional=key != "saml:aud" and default is None,
                        multi=spelled in _SAML_MULTI,
                    )
                )
        slots += _session_name_slot(tested, reader)
        slots += _probe_slots(tested, handled)
        slots += _companion_slots(tested, reader, handled, contexts=False)
        for key, clauses in tested.items():
            _classify("saml", key, clauses, handled=handled, reader=reader, label=label)
        classes.append(CallerClass("saml", label, "sts:AssumeRoleWithSAML", provider, tuple(slots)))
    return classes


def _valid_web(provider: str) -> bool:
    try:
        WebIdentity(provider)
    except InvalidCaller:
        return False
    return provider.startswith("arn:") or provider in _BUILTINS


_SAML_KEYS = {key.lower(): key for key in _SAML_MULTI | _SAML_SINGLE if key != "saml:doc"}


def caller_classes(role: Role, policies: Sequence[Policy]) -> tuple[list[CallerClass], list[Gap]]:
    """The caller classes whose requests the policies may tell apart, and the gaps found.

    A class is left out only when no statement's principal element can name a caller of it
    (IAM callers need an ``AWS`` value, services a ``Service`` value, a provider its own
    ``Federated`` value; ``"*"`` and ``NotPrincipal`` name every class). The root user and
    anonymous callers are never classes: STS refuses them before reading any policy.
    """
    reader = _Reader(role, policies)
    reader.read()
    anyone = reader.star or reader.not_principal
    classes: list[CallerClass] = []
    if anyone or reader.any_aws:
        classes += _iam_classes(reader)
    if anyone or any(kind == "service" for kind, _, _ in reader.principals):
        classes.append(_service_class(reader))
    classes += _federated_classes(reader)
    for kind, value, where in reader.principals:
        if kind == "canonical":
            reader.gaps.append(Gap(f"{where} CanonicalUser {value}", "not a principal of STS"))
    return classes, _unique_gaps(reader.gaps)


def _unique_gaps(gaps: Sequence[Gap]) -> list[Gap]:
    return list(dict.fromkeys(gaps))


# --------------------------------------------------------------------------- regions and cells

#: Most kinds of several-valued sets one multi-valued slot is split into.
MULTI_LIMIT = 4096


def regions(slot: Slot, budget: int) -> list[Region]:
    """Every region of ``slot``, each with its witness value (raises TooLarge past ``budget``).

    A multi-valued slot has, besides absence, one region per value region holding exactly one
    value, and one region per *behaviour* of several values: for each union of
    :attr:`Slot.unions`, whether some value lies in it and whether every value does. The
    behaviours reachable are found by closing the one-value behaviours under adding a value,
    so their number, not the number of sets of value regions, bounds the work.
    """
    if slot.probes:
        return _probed_regions(slot)
    if slot.domain is None:
        return [Region(choice, choice, _choice_text(slot, choice)) for choice in slot.choices]
    found = _explored(slot, budget)
    values = [
        Region(word, signature, _signature_text(slot, signature))
        for signature, word in sorted(found.items())
    ]
    out: list[Region] = []
    if slot.optional:
        absent = "no source identity" if slot.knob == "source_identity" else f"{slot.name} absent"
        out.append(Region(None, None, absent))
    if not slot.multi:
        return out + values
    out.extend(
        Region((region.value,), ("set", frozenset({region.signature}), False), region.text)
        for region in values
    )
    seen: dict[tuple[tuple[bool, bool], ...], tuple[str, ...]] = {}
    todo = []
    for first, second in _seeds(slot, values, budget):
        behaviour = _behaviour(slot, [first.signature, second.signature])
        if behaviour not in seen:
            seen[behaviour] = (first.value, second.value)
            todo.append(behaviour)
    while todo:
        behaviour = todo.pop(0)
        words = seen[behaviour]
        for region in values:
            joined = _join(behaviour, _behaviour(slot, [region.signature]))
            if joined not in seen:
                if len(seen) >= MULTI_LIMIT:
                    raise TooLarge(f"{slot.name}: more than {MULTI_LIMIT} kinds of sets of values")
                seen[joined] = (*words, region.value)
                todo.append(joined)
    for behaviour, words in seen.items():
        texts = sorted({json.dumps(value) for value in words})
        out.append(
            Region(
                words, ("many", behaviour), f"{slot.name} several values, e.g. {', '.join(texts)}"
            )
        )
    return out


#: Multi-valued slots whose values are distinct keys (one key in two cases is one key).
_DISTINCT = frozenset({"tag_keys", "transitive"})


def _seeds(slot: Slot, values: Sequence[Region], budget: int) -> list[tuple[Region, Region]]:
    """The pairs of values every set of several values grows from.

    A value may repeat (``sub`` claims ``["a", "a"]``); the tag keys of :data:`_DISTINCT`
    may not, nor differ in case only, so their pairs are two regions' values, or a region's
    value and another word of the same region that is not it in any case (when there is one;
    otherwise no set holds two values of that region alone).
    """
    if slot.knob not in _DISTINCT:
        return [(region, region) for region in values]
    assert slot.domain is not None  # noqa: S101 - a string slot
    out = []
    for region in values:
        twin = explore(
            slot.domain.domain,
            [*(language.nfa for language in slot.languages), equals_ignore_case(region.value)],
            max_length=slot.domain.max_length,
            budget=budget,
        ).get((*region.signature, False))
        if twin is not None:
            out.append((region, Region(twin, region.signature, region.text)))
    out += list(itertools.combinations(values, 2))
    return out


def _probed_regions(slot: Slot) -> list[Region]:
    """One region per way the slot's clauses answer on the probe values (first probe kept)."""
    out: dict[Any, Region] = {}
    for choice in slot.choices:
        signature = _probe_signature(slot, _probe_values(slot, choice))
        if signature not in out:
            out[signature] = Region(choice, signature, _probe_text(slot, choice, signature))
    return list(out.values())


def _probe_values(slot: Slot, choice: Any) -> dict[str, str | tuple[str, ...]] | None:
    if choice is None:
        return None
    if slot.knob == "at":
        return {"aws:CurrentTime": utc_text(choice), "aws:EpochTime": epoch_text(choice)}
    if slot.knob == "credentials":
        return _credential_values(choice)
    return {slot.keys[0]: str(choice)}


def _credential_values(choice: Any) -> dict[str, str | tuple[str, ...]] | None:
    """The keys a choice of the credentials slot is meant to set (the witness checks it)."""
    authenticated, issued, call = choice
    out: dict[str, str | tuple[str, ...]] = {}
    if issued is not None:
        out["aws:TokenIssueTime"] = utc_text(issued)
        age = 0 if call else max(0, int((WITNESS_TIME - issued).total_seconds()))
    else:
        age = 0
    if call or authenticated:
        out["aws:MultiFactorAuthPresent"] = "true"
        out["aws:MultiFactorAuthAge"] = str(age)
    elif authenticated is False or issued is not None:
        out["aws:MultiFactorAuthPresent"] = "false"
    return out or None


def _probe_signature(slot: Slot, values: Mapping[str, str | tuple[str, ...]] | None) -> Any:
    if values is None:
        return None
    return ("probe", probes.outcomes(slot.probes, values))


def _probe_text(slot: Slot, choice: Any, signature: Any) -> str:
    if signature is None:
        return f"{slot.name} absent"
    parts = [
        f"{'' if hit else 'not '}{clause.operator.name} {clause.key} {_listed(clause.values)}"
        for clause, hit in zip(slot.probes, signature[1], strict=True)
    ]
    return f"{slot.name} such that " + " and ".join(dict.fromkeys(parts))


def _listed(values: Sequence[str]) -> str:
    return json.dumps(values[0]) if len(values) == 1 else json.dumps(list(values))


def _behaviour(slot: Slot, signatures: Sequence[tuple[bool, ...]]) -> tuple[tuple[bool, bool], ...]:
    """For each union of ``slot``: whether some value lies in it, and whether every value does."""
    out = []
    for union in slot.unions:
        hits = [any(signature[p] for p in union) for signature in signatures]
        out.append((any(hits), all(hits)))
    return tuple(out)


def _join(
    left: tuple[tuple[bool, bool], ...], right: tuple[tuple[bool, bool], ...]
) -> tuple[tuple[bool, bool], ...]:
    return tuple((a or c, b and d) for (a, b), (c, d) in zip(left, right, strict=True))


#: Regions found lately, by what they depend on: the domain, the languages (by what built
#: them), the length limit and the budget. The values are immutable mappings' copies.
_EXPLORED: dict[tuple[Any, ...], dict[tuple[bool, ...], str]] = {}


def _explored(slot: Slot, budget: int) -> dict[tuple[bool, ...], str]:
    assert slot.domain is not None  # noqa: S101 - callers check
    key = (slot.domain.name, tuple(language.key for language in slot.languages), budget)
    found = _EXPLORED.get(key)
    if found is None:
        found = explore(
            slot.domain.domain,
            [language.nfa for language in slot.languages],
            max_length=slot.domain.max_length,
            budget=budget,
        )
        if len(_EXPLORED) >= 2048:
            _EXPLORED.clear()
        _EXPLORED[key] = found
    return dict(found)


def _choice_text(slot: Slot, choice: Any) -> str:
    if slot.knob == "tags":
        return "session tags" if choice else "no session tags"
    if slot.knob == "contexts":
        return "provided contexts" if choice else "no provided contexts"
    if choice is None:
        return f"{slot.name} absent"
    if slot.knob in ("unique_id", "role_unique_id"):
        return f"{slot.name} is {choice}" if choice != slot.choices[-1] else f"{slot.name} another"
    return f"{slot.name} = {str(choice).lower()}"


def _signature_text(slot: Slot, signature: tuple[bool, ...]) -> str:
    inside = [lang.text for lang, hit in zip(slot.languages, signature, strict=True) if hit]
    outside = [lang.text for lang, hit in zip(slot.languages, signature, strict=True) if not hit]
    parts = [*inside, *(f"not {text}" for text in outside)]
    return f"{slot.name} " + (" and ".join(parts) if parts else "any value")


def cells(caller_class: CallerClass, slot_regions: Sequence[Sequence[Region]]) -> Iterator[Cell]:
    """Every cell of a class: one region per slot."""
    ranges = [range(len(found)) for found in slot_regions]
    for index in itertools.product(*ranges):
        yield Cell(
            caller_class,
            tuple(found[i] for found, i in zip(slot_regions, index, strict=True)),
            index,
        )


# --------------------------------------------------------------------------- witnesses


class Unrealisable(Exception):
    """A cell's witness could not be built as described (the answer is then incomplete)."""


def witness(role: Role, cell: Cell, *, caller_policies: bool = True) -> AssumeRoleRequest | None:
    """The request of ``cell``; ``None`` when STS refuses it (an option this API lacks).

    Raises :class:`Unrealisable` when the request built does not carry the cell's values.
    """
    values = {
        slot.knob: region.value
        for slot, region in zip(cell.caller_class.slots, cell.regions, strict=True)
    }
    kind = cell.caller_class.kind
    if values.get("org_paths") is not None:
        values["org_paths"] = _in_one_org(cell, values["org_paths"])
    policies = (CALLER_ALLOWS,) if caller_policies else ()
    options: dict[str, Any] = {"at": WITNESS_TIME}
    issued_at = None
    if values.get("credentials") is not None:
        values["mfa"], issued_at, call_mfa = values["credentials"]
        if call_mfa is not None:
            options["mfa"] = call_mfa
    try:
        if kind == "user":
            caller: Any = IamUser(
                values["principal"],
                policies=policies,
                mfa_authenticated=values.get("mfa"),
                org=_org(values),
                tags=_principal_tags(values),
                unique_id=values.get("unique_id"),
            )
        elif kind == "session":
            carried = {
                knob.partition(":")[2]: value
                for knob, value in values.items()
                if knob.startswith("carried:") and value is not None
            }
            caller = RoleSession(
                values["principal"],
                values.get("caller_session", _CALLER_SESSION),
                policies=policies,
                mfa_authenticated=values.get("mfa", False),
                org=_org(values),
                carried_keys=carried,
                role_tags=_principal_tags(values),
                role_unique_id=values.get("role_unique_id"),
                source_identity=values.get("caller_source_identity"),
                issued_at=issued_at,
                session_tags=_incoming(values),
                transitive_tag_keys=list(_incoming(values)),
            )
        elif kind == "service":
            caller = ServicePrincipal(
                values["service"],
                source_account=values.get("source_account"),
                source_arn=values.get("source_arn"),
                source_org_id=values.get("source_org_id"),
                source_org_paths=values.get("source_org_paths") or (),
            )
        elif kind == "web":
            claims = {
                knob.partition(":")[2]: value
                for knob, value in values.items()
                if knob.startswith("claim:") and value is not None
            }
            caller = WebIdentity(
                cell.caller_class.provider or "", claims, condition_claims=set(claims)
            )
        else:
            attributes = {
                knob.partition(":")[2]: value
                for knob, value in values.items()
                if knob.startswith("saml:") and value is not None
            }
            caller = SamlIdentity(cell.caller_class.provider or "", attributes)
    except InvalidCaller as error:
        raise Unrealisable(str(error)) from None
    if values.get("external_id") is not None:
        options["external_id"] = values["external_id"]
    if values.get("session_name") is not None:
        options["session_name"] = values["session_name"]
    if values.get("at") is not None:
        options["at"] = values["at"]
    if values.get("source_ip") is not None:
        options["source_ip"] = values["source_ip"]
    carried_identity = values.get("caller_source_identity")
    if carried_identity is not None and "source_identity" in values:
        # A session's source identity is passed on to every request it makes (STS refuses
        # another): the cell holds requests only if the session's value lies in its region of
        # sts:SourceIdentity (both slots are split by the same languages).
        if not _carries(cell, carried_identity):
            return None
        values["source_identity"] = carried_identity
    if values.get("source_identity") is not None:
        options["source_identity"] = values["source_identity"]
    if not _tag_options(values, options, kind):
        return None
    if values.get("contexts"):
        options["provided_contexts"] = [ProvidedContext(_CONTEXT_PROVIDER)]
    try:
        request = build_request(caller, role, **options)
    except InvalidRequest:
        return None
    _check_realised(request, cell)
    return request


#: The key of a tag passed on by a calling session (a request with no tags of its own).
_INCOMING_TAG = "trustsim-witness"


def _tag_options(values: dict[str, Any], options: dict[str, Any], kind: str) -> bool:
    """Set the session tags of a witness; False when no request of the cell exists.

    Passing tags (or transitive keys) is a tagging call, and so is calling from a session with
    transitive tags: ``tags`` says whether the call tags; the slots of :func:`_tag_slots` say
    which keys and values. Keys that collide (one key in two cases) cannot be passed together:
    such a witness is :class:`Unrealisable`, never a denial.
    """
    tagging = bool(values.get("tags"))
    keys = values.get("tag_keys")
    transitive = values.get("transitive")
    passed = {
        knob.partition(":")[2]: value
        for knob, value in values.items()
        if knob.startswith("rtag:") and value is not None
    }
    if not tagging:
        return keys is None and transitive is None and not passed
    if keys is not None or transitive is not None:
        chosen: Sequence[str] = keys if keys is not None else (transitive or ())
        words = list(dict.fromkeys(chosen))
        if len({word.lower() for word in words}) != len(words):
            raise Unrealisable(f"session tag keys {words} differ only in case")
        options["tags"] = dict.fromkeys(words, "")
        if transitive is not None:
            options["transitive_tag_keys"] = words
        return True
    if passed:
        options["tags"] = passed
    elif "tag_keys" in values:
        # tagging without aws:TagKeys: only a session passing on its transitive tags
        return kind == "session"
    else:
        options["tags"] = _WITNESS_TAGS
    return True


def _incoming(values: Mapping[str, Any]) -> dict[str, str]:
    """The transitive tags a witness session carries (a tagging call without tags of its own)."""
    if values.get("tags") and "tag_keys" in values and values["tag_keys"] is None:
        return {_INCOMING_TAG: "tag"}
    return {}


def _principal_tags(values: Mapping[str, Any]) -> dict[str, str]:
    return {
        knob.partition(":")[2]: value
        for knob, value in values.items()
        if knob.startswith("ptag:") and value is not None
    }


def _carries(cell: Cell, value: str) -> bool:
    """Whether ``value`` lies in the cell's region of ``sts:SourceIdentity``."""
    for slot, region in zip(cell.caller_class.slots, cell.regions, strict=True):
        if slot.knob == "source_identity":
            return region.value is not None and _signature(slot, value) == region.signature
    return True


def _in_one_org(cell: Cell, paths: tuple[str, ...]) -> tuple[str, ...]:
    """``paths`` with each value replaced by one of its region in a single organisation.

    An account's paths all lie in its organisation, while the regions' shortest values may
    not: for each organisation of the values, look for a value of every region among its
    paths (the automata, with one more language: the paths of that organisation). Raises
    :class:`Unrealisable` when no organisation holds them all.
    """
    slot = next(slot for slot in cell.caller_class.slots if slot.knob == "org_paths")
    assert slot.domain is not None  # noqa: S101 - a string slot
    for org in dict.fromkeys(path.partition("/")[0] for path in paths):
        key = ("org", slot.domain.name, tuple(language.key for language in slot.languages), org)
        found = _EXPLORED.get(key)
        if found is None:
            found = explore(
                slot.domain.domain,
                [*(language.nfa for language in slot.languages), seq(f"{org}/", any_text())],
                max_length=slot.domain.max_length,
            )
            if len(_EXPLORED) >= 2048:
                _EXPLORED.clear()
            _EXPLORED[key] = found
        chosen = []
        for path in paths:
            if path.startswith(f"{org}/"):
                chosen.append(path)
                continue
            twin = found.get((*_signature(slot, path), True))
            if twin is None:
                break
            chosen.append(twin)
        else:
            return tuple(chosen)
    raise Unrealisable(f"{slot.name}: no organisation holds paths like {list(paths)}")


def _org(values: Mapping[str, Any]) -> OrgMembership | None:
    paths = values.get("org_paths")
    if paths is not None:
        # the organisation of the first path; paths of another one make the caller invalid
        # (InvalidCaller: the cell is Unrealisable, never denied)
        return OrgMembership(paths[0].partition("/")[0], paths=paths)
    org_id = values.get("org_id")
    return None if org_id is None else OrgMembership(org_id)


def _check_realised(request: AssumeRoleRequest, cell: Cell) -> None:
    """Raise :class:`Unrealisable` unless the request lies in every region of ``cell``."""
    for slot, region in zip(cell.caller_class.slots, cell.regions, strict=True):
        if slot.probes and slot.knob == "credentials":
            if region_of(slot, (region,), request) != 0:
                raise Unrealisable(f"{slot.name}: the witness does not lie in {region.text}")
            continue
        if slot.domain is None or not slot.keys:
            continue
        found = request.context.get_values(slot.keys[0])
        value = region.value
        if found == (None if value is None else (value,) if isinstance(value, str) else value):
            continue  # the region's own witness value lies in it
        if region_of(slot, (region,), request) != 0:
            raise Unrealisable(f"{slot.name}: the witness carries {found!r}, not {region.text}")


def region_of(slot: Slot, found: Sequence[Region], request: AssumeRoleRequest) -> int | None:
    """The index of the region of ``slot`` that ``request`` lies in, or ``None``."""
    if slot.probes:
        carried = {key: request.context.get_values(key) for key in slot.keys}
        present = {key: values for key, values in carried.items() if values is not None}
        probed = _probe_signature(slot, present or None)
        for index, region in enumerate(found):
            if region.signature == probed:
                return index
        return None
    if slot.domain is None:
        choice = _request_choice(slot, request)
        for index, region in enumerate(found):
            if region.value == choice:
                return index
        return None
    value = _request_value(slot, request)
    if value is None or value == ():
        signature: Any = None
    elif slot.multi:
        # conditions read the values alone (one value or a one-item list alike)
        signatures = [_signature(slot, item) for item in value]
        one = len(value) == 1
        signature = (
            ("set", frozenset(signatures), False) if one else ("many", _behaviour(slot, signatures))
        )
    else:
        if len(value) != 1:
            return None
        signature = _signature(slot, value[0])
    for index, region in enumerate(found):
        if region.signature == signature:
            return index
    return None


def _signature(slot: Slot, value: str) -> tuple[bool, ...]:
    return tuple(language.nfa.matches(value) for language in slot.languages)


def _request_value(slot: Slot, request: AssumeRoleRequest) -> tuple[str, ...] | None:
    caller = request.caller
    if slot.knob == "service":
        return (caller.name,) if isinstance(caller, ServicePrincipal) else None
    if slot.knob == "caller_session":
        return (caller.session_name,) if isinstance(caller, RoleSession) else None
    return request.context.get_values(slot.keys[0])


def _request_choice(slot: Slot, request: AssumeRoleRequest) -> Any:
    if slot.knob == "tags":
        return "sts:TagSession" in request.companion_actions
    if slot.knob == "contexts":
        return "sts:SetContext" in request.companion_actions
    if slot.knob in ("unique_id", "role_unique_id"):
        given = getattr(request.caller, slot.knob, None)
        if given is None or given in slot.choices:
            return given
        return slot.choices[-1]  # another ID: the region of every ID not named
    found = request.context.get_values(slot.keys[0])
    if found is None:
        return None
    return found == ("true",)
