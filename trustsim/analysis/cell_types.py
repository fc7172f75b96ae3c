"""The values of the cell analysis: caller classes, their slots, regions and cells, and gaps.

A *caller class* is a kind of caller with what fixes its keys' names: IAM users, role
sessions, AWS services, one OIDC provider, one SAML provider. A *slot* is one thing a caller
of that class chooses freely (its ARN, the ``ExternalId`` it passes, a token claim, whether it
passes session tags…) and the condition keys it sets. The policies' constants split each slot's
domain into *regions* (:mod:`trustsim.analysis.regions`); a *cell* picks one region per slot,
and :func:`trustsim.analysis.witnesses.witness` builds one concrete request of the cell.
"""

from __future__ import annotations

import datetime as _dt
import itertools
from collections.abc import Iterator, Sequence
from typing import Any

import attrs

from trustsim.analysis import domains as d
from trustsim.model import ConditionClause

__all__ = [
    "WITNESS_TIME",
    "CallerClass",
    "Cell",
    "Gap",
    "Region",
    "Slot",
    "cells",
]


#: The time of every witness (no decided policy tests the time).
WITNESS_TIME = _dt.datetime(2026, 1, 1, tzinfo=_dt.timezone.utc)


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

    ``knob`` names what :func:`~trustsim.analysis.witnesses.witness` sets (``principal``,
    ``external_id``, ``claim:sub``…); ``keys`` are the folded condition keys it sets;
    ``choices`` lists the values of an enumerated slot (``domain`` is then ``None``).
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
    """A kind of caller whose keys are named alike: its API, its slots, the keys it fixes.

    ``unsplit`` are the folded keys the policies test (or read through a policy variable)
    that no slot splits for this class: a key fixed for the class, one its callers never
    carry, or a gap. A cell's witness fixes their values, so a request lies in a cell only
    when it carries the same values (see :meth:`trustsim.analysis.Grants.covering`).
    """

    kind: str
    label: str
    action: str
    provider: str | None
    slots: tuple[Slot, ...]
    unsplit: tuple[str, ...] = ()


@attrs.frozen(eq=False)
class Cell:
    """One region per slot of a class."""

    caller_class: CallerClass
    regions: tuple[Region, ...]
    index: tuple[int, ...]


def cells(caller_class: CallerClass, slot_regions: Sequence[Sequence[Region]]) -> Iterator[Cell]:
    """Every cell of a class: one region per slot."""
    ranges = [range(len(found)) for found in slot_regions]
    for index in itertools.product(*ranges):
        yield Cell(
            caller_class,
            tuple(found[i] for found, i in zip(slot_regions, index, strict=True)),
            index,
        )
