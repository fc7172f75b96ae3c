"""Ordered keys — the time of the call, the caller's IP address — split by probing boundaries.

A ``Date*`` or ``Numeric*`` clause on ``aws:CurrentTime`` / ``aws:EpochTime`` compares the
time with bounds; an ``IpAddress`` clause on ``aws:SourceIp`` asks whether the address lies in
CIDR blocks. Every such clause gives the same answer for all values between two consecutive
boundaries, so one *probe* value per boundary and per gap between boundaries shows every way
the clauses can answer. The answers themselves are never computed here: each probe is put in a
request context and the clauses are evaluated by trustsim's own compiled conditions, so a
region is exactly a set of values the evaluator's clauses answer alike.

>>> from trustsim.parsing import parse_policy
>>> policy = parse_policy({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
...     "Principal": {"AWS": "444455556666"}, "Action": "sts:AssumeRole",
...     "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}})
>>> clause = policy.statements[0].condition[0]
>>> sorted(ip_probes([clause]))[:4]
['0.0.0.0', '203.0.112.255', '203.0.113.0', '203.0.113.255']
>>> [outcomes([clause], {"aws:SourceIp": ip}) for ip in ("203.0.113.9", "203.0.114.0")]
[(True,), (False,)]
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from trustsim._memo import cached
from trustsim.conditions import CompiledCondition, compile_condition
from trustsim.context import RequestContext
from trustsim.model import ConditionClause
from trustsim.operators import parse_date, parse_number

__all__ = ["TIME_KEYS", "ip_probes", "number_probes", "outcomes", "time_probes"]

#: The keys the time of the call sets (both from the same instant).
TIME_KEYS = ("aws:CurrentTime", "aws:EpochTime")
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
_FIRST = _dt.datetime(1, 1, 1, tzinfo=_dt.timezone.utc)
_LAST = _dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=_dt.timezone.utc)


def time_probes(clauses: Iterable[ConditionClause], *, usual: _dt.datetime) -> list[_dt.datetime]:
    """Whole-second instants around every bound of ``clauses``, and ``usual``.

    For each bound ``b``: the seconds ``floor(b) - 1``, ``floor(b)``, ``floor(b) + 1`` and
    ``ceil(b)``; with the calendar's first and last second, every gap between two bounds
    holds a probe (its first whole second), and so does every bound that is a whole second.
    """
    seconds = {_seconds(_FIRST), _seconds(_LAST), _seconds(usual)}
    for clause in clauses:
        base = clause.operator.base
        for value in clause.values:
            bound: Decimal | None = None
            if base.startswith("Date"):
                instant = parse_date(value)
                bound = None if instant is None else instant.seconds
            elif base.startswith("Numeric"):
                bound = parse_number(value)
            if bound is None:
                continue
            low, high = math.floor(bound), math.ceil(bound)
            seconds |= {low - 1, low, low + 1, high}
    first, last = _seconds(_FIRST), _seconds(_LAST)
    return sorted(
        _EPOCH + _dt.timedelta(seconds=second) for second in seconds if first <= second <= last
    )


def number_probes(clauses: Iterable[ConditionClause]) -> list[int]:
    """Whole numbers around every ``Numeric`` bound of ``clauses``, and 0.

    For each bound ``b``: ``floor(b) - 1``, ``floor(b)``, ``floor(b) + 1`` and ``ceil(b)``,
    so on whole numbers every gap between bounds, and every whole bound, holds a probe.

    >>> from trustsim.parsing import parse_policy
    >>> policy = parse_policy({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
    ...     "Principal": {"AWS": "444455556666"}, "Action": "sts:AssumeRole",
    ...     "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600.5"}}}})
    >>> number_probes(policy.statements[0].condition)
    [0, 3599, 3600, 3601]
    """
    found = {0}
    for clause in clauses:
        if not clause.operator.base.startswith("Numeric"):
            continue
        for value in clause.values:
            bound = parse_number(value)
            if bound is None or not bound.is_finite():
                continue
            low, high = math.floor(bound), math.ceil(bound)
            found |= {low - 1, low, low + 1, high}
    return sorted(found)


def _seconds(instant: _dt.datetime) -> int:
    return int((instant - _EPOCH).total_seconds())


def ip_probes(clauses: Iterable[ConditionClause]) -> list[str]:
    """Addresses around every CIDR block of ``clauses``, in both families.

    For each block: its first and last address and the addresses just outside; with each
    family's first and last address, every gap between block boundaries holds a probe.
    """
    found: set[ipaddress.IPv4Address | ipaddress.IPv6Address] = {
        ipaddress.IPv4Address(0),
        ipaddress.IPv4Address(2**32 - 1),
        ipaddress.IPv6Address(0),
        ipaddress.IPv6Address(2**128 - 1),
    }
    for clause in clauses:
        if clause.operator.base not in ("IpAddress", "NotIpAddress"):
            continue
        for value in clause.values:
            try:
                network = ipaddress.ip_network(value, strict=False)
            except ValueError:
                continue
            top = 2**network.max_prefixlen - 1
            start, end = int(network.network_address), int(network.broadcast_address)
            make = ipaddress.IPv4Address if network.version == 4 else ipaddress.IPv6Address
            found.update(
                make(point) for point in (start - 1, start, end, end + 1) if 0 <= point <= top
            )
    return sorted((str(address) for address in found), key=lambda text: (":" in text, text))


@cached(4096)
def _compiled(clause: ConditionClause) -> CompiledCondition:
    return compile_condition((clause,), expand_variables=False)


def outcomes(
    clauses: Sequence[ConditionClause], values: Mapping[str, str | tuple[str, ...]]
) -> tuple[bool, ...]:
    """Each clause's answer on a context holding only ``values`` (trustsim's own evaluator)."""
    context = RequestContext.of(dict(values))
    return tuple(_compiled(clause).matches(context) for clause in clauses)
