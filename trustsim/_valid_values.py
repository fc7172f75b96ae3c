"""Values a per-value rule found nothing wrong with: each distinct value is checked once.

The rules of :mod:`trustsim.validation` check every action name, principal and condition
value of a statement on its own: whether it is wrong depends on the value and on what the
rule reads besides (the principal type, the policy kind, the operator…), never on where it
stands. A key here states all of that; only "nothing wrong" is remembered — a problem names
its place, so it is found afresh each time. Bounded and registered (trustsim._memo): clearing
it, or :func:`trustsim._memo.fresh_caches`, changes no answer.

>>> key = ("example", "sts:AssumeRole")
>>> known_valid(key)
False
>>> found_valid(key)
>>> known_valid(key)
True
>>> clear_valid_values()
>>> known_valid(key)
False
"""

from __future__ import annotations

from collections.abc import Hashable

from trustsim._memo import SWITCH, memo, remember

__all__ = ["clear_valid_values", "found_valid", "known_valid"]

_LIMIT = 8192  # the bound every memo keeps (trustsim._memo)
_VALID: dict[tuple[Hashable, ...], None] = memo("validation: values found valid", _LIMIT)


def known_valid(key: tuple[Hashable, ...]) -> bool:
    """Whether the rule and value ``key`` names were found valid before."""
    return key in _VALID and not SWITCH.fresh


def found_valid(key: tuple[Hashable, ...]) -> None:
    """Remember that the rule and value ``key`` names found nothing wrong."""
    remember(_VALID, key, None, _LIMIT)


def clear_valid_values() -> None:
    """Forget every value found valid (benchmarks measure cold parsing)."""
    _VALID.clear()
