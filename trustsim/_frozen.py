"""A read-only, hashable dict for the mappings frozen models hold (tags, claims, attributes).

Callers and roles are frozen attrs classes; with plain dicts inside they were frozen only on
the surface (``alice.tags["team"] = "red"`` changed a caller that had already been used as a
cache key) and could not be hashed, so they could not be set members, dict keys or the key of
a memo. :class:`FrozenDict` is a ``dict`` (it reads, compares, prints and serialises like one,
at dict speed) that refuses every change and hashes by its items.

>>> tags = FrozenDict({"team": "blue"})
>>> tags, tags == {"team": "blue"}, hash(tags) == hash(FrozenDict(team="blue"))
({'team': 'blue'}, True, True)
>>> tags["team"] = "red"
Traceback (most recent call last):
...
TypeError: this mapping is read-only (it belongs to a frozen trustsim value); build a new value with attrs.evolve(...)
"""

from __future__ import annotations

from typing import Any, NoReturn, TypeVar

__all__ = ["FrozenDict"]

_K = TypeVar("_K")
_V = TypeVar("_V")


def _read_only(*_args: object, **_kwargs: object) -> NoReturn:
    raise TypeError(
        "this mapping is read-only (it belongs to a frozen trustsim value); "
        "build a new value with attrs.evolve(...)"
    )


class FrozenDict(dict[_K, _V]):
    """A ``dict`` that cannot change once built, hashed by its items (order left out, as ``==``)."""

    __slots__ = ()

    def __hash__(self) -> int:  # type: ignore[override]  # dict is unhashable; this one is not
        # Not cached: the frozen values holding these mappings cache their own hash.
        return hash(frozenset(self.items()))

    def __reduce__(self) -> tuple[Any, ...]:
        # dict's pickling fills the new object through __setitem__, which is refused here.
        return (type(self), (dict(self),))

    __setitem__ = _read_only
    __delitem__ = _read_only
    __ior__ = _read_only
    clear = _read_only
    pop = _read_only
    popitem = _read_only
    setdefault = _read_only
    update = _read_only
