"""What AWS refuses in a policy document beyond its JSON shape, per :class:`PolicyKind`.

The shape (types, known elements, operator names, condition value types) is checked while
structuring (``trustsim._structure``); this module checks the rules IAM and Organizations
apply to a well-shaped document. Each rule names its source; docs/semantics.md §2.7 is the
summary for trust policies.

Rules per kind::

    trust      := Principal required, not "*", each value a principal IAM can resolve;
                  no NotPrincipal, Resource, NotResource; Action ⊆ the AssumeRole family;
                  a GitHub Actions OIDC principal needs a condition on its ``sub`` claim
    identity, managed, permissions-boundary, session
               := no Principal / NotPrincipal; Resource or NotResource required, each
                  resource one IAM reads (trustsim._resource_arns); an unknown condition
                  operator is a syntax error
    managed    := Version 2012-10-17 (CreatePolicy)
    scp        := no Principal / NotPrincipal
    rcp        := Principal "*" required; no NotPrincipal, no NotAction; Version 2012-10-17;
                  Effect Deny (Allow only as AWS's own RCPFullAWSAccess statement)
    every kind := exactly one of Action / NotAction, each ``vendor:name`` or "*";
                  at most one of Resource / NotResource; unique non-empty Sids;
                  condition values readable by their operator
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterable, Mapping

from trustsim import _pointer
from trustsim._memo import SWITCH, cached, memo, remember
from trustsim._org_rules import rcp_allow_problem
from trustsim._principal_rules import (
    MALFORMED,
    ORGANIZATIONS,
    kind_phrase,
    principal_element_problems,
)
from trustsim._resource_arns import resource_problem
from trustsim._valid_values import clear_valid_values, found_valid, known_valid
from trustsim.arn import Arn
from trustsim.errors import Problem
from trustsim.model import (
    BASE_OPERATORS,
    ConditionClause,
    Effect,
    Policy,
    PolicyKind,
    SetQualifier,
    Statement,
    canonical_chars,
    parse_operator_name,
)
from trustsim.requests import (
    ASSUME_ROLE,
    ASSUME_ROLE_WITH_SAML,
    ASSUME_ROLE_WITH_WEB_IDENTITY,
    SET_CONTEXT,
    SET_SOURCE_IDENTITY,
    TAG_SESSION,
)
from trustsim.wildcard import compile_pattern

__all__ = [
    "ASSUME_ROLE_FAMILY",
    "IAM_KINDS",
    "aws_check_order",
    "clause_values_valid",
    "required_claim",
    "suggest",
    "trust_action_valid",
    "unknown_operator_problem",
    "validate_policy",
]

#: IAM's answers, as recorded by the sources of docs/semantics.md §1.
SYNTAX_ERRORS = "MalformedPolicyDocument: Syntax errors in policy."
LEGACY_PARSING = "MalformedPolicyDocument: The policy failed legacy parsing"
_NOT_STS = "MalformedPolicyDocument: AssumeRole policy may only specify STS AssumeRole actions."
_NO_ACTIONS = "MalformedPolicyDocument: Policy statement must contain actions."
_NO_RESOURCES = "MalformedPolicyDocument: Policy statement must contain resources."
_DUPLICATE_SID = "MalformedPolicyDocument: Statement IDs (SID) in a single policy must be unique."
_MANAGED_VERSION = "MalformedPolicyDocument: Policy document must be version 2012-10-17 or greater."

#: The caller-side kinds IAM (or STS, for session policies) validates with its own identity
#: policy rules; SCPs and RCPs are Organizations' business, trust policies have their own.
IAM_KINDS = frozenset(
    {PolicyKind.IDENTITY, PolicyKind.MANAGED, PolicyKind.PERMISSIONS_BOUNDARY, PolicyKind.SESSION}
)

#: Problems IAM reports as "Syntax errors in policy." for an identity policy while a role's
#: trust policy gets its own wording (recorded CreatePolicy answers; CreateRole's wording for
#: text that is no JSON and for an unknown condition operator is quoted in docs/errors.md).
_SYNTAX_FOR_IAM_KINDS = frozenset(
    {
        "UNKNOWN_OPERATOR",
        "INVALID_SET_OPERATOR",
        "NULL_IF_EXISTS",
        "JSON_SYNTAX",
        "INVALID_ENCODING",
    }
)

#: AWS's check order after the syntax check and the Version rule (moto's recorded CreatePolicy
#: answers: each names the first failing check in this order, whatever the document order).
_LATER_CHECKS: Mapping[str, int] = {
    "DUPLICATE_SID": 3,
    "MISSING_ACTION": 4,
    "INVALID_RESOURCE": 5,
    "INVALID_PARTITION": 5,
    "INCOMPLETE_RESOURCE_ARN": 5,
    "REGION_IN_RESOURCE": 5,
    "INVALID_IAM_RESOURCE": 5,
    "INVALID_ACTION": 6,
    "MISSING_RESOURCE": 7,
}
_SYNTAX_CODES = frozenset({*_SYNTAX_FOR_IAM_KINDS, "POLICY_NOT_OBJECT"})

#: The actions a role trust policy may name (docs/semantics.md §2.4; TF-32872, SAR-STS).
ASSUME_ROLE_FAMILY: tuple[str, ...] = (
    ASSUME_ROLE,
    ASSUME_ROLE_WITH_WEB_IDENTITY,
    ASSUME_ROLE_WITH_SAML,
    TAG_SESSION,
    SET_SOURCE_IDENTITY,
    SET_CONTEXT,
)

FAMILY_NAMES = frozenset(ASSUME_ROLE_FAMILY)

#: Shared OIDC issuers for which IAM requires a condition on a given claim
#: (OIDC-CONTROLS; docs/semantics.md, reading 8): the provider path → the claim, in lower case.
_SHARED_OIDC_ISSUERS: Mapping[str, str] = {"token.actions.githubusercontent.com": "sub"}

_VENDOR = re.compile(r"[A-Za-z0-9.-]+\Z")

_ALL_OPERATOR_NAMES: tuple[str, ...] = tuple(
    sorted(
        f"{prefix}{base}{suffix}"
        for base in BASE_OPERATORS
        for prefix in ("", *(f"{q.value}:" for q in SetQualifier))
        for suffix in (("",) if base == "Null" else ("", "IfExists"))
    )
)


def suggest(name: str, choices: Iterable[str]) -> str | None:
    """The known name closest to ``name`` (same letters in another case first), or ``None``.

    >>> suggest("stringequals", ["StringEquals", "StringLike"])
    'StringEquals'
    >>> suggest("Principals", ["Principal", "Action"])
    'Principal'
    >>> suggest("Frobnicate", ["Principal", "Action"]) is None
    True
    """
    options = list(choices)
    folded = name.casefold()
    for option in options:
        if option.casefold() == folded:
            return option
    by_fold = {option.casefold(): option for option in options}
    close = difflib.get_close_matches(folded, list(by_fold), n=1, cutoff=0.75)
    return by_fold[close[0]] if close else None


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """`` (did you mean "X"?)`` for the closest known name, or ``""``."""
    best = suggest(name, choices)
    return f' (did you mean "{best}"?)' if best else ""


def unknown_operator_problem(name: str, pointer: str) -> Problem:
    """The problem for an operator name IAM does not accept, with a suggestion.

    Names are case-sensitive (docs/semantics.md, reading 5b); ``IfExists`` is refused on
    ``Null`` [DOC AA-CHECKS "Null with if exists"]; the set-operator prefix must be exactly
    ``ForAllValues:`` or ``ForAnyValue:`` [EXP MOTO-TESTS].

    >>> problem = unknown_operator_problem("StringEqualz", "/Statement/0/Condition/StringEqualz")
    >>> problem.code, problem.message
    ('UNKNOWN_OPERATOR', 'unknown condition operator "StringEqualz" (did you mean "StringEquals"?)')
    >>> problem.aws_says
    'MalformedPolicyDocument: Invalid Condition type : StringEqualz'
    """
    aws_says = f"{MALFORMED}: Invalid Condition type : {name}"
    hint = did_you_mean(name, _ALL_OPERATOR_NAMES)
    if name.endswith("NullIfExists") and parse_operator_name(name[: -len("IfExists")]):
        return Problem(
            "NULL_IF_EXISTS",
            pointer,
            'the Null operator cannot take "IfExists": Null already tests whether the key exists',
            aws_says,
        )
    prefix, colon, rest = name.partition(":")
    qualifiers = {qualifier.value for qualifier in SetQualifier}
    if colon and (prefix not in qualifiers or ":" in rest):
        return Problem(
            "INVALID_SET_OPERATOR",
            pointer,
            f'malformed set operator in "{name}": the prefix must be exactly "ForAllValues:" '
            f'or "ForAnyValue:" followed by one operator{hint}',
            aws_says,
        )
    return Problem(
        "UNKNOWN_OPERATOR", pointer, f'unknown condition operator "{name}"{hint}', aws_says
    )


def validate_policy(
    policy: Policy,
    *,
    skip: Mapping[int, Collection[str]] | None = None,
    size_at_most: int | None = None,
) -> list[Problem]:
    """Every rule of its kind that ``policy`` breaks, in document order.

    ``skip`` maps a statement index to the elements whose own shape was already refused
    (so the rules that read them are not applied to a placeholder); index ``-1`` stands for
    the document itself (``{"Version"}`` when its Version was refused). ``size_at_most``
    bounds the policy's canonical characters (``trustsim.loaders.json_text.canonical_bound``
    of the text it was read from): within the quota, they need not be counted.

    >>> from trustsim.model import Effect, Principal, Statement
    >>> policy = Policy((Statement(Effect.ALLOW, principal=Principal(star=True),
    ...                            action=("sts:AssumeRole",)),))
    >>> [(p.code, p.pointer) for p in validate_policy(policy)]
    [('BARE_STAR_PRINCIPAL', '/Statement/0/Principal')]
    """
    skipped = skip or {}
    problems: list[Problem] = []
    problems += _version_problems(policy, "Version" in skipped.get(-1, ()))
    seen_sids: set[str] = set()
    counted = policy.kind is PolicyKind.TRUST and (
        size_at_most is None or size_at_most > TRUST_POLICY_MAX_CHARS
    )
    for statement in policy.statements:
        ignored = skipped.get(statement.index, ())
        if counted and not ignored:
            problems += _clean_or_problems(statement, policy)
        else:
            problems += _statement_problems(statement, policy, ignored)
        if statement.sid and "Sid" not in ignored:
            if statement.sid in seen_sids:
                problems.append(
                    Problem(
                        "DUPLICATE_SID",
                        _pointer.join(statement.pointer, "Sid"),
                        f'the Sid "{statement.sid}" is already used by an earlier statement; '
                        "Sids must be unique within a policy",
                        _DUPLICATE_SID,
                    )
                )
            seen_sids.add(statement.sid)
    if counted:
        problems += _size_problems(policy)
    return problems


#: The most a role trust policy may hold after a quota increase, in characters besides
#: whitespace (2,048 by default: the linter's POLICY_SIZE_EXCEEDS_QUOTA; docs/semantics.md).
TRUST_POLICY_MAX_CHARS = 4096


def _size_problems(policy: Policy) -> list[Problem]:
    size = canonical_chars(policy)
    if size <= TRUST_POLICY_MAX_CHARS:
        return []
    return [
        Problem(
            "POLICY_TOO_LARGE",
            "",
            f"the trust policy has {size:,} characters besides whitespace; IAM saves at most "
            f"{TRUST_POLICY_MAX_CHARS:,} even after a quota increase (2,048 by default)",
            f"LimitExceeded: Cannot exceed quota for ACLSizePerRole: {TRUST_POLICY_MAX_CHARS}",
        )
    ]


# Statements the rules found nothing wrong with, by what the rules read: the statement's
# content (its place only names where a problem is), the policy's kind and whether its
# Version expands policy variables. Only "nothing wrong" is remembered: problems carry the
# statement's pointer, so they are found afresh each time. Consulted only for a trust policy
# whose size is counted (no text bounds it: parse_policy on a dict): the count hashes each
# statement for its own memo (model._STATEMENT_CHARS), so the lookup costs little more; for
# text, whose bound spares the count, hashing a new statement costs more than its rules.
_CLEAN_LIMIT = 8192  # the bound every memo keeps (trustsim._memo)
_CLEAN: dict[tuple[Statement, PolicyKind, bool], None] = memo(
    "validation: statements found valid", _CLEAN_LIMIT
)


def _clean_or_problems(statement: Statement, policy: Policy) -> list[Problem]:
    key = (statement, policy.kind, policy.expands_variables)
    if key in _CLEAN and not SWITCH.fresh:
        return []
    problems = _statement_problems(statement, policy, ())
    if not problems:
        remember(_CLEAN, key, None, _CLEAN_LIMIT)
    return problems


def clear_validation_cache() -> None:
    """Forget which statements and values were found valid (benchmarks measure cold parsing).

    >>> clear_validation_cache()
    """
    _CLEAN.clear()
    clear_valid_values()
    required_claim.cache_clear()


def _version_problems(policy: Policy, refused: bool) -> list[Problem]:
    if policy.kind is PolicyKind.MANAGED and policy.version != "2012-10-17" and not refused:
        # [EXP MOTO-TESTS] CreatePolicy refuses a document with no Version or "2008-10-17";
        # inline policies (PutUserPolicy…) accept both.
        return [
            Problem(
                "INVALID_VERSION",
                "/Version" if policy.version is not None else "",
                'a managed policy must have "Version": "2012-10-17" (CreatePolicy refuses '
                f"{'2008-10-17' if policy.version else 'a document without Version'})",
                _MANAGED_VERSION,
            )
        ]
    # RCP syntax page (Organizations user guide): every RCP must carry Version 2012-10-17.
    if policy.kind is PolicyKind.RCP and policy.version != "2012-10-17":
        return [
            Problem(
                "INVALID_VERSION",
                "/Version" if policy.version is not None else "",
                'a resource control policy must have "Version": "2012-10-17"',
                ORGANIZATIONS,
            )
        ]
    return []


def _statement_problems(
    statement: Statement, policy: Policy, skipped: Collection[str]
) -> list[Problem]:
    kind = policy.kind
    if not skipped:  # every rule applies
        problems = _action_problems(statement, kind) + _resource_problems(statement, kind)
        problems += principal_element_problems(statement, kind)
        problems += _condition_problems(statement, policy)
        if kind is PolicyKind.TRUST:
            problems += _shared_oidc_problems(statement)
        elif kind is PolicyKind.RCP:
            problems = _rcp_allow_problems(statement) + problems
        return problems
    problems = []
    ignored = frozenset(skipped)
    if kind is PolicyKind.RCP and "Effect" not in ignored:
        problems += _rcp_allow_problems(statement)
    if not ignored & {"Action", "NotAction"}:
        problems += _action_problems(statement, kind)
    if not ignored & {"Resource", "NotResource"}:
        problems += _resource_problems(statement, kind)
    if not ignored & {"Principal", "NotPrincipal"}:
        problems += principal_element_problems(statement, kind)
    if "Condition" not in ignored:
        problems += _condition_problems(statement, policy)
        if kind is PolicyKind.TRUST and not ignored & {"Effect", "Principal"}:
            problems += _shared_oidc_problems(statement)
    return problems


def _rcp_allow_problems(statement: Statement) -> list[Problem]:
    # RCP syntax page (Organizations user guide): Allow is supported only in the AWS-managed
    # RCPFullAWSAccess policy; a customer RCP can only deny. That policy's own statement is
    # accepted, so that a dump of an organisation's attached RCPs loads as it is.
    problem = rcp_allow_problem(statement)
    return [] if problem is None else [problem]


# --- Action / NotAction --------------------------------------------------------------------


def _action_problems(statement: Statement, kind: PolicyKind) -> list[Problem]:
    where = statement.pointer
    if statement.action is not None and statement.not_action is not None:
        # docs/semantics.md §2.3 [EXP MOTO-TESTS]: both elements present is a syntax error.
        return _both_problem(where, "Action")
    element, actions = (
        ("Action", statement.action)
        if statement.action is not None
        else ("NotAction", statement.not_action)
    )
    if not actions:
        # An empty list counts as absent [EXP MOTO-TESTS].
        return [
            Problem(
                "MISSING_ACTION",
                where,
                "the statement names no action: add Action (or NotAction) with at least one value",
                _NO_ACTIONS,
            )
        ]
    problems: list[Problem] = []
    if element == "NotAction" and kind is PolicyKind.RCP:
        # RCP syntax page: the elements an RCP may use do not include NotAction.
        problems.append(
            Problem(
                "PROHIBITED_NOT_ACTION",
                _pointer.join(where, "NotAction"),
                "a resource control policy cannot use NotAction",
                ORGANIZATIONS,
            )
        )
    trust = element == "Action" and kind is PolicyKind.TRUST
    for index, action in enumerate(actions):
        if action in FAMILY_NAMES:
            continue  # an AssumeRole-family name as documented: right for every kind
        # An action's problems depend on its text and on the trust rule alone.
        key = ("action", action, trust)
        if known_valid(key):
            continue
        pointer = _pointer.join(where, element, index)
        problem = _action_syntax_problem(action, pointer)
        if problem is None and trust:
            problem = _trust_action_problem(action, pointer)
        if problem is None:
            found_valid(key)
        else:
            problems.append(problem)
    return problems


def trust_action_valid(action: str) -> bool:
    """Whether the action rules of a trust policy's ``Action`` were found to accept ``action``.

    An AssumeRole-family name as documented, or a name the rules accepted before (the
    valid-values memo); ``False`` says nothing: the rules have not read it yet.

    >>> trust_action_valid("sts:AssumeRole"), trust_action_valid("s3:GetObject")
    (True, False)
    """
    return action in FAMILY_NAMES or known_valid(("action", action, True))


def _both_problem(where: str, element: str) -> list[Problem]:
    """A statement that has both ``element`` and ``Not{element}`` (a syntax error)."""
    code = element.upper()
    return [
        Problem(
            f"{code}_AND_NOT_{code}",
            where,
            f"a statement cannot have both {element} and Not{element}",
            SYNTAX_ERRORS,
        )
    ]


def _action_syntax_problem(action: str, pointer: str) -> Problem | None:
    """Action := "*" | vendor ":" name   (docs/semantics.md §2.4, moto's recorded IAM answers)."""
    if action == "*":
        return None
    vendor, colon, name = action.partition(":")
    if not colon:
        return Problem(
            "INVALID_ACTION",
            pointer,
            f'the action "{action}" has no service prefix (write it as "service:Action", '
            'for example "sts:AssumeRole")',
            f"{MALFORMED}: Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
        )
    if ":" in name:
        return Problem(
            "INVALID_ACTION",
            pointer,
            f'the action "{action}" has more than one colon',
            f"{MALFORMED}: Actions/Condition can contain only one colon.",
        )
    if vendor != "*" and not _VENDOR.match(vendor):
        return Problem(
            "INVALID_ACTION",
            pointer,
            f'the action "{action}" has an invalid service prefix "{vendor}"',
            f"{MALFORMED}: Vendor {vendor} is not valid",
        )
    return None


def _trust_action_problem(action: str, pointer: str) -> Problem | None:
    # Names compare case-insensitively [DOC ACTION]; "*" and "sts:*" are accepted
    # (docs/semantics.md, reading 5), as is any pattern that can match a family member.
    matches = compile_pattern(action, ignore_case=True)
    if any(matches(member) for member in ASSUME_ROLE_FAMILY):
        return None
    best = suggest(action, ASSUME_ROLE_FAMILY)
    hint = f' (did you mean "{best}"?)' if best else ""
    return Problem(
        "ACTION_NOT_ALLOWED_IN_TRUST_POLICY",
        pointer,
        f'a role trust policy may only name AssumeRole-family actions, not "{action}"{hint}',
        _NOT_STS,
    )


# --- Resource / NotResource ----------------------------------------------------------------


def _resource_problems(statement: Statement, kind: PolicyKind) -> list[Problem]:
    where = statement.pointer
    if statement.resource is None and statement.not_resource is None and kind not in IAM_KINDS:
        return []  # nothing to check, nothing required (the usual trust statement)
    if kind is PolicyKind.TRUST:
        # [EXP PROHIBITED-RESOURCE; DOC AA-CHECKS] IAM: "Has prohibited field Resource".
        return [
            Problem(
                "PROHIBITED_RESOURCE",
                _pointer.join(where, element),
                f"a role trust policy cannot have a {element} element: the resource is the role itself",
                f"{MALFORMED}: Has prohibited field {element}",
            )
            for element, value in (
                ("Resource", statement.resource),
                ("NotResource", statement.not_resource),
            )
            if value is not None
        ]
    if statement.resource is not None and statement.not_resource is not None:
        return _both_problem(where, "Resource")
    needs_resource = kind in IAM_KINDS
    resources = statement.resource if statement.resource is not None else statement.not_resource
    if needs_resource and not resources:
        # [EXP MOTO-TESTS]: identity-based documents must say which resources they cover.
        return [
            Problem(
                "MISSING_RESOURCE",
                where,
                f"a statement of {kind_phrase(kind)} must have Resource (or NotResource) "
                "with at least one value",
                _NO_RESOURCES,
            )
        ]
    element = "Resource" if statement.resource is not None else "NotResource"
    if kind in IAM_KINDS:
        found = (
            resource_problem(resource, _pointer.join(where, element, index))
            for index, resource in enumerate(resources or ())
        )
        return [problem for problem in found if problem is not None]
    return [
        Problem(
            "INVALID_RESOURCE",
            _pointer.join(where, element, index),
            f'the resource "{resource}" is neither "*" nor an ARN',
            f'{MALFORMED}: Resource {resource} must be in ARN format or "*".',
        )
        for index, resource in enumerate(resources or ())
        if resource != "*" and ":" not in resource
    ]


# --- Condition -----------------------------------------------------------------------------


#: The String operators read every text as a value (a pattern, for the Like ones) and expand
#: policy variables: no value of theirs can be wrong (trustsim.operators.policy_value_problems
#: finds nothing; tests/policy/test_validation.py holds it to that), so none is checked.
READ_AS_TEXT = frozenset(name for name in BASE_OPERATORS if name.startswith("String"))


def _condition_problems(statement: Statement, policy: Policy) -> list[Problem]:
    problems: list[Problem] = []
    for clause in statement.condition:
        operator = parse_operator_name(clause.operator.name)
        if operator is not clause.operator and operator != clause.operator:
            # Only a hand-built clause can get here: parsing refuses unknown names earlier.
            problem = unknown_operator_problem(
                clause.operator.name,
                _pointer.join(statement.pointer, "Condition", clause.operator.name),
            )
            problems.append(worded_for(problem, policy.kind))
            continue
        if clause.operator.base in READ_AS_TEXT:
            continue  # no value can be wrong (see READ_AS_TEXT)
        key = _values_key(clause, policy.expands_variables)
        if known_valid(key):
            continue
        pointer = _pointer.join(statement.pointer, "Condition", clause.operator.name, clause.key)
        found = _value_problems(clause, pointer, policy.expands_variables)
        if found:
            problems += found
        else:
            found_valid(key)
    return problems


def _values_key(clause: ConditionClause, expands: bool) -> tuple[str, str, tuple[str, ...], bool]:
    # The values' problems depend on the operator's base, the values and whether the
    # Version expands variables (operators.policy_value_problems reads nothing else).
    return ("condition", clause.operator.base, clause.values, expands)


def _value_problems(clause: ConditionClause, pointer: str, expands: bool) -> list[Problem]:
    from trustsim.operators import policy_value_problems  # noqa: PLC0415 (import order)

    return policy_value_problems(clause, pointer, expand_variables=expands)


def clause_values_valid(clause: ConditionClause, expands: bool) -> bool:
    """Whether the operator of a parsed ``clause`` accepts its values (the condition rules).

    ``expands`` says whether the policy's Version expands policy variables. Each distinct
    (base operator, values, ``expands``) is read once (the valid-values memo), as
    :func:`validate_policy` reads it.

    >>> from trustsim.model import ConditionClause, parse_operator_name
    >>> clause_values_valid(ConditionClause(parse_operator_name("Bool"), "k", ("maybe",)), True)
    False
    """
    if clause.operator.base in READ_AS_TEXT:
        return True  # no value can be wrong (see READ_AS_TEXT)
    key = _values_key(clause, expands)
    if known_valid(key):
        return True
    if _value_problems(clause, "", expands):
        return False
    found_valid(key)
    return True


def _shared_oidc_problems(statement: Statement) -> list[Problem]:
    """A GitHub Actions OIDC trust needs a condition on ``token.actions.githubusercontent.com:sub``.

    OIDC-CONTROLS: for recognised shared OIDC providers IAM requires the trust policy to
    evaluate specific claims; docs/semantics.md, reading 8 refuses a statement with no
    condition on the claim at all (an over-broad one is the linter's business).
    """
    if (
        statement.effect is not Effect.ALLOW
        or statement.principal is None
        or not statement.principal.federated
    ):
        return []
    keys = {clause.key.lower() for clause in statement.condition}
    problems: list[Problem] = []
    for index, provider in enumerate(statement.principal.federated):
        required = required_claim(provider)
        if required is None or required in keys:
            continue
        issuer, _, claim = required.rpartition(":")  # the table's names are lower case
        problems.append(
            Problem(
                "OIDC_CLAIM_CONDITION_REQUIRED",
                _pointer.join(statement.pointer, "Principal", "Federated", index),
                f"{issuer} is a shared OIDC issuer: any of its users could assume this "
                f'role. Add a condition on "{issuer}:{claim}" (for example StringEquals '
                f'"repo:OWNER/REPO:ref:refs/heads/main")',
                MALFORMED,
            )
        )
    return problems


@cached(4096)  # a pure function of the provider's text; its values are text
def required_claim(provider: str) -> str | None:
    """The condition key (lower case) a trust statement of ``provider`` must test, or ``None``.

    A statement that allows a shared OIDC issuer (``_SHARED_OIDC_ISSUERS``) must have a
    condition on its claim (docs/semantics.md, reading 8), whatever the key's case.

    >>> required_claim("arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com")
    'token.actions.githubusercontent.com:sub'
    >>> required_claim("arn:aws:iam::111122223333:saml-provider/corp") is None
    True
    """
    arn = Arn.try_parse(provider)
    if arn is None or arn.resource_type != "oidc-provider":
        return None
    claim = _SHARED_OIDC_ISSUERS.get(arn.resource_name)
    return None if claim is None else f"{arn.resource_name}:{claim}".lower()


# --- AWS's wording and order ---------------------------------------------------------------


def worded_for(problem: Problem, kind: PolicyKind) -> Problem:
    """``problem`` with the answer the API that saves a ``kind`` document gives.

    IAM's identity-policy validator answers "Syntax errors in policy." where CreateRole
    names the fault (text that is no JSON, an unknown condition operator).

    >>> problem = unknown_operator_problem("x", "/Statement/0/Condition/x")
    >>> worded_for(problem, PolicyKind.MANAGED).aws_says
    'MalformedPolicyDocument: Syntax errors in policy.'
    >>> worded_for(problem, PolicyKind.TRUST).aws_says
    'MalformedPolicyDocument: Invalid Condition type : x'
    """
    if kind in IAM_KINDS and problem.code in _SYNTAX_FOR_IAM_KINDS:
        return Problem(
            problem.code, problem.pointer, problem.message, SYNTAX_ERRORS, problem.severity
        )
    return problem


def aws_check_order(problem: Problem) -> int:
    """Where ``problem``'s check comes in AWS's order: the smallest is the one AWS reports.

    IAM stops at the first failing check of: syntax → Version → legacy parsing → duplicate
    Sid → missing actions → resource ARNs → action prefixes → missing resources; checks it does
    not order on record (principals, trust-only rules, trustsim's own refusals) come last.

    >>> from trustsim.parsing import parse_policy
    >>> from trustsim.errors import InvalidPolicy
    >>> try:
    ...     parse_policy({"Statement": [{"Effect": "Allow", "Action": "s3:Get:Object"},
    ...                                 {"Effect": "allow", "Action": "s3:GetObject",
    ...                                  "Resource": "*"}]}, kind="identity")
    ... except InvalidPolicy as error:
    ...     [p.code for p in error.problems], error.first.code
    (['MISSING_RESOURCE', 'INVALID_ACTION', 'INVALID_EFFECT'], 'INVALID_EFFECT')
    """
    says = problem.aws_says
    if problem.code in _SYNTAX_CODES or says.startswith(SYNTAX_ERRORS.rstrip(".")):
        return 0
    if says == _MANAGED_VERSION:
        return 1
    if says == LEGACY_PARSING:
        return 2
    return _LATER_CHECKS.get(problem.code, 8)
