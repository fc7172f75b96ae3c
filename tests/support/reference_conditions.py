"""A deliberately naive oracle for IAM conditions, written from docs/semantics.md §5 and its readings.

Nothing here is shared with trustsim's compiled code: wildcards are matched by dynamic
programming over the grammar, the JSON ``Condition`` block is read as it stands, keys are
looked up by comparing lower-cased names one by one, and every value is re-read on every
call. Slow on purpose; property tests compare the production code against it, and the
reference evaluator of the decision logic imports :func:`condition_matches`.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import ipaddress
import re
from fractions import Fraction

# A pattern token: (character, is_wildcard_capable). Substituted variable text is literal.
Token = tuple[str, bool]


def tokens_match(tokens: list[Token], subject: str) -> bool:
    """Table[i][j]: do the first i tokens match the first j characters of the subject?"""
    rows, cols = len(tokens), len(subject)
    table = [[False] * (cols + 1) for _ in range(rows + 1)]
    table[0][0] = True
    for i in range(1, rows + 1):
        char, active = tokens[i - 1]
        for j in range(cols + 1):
            if active and char == "*":
                table[i][j] = table[i - 1][j] or (j > 0 and table[i][j - 1])
            elif active and char == "?":
                table[i][j] = j > 0 and table[i - 1][j - 1]
            else:
                table[i][j] = j > 0 and table[i - 1][j - 1] and subject[j - 1] == char
    return table[rows][cols]


def wildcard_match(pattern: str, subject: str) -> bool:
    """Whole-string IAM wildcard match: ``*`` any run, ``?`` one character, all else literal."""
    return tokens_match([(char, True) for char in pattern], subject)


# --- reading the condition block ------------------------------------------------------------

NEGATED = {
    "StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "NumericNotEquals",
    "DateNotEquals", "NotIpAddress", "ArnNotEquals", "ArnNotLike",
}  # fmt: skip
VARIABLE_OPERATORS_PREFIXES = ("String", "Arn", "Bool")


class Unreadable(Exception):
    """A request (or substituted) value that the operator cannot read."""


class MultiValuedVariable(Exception):
    """A policy variable naming a key with several values."""


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _lookup(context: dict[str, str | list[str]], key: str) -> list[str] | None:
    """Values for ``key`` (case-insensitive), or None when absent or given as an empty list."""
    for name, value in context.items():
        if name.lower() == key.lower():
            values = [_as_text(v) for v in value] if isinstance(value, list) else [_as_text(value)]
            return values or None
    return None


def _is_list(context: dict[str, str | list[str]], key: str) -> bool:
    return any(name.lower() == key.lower() and isinstance(v, list) for name, v in context.items())


def _substitute(value: str, context: dict[str, str | list[str]]) -> list[Token] | None:
    """Expand ``${…}``; None when a variable without default names an absent key."""
    tokens: list[Token] = []
    i = 0
    while i < len(value):
        if value.startswith("${", i):
            close = value.find("}", i + 2)
            inner = value[i + 2 : close] if close >= 0 else None
            if inner is not None and "{" not in inner:
                if inner in ("*", "?", "$"):
                    tokens.append((inner, False))
                    i = close + 1
                    continue
                found = re.fullmatch(r"\s*([^\s,'{}$]+)\s*(?:,\s*'([^']*)'\s*)?", inner)
                if found:
                    key, default = found.group(1), found.group(2)
                    values = _lookup(context, key)
                    if values is None:
                        if default is None:
                            return None
                        tokens += [(c, False) for c in default]
                    elif len(values) > 1 or _is_list(context, key):
                        raise MultiValuedVariable(key)
                    else:
                        tokens += [(c, False) for c in values[0]]
                    i = close + 1
                    continue
        tokens.append((value[i], True))
        i += 1
    return tokens


def _number(text: str) -> Fraction:
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
        raise Unreadable(text)
    return Fraction(text)


def _date(text: str) -> Fraction:
    """Seconds since the epoch, exactly; dates alone are midnight UTC (reading 9b)."""
    if re.fullmatch(r"-?\d+", text) and not re.fullmatch(r"\d{4}", text):
        if abs(int(text)) > 2**63 - 1:
            raise Unreadable(text)
        return Fraction(int(text))
    m = re.fullmatch(
        r"(\d{4})(-(\d\d)(-(\d\d)([Tt]((\d\d?):(\d\d)(:(\d\d)(\.(\d{1,9}))?)?"
        r"([Zz]|([+-])(\d\d)(:?(\d\d))?)?)?)?)?)?",
        text,
    )
    if not m:
        raise Unreadable(text)
    g = m.groups()
    try:
        day = datetime.date(int(g[0]), int(g[2] or 1), int(g[4] or 1))
    except ValueError:
        raise Unreadable(text) from None
    total = Fraction((day - datetime.date(1970, 1, 1)).days * 86400)
    if g[7] is not None:
        hour, minute, second = int(g[7]), int(g[8]), int(g[10] or 0)
        zone_h, zone_m = int(g[15] or 0), int(g[17] or 0)
        if hour > 23 or minute > 59 or second > 59 or zone_h > 23 or zone_m > 59:
            raise Unreadable(text)
        sign = -1 if g[14] == "-" else 1
        total += hour * 3600 + minute * 60 + second - sign * (zone_h * 3600 + zone_m * 60)
        if g[12]:
            total += Fraction(int(g[12]), 10 ** len(g[12]))
    return total


def _bool(text: str) -> bool:
    if text.lower() not in ("true", "false"):
        raise Unreadable(text)
    return text.lower() == "true"


def _arn_parts(tokens: list[Token]) -> list[list[Token]] | None:
    parts: list[list[Token]] = [[]]
    for token in tokens:
        if token[0] == ":" and len(parts) < 6:
            parts.append([])
        else:
            parts[-1].append(token)
    return parts if len(parts) == 6 else None


def _one(base: str, request: str, policy: list[Token]) -> bool:
    """Does one request value match one (substituted) policy value under a positive reading?"""
    text = "".join(c for c, _ in policy)
    if base in ("StringEquals", "StringNotEquals"):
        return request == text
    if base in ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"):
        return request.casefold() == text.casefold()
    if base in ("StringLike", "StringNotLike"):
        return tokens_match(policy, request)
    if base.startswith(("Numeric", "Date")):
        read = _number if base.startswith("Numeric") else _date
        left, right = read(request), read(text)
        op = base.removeprefix("Numeric").removeprefix("Date")
        return {
            "Equals": left == right, "NotEquals": left == right, "LessThan": left < right,
            "LessThanEquals": left <= right, "GreaterThan": left > right,
            "GreaterThanEquals": left >= right,
        }[op]  # fmt: skip
    if base == "Bool":
        return _bool(request) == _bool(text)
    if base == "BinaryEquals":
        try:
            return base64.b64decode(request, validate=True) == base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise Unreadable(request) from None
    if base in ("IpAddress", "NotIpAddress"):
        try:
            address = ipaddress.ip_address(request)
        except ValueError:
            raise Unreadable(request) from None
        network = ipaddress.ip_network(text, strict=False)
        return address.version == network.version and address in network
    if base.startswith("Arn"):
        request_parts = request.split(":", 5)
        if len(request_parts) != 6:
            raise Unreadable(request)
        policy_parts = _arn_parts(policy)
        if policy_parts is None:
            raise Unreadable(text)
        return all(tokens_match(p, r) for p, r in zip(policy_parts, request_parts, strict=True))
    raise AssertionError(base)


def _check_readable(base: str, request: str) -> None:
    """Raise Unreadable when the request value is not of the operator's type."""
    if base.startswith("Numeric"):
        _number(request)
    elif base.startswith("Date"):
        _date(request)
    elif base == "Bool":
        _bool(request)
    elif base == "BinaryEquals":
        try:
            base64.b64decode(request, validate=True)
        except (binascii.Error, ValueError):
            raise Unreadable(request) from None
    elif base.endswith("IpAddress"):
        try:
            ipaddress.ip_address(request)
        except ValueError:
            raise Unreadable(request) from None
    elif base.startswith("Arn") and len(request.split(":", 5)) != 6:
        raise Unreadable(request)


def _satisfies(base: str, request: str, policies: list[list[Token]]) -> bool:
    """OR over policy values for positive operators, NOR for negated ones (§5.1)."""
    _check_readable(base, request)
    hits = [_one(base, request, policy) for policy in policies]
    return not any(hits) if base in NEGATED else any(hits)


def _clause(name: str, key: str, raw: object, context: dict, version: str | None) -> bool:
    qualifier = None
    if name.startswith(("ForAllValues:", "ForAnyValue:")):
        qualifier, name = name.split(":", 1)
    if_exists = name.endswith("IfExists")
    base = name[: -len("IfExists")] if if_exists else name
    policy_texts = [_as_text(v) for v in raw] if isinstance(raw, list) else [_as_text(raw)]
    values = _lookup(context, key)

    if base == "Null":
        flags = [p.lower() for p in policy_texts]
        if values is not None:
            return "false" in flags  # present, even as "" (reading 9c)
        if qualifier == "ForAllValues":
            return True
        if qualifier == "ForAnyValue":
            return False
        return "true" in flags

    if values is None:
        if if_exists or qualifier == "ForAllValues":
            return True
        if qualifier == "ForAnyValue":
            return False
        return base in NEGATED

    expand = version == "2012-10-17" and base.startswith(VARIABLE_OPERATORS_PREFIXES)
    policies: list[list[Token]] = []
    try:
        for text in policy_texts:
            tokens = _substitute(text, context) if expand else [(c, True) for c in text]
            if tokens is not None:
                policies.append(tokens)
    except MultiValuedVariable:
        return False

    try:
        verdicts = [_satisfies(base, value, policies) for value in values]
    except Unreadable:
        return False  # reading 9: positive and negated alike
    if qualifier is None:
        return len(values) == 1 and verdicts[0]  # reading 3: several values never match
    if qualifier == "ForAllValues":
        return all(verdicts)
    return any(verdicts)


def condition_matches(
    condition: dict, context: dict[str, str | list[str]], *, version: str | None = "2012-10-17"
) -> bool:
    """Whether a raw JSON ``Condition`` block holds for a plain context dict (all clauses AND)."""
    return all(
        _clause(name, key, raw, context, version)
        for name, block in condition.items()
        for key, raw in block.items()
    )
