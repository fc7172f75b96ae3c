"""The slots of a caller class, built from the clauses that test its keys.

Every key a policy tests is, for each class, one of: set by a slot; *fixed* (the same for
every request of the class: ``aws:SecureTransport``, the role's tags, a key a caller of that
class never carries); or not modelled, which makes the answer incomplete (a
:class:`~trustsim.analysis.cell_types.Gap`). :func:`classify` says which; the ``*_slot(s)``
functions build the slots, each with the languages its clauses split the domain by.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any

from trustsim.analysis import domains as d
from trustsim.analysis import probes
from trustsim.analysis.cell_types import WITNESS_TIME, Gap, Slot
from trustsim.analysis.policy_reader import Clause, PolicyReader, is_oidc_key, oidc_issuer
from trustsim.context import normalize_key
from trustsim.model import BASE_OPERATORS
from trustsim.variables import Literal, Variable, parse_template

__all__ = [
    "classify",
    "companion_slots",
    "credential_slots",
    "key_slot",
    "probe_slots",
    "session_name_slot",
    "string_slot",
    "tag_slots",
]


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


#: Families of operators whose regions the string languages describe exactly: the String and
#: Arn operators, Bool and Null.
_STRING_BASES = frozenset(
    base
    for base in BASE_OPERATORS
    if base.startswith(("String", "Arn")) or base in {"Bool", "Null"}
)


def string_slot(
    name: str,
    knob: str,
    keys: tuple[str, ...],
    domain: d.Domain,
    clauses: Sequence[Clause],
    *,
    reader: PolicyReader,
    optional: bool,
    multi: bool = False,
    extra: Sequence[d.Language] = (),
    account_keys: frozenset[str] = frozenset(),
) -> Slot:
    """A slot of free text split by the languages of ``clauses`` (and ``extra``).

    A clause whose operator orders its values rather than matching text is a gap (reported
    on ``reader``), and so is a value the string languages cannot read (a policy variable).
    """
    languages = list(extra)
    clause_keys: list[list[tuple[str, ...]]] = []
    for clause in clauses:
        if clause.base not in _STRING_BASES:
            reader.unsplit.add(clause.key)
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
                    reader.unsplit.add(clause.key)
                    reader.gaps.append(
                        Gap(
                            f"{clause.where} {clause.base} {clause.spelled}",
                            "${*}, ${?} and ${$} are decided on text keys, not on accounts",
                        )
                    )
                if found is None:
                    reader.unsplit.add(clause.key)
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


def key_slot(
    tested: Mapping[str, list[Clause]],
    key: str,
    knob: str,
    domain: d.Domain,
    *,
    reader: PolicyReader,
    handled: set[str],
    multi: bool = False,
) -> list[Slot]:
    """The optional slot that sets ``key``, named as the policy spells it; none when untested.

    The key is then ``handled``: this slot sets it.
    """
    clauses = tested.get(key)
    if not clauses:
        return []
    handled.add(key)
    slot = string_slot(
        clauses[0].spelled, knob, (key,), domain, clauses, reader=reader, optional=True, multi=multi
    )
    return [slot]


def companion_slots(
    tested: Mapping[str, list[Clause]], reader: PolicyReader, handled: set[str], *, contexts: bool
) -> list[Slot]:
    """The slots of the companion actions a statement can allow: source identity, tags, contexts."""
    slots = []
    if reader.may_name("sts:SetSourceIdentity") or "sts:sourceidentity" in tested:
        slots.append(
            string_slot(
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
        if _tag_families(tested) > 1:
            # The tag keys stay a gap (classify records it): requests passing tags are left
            # out of every Grant, which would otherwise claim them on one witness's tags.
            slots.append(Slot("session tags", "tags", (), choices=(False,)))
        else:
            slots.append(Slot("session tags", "tags", (), choices=(False, True)))
            slots += tag_slots(tested, reader, handled)
    else:
        # no request passing tags is allowed: the keys they set are absent in every other one
        handled.update(key for key in tested if key.startswith(_TAG_KEYS[:3]))
    if contexts and reader.may_name("sts:SetContext"):
        # Provided contexts are not split by value: when a clause reads one, the requests
        # passing them are a gap (classify records it), left out of every Grant.
        reads_contexts = any(key.startswith("sts:requestcontext") for key in tested)
        choices = (False,) if reads_contexts else (False, True)
        slots.append(Slot("provided contexts", "contexts", (), choices=choices))
    return slots


def _families(tested: Mapping[str, list[Clause]]) -> dict[str, bool]:
    """Which families of session-tag keys the statements test."""
    return {
        "keys": "aws:tagkeys" in tested,
        "transitive": "sts:transitivetagkeys" in tested,
        "values": any(key.startswith("aws:requesttag/") for key in tested),
    }


def _tag_families(tested: Mapping[str, list[Clause]]) -> int:
    """How many families of session-tag keys the statements test (more than one: a gap)."""
    return sum(_families(tested).values())


def tag_slots(
    tested: Mapping[str, list[Clause]], reader: PolicyReader, handled: set[str]
) -> list[Slot]:
    """The session tags passed, by value, when one family of their keys is tested.

    ``aws:TagKeys`` (the keys passed), ``sts:TransitiveTagKeys`` (the keys passed on) and
    ``aws:RequestTag/<key>`` (one tag's value) are each split like any other key, but they
    are not free of each other (a transitive key or a tag's value needs its key among the
    keys passed): when statements test more than one family, the keys stay a gap.
    """
    families = _families(tested)
    if sum(families.values()) != 1:
        return []
    if families["values"]:
        slots = []
        for key in sorted(tested):
            if key.startswith("aws:requesttag/"):
                knob = f"rtag:{tested[key][0].spelled.partition('/')[2]}"
                slots += key_slot(tested, key, knob, d.TAG_VALUE, reader=reader, handled=handled)
        return slots
    key, knob = (
        ("aws:tagkeys", "tag_keys") if families["keys"] else ("sts:transitivetagkeys", "transitive")
    )
    return key_slot(tested, key, knob, d.TAG_KEY, reader=reader, handled=handled, multi=True)


def _carried_source_identity(tested: Mapping[str, list[Clause]]) -> list[Clause]:
    """The clauses on a calling session's source identity (only role sessions carry one)."""
    return list(tested.get("aws:sourceidentity", ()))


def session_name_slot(tested: Mapping[str, list[Clause]], reader: PolicyReader) -> list[Slot]:
    """The ``sts:RoleSessionName`` slot, when a clause tests it."""
    clauses = tested.get("sts:rolesessionname")
    if not clauses:
        return []
    return [
        string_slot(
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


_SOURCE_KEYS = frozenset(
    {"aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths"}
)


#: Operators whose answers on an ordered key the probes show completely (with ``Null``).
_TIME_BASES = ("Date", "Numeric")


_IP_BASES = ("IpAddress", "NotIpAddress")


def probe_slots(tested: Mapping[str, list[Clause]], handled: set[str]) -> list[Slot]:
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


def credential_slots(
    kind: str,
    tested: Mapping[str, list[Clause]],
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


def classify(
    kind: str,
    key: str,
    clauses: Sequence[Clause],
    *,
    handled: set[str],
    reader: PolicyReader,
    label: str,
    issuer: str | None = None,
) -> None:
    """Record a gap when ``key`` is neither set by a slot nor fixed for this class."""
    if key in handled or key in _FIXED or key.startswith("aws:resourcetag/"):
        return
    foreign = False
    if is_oidc_key(key):
        foreign = kind in ("user", "service", "saml") or (
            kind == "web" and oidc_issuer(key) != issuer
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
