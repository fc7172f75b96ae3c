"""The policy model: frozen attrs values for IAM policy documents.

One model serves every policy trustsim reads: the role's trust policy (the resource-based
policy of ``sts:AssumeRole``) and the caller-side policies (identity policies, permissions
boundaries, session policies, SCPs and RCPs). :class:`PolicyKind` records which one a
document is, because AWS accepts different shapes for each (a trust policy must name a
``Principal`` and must not name a ``Resource``; an identity policy is the opposite).

Grammar (docs/semantics.md §2)::

    Policy      := {Version?: "2012-10-17" | "2008-10-17", Id?: str,
                    Statement: Statement | [Statement, …]}
    Statement   := {Sid?: str, Effect: "Allow" | "Deny",
                    (Principal | NotPrincipal)?:
                        "*" | {AWS|Service|Federated|CanonicalUser: str | [str]},
                    (Action | NotAction): str | [str],
                    (Resource | NotResource)?: str | [str],
                    Condition?: {Operator: {Key: Value | [Value, …]}}}
    Operator    := ("ForAllValues:" | "ForAnyValue:")? BaseOperator ("IfExists")?
    Value       := str | bool | number      (kept as text: true → "true", 1.50 → "1.50")

Values are plain data: parsing (:func:`trustsim.parse_policy`) and validation happen before
a value of these classes exists, so an instance always holds a document AWS would accept.
"""

from __future__ import annotations

import enum
import json
import re
from typing import Any

import attrs

from trustsim import _reprs
from trustsim._memo import SWITCH, cached, memo, remember

__all__ = [
    "BASE_OPERATORS",
    "ConditionClause",
    "ConditionOperator",
    "Decision",
    "Effect",
    "Policy",
    "PolicyKind",
    "Principal",
    "SetQualifier",
    "Statement",
    "StatementRef",
    "parse_operator_name",
]

#: Every base condition operator IAM knows (docs/semantics.md §5), spelled as documented.
#: Each may take ``IfExists`` (except ``Null``) and one set qualifier.
BASE_OPERATORS: frozenset[str] = frozenset(
    {
        "StringEquals",
        "StringNotEquals",
        "StringEqualsIgnoreCase",
        "StringNotEqualsIgnoreCase",
        "StringLike",
        "StringNotLike",
        "NumericEquals",
        "NumericNotEquals",
        "NumericLessThan",
        "NumericLessThanEquals",
        "NumericGreaterThan",
        "NumericGreaterThanEquals",
        "DateEquals",
        "DateNotEquals",
        "DateLessThan",
        "DateLessThanEquals",
        "DateGreaterThan",
        "DateGreaterThanEquals",
        "Bool",
        "BinaryEquals",
        "IpAddress",
        "NotIpAddress",
        "ArnEquals",
        "ArnLike",
        "ArnNotEquals",
        "ArnNotLike",
        "Null",
    }
)


class PolicyKind(enum.Enum):
    """Which role a policy document plays; it decides which shapes AWS accepts.

    >>> from trustsim.parsing import parse_policy
    >>> boundary = parse_policy({"Version": "2012-10-17", "Statement": {
    ...     "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}},
    ...     kind=PolicyKind.PERMISSIONS_BOUNDARY)
    >>> boundary.kind
    <PolicyKind.PERMISSIONS_BOUNDARY: 'permissions-boundary'>

    ``MANAGED`` is an identity policy saved with ``CreatePolicy`` (a customer managed policy):
    IAM applies the rules of ``IDENTITY`` (an inline policy) and also insists on
    ``"Version": "2012-10-17"``.

    >>> parse_policy({"Statement": {"Effect": "Allow", "Action": "s3:GetObject",
    ...                             "Resource": "*"}}, kind=PolicyKind.MANAGED)
    Traceback (most recent call last):
    ...
    trustsim.errors.InvalidPolicy: invalid policy: 1 problem
    (document): a managed policy must have "Version": "2012-10-17" ... [INVALID_VERSION]
      AWS says: MalformedPolicyDocument: Policy document must be version 2012-10-17 or greater.
    """

    TRUST = "trust"
    IDENTITY = "identity"
    MANAGED = "managed"
    PERMISSIONS_BOUNDARY = "permissions-boundary"
    SESSION = "session"
    SCP = "scp"
    RCP = "rcp"


class Effect(enum.Enum):
    """A statement's ``Effect``: exactly ``"Allow"`` or ``"Deny"`` (case-sensitive in AWS).

    >>> Effect("Deny")
    <Effect.DENY: 'Deny'>
    """

    ALLOW = "Allow"
    DENY = "Deny"


class SetQualifier(enum.Enum):
    """The set operator prefix of a condition operator (docs/semantics.md §5.12)."""

    FOR_ALL_VALUES = "ForAllValues"
    FOR_ANY_VALUE = "ForAnyValue"


@attrs.frozen(cache_hash=True)
class ConditionOperator:
    """A condition operator name, split once into its parts.

    >>> op = parse_operator_name("ForAnyValue:StringLikeIfExists")
    >>> op.base, op.qualifier, op.if_exists
    ('StringLike', <SetQualifier.FOR_ANY_VALUE: 'ForAnyValue'>, True)
    """

    name: str
    base: str
    qualifier: SetQualifier | None = None
    if_exists: bool = False


@cached(4096)  # a pure function of the name; its values are frozen
def parse_operator_name(name: str) -> ConditionOperator | None:
    """Split an operator name as written into qualifier, base and ``IfExists``.

    Returns ``None`` when the name is not one IAM accepts: an unknown base, a malformed
    set-operator prefix (``ForAnyValue::StringEquals``), wrong case (``stringequals``,
    docs/semantics.md, reading 5b) or ``NullIfExists``.

    >>> parse_operator_name("StringEquals").base
    'StringEquals'
    >>> parse_operator_name("NullIfExists") is None
    True
    >>> parse_operator_name("stringequals") is None
    True
    """
    qualifier: SetQualifier | None = None
    rest = name
    prefix, colon, tail = name.partition(":")
    if colon:
        try:
            qualifier = SetQualifier(prefix)
        except ValueError:
            return None
        rest = tail
    if_exists = False
    if rest.endswith("IfExists") and rest != "IfExists":
        base = rest[: -len("IfExists")]
        if_exists = True
    else:
        base = rest
    if base not in BASE_OPERATORS or (if_exists and base == "Null"):
        return None
    return ConditionOperator(name=name, base=base, qualifier=qualifier, if_exists=if_exists)


@attrs.frozen(cache_hash=True)
class ConditionClause:
    """One key under one operator: ``{"StringEquals": {"sts:ExternalId": ["a", "b"]}}``.

    ``values`` are the policy values as text, in the order written; a JSON boolean is kept as
    ``"true"``/``"false"`` and a JSON number as its decimal text. ``value_is_list`` remembers
    whether the document wrote a list, so serialisation gives back the same shape.

    >>> from trustsim.parsing import parse_policy
    >>> policy = parse_policy({"Version": "2012-10-17", "Statement": {
    ...     "Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole",
    ...     "Condition": {"StringEquals": {"sts:ExternalId": "a8f3c2e1"}}}})
    >>> clause = policy.statements[0].condition[0]
    >>> clause.operator.base, clause.key, clause.values
    ('StringEquals', 'sts:ExternalId', ('a8f3c2e1',))
    """

    operator: ConditionOperator
    key: str
    values: tuple[str, ...]
    value_is_list: bool = attrs.field(default=True, eq=False)


@attrs.frozen(cache_hash=True)
class Principal:
    """A ``Principal`` (or ``NotPrincipal``) element.

    ``star`` is the bare ``"*"`` form (every principal, anonymous included); otherwise the
    values of each principal type in the order written. ``{"AWS": "*"}`` is ``aws=("*",)``.

    >>> Principal(service=("lambda.amazonaws.com",))
    Principal(Service lambda.amazonaws.com)
    """

    aws: tuple[str, ...] = ()
    service: tuple[str, ...] = ()
    federated: tuple[str, ...] = ()
    canonical_user: tuple[str, ...] = ()
    star: bool = False

    @property
    def is_empty(self) -> bool:
        """True when the element names nobody (``{"AWS": []}``), which AWS refuses."""
        return not (self.star or self.aws or self.service or self.federated or self.canonical_user)


@attrs.frozen(cache_hash=True)
class Statement:
    """One policy statement.

    ``action`` / ``not_action`` (and the resource pair) are ``None`` when the element is
    absent. ``condition`` lists every clause in document order; all clauses are ANDed.
    ``index`` is the statement's position in the document and ``pointer`` its JSON pointer
    (``/Statement/0``, or ``/Statement`` when the document held a single object).
    ``effect_written`` keeps a trust policy's ``Effect`` spelled in another case
    (docs/semantics.md, reading 13).

    >>> from trustsim.parsing import parse_policy
    >>> policy = parse_policy({"Version": "2012-10-17", "Statement": {"Sid": "Lambda",
    ...     "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
    ...     "Action": "sts:AssumeRole"}})
    >>> statement = policy.statements[0]
    >>> statement.sid, statement.effect, statement.action, statement.pointer
    ('Lambda', <Effect.ALLOW: 'Allow'>, ('sts:AssumeRole',), '/Statement')
    """

    effect: Effect
    sid: str | None = None
    principal: Principal | None = None
    not_principal: Principal | None = None
    action: tuple[str, ...] | None = None
    not_action: tuple[str, ...] | None = None
    resource: tuple[str, ...] | None = None
    not_resource: tuple[str, ...] | None = None
    condition: tuple[ConditionClause, ...] = ()
    index: int = attrs.field(default=0, eq=False)
    pointer: str = attrs.field(default="/Statement/0", eq=False)
    #: ``Effect`` as written when a trust policy spelled it in another case (``"allow"``):
    #: read as the named effect and flagged (docs/semantics.md, reading 13); else ``None``.
    effect_written: str | None = None


@attrs.frozen(cache_hash=True)
class Policy:
    """A whole policy document of one :class:`PolicyKind`.

    ``version`` is ``None`` when the document has no ``Version`` (AWS then treats policy
    variables as literal text). ``origin`` names where the document came from (a path,
    ``"<string>"``); it plays no part in equality.

    >>> from trustsim.parsing import parse_policy
    >>> policy = parse_policy({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
    ...     "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"}]})
    >>> len(policy.statements), policy.kind, policy.expands_variables
    (1, <PolicyKind.TRUST: 'trust'>, True)
    >>> parse_policy(policy.to_dict()) == policy
    True
    """

    statements: tuple[Statement, ...]
    version: str | None = None
    id: str | None = None
    kind: PolicyKind = PolicyKind.TRUST
    origin: str | None = attrs.field(default=None, eq=False)

    @property
    def expands_variables(self) -> bool:
        """Whether ``${…}`` in condition values are policy variables (only under 2012-10-17)."""
        return self.version == "2012-10-17"

    def to_dict(self) -> dict[str, Any]:
        """The document in canonical form (see :mod:`trustsim.serialize`)."""
        return to_dict(self)

    def to_json(self, *, indent: int | None = 2) -> str:
        """The canonical JSON text of the document (see :mod:`trustsim.serialize`)."""
        return to_json(self, indent=indent)


@attrs.frozen
class StatementRef:
    """One statement of one policy, named so a person can find it.

    Attributes:
        policy: the policy's label: ``"trust policy"``, ``"identity policy 0"`` (the caller's
            first), ``"permissions boundary"``, ``"session policy"``, ``"SCP root level, policy 0"``…
            Every index in a label counts from 0, as statement indexes and JSON pointers do.
        index: the statement's position in the document (0-based, as in its pointer).
        sid: the statement's ``Sid``, or ``None``.
        pointer: the statement's JSON pointer (``/Statement/0``).

    >>> print(StatementRef("trust policy", 1, "GitHubMain", "/Statement/1"))
    trust policy statement 1 (Sid "GitHubMain")
    >>> print(StatementRef("identity policy 0", 0, None, "/Statement"))
    identity policy 0 statement 0
    """

    policy: str
    index: int
    sid: str | None
    pointer: str

    def __str__(self) -> str:
        sid = f' (Sid "{self.sid}")' if self.sid else ""
        return f"{self.policy} statement {self.index}{sid}"


#: What AWS answers. It lives beside the statement references because both the outcome
#: (trustsim.decision, its documented home) and its explanation (trustsim.explain) use it,
#: and the explanation is imported by the outcome's module.
class Decision(str, enum.Enum):
    """What AWS answers (docs/semantics.md §4.13).

    A ``str`` enum: each decision compares equal to its name, as scenario files, the CLI and
    ``assert_denied(decision="ExplicitDeny")`` spell it, so ``outcome.decision != "Allow"``
    means what it says.

    >>> Decision("ExplicitDeny") is Decision.EXPLICIT_DENY
    True
    >>> str(Decision.ALLOW), f"{Decision.IMPLICIT_DENY}"
    ('Allow', 'ImplicitDeny')
    >>> Decision.ALLOW == "Allow", Decision.ALLOW != "Allow", Decision.EXPLICIT_DENY == "Allow"
    (True, False, False)
    """

    ALLOW = "Allow"
    EXPLICIT_DENY = "ExplicitDeny"
    IMPLICIT_DENY = "ImplicitDeny"

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


# --------------------------------------------------------------------------- canonical form
# Policies back to JSON (trustsim.serialize is this part's documented module).


def to_dict(policy: Policy) -> dict[str, Any]:
    """The policy as a JSON-ready ``dict``.

    >>> from trustsim.parsing import parse_policy
    >>> policy = parse_policy({"Statement": {"Action": ["sts:AssumeRole"], "Effect": "Allow",
    ...                                      "Principal": {"AWS": "111122223333"}}})
    >>> to_dict(policy)
    {'Statement': [{'Effect': 'Allow', 'Principal': {'AWS': '111122223333'}, 'Action': 'sts:AssumeRole'}]}
    """
    document = _head(policy)
    document["Statement"] = [_statement(statement) for statement in policy.statements]
    return document


_WHITESPACE = re.compile(r"\s")

# Each statement's share of canonical_chars, by what its canonical text depends on: the
# statement's content and, for each condition clause, whether its values were a list (the
# clause's ``value_is_list`` plays no part in equality, but it does in the text).
_STATEMENT_CHARS_LIMIT = 8192
_STATEMENT_CHARS: dict[tuple[Statement, tuple[bool, ...]], int] = memo(
    "model: statements' canonical characters", _STATEMENT_CHARS_LIMIT
)


def clear_size_cache() -> None:
    """Forget every statement's share of :func:`canonical_chars` (to measure cold parsing)."""
    _STATEMENT_CHARS.clear()


def _non_whitespace(text: str) -> int:
    # In JSON written by json.dumps, an ASCII text's only whitespace is the space: tabs,
    # newlines and the other ASCII control characters inside strings are escaped.
    if text.isascii():
        return len(text) - text.count(" ")
    return len(_WHITESPACE.sub("", text))


def _statement_chars(statement: Statement) -> int:
    key = (statement, tuple(clause.value_is_list for clause in statement.condition))
    known = None if SWITCH.fresh else _STATEMENT_CHARS.get(key)
    if known is not None:
        return known
    return remember(_STATEMENT_CHARS, key, _count_statement(statement), _STATEMENT_CHARS_LIMIT)


# Counting without writing: each helper counts what json.dumps(_statement(…)) would write
# for its part, besides whitespace (the property tests hold the two to the same count).


def _text(value: str) -> int:
    """A JSON string: its quotes and characters, escapes as json.dumps writes them."""
    if value.isascii() and value.isprintable() and '"' not in value and "\\" not in value:
        return len(value) + 2 - value.count(" ")
    return _non_whitespace(json.dumps(value, ensure_ascii=False))


def _values(values: tuple[str, ...], as_list: bool) -> int:
    if len(values) == 1 and not as_list:
        return _text(values[0])
    return 2 + sum(_text(value) for value in values) + max(len(values) - 1, 0)


def _members(sizes: list[int]) -> int:
    """An object whose members (name, colon and value) count ``sizes``."""
    return 2 + sum(sizes) + max(len(sizes) - 1, 0)


def _count_principal(principal: Principal) -> int:
    if principal.star:
        return 3  # "*"
    return _members(
        [
            len(name) + 3 + _values(values, False)
            for name, values in (
                ("AWS", principal.aws),
                ("Service", principal.service),
                ("Federated", principal.federated),
                ("CanonicalUser", principal.canonical_user),
            )
            if values
        ]
    )


def _count_condition(clauses: tuple[ConditionClause, ...]) -> int:
    # Grouped as _condition groups them: by operator in order of first use, a repeated key
    # keeping its first place and its last values.
    blocks: dict[str, dict[str, int]] = {}
    for clause in clauses:
        values = _values(clause.values, clause.value_is_list)
        blocks.setdefault(clause.operator.name, {})[clause.key] = _text(clause.key) + 1 + values
    return _members(
        [_text(name) + 1 + _members(list(block.values())) for name, block in blocks.items()]
    )


def _count_statement(statement: Statement) -> int:
    sizes: list[int] = []
    if statement.sid is not None:
        sizes.append(6 + _text(statement.sid))  # "Sid":
    sizes.append(9 + _text(statement.effect.value))  # "Effect":
    for name, principal in _principal_elements(statement):
        if principal is not None:
            sizes.append(len(name) + 3 + _count_principal(principal))
    for name, values in _list_elements(statement):
        if values is not None:
            sizes.append(len(name) + 3 + _values(values, False))
    if statement.condition:
        sizes.append(12 + _count_condition(statement.condition))  # "Condition":
    return _members(sizes)


def canonical_chars(policy: Policy) -> int:
    r"""The characters of ``to_json(policy)`` besides whitespace (what IAM's size quota counts).

    The same count as ``len(re.sub(r"\s", "", to_json(policy, indent=None)))``, added up
    statement by statement (one-line JSON is the statements' texts joined by ``", "``), each
    statement's share remembered by its content.

    >>> from trustsim.parsing import parse_policy
    >>> policy = parse_policy({"Statement": {"Effect": "Allow", "Action": "sts:AssumeRole",
    ...                                      "Principal": {"Service": "lambda.amazonaws.com"}}})
    >>> canonical_chars(policy), len(to_json(policy, indent=None).replace(" ", ""))
    (107, 107)
    """
    head = _non_whitespace(json.dumps(_head(policy), ensure_ascii=False))
    statements = [_statement_chars(statement) for statement in policy.statements]
    return head + sum(statements) + max(len(statements) - 1, 0)


def _head(policy: Policy) -> dict[str, Any]:
    document: dict[str, Any] = {}
    if policy.version is not None:
        document["Version"] = policy.version
    if policy.id is not None:
        document["Id"] = policy.id
    document["Statement"] = []
    return document


def to_json(policy: Policy, *, indent: int | None = 2) -> str:
    """The canonical JSON text of ``policy`` (``indent=None`` for one line).

    >>> from trustsim.parsing import parse_policy
    >>> print(to_json(parse_policy({"Statement": {"Effect": "Allow", "Action": "sts:AssumeRole",
    ...                             "Principal": {"Service": "lambda.amazonaws.com"}}}), indent=None))
    {"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    """
    return json.dumps(to_dict(policy), indent=indent, ensure_ascii=False)


def _one_or_many(values: tuple[str, ...]) -> str | list[str]:
    return values[0] if len(values) == 1 else list(values)


def _principal(principal: Principal) -> str | dict[str, Any]:
    if principal.star:
        return "*"
    members = (
        ("AWS", principal.aws),
        ("Service", principal.service),
        ("Federated", principal.federated),
        ("CanonicalUser", principal.canonical_user),
    )
    return {name: _one_or_many(values) for name, values in members if values}


def _condition(clauses: tuple[ConditionClause, ...]) -> dict[str, dict[str, Any]]:
    block: dict[str, dict[str, Any]] = {}
    for clause in clauses:
        values: str | list[str] = (
            list(clause.values)
            if clause.value_is_list or len(clause.values) != 1
            else clause.values[0]
        )
        block.setdefault(clause.operator.name, {})[clause.key] = values
    return block


def _principal_elements(statement: Statement) -> tuple[tuple[str, Principal | None], ...]:
    """The statement's Principal and NotPrincipal, named as written, in canonical order."""
    return (("Principal", statement.principal), ("NotPrincipal", statement.not_principal))


def _list_elements(statement: Statement) -> tuple[tuple[str, tuple[str, ...] | None], ...]:
    """The statement's string-or-list elements, named as written, in canonical order."""
    return (
        ("Action", statement.action),
        ("NotAction", statement.not_action),
        ("Resource", statement.resource),
        ("NotResource", statement.not_resource),
    )


def _statement(statement: Statement) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if statement.sid is not None:
        result["Sid"] = statement.sid
    result["Effect"] = statement.effect.value
    for name, principal in _principal_elements(statement):
        if principal is not None:
            result[name] = _principal(principal)
    for name, values in _list_elements(statement):
        if values is not None:
            result[name] = _one_or_many(values)
    if statement.condition:
        result["Condition"] = _condition(statement.condition)
    return result


_reprs.install(globals())  # short reprs, IPython and notebook forms (trustsim._reprs)
