"""The checks and converters of the caller values (:mod:`trustsim.callers`).

Each ``check*`` function refuses a value by its field name: ``TypeError`` for a wrong type,
:class:`~trustsim.errors.InvalidCaller` for a shape AWS never produces. The converters
(``tag_mapping``, ``string_tuple``, ``policy_tuple``, ``policy_levels``, ``claim_mapping``)
are the attrs converters of the fields, typed for users' ``mypy --strict``; a value they
cannot convert is left as it is, for the owner's check to refuse by name.

>>> check("IamUser.unique_id", "AIDAEXAMPLE", re.compile(r"AIDA[A-Z0-9]+"), "a user ID")
()
>>> check("IamUser.unique_id", "alice", re.compile(r"AIDA[A-Z0-9]+"), "a user ID")
Traceback (most recent call last):
...
trustsim.errors.InvalidCaller: IamUser.unique_id: 'alice' is not a user ID
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from trustsim._frozen import FrozenDict
from trustsim._inputs import expect_policy, expect_time, shown
from trustsim._memo import memo, remember
from trustsim.errors import InvalidCaller
from trustsim.model import Policy, PolicyKind

__all__ = [
    "ORG_PATH",
    "ClaimValue",
    "check",
    "check_mapping",
    "check_optional_policy",
    "check_org_paths",
    "check_policies",
    "check_policy_levels",
    "check_strings",
    "check_tags",
    "claim_mapping",
    "claim_value",
    "is_arn",
    "match_groups",
    "part",
    "policy_levels",
    "policy_tuple",
    "set_time",
    "string_tuple",
    "tag_mapping",
]

ORG_PATH = re.compile(
    r"(o-[a-z0-9]{10,32})/r-[0-9a-z]{4,32}/(?:ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}/)*"
)


#: text -> (pattern, its groups in text or None): the last answer for each text.
_GROUPS: dict[str, tuple[re.Pattern[str], tuple[str, ...] | None]] = memo(
    "trustsim._caller_checks.match_groups", 4096
)


def match_groups(pattern: re.Pattern[str], text: str) -> tuple[str, ...] | None:
    """The groups of ``pattern`` matching the whole of ``text``, or ``None``.

    The same ARNs are checked and their parts read again and again, so the last answer for
    each text is remembered, with the pattern it answers for (compared by identity: a text
    read with another pattern is matched again). Keyed by the text alone, whose hash Python
    keeps: a ``(pattern, text)`` key would hash the compiled pattern on every call, which
    cost more than the match itself for the distinct ARNs of an account dump.

    >>> match_groups(re.compile(r"(a+)(b?)"), "aab"), match_groups(re.compile(r"b"), "aab")
    (('aa', 'b'), None)
    """
    hit = _GROUPS.get(text)
    if hit is not None and hit[0] is pattern:
        return hit[1]
    match = pattern.fullmatch(text)
    groups = None if match is None else match.groups()
    remember(_GROUPS, text, (pattern, groups))
    return groups


def is_arn(value: object) -> bool:
    # What Arn.parse accepts (arn:partition:service:region:account:resource), without
    # building the Arn: checked for every ServicePrincipal built.
    return isinstance(value, str) and value.startswith("arn:") and value.count(":") >= 5


def check(field: str, value: object, pattern: re.Pattern[str], shape: str) -> tuple[str, ...]:
    if not isinstance(value, str):
        raise TypeError(
            f"{field}: expected text (str), {shape}; got {type(value).__name__}: {shown(value)}"
        )
    groups = match_groups(pattern, value)
    if groups is None:
        raise InvalidCaller(f"{field}: {shown(value)} is not {shape}")
    return groups


def part(pattern: re.Pattern[str], text: str, group: int) -> str:
    # Only called on values __attrs_post_init__ has already checked against ``pattern``.
    groups = match_groups(pattern, text)
    if groups is None:  # pragma: no cover - unreachable after validation
        raise InvalidCaller(f"{text!r} does not have the shape checked at construction")
    return groups[group - 1]


def tag_mapping(value: Mapping[str, str] | None) -> Mapping[str, str]:
    if type(value) is FrozenDict:
        return value
    if value is not None and not isinstance(value, Mapping):
        # Checked again, by field name, after construction; a list of pairs is not a mapping.
        return value  # type: ignore[unreachable]
    return FrozenDict(value or {})


def check_mapping(field: str, value: object) -> None:
    if not isinstance(value, Mapping):
        raise TypeError(
            f"{field}: expected a mapping (dict), got {type(value).__name__}: {shown(value)}"
        )


def check_tags(field: str, tags: Mapping[Any, Any]) -> None:
    # Tag keys are case-insensitive in IAM and STS: "Team" and "team" are one key [DOC TAGS].
    check_mapping(field, tags)
    seen: dict[str, str] = {}
    for key, value in tags.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(
                f"{field}: tag keys and values must be text (str), got "
                f"{type(key).__name__}: {shown(key)} = {type(value).__name__}: {shown(value)}"
            )
        if not key:
            raise InvalidCaller(f"{field}: tag keys must be non-empty text")
        if key.lower() in seen:
            raise InvalidCaller(
                f"{field}: tag keys {seen[key.lower()]!r} and {key!r} differ only in case; "
                "IAM treats them as one key"
            )
        seen[key.lower()] = key


def string_tuple(value: Iterable[str]) -> tuple[str, ...]:
    # A typed stand-in for ``converter=tuple``: mypy cannot infer the item type through
    # ``tuple``'s generic constructor, so users' ``mypy --strict`` rejected list arguments.
    # Text is not split into characters, nor is a non-iterable let through: both are left
    # as they are for the owner's check to refuse by field name.
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        return value  # type: ignore[return-value]
    return tuple(value)


def check_strings(field: str, values: object) -> None:
    if not isinstance(values, tuple) or not all(isinstance(item, str) for item in values):
        got = type(values).__name__
        raise TypeError(f"{field}: expected a list of texts (str), got {got}: {shown(values)}")


def policy_levels(value: Iterable[Iterable[Policy]]) -> tuple[tuple[Policy, ...], ...]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        return value  # type: ignore[return-value]
    levels: list[object] = []
    items: Iterable[object] = value
    for level in items:
        flat = isinstance(level, Iterable) and not isinstance(level, (str, bytes, Mapping))
        levels.append(tuple(level) if flat else level)  # type: ignore[arg-type]
    return tuple(levels)  # type: ignore[arg-type]  # checked by check_policy_levels


def check_policy_levels(field: str, levels: object, kind: PolicyKind) -> None:
    if not isinstance(levels, tuple):
        raise TypeError(
            f"{field}: expected one list of {kind.value} policies per level (root first), "
            f"got {type(levels).__name__}: {shown(levels)}"
        )
    for number, level in enumerate(levels):
        if not isinstance(level, tuple):
            raise TypeError(
                f"{field}[{number}]: expected a list of {kind.value} policies, got "
                f"{type(level).__name__}: {shown(level)}"
            )
        for index, policy in enumerate(level):
            expect_policy(f"{field}[{number}][{index}]", policy, kind, InvalidCaller)


def policy_tuple(value: Policy | Iterable[Policy] | None) -> tuple[Policy, ...]:
    if value is None:
        return ()
    if type(value) is tuple:
        return value
    if isinstance(value, Policy):
        return (value,)
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        return (value,)  # type: ignore[return-value]  # refused by field name after construction
    return tuple(value)


def check_policies(field: str, policies: tuple[Policy, ...], kind: PolicyKind) -> None:
    for index, policy in enumerate(policies):
        expect_policy(f"{field}[{index}]", policy, kind, InvalidCaller)


def check_optional_policy(field: str, policy: object, kind: PolicyKind) -> None:
    if policy is not None:
        expect_policy(field, policy, kind, InvalidCaller)


def set_time(owner: object, field: str, value: object) -> None:
    # A time is kept as its UTC instant: fold=0 and fold=1 of one local time compare equal
    # in Python though they are an hour apart, and callers are memo keys.
    instant = expect_time(field, value, InvalidCaller)
    if instant is not value:
        object.__setattr__(owner, field.rpartition(".")[2], instant)


#: An OIDC claim value: text, or a tuple of texts for array claims (``amr``, array ``aud``).
ClaimValue = str | tuple[str, ...]


def claim_value(name: str, value: object) -> ClaimValue:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        # An array claim holds scalars (JWT ``amr``, ``aud``); nested arrays never map to keys.
        items = []
        for item in value:
            if isinstance(item, (list, tuple)):
                raise InvalidCaller(
                    f"claim {shown(name)}: an array claim holds texts, not a nested {type(item).__name__}"
                )
            items.append(str(claim_value(name, item)))
        return tuple(items)
    raise InvalidCaller(
        f"claim {shown(name)}: a value must be text or a list of texts, got "
        f"{type(value).__name__}: {shown(value)}"
    )


def claim_mapping(value: Mapping[Any, Any] | None) -> Mapping[str, ClaimValue]:
    claims: dict[str, ClaimValue] = {}
    if value is not None and not isinstance(value, Mapping):
        raise TypeError(
            f"claims: expected a mapping of claim name to value, got {type(value).__name__}: "
            f"{shown(value)}"
        )
    for name, item in (value or {}).items():
        if not isinstance(name, str) or not name:
            raise InvalidCaller(f"a claim name must be non-empty text, got {shown(name)}")
        # Most claims are text: stored as they are, without the conversions below.
        claims[name] = item if type(item) is str else claim_value(name, item)
    return FrozenDict(claims)


def check_org_paths(field: str, paths: Iterable[str], org_id: str | None) -> None:
    for path in paths:
        groups = check(field, path, ORG_PATH, "an organization path (o-…/r-…/ou-…/)")
        if org_id is not None and groups[0] != org_id:
            raise InvalidCaller(f"{field}: {path!r} is not a path in organization {org_id!r}")
