"""The regions of a slot (:func:`regions`), and which region a request lies in (:func:`region_of`).

The languages of a slot split its domain; each reachable combination of "inside / outside"
answers is a region, found by exploring the automata (:mod:`trustsim.analysis.automata`) and
named by one witness value. Multi-valued slots add regions per behaviour of several values;
probed slots (the time, the source IP) one per way the clauses answer on the probes.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from trustsim._derive import epoch_text
from trustsim._memo import memo, remember
from trustsim.analysis import probes
from trustsim.analysis.automata import (
    DEFAULT_BUDGET,
    TooLarge,
    any_text,
    equals_ignore_case,
    explore,
    seq,
)
from trustsim.analysis.cell_types import WITNESS_TIME, Region, Slot
from trustsim.callers import (
    RoleSession,
    ServicePrincipal,
)
from trustsim.context import utc_text
from trustsim.requests import AssumeRoleRequest

__all__ = [
    "MULTI_LIMIT",
    "explored",
    "region_of",
    "regions",
    "signature_of",
]


#: Most kinds of several-valued sets one multi-valued slot is split into.
MULTI_LIMIT = 4096


def regions(slot: Slot, budget: int) -> list[Region]:
    """Every region of ``slot``, each with its witness value (raises TooLarge past ``budget``).

    A multi-valued slot has, besides absence, one region per value region holding exactly one
    value, and one region per *behaviour* of several values: for each union of
    :attr:`Slot.unions`, whether some value lies in it and whether every value does. The
    behaviours reachable are found by closing the one-value behaviours under adding a value,
    so their number, not the number of sets of value regions, bounds the work.
    """
    if slot.probes:
        return _probed_regions(slot)
    if slot.domain is None:
        return [Region(choice, choice, _choice_text(slot, choice)) for choice in slot.choices]
    found = explored(slot, budget)
    values = [
        Region(word, signature, _signature_text(slot, signature))
        for signature, word in sorted(found.items())
    ]
    out: list[Region] = []
    if slot.optional:
        absent = "no source identity" if slot.knob == "source_identity" else f"{slot.name} absent"
        out.append(Region(None, None, absent))
    if not slot.multi:
        return out + values
    out.extend(
        Region((region.value,), ("set", frozenset({region.signature}), False), region.text)
        for region in values
    )
    seen: dict[tuple[tuple[bool, bool], ...], tuple[str, ...]] = {}
    todo = []
    for first, second in _seeds(slot, values, budget):
        behaviour = _behaviour(slot, [first.signature, second.signature])
        if behaviour not in seen:
            seen[behaviour] = (first.value, second.value)
            todo.append(behaviour)
    while todo:
        behaviour = todo.pop(0)
        words = seen[behaviour]
        for region in values:
            joined = _join(behaviour, _behaviour(slot, [region.signature]))
            if joined not in seen:
                if len(seen) >= MULTI_LIMIT:
                    raise TooLarge(f"{slot.name}: more than {MULTI_LIMIT} kinds of sets of values")
                seen[joined] = (*words, region.value)
                todo.append(joined)
    for behaviour, words in seen.items():
        texts = sorted({json.dumps(value) for value in words})
        out.append(
            Region(
                words, ("many", behaviour), f"{slot.name} several values, e.g. {', '.join(texts)}"
            )
        )
    return out


#: Multi-valued slots whose values are distinct keys (one key in two cases is one key).
_DISTINCT = frozenset({"tag_keys", "transitive"})


def _seeds(slot: Slot, values: Sequence[Region], budget: int) -> list[tuple[Region, Region]]:
    """The pairs of values every set of several values grows from.

    A value may repeat (``sub`` claims ``["a", "a"]``); the tag keys of :data:`_DISTINCT`
    may not, nor differ in case only, so their pairs are two regions' values, or a region's
    value and another word of the same region that is not it in any case (when there is one;
    otherwise no set holds two values of that region alone).
    """
    if slot.knob not in _DISTINCT:
        return [(region, region) for region in values]
    assert slot.domain is not None  # noqa: S101 - a string slot
    out = []
    for region in values:
        twin = explore(
            slot.domain.domain,
            [*(language.nfa for language in slot.languages), equals_ignore_case(region.value)],
            max_length=slot.domain.max_length,
            budget=budget,
        ).get((*region.signature, False))
        if twin is not None:
            out.append((region, Region(twin, region.signature, region.text)))
    out += list(itertools.combinations(values, 2))
    return out


def _probed_regions(slot: Slot) -> list[Region]:
    """One region per way the slot's clauses answer on the probe values (first probe kept)."""
    out: dict[Any, Region] = {}
    for choice in slot.choices:
        signature = _probe_signature(slot, _probe_values(slot, choice))
        if signature not in out:
            out[signature] = Region(choice, signature, _probe_text(slot, choice, signature))
    return list(out.values())


def _probe_values(slot: Slot, choice: Any) -> dict[str, str | tuple[str, ...]] | None:
    if choice is None:
        return None
    if slot.knob == "at":
        return {"aws:CurrentTime": utc_text(choice), "aws:EpochTime": epoch_text(choice)}
    if slot.knob == "credentials":
        return _credential_values(choice)
    return {slot.keys[0]: str(choice)}


def _credential_values(choice: Any) -> dict[str, str | tuple[str, ...]] | None:
    """The keys a choice of the credentials slot is meant to set (the witness checks it)."""
    authenticated, issued, call = choice
    out: dict[str, str | tuple[str, ...]] = {}
    if issued is not None:
        out["aws:TokenIssueTime"] = utc_text(issued)
        age = 0 if call else max(0, int((WITNESS_TIME - issued).total_seconds()))
    else:
        age = 0
    if call or authenticated:
        out["aws:MultiFactorAuthPresent"] = "true"
        out["aws:MultiFactorAuthAge"] = str(age)
    elif authenticated is False or issued is not None:
        out["aws:MultiFactorAuthPresent"] = "false"
    return out or None


def _probe_signature(slot: Slot, values: Mapping[str, str | tuple[str, ...]] | None) -> Any:
    if values is None:
        return None
    return ("probe", probes.outcomes(slot.probes, values))


def _probe_text(slot: Slot, choice: Any, signature: Any) -> str:
    if signature is None:
        return f"{slot.name} absent"
    parts = [
        f"{'' if hit else 'not '}{clause.operator.name} {clause.key} {_listed(clause.values)}"
        for clause, hit in zip(slot.probes, signature[1], strict=True)
    ]
    return f"{slot.name} such that " + " and ".join(dict.fromkeys(parts))


def _listed(values: Sequence[str]) -> str:
    return json.dumps(values[0]) if len(values) == 1 else json.dumps(list(values))


def _behaviour(slot: Slot, signatures: Sequence[tuple[bool, ...]]) -> tuple[tuple[bool, bool], ...]:
    """For each union of ``slot``: whether some value lies in it, and whether every value does."""
    out = []
    for union in slot.unions:
        hits = [any(signature[p] for p in union) for signature in signatures]
        out.append((any(hits), all(hits)))
    return tuple(out)


def _join(
    left: tuple[tuple[bool, bool], ...], right: tuple[tuple[bool, bool], ...]
) -> tuple[tuple[bool, bool], ...]:
    return tuple((a or c, b and d) for (a, b), (c, d) in zip(left, right, strict=True))


#: The regions explored lately, by what they depend on: the domain (its name fixes its words
#: and length limit), the languages (by what built them), the budget, and the organisation
#: whose paths the last language holds (``None``: no such language).
_EXPLORED: dict[tuple[Any, ...], dict[tuple[bool, ...], str]] = memo(
    "analysis: explored regions", 2048
)


def explored(
    slot: Slot, budget: int = DEFAULT_BUDGET, *, org: str | None = None
) -> Mapping[tuple[bool, ...], str]:
    """A shortest word of each region of ``slot``'s languages, by signature (read-only).

    With ``org``, one more language cuts the domain: the paths of that organisation (the last
    answer of each signature).
    """
    assert slot.domain is not None  # noqa: S101 - callers check
    key = (slot.domain.name, tuple(language.key for language in slot.languages), budget, org)
    found = _EXPLORED.get(key)
    if found is None:
        languages = [language.nfa for language in slot.languages]
        if org is not None:
            languages.append(seq(f"{org}/", any_text()))
        found = explore(
            slot.domain.domain, languages, max_length=slot.domain.max_length, budget=budget
        )
        remember(_EXPLORED, key, found, 2048)
    return MappingProxyType(found)


def _choice_text(slot: Slot, choice: Any) -> str:
    if slot.knob == "tags":
        return "session tags" if choice else "no session tags"
    if slot.knob == "contexts":
        return "provided contexts" if choice else "no provided contexts"
    if choice is None:
        return f"{slot.name} absent"
    if slot.knob in ("unique_id", "role_unique_id"):
        return f"{slot.name} is {choice}" if choice != slot.choices[-1] else f"{slot.name} another"
    return f"{slot.name} = {str(choice).lower()}"


def _signature_text(slot: Slot, signature: tuple[bool, ...]) -> str:
    inside = [lang.text for lang, hit in zip(slot.languages, signature, strict=True) if hit]
    outside = [lang.text for lang, hit in zip(slot.languages, signature, strict=True) if not hit]
    parts = [*inside, *(f"not {text}" for text in outside)]
    return f"{slot.name} " + (" and ".join(parts) if parts else "any value")


def region_of(slot: Slot, found: Sequence[Region], request: AssumeRoleRequest) -> int | None:
    """The index of the region of ``slot`` that ``request`` lies in, or ``None``."""
    if slot.probes:
        carried = {key: request.context.get_values(key) for key in slot.keys}
        present = {key: values for key, values in carried.items() if values is not None}
        probed = _probe_signature(slot, present or None)
        for index, region in enumerate(found):
            if region.signature == probed:
                return index
        return None
    if slot.domain is None:
        choice = _request_choice(slot, request)
        for index, region in enumerate(found):
            if region.value == choice:
                return index
        return None
    value = _request_value(slot, request)
    if value is None or value == ():
        signature: Any = None
    elif slot.multi:
        # conditions read the values alone (one value or a one-item list alike)
        signatures = [signature_of(slot, item) for item in value]
        one = len(value) == 1
        signature = (
            ("set", frozenset(signatures), False) if one else ("many", _behaviour(slot, signatures))
        )
    else:
        if len(value) != 1:
            return None
        signature = signature_of(slot, value[0])
    for index, region in enumerate(found):
        if region.signature == signature:
            return index
    return None


def signature_of(slot: Slot, value: str) -> tuple[bool, ...]:
    """For each language of ``slot``: whether ``value`` lies in it."""
    return tuple(language.nfa.matches(value) for language in slot.languages)


def _request_value(slot: Slot, request: AssumeRoleRequest) -> tuple[str, ...] | None:
    caller = request.caller
    if slot.knob == "service":
        return (caller.name,) if isinstance(caller, ServicePrincipal) else None
    if slot.knob == "caller_session":
        return (caller.session_name,) if isinstance(caller, RoleSession) else None
    return request.context.get_values(slot.keys[0])


def _request_choice(slot: Slot, request: AssumeRoleRequest) -> Any:
    if slot.knob == "tags":
        return "sts:TagSession" in request.companion_actions
    if slot.knob == "contexts":
        return "sts:SetContext" in request.companion_actions
    if slot.knob in ("unique_id", "role_unique_id"):
        given = getattr(request.caller, slot.knob, None)
        if given is None or given in slot.choices:
            return given
        return slot.choices[-1]  # another ID: the region of every ID not named
    found = request.context.get_values(slot.keys[0])
    if found is None:
        return None
    return found == ("true",)
