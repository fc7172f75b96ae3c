"""The registry of condition operators: how each reads policy values and compares request values.

``OPERATORS`` maps every base operator name of docs/semantics.md §5 to an :class:`OperatorSpec`.
Qualifiers (``ForAllValues:``, ``ForAnyValue:``, ``IfExists``) are split off by
:func:`trustsim.model.parse_operator_name` and applied by :mod:`trustsim.conditions`, so a spec
only knows its base operator:

* ``prepare`` reads one policy value once, when the policy is compiled (a ``ValueError`` names
  what is wrong; :func:`policy_value_problems` turns it into a :class:`~trustsim.errors.Problem`);
* ``build`` turns the prepared policy values of one clause into an *any-match* test: called with
  one request value it answers whether that value matches at least one policy value (OR,
  §5.1), or ``None`` when the request value cannot be read as the operator's type (docs/semantics.md reading
  9: the clause then does not match, positive and negated alike);
* ``negated`` operators use the same test and invert it per request value (NOR over the policy
  values, §5.1); a missing key makes them true (§5.3).

Value types (§5.5–§5.11): numbers are integers or decimals read exactly with
:class:`decimal.Decimal`; dates are W3C ISO 8601 (with the permissive extras IAM tolerates) or
epoch *seconds*, a date alone meaning midnight UTC (reading 9b); IP values are IPv4 or IPv6
CIDR blocks (a bare address is one host); ARNs match part by part; ``BinaryEquals`` compares
base64-decoded bytes (request values are base64 text too); ``Bool`` takes ``true``/``false`` in
any letter case (AWS leaves the case undocumented, §5.2; peers ignore it).
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import enum
import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

from trustsim import _pointer
from trustsim._memo import cached
from trustsim.errors import Problem
from trustsim.model import BASE_OPERATORS, ConditionClause
from trustsim.variables import Template, parse_template
from trustsim.wildcard import Segment, compile_segments

__all__ = [
    "OPERATORS",
    "Family",
    "Instant",
    "OperatorSpec",
    "parse_date",
    "parse_number",
    "policy_value_problems",
]

#: The any-match test of one clause: request value → matches some policy value / unreadable.
AnyMatch = Callable[[str], "bool | None"]


class Family(enum.Enum):
    """The value type an operator compares."""

    STRING = "String"
    NUMERIC = "Numeric"
    DATE = "Date"
    BOOL = "Bool"
    BINARY = "Binary"
    IP = "IpAddress"
    ARN = "Arn"
    NULL = "Null"


@attrs.frozen
class OperatorSpec:
    """How one base operator reads policy values and compares request values.

    Attributes:
        name: the base operator name (``StringNotLike``).
        family: the value type compared.
        negated: whether the operator is a negation (NOR over values; true on a missing key).
        allows_variables: whether ``${…}`` in its values are policy variables (§5.14).
        prepare: reads one policy value (given as pattern segments) or raises ``ValueError``.
        build: turns the prepared values of one clause into its any-match test.
        problem_code: the :class:`Problem` code for an unreadable policy value.
        aws_says: what IAM answers for such a value, when known.
    """

    name: str
    family: Family
    negated: bool
    allows_variables: bool
    prepare: Callable[[Sequence[Segment]], Any]
    build: Callable[[Sequence[Any]], AnyMatch]
    problem_code: str
    aws_says: str = ""

    @property
    def missing_key_result(self) -> bool:
        """The clause's result when the key is absent and no qualifier applies (§5.3)."""
        return self.negated


def _text(segments: Sequence[Segment]) -> str:
    return "".join(text for text, _ in segments)


# --- numbers (§5.5) ---------------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def parse_number(text: str) -> Decimal | None:
    """Read an integer or decimal exactly; ``None`` for anything else (exponents, NaN, spaces).

    >>> parse_number("0.30") == parse_number("0.1") + parse_number("0.2")
    True
    >>> parse_number("1e3") is None, parse_number(" 1") is None
    (True, True)
    """
    return Decimal(text) if _NUMBER.fullmatch(text) else None


# --- dates (§5.6) -----------------------------------------------------------------------------

#: date := year ("-" month ("-" day)?)? ("T" time?)?  — the ``T`` may follow the year, the
#: month or the day, as in IAM's save-time reader (moto's recorded answers: ``"01T"`` and
#: ``"2019-07-01T"`` are accepted, ``"234-13"`` is refused for its month). A year has 1-4
#: digits when a ``-`` or ``T`` follows; bare digits are a year only when there are four.
_DATE = re.compile(
    r"(?P<year>\d{1,4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?"
    r"(?:(?P<t>[Tt])(?:(?P<hour>\d{1,2}):(?P<minute>\d{2})"
    r"(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,9}))?)?"
    r"(?P<zone>[Zz]|(?P<sign>[+-])(?P<zh>\d{2})(?::?(?P<zm>\d{2}))?)?)?)?"
)
# At most 19 digits: the limit is 2**63 - 1, and longer texts must never reach int() (which
# refuses more than 4,300 digits with a ValueError).
_EPOCH = re.compile(r"-?\d{1,19}")
_EPOCH_LIMIT = 2**63 - 1
_EPOCH_DAY = _dt.date(1970, 1, 1).toordinal()


@attrs.frozen
class Instant:
    """A point in time as exact epoch seconds; ``date_only`` when read from a date alone."""

    seconds: Decimal
    date_only: bool = attrs.field(default=False, eq=False)


def parse_date(text: str) -> Instant | None:
    """Read an IAM date: W3C ISO 8601 (plus IAM's tolerated forms) or epoch seconds.

    A value with no time is midnight UTC of that day (reading 9b); a time without a zone
    is read as UTC. Four digits alone are a year (the W3C ``YYYY`` form), any other integer
    is epoch seconds; a year followed by ``T`` (``"2019T"``, ``"01T"``) is that year's first
    day, as IAM reads it. Returns ``None`` when the text is no date.

    >>> parse_date("2026-01-01T02:00:00+02:00") == parse_date("2026-01-01")
    True
    >>> parse_date("1735689600") == parse_date("2025-01-01T00:00:00Z")
    True
    >>> parse_date("2016-12-13t2:00:00.593194+23") is not None
    True
    >>> parse_date("2016-12-13T02:00:00+1") is None, parse_date("234-13") is None
    (True, True)
    >>> parse_date("2019T") == parse_date("2019-01-01") == parse_date("2019-01-01T")
    True
    >>> parse_date("01T") == parse_date("0001-01-01"), parse_date("01") == parse_date("1")
    (True, True)
    """
    found = _DATE.fullmatch(text)
    if found is not None and found["month"] is None and found["t"] is None:
        found = found if len(text) == 4 else None  # bare digits: a year only when four
    if found is None:
        if _EPOCH.fullmatch(text) and abs(int(text)) <= _EPOCH_LIMIT:
            return Instant(Decimal(int(text)))
        return None
    part = found.groupdict()
    try:
        day = _dt.date(int(part["year"]), int(part["month"] or 1), int(part["day"] or 1))
    except ValueError:
        return None
    seconds = (day.toordinal() - _EPOCH_DAY) * 86400
    if part["hour"] is None:
        return Instant(Decimal(seconds), date_only=True)
    hour, minute, second = int(part["hour"]), int(part["minute"]), int(part["second"] or 0)
    zone_hours, zone_minutes = int(part["zh"] or 0), int(part["zm"] or 0)
    if hour > 23 or minute > 59 or second > 59 or zone_hours > 23 or zone_minutes > 59:
        return None
    offset = (zone_hours * 3600 + zone_minutes * 60) * (-1 if part["sign"] == "-" else 1)
    seconds += hour * 3600 + minute * 60 + second - offset
    fraction = Decimal("0." + part["fraction"]) if part["fraction"] else Decimal(0)
    return Instant(seconds + fraction)


# --- per-family readers and builders ------------------------------------------------------------


def _prepare_string(segments: Sequence[Segment]) -> str:
    return _text(segments)


def _reading(read: Callable[[str], Any], refusal: str) -> Callable[[Sequence[Segment]], Any]:
    """The ``prepare`` of a typed operator: ``read`` the value's text, or refuse it.

    ``read`` answers ``None`` for text it cannot read; ``refusal`` says what the value is not.
    """

    def prepare(segments: Sequence[Segment]) -> Any:
        value = read(_text(segments))
        if value is None:
            raise ValueError(refusal)
        return value

    return prepare


def _membership(read: Callable[[str], Any]) -> Callable[[Sequence[Any]], AnyMatch]:
    """The ``build`` of an equality operator: the request value, read, is a policy value.

    An unreadable request value (``read`` answers ``None``) makes the test answer ``None``.
    """

    def build(values: Sequence[Any]) -> AnyMatch:
        allowed = frozenset(values)

        def test(value: str) -> bool | None:
            read_value = read(value)
            return None if read_value is None else read_value in allowed

        return test

    return build


def _prepare_pattern(segments: Sequence[Segment]) -> Callable[[str], bool]:
    return compile_segments(segments)


def build_equals(values: Sequence[Any]) -> AnyMatch:
    allowed = frozenset(values)
    return allowed.__contains__


def _build_equals_ignore_case(values: Sequence[Any]) -> AnyMatch:
    allowed = frozenset(value.casefold() for value in values)
    return lambda value: value.casefold() in allowed


def _build_like(values: Sequence[Any]) -> AnyMatch:
    matchers: tuple[Callable[[str], bool], ...] = tuple(values)
    if len(matchers) == 1:
        return matchers[0]
    return lambda value: any(match(value) for match in matchers)


def _ascii(read: Callable[[str], Any]) -> Callable[[str], Any]:
    """``read``, for text of ASCII characters only (``None`` for any other).

    A policy's number or date is written in ASCII digits; Python reads other scripts'
    digits too (``Decimal("٣")`` is 3), a reading AWS documents nowhere, so a policy value
    using them is refused rather than read as a number.
    """
    return lambda text: read(text) if text.isascii() else None


_prepare_number = _reading(_ascii(parse_number), "not an integer or decimal number")
_prepare_date = _reading(
    _ascii(parse_date),
    "not an ISO 8601 date (YYYY-MM-DDThh:mm:ssZ…) or epoch seconds",
)


@cached(2048)  # request values repeat across statements
def _read_number(value: str) -> Decimal | None:
    return parse_number(value)


@cached(2048)  # request values repeat across statements
def _read_date(value: str) -> Decimal | None:
    instant = parse_date(value)
    return None if instant is None else instant.seconds


def _ordered(
    reader: Callable[[str], Decimal | None], relation: str, key: Callable[[Any], Decimal]
) -> Callable[[Sequence[Any]], AnyMatch]:
    """Build any-match tests for a totally ordered type (numbers, instants).

    OR over the policy values collapses to one bound: ``v < p`` for some ``p`` iff
    ``v < max(p)``, and so on.
    """

    def build(values: Sequence[Any]) -> AnyMatch:
        bounds = [key(value) for value in values]
        if relation == "eq":
            return _membership(reader)(bounds)
        if not bounds:
            return lambda value: None if reader(value) is None else False
        high, low = max(bounds), min(bounds)
        compare: Callable[[Decimal], bool] = {
            "lt": lambda read: read < high,
            "le": lambda read: read <= high,
            "gt": lambda read: read > low,
            "ge": lambda read: read >= low,
        }[relation]

        def ordered(value: str) -> bool | None:
            read = reader(value)
            return None if read is None else compare(read)

        return ordered

    return build


def _read_bool(value: str) -> bool | None:
    lowered = value.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    return None


_prepare_bool = _reading(_read_bool, 'not a boolean ("true" or "false")')
_build_bool = _membership(_read_bool)


def _read_binary(value: str) -> bytes | None:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


_prepare_binary = _reading(_read_binary, "not base64 text")
_build_binary = _membership(_read_binary)


@attrs.frozen
class _Network:
    version: int
    network: int
    mask: int


_PREFIX = re.compile(r"0|[1-9][0-9]{0,2}")


def _prepare_ip(segments: Sequence[Segment]) -> _Network:
    # IAM documents the standard CIDR form (203.0.113.0/24, 2001:DB8::/64) and a bare
    # address as one host. A netmask or hostmask after the slash (10.0.0.0/255.0.0.0) and a
    # zero-padded prefix (/08) are not that form; Python would read them, IAM documents
    # neither, so they are refused rather than guessed (docs/fidelity.md, "IP addresses").
    text = _text(segments)
    address, slash, prefix = text.partition("/")
    try:
        ipaddress.ip_address(address)
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValueError("not an IPv4 or IPv6 address or CIDR block") from None
    if slash and not _PREFIX.fullmatch(prefix):
        raise ValueError(
            "not a CIDR block: IAM documents address/prefix length (10.0.0.0/8); a netmask "
            "or a zero-padded prefix is not that form"
        )
    return _Network(network.version, int(network.network_address), int(network.netmask))


@cached(2048)  # request values repeat across statements
def _read_ip(value: str) -> tuple[int, int, int | None] | None:
    """(version, address, the IPv4 address an IPv4-mapped IPv6 address carries, or None)."""
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
    return address.version, int(address), None if mapped is None else int(mapped)


def _build_ip(values: Sequence[Any]) -> AnyMatch:
    networks: tuple[_Network, ...] = tuple(values)
    has_v4 = any(net.version == 4 for net in networks)

    def test(value: str) -> bool | None:
        read = _read_ip(value)
        if read is None:
            return None
        version, address, mapped = read
        if mapped is not None and has_v4:
            # ::ffff:10.0.0.1 against an IPv4 block: whether AWS would see 10.0.0.1 is not
            # documented, so the value is treated as unreadable for the clause (reading 9:
            # no match, positive and negated alike, with a diagnostic) — never a silent miss.
            return None
        # An IPv4 address never lies in an IPv6 block and vice versa (§5.9).
        return any(net.version == version and address & net.mask == net.network for net in networks)

    return test


def _split_arn(segments: Sequence[Segment]) -> list[list[Segment]]:
    """Split segments on the first five colons, wherever they come from (§5.10)."""
    parts: list[list[Segment]] = [[]]
    for text, active in segments:
        pieces = text.split(":", 5 - (len(parts) - 1)) if len(parts) < 6 else [text]
        parts[-1].append((pieces[0], active))
        parts.extend([(piece, active)] for piece in pieces[1:])
    return parts


def _prepare_arn(segments: Sequence[Segment]) -> tuple[tuple[int, Callable[[str], bool]], ...]:
    """The six part matchers by position; a part that is a lone ``*`` needs no test."""
    parts = _split_arn(segments)
    if len(parts) != 6:
        raise ValueError(
            "not an ARN pattern of six parts (arn:partition:service:region:account:resource)"
        )
    return tuple(
        (index, compile_segments(part)) for index, part in enumerate(parts) if part != [("*", True)]
    )


def _build_arn(values: Sequence[Any]) -> AnyMatch:
    patterns: tuple[tuple[tuple[int, Callable[[str], bool]], ...], ...] = tuple(values)

    def matches(pattern: tuple[tuple[int, Callable[[str], bool]], ...], parts: list[str]) -> bool:
        for index, match in pattern:  # noqa: SIM110 - a loop beats all(<genexpr>) here
            if not match(parts[index]):
                return False
        return True

    if len(patterns) == 1:
        (only,) = patterns

        def test_one(value: str) -> bool | None:
            parts = value.split(":", 5)
            if len(parts) != 6:
                return None
            for index, match in only:  # noqa: SIM110 - a loop beats all(<genexpr>) here
                if not match(parts[index]):
                    return False
            return True

        return test_one

    def test(value: str) -> bool | None:
        parts = value.split(":", 5)
        if len(parts) != 6:
            return None
        return any(matches(pattern, parts) for pattern in patterns)

    return test


_prepare_null = _reading(
    _read_bool, 'a Null value must be "true" (key absent) or "false" (key present)'
)


def _build_null(values: Sequence[Any]) -> AnyMatch:  # Null is decided on presence alone
    raise NotImplementedError("Null is evaluated by trustsim.conditions from key presence")


# --- the registry -------------------------------------------------------------------------------

_DATE_SAYS = "MalformedPolicyDocument: The policy failed legacy parsing"


def _specs() -> dict[str, OperatorSpec]:
    specs: list[OperatorSpec] = []

    def string(name: str, negated: bool, prepare: Any, build: Any) -> None:
        specs.append(
            OperatorSpec(name, Family.STRING, negated, True, prepare, build, "INVALID_STRING_VALUE")
        )

    string("StringEquals", False, _prepare_string, build_equals)
    string("StringNotEquals", True, _prepare_string, build_equals)
    string("StringEqualsIgnoreCase", False, _prepare_string, _build_equals_ignore_case)
    string("StringNotEqualsIgnoreCase", True, _prepare_string, _build_equals_ignore_case)
    string("StringLike", False, _prepare_pattern, _build_like)
    string("StringNotLike", True, _prepare_pattern, _build_like)

    relations = {"Equals": "eq", "NotEquals": "eq", "LessThan": "lt", "LessThanEquals": "le",
                 "GreaterThan": "gt", "GreaterThanEquals": "ge"}  # fmt: skip
    for suffix, relation in relations.items():
        specs.append(
            OperatorSpec(
                f"Numeric{suffix}", Family.NUMERIC, suffix == "NotEquals", False, _prepare_number,
                _ordered(_read_number, relation, lambda value: value), "INVALID_NUMERIC_VALUE",
            )
        )  # fmt: skip
        specs.append(
            OperatorSpec(
                f"Date{suffix}", Family.DATE, suffix == "NotEquals", False, _prepare_date,
                _ordered(_read_date, relation, lambda value: value.seconds), "INVALID_DATE_VALUE",
                _DATE_SAYS,
            )
        )  # fmt: skip
    specs += [
        OperatorSpec("Bool", Family.BOOL, False, True, _prepare_bool, _build_bool, "INVALID_BOOL_VALUE"),
        OperatorSpec("BinaryEquals", Family.BINARY, False, False, _prepare_binary, _build_binary,
                     "INVALID_BINARY_VALUE"),
        OperatorSpec("IpAddress", Family.IP, False, False, _prepare_ip, _build_ip, "INVALID_IP_VALUE"),
        OperatorSpec("NotIpAddress", Family.IP, True, False, _prepare_ip, _build_ip, "INVALID_IP_VALUE"),
        OperatorSpec("Null", Family.NULL, False, False, _prepare_null, _build_null, "INVALID_NULL_VALUE"),
    ]  # fmt: skip
    for name in ("ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"):
        specs.append(
            OperatorSpec(name, Family.ARN, "Not" in name, True, _prepare_arn, _build_arn, "INVALID_ARN_VALUE")
        )  # fmt: skip
    return {spec.name: spec for spec in specs}


#: Every base operator of docs/semantics.md §5, by name (exactly :data:`trustsim.model.BASE_OPERATORS`).
OPERATORS: Mapping[str, OperatorSpec] = _specs()
assert frozenset(OPERATORS) == BASE_OPERATORS  # noqa: S101 - a registry drift is a bug at import


def value_pointer(clause: ConditionClause, pointer: str, index: int) -> str:
    """The pointer of one policy value: ``…/key/1`` in a list, the clause itself for a scalar."""
    return _pointer.join(pointer, index) if clause.value_is_list else pointer


def value_template(spec: OperatorSpec, value: str, *, expand_variables: bool) -> Template:
    """Split ``value`` into a template when the operator and the version expand variables."""
    if expand_variables:
        return parse_template(value)
    return Template((value,))


def policy_value_problems(
    clause: ConditionClause, pointer: str, *, expand_variables: bool
) -> list[Problem]:
    """Check the policy values of one clause the way its operator reads them.

    ``pointer`` is the clause's pointer (``/Statement/0/Condition/DateGreaterThan/aws:CurrentTime``);
    a problem about the second value of a list points at ``…/1``. Reported: values that are not
    dates, numbers, IP addresses or CIDR blocks, six-part ARN patterns, booleans, base64 text or
    ``Null`` flags; and policy variables (``expand_variables``: Version 2012-10-17) under an
    operator that does not expand them (Numeric, Date, Binary, IP, Null; §5.14).

    >>> from trustsim.model import ConditionClause, parse_operator_name
    >>> clause = ConditionClause(parse_operator_name("DateGreaterThan"), "aws:CurrentTime",
    ...                          ("2026-01-01", "tomorrow"))
    >>> where = "/Statement/0/Condition/DateGreaterThan/aws:CurrentTime"
    >>> [(p.code, p.pointer) for p in policy_value_problems(clause, where, expand_variables=True)]
    [('INVALID_DATE_VALUE', '/Statement/0/Condition/DateGreaterThan/aws:CurrentTime/1')]
    """
    spec = OPERATORS[clause.operator.base]
    problems: list[Problem] = []
    for index, value in enumerate(clause.values):
        where = value_pointer(clause, pointer, index)
        template = value_template(spec, value, expand_variables=expand_variables)
        if template.has_variables:
            if not spec.allows_variables:
                problems.append(
                    Problem(
                        "VARIABLE_NOT_ALLOWED",
                        where,
                        f"{spec.name} value {value!r}: policy variables are expanded only in "
                        "String, Arn and Bool values",
                    )
                )
                continue
            if spec.family is not Family.ARN:
                continue  # any substituted text is a readable string; Bool is read per request
            # Check the ARN skeleton with every variable replaced by colon-free text.
            segments: list[Segment] = [
                (part if isinstance(part, str) else "x", True) for part in template.parts
            ]
        else:
            segments = list(template.static_segments)
        try:
            spec.prepare(segments)
        except ValueError as error:
            problems.append(
                Problem(
                    spec.problem_code, where, f"{spec.name} value {value!r}: {error}", spec.aws_says
                )
            )
    return problems
