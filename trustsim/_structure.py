"""The one private cattrs converter: decoded JSON → the policy model, every problem at once.

Each hook states the shape it accepts; a hook that finds something wrong raises
:class:`_Shape` with the problems relative to its value. cattrs' detailed validation
collects those (and its own: unknown keys, missing fields) into a tree of exception groups
annotated with attribute names and list indexes; :func:`_problems` flattens that tree into
:class:`~trustsim.errors.Problem` values with RFC 6901 pointers, JSON element names restored.

A statement whose shape is wrong is structured a second time without the offending elements,
so the semantic rules of :mod:`trustsim.validation` still run on the rest of it and the user
sees every problem in one pass.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NewType

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn, override

from trustsim import _pointer
from trustsim.errors import Problem
from trustsim.model import (
    ConditionClause,
    Effect,
    Policy,
    PolicyKind,
    Principal,
    Statement,
    parse_operator_name,
)
from trustsim.validation import (
    IAM_KINDS,
    LEGACY_PARSING,
    SYNTAX_ERRORS,
    did_you_mean,
    unknown_operator_problem,
)

__all__ = ["Draft", "number_text", "quick_statement", "structure_policy"]

VERSIONS = ("2012-10-17", "2008-10-17")
POLICY_ELEMENTS = ("Version", "Id", "Statement")
#: Statement fields and their JSON element names: the field's words, capitalised and joined.
STATEMENT_ELEMENTS = {
    field: "".join(word.capitalize() for word in field.split("_"))
    for field in (
        *("sid", "effect", "principal", "not_principal", "action", "not_action"),
        *("resource", "not_resource", "condition"),
    )
}
PRINCIPAL_TYPES = {
    "aws": "AWS",
    "service": "Service",
    "federated": "Federated",
    "canonical_user": "CanonicalUser",
}
_JSON_NAMES: Mapping[type, Mapping[str, str]] = {
    Statement: STATEMENT_ELEMENTS,
    Principal: PRINCIPAL_TYPES,
}
_INVALID_PRINCIPAL = "MalformedPolicyDocument: Invalid principal in policy"

Token = str | int


@attrs.frozen
class _Issue:
    tokens: tuple[Token, ...]
    code: str
    message: str
    aws_says: str = SYNTAX_ERRORS


class _Shape(ValueError):
    """Problems a hook found, with pointers relative to the value it was given."""

    def __init__(self, *issues: _Issue) -> None:
        super().__init__("; ".join(issue.message for issue in issues))
        self.issues = issues


def _describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float | Decimal):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _wrong_type(expected: str, value: object) -> _Shape:
    return _Shape(_Issue((), "WRONG_TYPE", f"expected {expected}, found {_describe(value)}"))


def number_text(value: int | float | Decimal) -> str:
    """A JSON number as the decimal text IAM compares (docs/semantics.md, reading 5).

    >>> number_text(3), number_text(Decimal("1.50")), number_text(Decimal("1E+3")), number_text(0.5)
    ('3', '1.50', '1000', '0.5')
    """
    if isinstance(value, int):
        return str(value)
    number = Decimal(repr(value)) if isinstance(value, float) else value
    return format(number, "f")


# --- Hooks --------------------------------------------------------------------------------

_Text = NewType("_Text", str)
_CONVERTER = cattrs.Converter(detailed_validation=True, forbid_extra_keys=True)


def _text(value: Any, _: Any) -> str:
    """Grammar: ``text := JSON string``."""
    if isinstance(value, str):
        return value
    raise _wrong_type("a string", value)


def _strings(value: Any, _: Any) -> tuple[str, ...]:
    """Grammar: ``strings := str | [str, …]`` (an empty list is kept for the rules)."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(_CONVERTER.structure(value, list[_Text]))
    raise _wrong_type("a string or a list of strings", value)


def _effect(value: Any, _: Any) -> Effect:
    """Grammar: ``effect := "Allow" | "Deny"`` (case-sensitive)."""
    if isinstance(value, str):
        for effect in Effect:
            if value == effect.value:
                return effect
        for effect in Effect:
            if value.casefold() == effect.value.casefold():
                # [EXP MOTO-TESTS]: the syntax check ignores case, legacy parsing does not.
                raise _Shape(
                    _Issue(
                        (),
                        "INVALID_EFFECT",
                        f'Effect must be spelled exactly "{effect.value}", not "{value}"',
                        LEGACY_PARSING,
                    )
                )
    raise _Shape(
        _Issue((), "INVALID_EFFECT", f'Effect must be "Allow" or "Deny", found {_show(value)}')
    )


def _show(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else _describe(value)


_principal_types = make_dict_structure_fn(
    Principal,
    _CONVERTER,
    _cattrs_forbid_extra_keys=True,
    star=override(omit=True),
    aws=override(rename="AWS", struct_hook=_strings),
    service=override(rename="Service", struct_hook=_strings),
    federated=override(rename="Federated", struct_hook=_strings),
    canonical_user=override(rename="CanonicalUser", struct_hook=_strings),
)


def _principal(value: Any, _: Any) -> Principal:
    """Grammar: ``principal := "*" | {AWS|Service|Federated|CanonicalUser: str | [str]}``."""
    if value == "*":
        return Principal(star=True)
    if isinstance(value, str):
        raise _Shape(
            _Issue(
                (),
                "PRINCIPAL_NOT_OBJECT",
                f'a bare string Principal can only be "*"; write an object such as '
                f'{{"AWS": "{value}"}}',
            )
        )
    if not isinstance(value, dict):
        raise _wrong_type('"*" or an object such as {"AWS": "…"}', value)
    return _principal_types(value, Principal)


def _condition_value(value: Any) -> str | _Issue:
    """Grammar: ``scalar := str | bool | number`` (kept as text: true → "true", 1.50 → "1.50")."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        # Decimal.is_finite, not math.isfinite: a Decimal too large for a float is still finite.
        finite = value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)
        if not finite:
            return _Issue((), "WRONG_TYPE", f"{value} is not a JSON number")
        return number_text(value)
    if isinstance(value, dict | list):
        return _Issue(
            (),
            "NESTED_CONDITION_VALUE",
            f"a condition value must be a string, a boolean or a number, not {_describe(value)}",
        )
    return _Issue((), "WRONG_TYPE", f"a condition value cannot be {_describe(value)}")


def _clause_values(raw: Any) -> tuple[tuple[str, ...], bool, list[_Issue]]:
    """Grammar: ``values := scalar | [scalar, …]``."""
    if isinstance(raw, str):
        return (raw,), False, []
    if isinstance(raw, list) and all(isinstance(item, str) for item in raw):
        return tuple(raw), True, []
    items, is_list = (raw, True) if isinstance(raw, list) else ([raw], False)
    values: list[str] = []
    issues: list[_Issue] = []
    for index, item in enumerate(items):
        result = _condition_value(item)
        if isinstance(result, str):
            values.append(result)
        else:
            tokens = (index,) if is_list else ()
            issues.append(attrs.evolve(result, tokens=tokens))
    return tuple(values), is_list, issues


def _condition(value: Any, _: Any) -> tuple[ConditionClause, ...]:
    """Grammar: ``condition := {operator: {key: values, …}, …}`` (clauses in document order)."""
    if not isinstance(value, dict):
        raise _Shape(
            _Issue(
                (),
                "CONDITION_NOT_OBJECT",
                f'Condition must be an object such as {{"StringEquals": {{…}}}}, not {_describe(value)}',
            )
        )
    clauses: list[ConditionClause] = []
    issues: list[_Issue] = []
    for name, block in value.items():
        operator = parse_operator_name(name)
        if operator is None:
            problem = unknown_operator_problem(name, "")
            issues.append(_Issue((name,), problem.code, problem.message, problem.aws_says))
        if not isinstance(block, dict):
            issues.append(
                _Issue(
                    (name,),
                    "OPERATOR_VALUE_NOT_OBJECT",
                    f'the value of "{name}" must be an object of condition keys, '
                    f"not {_describe(block)}",
                )
            )
            continue
        for key, raw in block.items():
            if operator is not None and key and isinstance(raw, str):  # the usual clause
                clauses.append(ConditionClause(operator, key, (raw,), False))
                continue
            values, is_list, value_issues = _clause_values(raw)
            if not key:
                issues.append(
                    _Issue((name, key), "EMPTY_CONDITION_KEY", "a condition key cannot be empty")
                )
            issues += [attrs.evolve(i, tokens=(name, key, *i.tokens)) for i in value_issues]
            if operator is not None and key and not value_issues:
                clauses.append(ConditionClause(operator, key, values, is_list))
    if issues:
        raise _Shape(*issues)
    return tuple(clauses)


_CONVERTER.register_structure_hook(_Text, _text)

_statement_fields = make_dict_structure_fn(
    Statement,
    _CONVERTER,
    _cattrs_forbid_extra_keys=True,
    sid=override(rename="Sid", struct_hook=_text),
    effect=override(rename="Effect", struct_hook=_effect),
    principal=override(rename="Principal", struct_hook=_principal),
    not_principal=override(rename="NotPrincipal", struct_hook=_principal),
    action=override(rename="Action", struct_hook=_strings),
    not_action=override(rename="NotAction", struct_hook=_strings),
    resource=override(rename="Resource", struct_hook=_strings),
    not_resource=override(rename="NotResource", struct_hook=_strings),
    condition=override(rename="Condition", struct_hook=_condition),
    index=override(omit=True),
    pointer=override(omit=True),
    effect_written=override(omit=True),
)
_CONVERTER.register_structure_hook(Statement, _statement_fields)


# --- From cattrs' error tree to Problems ---------------------------------------------------


def _note(error: BaseException, kind: type[str]) -> Any:
    for note in getattr(error, "__notes__", ()):
        if isinstance(note, kind):
            return note
    return None


def _unknown_members(error: ForbiddenExtraKeysError, pointer: str) -> list[Problem]:
    if error.cl is Principal:
        known = list(PRINCIPAL_TYPES.values())
        return [
            Problem(
                "UNKNOWN_PRINCIPAL_TYPE",
                _pointer.join(pointer, key),
                f'unknown principal type "{key}"{did_you_mean(key, known)}; '
                "expected AWS, Service or Federated",
                _INVALID_PRINCIPAL,
            )
            for key in sorted(error.extra_fields)
        ]
    return [
        _unknown_element(key, _pointer.join(pointer, key), STATEMENT_ELEMENTS.values(), "statement")
        for key in sorted(error.extra_fields)
    ]


def _unknown_element(key: str, pointer: str, known: Any, where: str) -> Problem:
    return Problem(
        "UNKNOWN_ELEMENT",
        pointer,
        f'unknown {where} element "{key}"{did_you_mean(key, known)}',
        SYNTAX_ERRORS,
    )


def _problems(error: BaseException, pointer: str) -> list[Problem]:
    if isinstance(error, _Shape):
        return [
            Problem(
                issue.code, _pointer.join(pointer, *issue.tokens), issue.message, issue.aws_says
            )
            for issue in error.issues
        ]
    if isinstance(error, ClassValidationError):
        names = _JSON_NAMES.get(error.cl, {})
        found: list[Problem] = []
        for sub in error.exceptions:
            if isinstance(sub, ForbiddenExtraKeysError):
                found += _unknown_members(sub, pointer)
                continue
            note = _note(sub, AttributeValidationNote)
            if note is None:
                found += _problems(sub, pointer)
                continue
            member = names.get(note.name, note.name)
            if isinstance(sub, KeyError):
                # Only Effect is required by the shape; the rules check the rest per kind.
                found.append(
                    Problem(
                        f"MISSING_{member.upper()}",
                        pointer,
                        f"the statement has no {member}",
                        SYNTAX_ERRORS,
                    )
                )
                continue
            found += _problems(sub, _pointer.join(pointer, member))
        return found
    if isinstance(error, IterableValidationError):
        found = []
        for sub in error.exceptions:
            index = _note(sub, IterableValidationNote)
            found += _problems(sub, _pointer.join(pointer, index.index) if index else pointer)
        return found
    return [Problem("WRONG_TYPE", pointer, f"cannot read this value: {error}", SYNTAX_ERRORS)]


# --- The document --------------------------------------------------------------------------


@attrs.frozen
class Draft:
    """The result of structuring: a draft policy, the shape problems, the refused elements.

    ``policy`` is ``None`` when no statement could be read; ``skip`` maps a statement index
    to the elements whose shape was refused.
    """

    policy: Policy | None
    problems: tuple[Problem, ...]
    skip: Mapping[int, frozenset[str]]


_ELEMENT_NAMES = frozenset(STATEMENT_ELEMENTS.values())
_POLICY_NAMES = frozenset(POLICY_ELEMENTS)
_STATEMENT_POINTERS = tuple(_pointer.join("/Statement", index) for index in range(64))
_PRINCIPAL_NAMES = frozenset(PRINCIPAL_TYPES.values())
_EFFECTS = {effect.value: effect for effect in Effect}


def _quick_strings(value: object) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        for item in value:
            if not isinstance(item, str):
                return None
        return tuple(value)
    return None


def _quick_principal(value: object) -> Principal | None:
    if value == "*":
        return Principal(star=True)
    if not isinstance(value, dict) or not _PRINCIPAL_NAMES.issuperset(value):
        return None
    aws = _quick_strings(value["AWS"]) if "AWS" in value else ()
    service = _quick_strings(value["Service"]) if "Service" in value else ()
    federated = _quick_strings(value["Federated"]) if "Federated" in value else ()
    canonical = _quick_strings(value["CanonicalUser"]) if "CanonicalUser" in value else ()
    if aws is None or service is None or federated is None or canonical is None:
        return None
    return Principal(aws, service, federated, canonical)


def quick_statement(raw: dict[str, Any], index: int, pointer: str) -> Statement | None:
    """The statement when its shape is right, built directly; ``None`` when in doubt.

    The same reading as the converter's hooks, without cattrs' bookkeeping; anything it
    does not recognise goes through the converter, which reports every shape problem.
    """
    if not _ELEMENT_NAMES.issuperset(raw):
        return None
    effect = raw.get("Effect")
    effect = _EFFECTS.get(effect) if isinstance(effect, str) else None
    sid = raw.get("Sid")
    if (
        effect is None
        or (sid is None and "Sid" in raw)
        or not (sid is None or isinstance(sid, str))
    ):
        return None
    principal = not_principal = None
    if "Principal" in raw and (principal := _quick_principal(raw["Principal"])) is None:
        return None
    if "NotPrincipal" in raw and (not_principal := _quick_principal(raw["NotPrincipal"])) is None:
        return None
    action = not_action = resource = not_resource = None
    if "Action" in raw and (action := _quick_strings(raw["Action"])) is None:
        return None
    if "NotAction" in raw and (not_action := _quick_strings(raw["NotAction"])) is None:
        return None
    if "Resource" in raw and (resource := _quick_strings(raw["Resource"])) is None:
        return None
    if "NotResource" in raw and (not_resource := _quick_strings(raw["NotResource"])) is None:
        return None
    condition: tuple[ConditionClause, ...] = ()
    if "Condition" in raw:
        try:
            condition = _condition(raw["Condition"], None)
        except _Shape:
            return None
    return Statement(
        effect,
        sid,
        principal,
        not_principal,
        action,
        not_action,
        resource,
        not_resource,
        condition,
        index,
        pointer,
    )


def _statement(
    raw: dict[str, Any], pointer: str
) -> tuple[Statement | None, list[Problem], frozenset[str]]:
    try:
        return _CONVERTER.structure(raw, Statement), [], frozenset()
    except ClassValidationError as error:
        problems = _problems(error, pointer)
    broken: set[str] = set()
    for problem in problems:
        tokens = _pointer.split(problem.pointer[len(pointer) :])
        broken.add(tokens[0] if tokens else "Effect")
    repaired = {
        key: value
        for key, value in raw.items()
        if key in STATEMENT_ELEMENTS.values() and key not in broken
    }
    if "Effect" in broken:
        repaired["Effect"] = Effect.ALLOW.value  # a placeholder: the Effect rules are skipped
    try:
        statement: Statement | None = _CONVERTER.structure(repaired, Statement)
    except ClassValidationError:  # pragma: no cover - the repaired dict holds only good members
        statement = None
    return statement, problems, frozenset(broken)


def _effect_in_another_case(raw: dict[str, Any]) -> tuple[str, Effect] | None:
    """A trust statement's ``Effect`` spelled in another case, and the effect it names.

    IAM documents Effect as case-sensitive, yet has saved trust policies with ``"allow"``
    for years (docs/semantics.md, reading 13): a trust policy reads it as the named effect.

    >>> _effect_in_another_case({"Effect": "allow"})
    ('allow', <Effect.ALLOW: 'Allow'>)
    >>> _effect_in_another_case({"Effect": "Allow"}) is None
    True
    """
    value = raw.get("Effect")
    if not isinstance(value, str) or value in _EFFECTS:
        return None
    for effect in Effect:
        if value != effect.value and value.casefold() == effect.value.casefold():
            return value, effect
    return None


def structure_policy(
    raw: object, *, kind: PolicyKind, origin: str | None = None, from_json: bool = False
) -> Draft:
    """Structure a decoded JSON document into a :class:`Policy` draft.

    policy := {Version?: "2012-10-17" | "2008-10-17", Id?: str,
               Statement: statement | [statement, …]}

    ``from_json`` says ``raw`` was decoded from JSON text, so its keys are all strings.

    >>> draft = structure_policy({"Statement": {"Effect": "allow"}}, kind=PolicyKind.IDENTITY)
    >>> [(p.code, p.pointer) for p in draft.problems]
    [('INVALID_EFFECT', '/Statement/Effect')]
    """
    if not isinstance(raw, dict):
        problem = Problem(
            "POLICY_NOT_OBJECT",
            "",
            f"a policy document must be a JSON object, not {_describe(raw)}",
            SYNTAX_ERRORS,
        )
        return Draft(None, (problem,), {})
    key_problems = [] if from_json else _non_text_keys(raw)  # JSON keys are text
    if key_problems:
        return Draft(None, tuple(key_problems), {})
    problems: list[Problem] = (
        []
        if _POLICY_NAMES.issuperset(raw)
        else [
            _unknown_element(key, _pointer.join("", key), POLICY_ELEMENTS, "top-level")
            for key in raw
            if key not in POLICY_ELEMENTS
        ]
    )
    version = raw.get("Version")
    skip: dict[int, frozenset[str]] = {}
    if "Version" in raw and version not in VERSIONS:
        skip[-1] = frozenset({"Version"})
        problems.append(
            Problem(
                "INVALID_VERSION",
                "/Version",
                f'Version must be "2012-10-17" or "2008-10-17", not {_show(version)}',
                SYNTAX_ERRORS,
            )
        )
        version = None
    policy_id = raw.get("Id")
    if (policy_id is not None and not isinstance(policy_id, str)) or (
        "Id" in raw and policy_id is None
    ):
        problems.append(
            Problem(
                "WRONG_TYPE",
                "/Id",
                f"Id must be a string, not {_describe(policy_id)}",
                SYNTAX_ERRORS,
            )
        )
        policy_id = None
    statements: list[Statement] = []
    found = _statements(raw, problems)
    iam, trust = kind in IAM_KINDS, kind is PolicyKind.TRUST
    for index, pointer, raw_statement in found:
        item = raw_statement
        vacuous = _vacuous_unknown_operators(item) if iam else ()
        if vacuous:
            condition = {k: v for k, v in item["Condition"].items() if k not in vacuous}
            item = {**item, "Condition": condition}
        effect = item.get("Effect")
        written = (
            _effect_in_another_case(item)
            if trust and not (type(effect) is str and effect in _EFFECTS)
            else None
        )
        if written is not None:
            item = {**item, "Effect": written[1].value}
        quick = quick_statement(item, index, pointer)
        if quick is not None:
            statements.append(
                quick if written is None else attrs.evolve(quick, effect_written=written[0])
            )
            continue
        statement, statement_problems, broken = _statement(item, pointer)
        problems += statement_problems
        if statement is None:
            continue  # pragma: no cover - only from _statement's unreachable repair failure
        statements.append(
            attrs.evolve(
                statement,
                index=index,
                pointer=pointer,
                effect_written=None if written is None else written[0],
            )
        )
        if broken:
            skip[index] = broken
    policy = Policy(
        tuple(statements),
        version=version if isinstance(version, str) else None,
        id=policy_id if isinstance(policy_id, str) else None,
        kind=kind,
        origin=origin,
    )
    return Draft(policy if statements else None, tuple(problems), skip)


def _vacuous_unknown_operators(raw: Mapping[str, Any]) -> tuple[str, ...]:
    """Unknown operator names whose block names no key: ``{"Condition": {"x": {}}}``.

    IAM accepts them in identity policies (moto's recorded CreatePolicy answers) and they
    constrain nothing, like a known operator with ``{}``; structuring drops them for the IAM
    kinds. A role trust policy still refuses them (docs/errors.md, ``UNKNOWN_OPERATOR``).
    """
    condition = raw.get("Condition")
    if not isinstance(condition, dict):
        return ()
    return tuple(
        name
        for name, block in condition.items()
        if isinstance(block, dict) and not block and parse_operator_name(name) is None
    )


_Link = tuple[Token, Any] | None  # (token, parent link): a path whose prefixes are shared


def _non_text_keys(raw: dict[Any, Any]) -> list[Problem]:
    """Keys that are not strings: JSON has none, so such a value is no policy document.

    Walks with an explicit stack (a decoded value may be nested deeper than the recursion
    limit) and builds a pointer only for a bad key (building one per node is quadratic).
    """
    problems: list[Problem] = []
    stack: list[tuple[object, _Link]] = [(raw, None)]
    while stack:
        node, link = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, str):
                    if isinstance(value, dict | list):
                        stack.append((value, (key, link)))
                    continue
                tokens: list[Token] = []
                while link is not None:
                    tokens.append(link[0])
                    link = link[1]
                problems.append(
                    Problem(
                        "WRONG_TYPE",
                        _pointer.join("", *reversed(tokens)),
                        f"an object key must be a string, not {_describe(key)} ({key!r})",
                        SYNTAX_ERRORS,
                    )
                )
                break
        elif isinstance(node, list):
            stack.extend(
                (item, (index, link))
                for index, item in enumerate(node)
                if isinstance(item, dict | list)
            )
    return problems


def _statements(
    raw: Mapping[str, Any], problems: list[Problem]
) -> list[tuple[int, str, dict[str, Any]]]:
    """Grammar: ``statements := statement | [statement, …]`` (at least one; each an object)."""
    if "Statement" not in raw:
        problems.append(
            Problem("MISSING_STATEMENT", "", "the policy has no Statement", SYNTAX_ERRORS)
        )
        return []
    value = raw["Statement"]
    if isinstance(value, dict):
        return [(0, "/Statement", value)]
    if not isinstance(value, list):
        problems.append(
            Problem(
                "WRONG_TYPE",
                "/Statement",
                f"Statement must be an object or a list of objects, not {_describe(value)}",
                SYNTAX_ERRORS,
            )
        )
        return []
    if not value:
        problems.append(
            Problem("MISSING_STATEMENT", "/Statement", "the Statement list is empty", SYNTAX_ERRORS)
        )
    found: list[tuple[int, str, dict[str, Any]]] = []
    for index, item in enumerate(value):
        pointer = (
            _STATEMENT_POINTERS[index]
            if index < len(_STATEMENT_POINTERS)
            else _pointer.join("/Statement", index)
        )
        if isinstance(item, dict):
            found.append((index, pointer, item))
        else:
            problems.append(
                Problem(
                    "WRONG_TYPE",
                    pointer,
                    f"a statement must be an object, not {_describe(item)}",
                    SYNTAX_ERRORS,
                )
            )
    return found
