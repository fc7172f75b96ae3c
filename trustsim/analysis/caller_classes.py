"""The caller classes a role's policies tell apart, each with its slots (:func:`caller_classes`).

IAM users and role sessions (:func:`_iam_classes`), AWS services, and the callers of each
OIDC or SAML provider the policies name; the principal elements decide which classes exist
and the slot builders (:mod:`trustsim.analysis.slot_builders`) what each class chooses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import attrs

from trustsim.analysis import domains as d
from trustsim.analysis.cell_types import CallerClass, Gap, Slot
from trustsim.analysis.policy_reader import Clause, PolicyReader, is_oidc_key, oidc_issuer
from trustsim.analysis.slot_builders import (
    classify,
    companion_slots,
    credential_slots,
    key_slot,
    probe_slots,
    session_name_slot,
    string_slot,
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
    InvalidCaller,
    Role,
    SamlIdentity,
    WebIdentity,
)
from trustsim.model import Policy

__all__ = [
    "caller_classes",
]


_UNIQUE_ID = re.compile(r"A(?:IDA|ROA)[A-Z0-9]+")


def _another_id(prefix: str, named: Sequence[str]) -> str:
    """A unique ID of ``prefix`` that none of ``named`` is: it stands for every other ID."""
    number = 0
    while f"{prefix}OTHER{number}" in named:
        number += 1
    return f"{prefix}OTHER{number}"


#: A role session's ARN as a principal: partition, account, role name, session name.
_ASSUMED_ROLE = re.compile(r"arn:([a-z][a-z0-9-]*):sts::([0-9]{12}):assumed-role/([^/]+)/([^/]+)")


def _aws_principal_languages(
    reader: PolicyReader,
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
        if len(value) == 12 and value.isascii() and value.isdigit():
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


def _iam_classes(reader: PolicyReader) -> list[CallerClass]:
    tested = reader.tested("user")  # role sessions: the same principal values name them
    principal_languages, session_roles, session_names, unique_ids = _aws_principal_languages(reader)
    classes = []
    for kind, label, domain in (
        ("user", "IAM users", d.USER_ARN),
        ("session", "IAM role sessions", d.ROLE_ARN),
    ):
        handled = {"aws:principalarn", "aws:principalaccount"}
        slots = [
            string_slot(
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
                string_slot(
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
                string_slot(
                    "sts:ExternalId",
                    "external_id",
                    ("sts:externalid",),
                    d.EXTERNAL_ID,
                    tested["sts:externalid"],
                    reader=reader,
                    optional=True,
                )
            )
        slots += session_name_slot(tested, reader)
        slots += probe_slots(tested, handled)
        credentials = (
            credential_slots(kind, tested, handled)
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
        slots += key_slot(
            tested, "aws:principalorgid", "org_id", d.ORG_ID, reader=reader, handled=handled
        )
        if "aws:principalorgid" not in tested:
            # the paths of the caller's account (all in one organisation; with the ID tested
            # too, the two keys are related and stay a gap)
            slots += key_slot(
                tested,
                "aws:principalorgpaths",
                "org_paths",
                d.ORG_PATH,
                reader=reader,
                handled=handled,
                multi=True,
            )
        for key in tested:
            if key.startswith("aws:principaltag/"):
                # the caller's own tags (a user's, or the role's of a session): any text
                knob = f"ptag:{tested[key][0].spelled.partition('/')[2]}"
                slots += key_slot(tested, key, knob, d.TEXT, reader=reader, handled=handled)
        if kind == "session":
            for key in tested:
                if is_oidc_key(key) or key.startswith("saml:"):
                    # a federation key the session carries from the call that made it
                    knob = f"carried:{tested[key][0].spelled}"
                    slots += key_slot(
                        tested, key, knob, d.TEXT, reader=reader, handled=handled, multi=True
                    )
        slots += companion_slots(tested, reader, handled, contexts=True)
        handled |= {"sts:sourceidentity", "sts:rolesessionname"}
        for key, clauses in tested.items():
            classify(kind, key, clauses, handled=handled, reader=reader, label=label)
        classes.append(
            CallerClass(
                kind, label, "sts:AssumeRole", None, tuple(slots), _unsplit(tested, handled)
            )
        )
    return classes


def _service_class(reader: PolicyReader) -> CallerClass:
    tested = reader.tested("service")
    names = [
        d.exact(value, f"is {value}") for kind, value, _ in reader.principals if kind == "service"
    ]
    slots = [
        string_slot(
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
        slots += key_slot(tested, key, knob, domain, reader=reader, handled=handled)
    # the paths of the resource's account the service acts for (several, any organisation:
    # the caller model does not tie them to aws:SourceOrgID)
    slots += key_slot(
        tested,
        "aws:sourceorgpaths",
        "source_org_paths",
        d.ORG_PATH,
        reader=reader,
        handled=handled,
        multi=True,
    )
    slots += _common_slots(tested, reader, handled, contexts=True)
    for key, clauses in tested.items():
        classify("service", key, clauses, handled=handled, reader=reader, label="AWS services")
    return CallerClass(
        "service",
        "AWS services",
        "sts:AssumeRole",
        None,
        tuple(slots),
        _unsplit(tested, handled),
    )


def _common_slots(
    tested: Mapping[str, list[Clause]], reader: PolicyReader, handled: set[str], *, contexts: bool
) -> list[Slot]:
    """The slots of the keys every class may set: session name, probed keys, companion actions."""
    return [
        *session_name_slot(tested, reader),
        *probe_slots(tested, handled),
        *companion_slots(tested, reader, handled, contexts=contexts),
    ]


def _dedupe(languages: Sequence[d.Language]) -> list[d.Language]:
    seen: dict[str, d.Language] = {}
    for language in languages:
        seen.setdefault(language.text, language)
    return list(seen.values())


def _federated_classes(reader: PolicyReader) -> list[CallerClass]:
    role = reader.role
    every = reader.tested()
    named = [value for kind, value, _ in reader.principals if kind == "federated"]
    saml = sorted({v for v in named if ":saml-provider/" in v})
    oidc = sorted({v for v in named if ":saml-provider/" not in v})
    anyone = reader.star or reader.not_principal
    prefix = f"arn:{role.partition}:iam::{role.account_id}"
    if anyone:
        issuers = {oidc_issuer(key) for key in every if is_oidc_key(key)}
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
            if is_oidc_key(key) and oidc_issuer(key) == issuer.lower():
                handled.add(key)
                claim = clauses[0].spelled.rpartition(":")[2]
                slots.append(
                    string_slot(
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
        slots += _common_slots(tested, reader, handled, contexts=False)
        for key, clauses in tested.items():
            classify(
                "web",
                key,
                clauses,
                handled=handled,
                reader=reader,
                label=label,
                issuer=issuer.lower(),
            )
        classes.append(
            CallerClass(
                "web",
                label,
                "sts:AssumeRoleWithWebIdentity",
                provider,
                tuple(slots),
                _unsplit(tested, handled),
            )
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
                    string_slot(
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
        slots += _common_slots(tested, reader, handled, contexts=False)
        for key, clauses in tested.items():
            classify("saml", key, clauses, handled=handled, reader=reader, label=label)
        classes.append(
            CallerClass(
                "saml",
                label,
                "sts:AssumeRoleWithSAML",
                provider,
                tuple(slots),
                _unsplit(tested, handled),
            )
        )
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
    reader = PolicyReader(role, policies)
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
    # keys some clause tests in a way no slot splits, for whichever class (once all are built)
    classes = [
        attrs.evolve(found, unsplit=tuple(sorted({*found.unsplit, *reader.unsplit})))
        for found in classes
    ]
    return classes, _unique_gaps(reader.gaps)


def _unsplit(tested: Mapping[str, list[Clause]], handled: set[str]) -> tuple[str, ...]:
    """The keys tested for a class that no slot sets: fixed, never carried, or a gap.

    A cell's witness fixes their values: a request lies in the cell only when it carries the
    same ones (for a fixed or never-carried key, every request of the analysed universe does).
    """
    return tuple(sorted(key for key in tested if key not in handled))


def _unique_gaps(gaps: Sequence[Gap]) -> list[Gap]:
    return list(dict.fromkeys(gaps))
