"""Checks for what a user hands trustsim: types at once, bounded messages, right-kind policies.

Every public constructor and option calls these before it keeps or reads a value, so a
wrong Python type fails where it is passed (``TypeError`` naming the parameter, what it
expected and what it got), never later as an ``AttributeError`` from deep inside, and never
as a truthy string read as ``True``. Messages show values through :func:`shown`, which is
bounded: a 1,000-deep list is described, not recursed into.

>>> expect_bool("assume_role(mfa=)", "false")
Traceback (most recent call last):
...
TypeError: assume_role(mfa=): expected True, False or None, got str: 'false'
>>> shown([[[[[[1]]]]]])
'[[[[[...]]]]]'
"""

from __future__ import annotations

import collections.abc
import datetime as _dt
import functools
import inspect
import os
import reprlib
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, NoReturn, ParamSpec, TypeVar

from trustsim._memo import cached

if TYPE_CHECKING:
    from trustsim.model import PolicyKind

__all__ = [
    "MAX_DEPTH",
    "checked",
    "expect_bool",
    "expect_policy",
    "expect_text",
    "expect_time",
    "satisfies",
    "shown",
    "too_deep",
    "utc_instant",
]

#: How deep a value handed to trustsim may nest (lists in lists…) before it is refused.
#: Nothing AWS sends nests more than two levels (a multi-valued key's list of texts).
MAX_DEPTH = 32

_REPR = reprlib.Repr()
_REPR.maxlevel = 4
_REPR.maxstring = 80
_REPR.maxother = 80
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = _REPR.maxfrozenset = 8


def shown(value: object) -> str:
    """A bounded ``repr`` of a user's value for an error message (never recursion, never megabytes)."""
    try:
        return _REPR.repr(value)
    except Exception:
        return f"<{type(value).__name__} object>"


def _wrong(label: str, expected: str, value: object) -> NoReturn:
    raise TypeError(f"{label}: expected {expected}, got {type(value).__name__}: {shown(value)}")


def expect_bool(label: str, value: object, *, optional: bool = True) -> None:
    """Refuse anything but ``True``/``False`` (and ``None`` when ``optional``): no truthy text."""
    if value is True or value is False or (optional and value is None):
        return
    _wrong(label, "True, False or None" if optional else "True or False", value)


def expect_text(label: str, value: object, *, optional: bool = True) -> None:
    """Refuse anything but ``str`` (and ``None`` when ``optional``)."""
    if type(value) is str or isinstance(value, str) or (optional and value is None):
        return
    _wrong(label, "text (str) or None" if optional else "text (str)", value)


def expect_time(label: str, value: object, error: type[Exception]) -> _dt.datetime | None:
    """An aware ``datetime`` as its UTC instant (``None`` stays ``None``).

    ``TypeError`` for anything but a ``datetime`` (an ISO text included: parse it with
    ``datetime.fromisoformat``); ``error`` for a naive one or one outside the calendar in UTC.
    Returning the UTC instant matters: Python compares ``fold=0`` and ``fold=1`` of an
    ambiguous local time as equal, though they are an hour apart.
    """
    if value is None:
        return None
    if not isinstance(value, _dt.datetime):
        hint = (
            " (parse text with datetime.datetime.fromisoformat)" if isinstance(value, str) else ""
        )
        _wrong(label, f"a timezone-aware datetime.datetime{hint}", value)
    if value.tzinfo is None or value.utcoffset() is None:
        raise error(f"{label}: {value!r} needs a time zone (AWS keeps times in UTC)")
    return utc_instant(value, label, error)


def utc_instant(value: _dt.datetime, label: str, error: type[Exception]) -> _dt.datetime:
    """``value`` moved to UTC: equal instants, and only they, give equal results."""
    try:
        return value.astimezone(_dt.timezone.utc)
    except OverflowError:
        raise error(f"{label}: {value!r} is outside the calendar once moved to UTC") from None


_LOAD_HINT = (
    "load it first: trustsim.parse_policy(document, kind={kind!r}) for a dict or JSON text, "
    "trustsim.load_policy(path, kind={kind!r}) for a file"
)


def expect_policy(label: str, value: object, kind: PolicyKind, error: type[Exception]) -> None:
    """Refuse anything but a :class:`~trustsim.model.Policy` of ``kind``.

    A dict, JSON text or path is refused with how to load it (the same strict parse
    ``load_policy`` does, whose errors point into the document); a policy of another kind
    with ``error``: an identity policy has no ``Principal``, and read as a trust policy it
    would trust everyone.
    """
    from trustsim.model import Policy  # noqa: PLC0415 - model imports nothing of trustsim

    if not isinstance(value, Policy):
        if isinstance(value, (str, bytes, Mapping, os.PathLike)):
            raise TypeError(
                f"{label}: expected a trustsim.Policy, got {type(value).__name__}: "
                f"{shown(value)}; " + _LOAD_HINT.format(kind=kind.value)
            )
        _wrong(label, f"a trustsim.Policy of kind {kind.value!r}", value)
    # A customer managed policy is an identity policy IAM saved with stricter rules (its
    # Version): it goes wherever an identity policy does.
    managed_as_identity = (kind.value, value.kind.value) == ("identity", "managed")
    if value.kind is not kind and not managed_as_identity:
        raise error(
            f"{label}: expected {_KIND_NAMES[kind.value]}, got {_KIND_NAMES[value.kind.value]} "
            f"({value.origin or 'built in code'}); parse it with kind={kind.value!r}"
        )


def too_deep(value: object, limit: int = MAX_DEPTH) -> bool:
    """Whether ``value`` nests lists, tuples, sets or mappings more than ``limit`` deep.

    Iterative, so it answers for any depth without a ``RecursionError``.

    >>> deep: list[object] = []
    >>> for _ in range(5000):
    ...     deep = [deep]
    >>> too_deep(deep), too_deep([["a"]])
    (True, False)
    """
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (str, bytes)):
            continue
        if isinstance(item, Mapping):
            children: list[object] = [*item.keys(), *item.values()]
        elif isinstance(item, (list, tuple, set, frozenset)):
            children = list(item)
        else:
            continue
        if depth >= limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


_KIND_NAMES = {
    "trust": "a trust policy",
    "identity": "an identity policy",
    "managed": "a customer managed policy",
    "permissions-boundary": "a permissions boundary",
    "session": "a session policy",
    "scp": "an SCP",
    "rcp": "an RCP",
}


def satisfies(value: object, hint: object) -> bool:
    """Whether ``value`` has the type ``hint`` says (the forms trustsim's signatures use).

    Strict where a slip is likely: ``bool`` is exactly ``True``/``False``, ``int`` is no
    ``bool``, and text is never a list of texts.

    >>> from collections.abc import Sequence
    >>> satisfies(["a"], Sequence[str]), satisfies("a", Sequence[str]), satisfies(1, bool)
    (True, False, False)
    """
    if hint is Any or hint is object:
        return True
    if hint is None or hint is type(None):
        return value is None
    if hint is bool:
        return value is True or value is False
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    origin, args = _shape_of(hint)
    if origin is typing.Union or origin is types.UnionType:
        return any(satisfies(value, arg) for arg in args)
    if origin is None:
        return isinstance(value, hint) if isinstance(hint, type) else True
    if origin in (dict, Mapping, collections.abc.Mapping):
        if not isinstance(value, Mapping):
            return False
        if not args:
            return True
        return all(satisfies(k, args[0]) and satisfies(v, args[1]) for k, v in value.items())
    if isinstance(origin, type) and issubclass(origin, Iterable):
        if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, origin):
            return False
        item = args[0] if args else Any
        return all(satisfies(element, item) for element in value)
    return isinstance(value, origin) if isinstance(origin, type) else True


@cached(maxsize=512)
def _shape(hint: object) -> tuple[object, tuple[object, ...]]:
    return typing.get_origin(hint), typing.get_args(hint)


def _shape_of(hint: object) -> tuple[object, tuple[object, ...]]:
    """``hint``'s origin and arguments (``typing.get_origin``, ``typing.get_args``), remembered."""
    try:
        return _shape(hint)
    except TypeError:  # a hint that cannot be hashed: read it again
        return typing.get_origin(hint), typing.get_args(hint)


_P = ParamSpec("_P")
_R = TypeVar("_R")


def checked(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """Check every argument against ``function``'s annotations before calling it.

    ``TypeError`` naming the parameter, what it expected and what it got. For the builders
    users call in every test (the identity constructors): a call whose arguments fit the
    signature is matched to its parameters directly; any other call (a missing argument, an
    unknown keyword, too many positional arguments) goes through :meth:`inspect.Signature.bind`,
    which raises the ``TypeError`` it always raised.

    >>> @checked
    ... def greet(name: str, *, times: int = 1) -> str:
    ...     return name * times
    >>> greet("a", times=2)
    'aa'
    >>> greet("a", times="2")
    Traceback (most recent call last):
    TypeError: greet(times=): expected int, got str: '2'
    """
    signature = inspect.signature(function)
    arguments_of = _argument_matcher(signature)
    hints: dict[str, object] = {}

    @functools.wraps(function)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        if not hints:
            hints.update(typing.get_type_hints(function))
        for name, value in arguments_of(args, kwargs):
            hint = hints.get(name, Any)
            if too_deep(value, 4) or not satisfies(value, hint):
                _wrong(f"{function.__name__}({name}=)", _hint_text(hint), value)
        return function(*args, **kwargs)

    return wrapper


def _hint_text(hint: object) -> str:
    """``hint`` as a reader writes it: ``str``, ``str | None``, ``Sequence[str]``."""
    if isinstance(hint, type) and not typing.get_args(hint):
        return hint.__name__
    return str(hint).replace("typing.", "").replace("collections.abc.", "")


def _argument_matcher(
    signature: inspect.Signature,
) -> Callable[[tuple[object, ...], dict[str, object]], Iterable[tuple[str, object]]]:
    """``(args, kwargs) -> (name, value)`` pairs, as ``signature.bind(...).arguments.items()``.

    The given arguments only (no defaults), in the signature's order. ``Signature.bind``
    itself, the slow and general way, answers every call it would refuse, so that it raises.
    """
    parameters = tuple(signature.parameters.values())
    kind = inspect.Parameter
    positional = tuple(
        p.name for p in parameters if p.kind in (kind.POSITIONAL_ONLY, kind.POSITIONAL_OR_KEYWORD)
    )
    by_keyword = frozenset(
        p.name for p in parameters if p.kind in (kind.POSITIONAL_OR_KEYWORD, kind.KEYWORD_ONLY)
    )
    required = frozenset(
        p.name
        for p in parameters
        if p.default is p.empty and p.kind not in (kind.VAR_POSITIONAL, kind.VAR_KEYWORD)
    )
    plain = all(p.kind not in (kind.VAR_POSITIONAL, kind.VAR_KEYWORD) for p in parameters)
    place = {p.name: index for index, p in enumerate(parameters)}

    def matched(
        args: tuple[object, ...], kwargs: dict[str, object]
    ) -> Iterable[tuple[str, object]]:
        if plain and len(args) <= len(positional):
            given = dict(zip(positional, args, strict=False))  # args may be fewer
            if all(
                name in by_keyword and name not in given for name in kwargs
            ) and required.issubset({*given, *kwargs}):
                if kwargs:
                    given.update(sorted(kwargs.items(), key=lambda item: place[item[0]]))
                return given.items()
        return signature.bind(*args, **kwargs).arguments.items()

    return matched
