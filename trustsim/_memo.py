"""One mechanism for every speed cache: bounded, registered, cleared together, switchable off.

trustsim remembers work between calls (compiled policies, derived contexts, decision plans…).
Each such cache is made here — :func:`memo` for a dict the owner fills, :func:`cached` for a
function's ``lru_cache`` — with a bound, so no cache grows without end, and a name, so
:func:`clear_caches` empties them all and :func:`sizes` can show each against its bound.

Speed code may remember, never decide: an answer must not depend on what was remembered.
:func:`fresh_caches` is the switch tests use to prove it: inside it, every call of the public
entry points (``build_request``, ``assume_role``, ``check_action``, ``evaluate``…) starts from
empty caches, as in a fresh process.

>>> scratch = memo("doctest scratch", 2)
>>> [remember(scratch, key, value, 2) for key, value in (("a", 1), ("b", 2), ("c", 3))]
[1, 2, 3]
>>> len(scratch) <= 2
True
>>> clear_caches()
>>> scratch
{}
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

__all__ = [
    "cached",
    "clear_caches",
    "fresh_caches",
    "kept_for",
    "memo",
    "register",
    "remember",
    "sizes",
    "without_fast_path",
]

_K = TypeVar("_K")
_V = TypeVar("_V")
_T = TypeVar("_T")

#: name -> (clear, current size, bound)
_REGISTRY: dict[str, tuple[Callable[[], None], Callable[[], int], int]] = {}


class _Switch:
    """The test switches, read on every public call (tests only).

    ``fresh``: every call starts from empty caches (:func:`fresh_caches`); ``slow``: the
    decision entry points skip the fast path and decide by the full scan
    (:func:`without_fast_path`); ``on``: either, so a call reads one attribute when both are off.
    """

    __slots__ = ("fresh", "on", "slow")

    def __init__(self) -> None:
        self.fresh = False
        self.slow = False
        self.on = False

    def set(self, *, fresh: bool, slow: bool) -> None:
        """Turn the switches to ``fresh`` and ``slow``."""
        self.fresh, self.slow, self.on = fresh, slow, fresh or slow


#: Read on every public call: ``if SWITCH.fresh: clear_caches()``.
SWITCH = _Switch()


def register(name: str, clear: Callable[[], None], size: Callable[[], int], bound: int) -> None:
    """Register a cache made elsewhere (its clear and size functions, its bound)."""
    _REGISTRY[name] = (clear, size, bound)


def memo(name: str, bound: int) -> dict[Any, Any]:
    """A new registered dict; its owner keeps it within ``bound`` (see :func:`remember`)."""
    table: dict[Any, Any] = {}
    register(name, table.clear, table.__len__, bound)
    return table


def remember(
    table: dict[_K, _V],
    key: _K,
    value: _V,
    bound: int = 4096,
    clear: Callable[[], None] | None = None,
) -> _V:
    """Store ``value`` under ``key``, emptying ``table`` first when it holds ``bound`` entries.

    ``clear`` empties it instead of ``table.clear`` when more goes with the entries (the
    generated conditions' linecache lines).
    """
    if len(table) >= bound:
        (table.clear if clear is None else clear)()
    table[key] = value
    return value


def kept_for(
    table: dict[int, tuple[Any, _V]], owner: object, make: Callable[[], _V], bound: int
) -> _V:
    """The value kept for ``owner`` by its identity, made by ``make()`` when missing.

    For a value that depends on one object alone. The entry holds ``owner``, so its id is not
    reused while the entry lives; a different object that reuses a freed id misses.

    >>> table: dict[int, tuple[Any, int]] = {}
    >>> owner = object()
    >>> kept_for(table, owner, lambda: 1, 8), kept_for(table, owner, lambda: 2, 8)
    (1, 1)
    """
    hit = table.get(id(owner))
    if hit is not None and hit[0] is owner:
        return hit[1]
    value = make()
    remember(table, id(owner), (owner, value), bound)
    return value


def cached(maxsize: int) -> Callable[[Callable[..., _T]], functools._lru_cache_wrapper[_T]]:
    """``functools.lru_cache(maxsize)``, registered under the function's name."""

    def wrap(function: Callable[..., _T]) -> functools._lru_cache_wrapper[_T]:
        wrapped = functools.lru_cache(maxsize=maxsize)(function)
        register(
            f"{function.__module__}.{function.__qualname__}",
            wrapped.cache_clear,
            lambda: wrapped.cache_info().currsize,
            maxsize,
        )
        return wrapped

    return wrap


def clear_caches() -> None:
    """Empty every registered cache."""
    for clear, _, _ in list(_REGISTRY.values()):
        clear()


def sizes() -> dict[str, tuple[int, int]]:
    """Each registered cache's (current size, bound), by name."""
    return {name: (size(), bound) for name, (_, size, bound) in _REGISTRY.items()}


@contextlib.contextmanager
def fresh_caches() -> Iterator[None]:
    """Within the block, every public call starts from empty caches (a test switch).

    Answers given inside must equal the answers given with warm caches; the property tests
    run the decision properties both ways and compare.
    """
    before = SWITCH.fresh
    SWITCH.set(fresh=True, slow=SWITCH.slow)
    clear_caches()
    try:
        yield
    finally:
        SWITCH.set(fresh=before, slow=SWITCH.slow)
        clear_caches()


@contextlib.contextmanager
def without_fast_path() -> Iterator[None]:
    """Within the block, :func:`~trustsim.evaluation.evaluate` and its siblings skip the fast path.

    Every decision is then made by the full scan (``trustsim.evaluation.scan``) alone: the
    property tests decide both ways and compare, which proves the fast path only remembers.
    """
    before = SWITCH.slow
    SWITCH.set(fresh=SWITCH.fresh, slow=True)
    try:
        yield
    finally:
        SWITCH.set(fresh=SWITCH.fresh, slow=before)
