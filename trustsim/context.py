"""The request context: condition keys and the values a request carries for them.

Keys are case-insensitive in IAM (``aws:SourceIp`` ≡ ``AWS:sourceip``), the tag-key part of
``aws:RequestTag/…``, ``aws:PrincipalTag/…`` and ``aws:ResourceTag/…`` included, so they are
folded to lower case once, when the context is built; policies fold their keys once when
compiled. Values are kept as given, as text. A key is *multi-valued* when it was given as a
list (``aws:TagKeys``), *single-valued* otherwise.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Iterator, Mapping, MutableMapping

import attrs

from trustsim import _reprs
from trustsim._frozen import FrozenDict
from trustsim._inputs import shown, utc_instant
from trustsim._memo import cached
from trustsim.errors import InvalidContext

__all__ = ["ContextValue", "RequestContext", "normalize_key"]

_Scalar = str | bool | int | _dt.datetime
#: What a context value may be given as: text (or a bool, int or datetime turned into the text
#: AWS would send), or a list/tuple/set of those for a multi-valued key.
ContextValue = _Scalar | list[_Scalar] | tuple[_Scalar, ...] | set[_Scalar] | frozenset[_Scalar]


def normalize_key(key: str) -> str:
    """Fold a condition key for lookup: IAM compares key names case-insensitively.

    >>> normalize_key("aws:RequestTag/CostCenter")
    'aws:requesttag/costcenter'
    """
    return key.lower()


def _as_text(key: str, value: object) -> str:
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidContext(
                f"context key {shown(key)}: a datetime needs a time zone (AWS sends UTC), got {value!r}"
            )
        # The UTC instant is the cache key: fold=0 and fold=1 of one local time compare
        # (and hash) equal in Python, though they are an hour apart.
        return utc_text(utc_instant(value, f"context key {shown(key)}", InvalidContext))
    raise InvalidContext(
        f"context key {shown(key)}: a value must be text, a bool, an int or a datetime "
        f"(or a list of them for a multi-valued key), got {type(value).__name__}: {shown(value)}"
    )


@cached(256)  # requests of one test run share a handful of times
def utc_text(utc: _dt.datetime) -> str:
    # Not strftime("%Y"): it does not pad years before 1000 to four digits on every platform.
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}"
        f"T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}Z"
    )


def fold_into(
    values: dict[str, tuple[str, ...]],
    spelling: MutableMapping[str, str],
    multi: set[str],
    key: object,
    value: object,
) -> None:
    """Add one entry, folded and turned into texts, to a context under construction.

    What :meth:`RequestContext.of` does for each entry; request building uses it for the keys
    whose spelling comes from the caller or the call (tags, claims), writing the keys it
    spells itself directly. :class:`InvalidContext` for a wrong shape or a case collision.
    """
    if not isinstance(key, str) or not key:
        raise InvalidContext(f"a context key must be a non-empty string, got {shown(key)}")
    folded = key.lower()
    known = spelling.get(folded)
    if known is not None and known != key:
        raise InvalidContext(
            f"context keys {shown(known)} and {shown(key)} differ only in case; IAM treats them as one key"
        )
    kind = type(value)
    if kind is str:
        values[folded] = (value,)  # type: ignore[assignment]
        multi.discard(folded)
    elif kind is bool:
        values[folded] = ("true" if value else "false",)
        multi.discard(folded)
    elif kind is tuple or kind is list or isinstance(value, (list, tuple, set, frozenset)):
        # A set has no order: sort the texts (items of mixed types cannot be compared).
        listed = (
            sorted(_as_text(key, item) for item in value)
            if isinstance(value, (set, frozenset))
            else value
        )
        texts: tuple[str, ...] = tuple(listed)  # type: ignore[arg-type]
        for item in texts:
            if type(item) is not str:
                texts = tuple(_as_text(key, item) for item in texts)
                break
        values[folded] = texts
        multi.add(folded)
    elif value is None or isinstance(value, Mapping):
        raise InvalidContext(
            f"context key {shown(key)}: {shown(value)} is not a value AWS sends; leave the key out "
            "to say it is absent"
        )
    else:
        values[folded] = (_as_text(key, value),)
        multi.discard(folded)
    spelling[folded] = key


def _frozen(value: Mapping[str, tuple[str, ...]]) -> Mapping[str, tuple[str, ...]]:
    if not isinstance(value, Mapping):
        raise TypeError(
            f"RequestContext.folded: expected a mapping, got {type(value).__name__}: {shown(value)}"
        )
    return value if type(value) is FrozenDict else FrozenDict(value)


@attrs.frozen(repr=False)
class RequestContext(Mapping[str, tuple[str, ...]]):
    """An immutable, case-insensitive mapping from condition key to its values.

    Every value reads as a tuple of strings; :meth:`is_multivalued` tells whether the key was
    given as a list. :meth:`lookup` and :attr:`folded` read values by an already-folded key,
    without folding it again (what compiled conditions do on the hot path).

    >>> ctx = RequestContext.of({"sts:ExternalId": "x", "aws:TagKeys": ["a", "b"],
    ...                          "aws:MultiFactorAuthPresent": True})
    >>> ctx["STS:externalid"]
    ('x',)
    >>> ctx.is_multivalued("aws:tagkeys"), ctx.is_multivalued("sts:ExternalId")
    (True, False)
    >>> ctx["aws:MultiFactorAuthPresent"]
    ('true',)
    >>> "aws:SourceIp" in ctx
    False
    >>> ctx.lookup("sts:externalid"), ctx.lookup("sts:ExternalId")
    (('x',), None)
    >>> ctx.folded["aws:tagkeys"]
    ('a', 'b')
    >>> ctx
    RequestContext({'sts:ExternalId': 'x', 'aws:TagKeys': ['a', 'b'], 'aws:MultiFactorAuthPresent': 'true'})
    """

    #: The values by folded (lower-cased) key; read-only, for lookups on the hot path.
    folded: Mapping[str, tuple[str, ...]] = attrs.field(factory=FrozenDict, converter=_frozen)
    # folded key -> the key as spelled; the folded multi-valued keys.
    _spelling: Mapping[str, str] = attrs.field(factory=dict, alias="spelling")
    _multivalued: frozenset[str] = attrs.field(default=frozenset(), alias="multivalued")

    @classmethod
    def _make(
        cls,
        values: dict[str, tuple[str, ...]],
        spelling: Mapping[str, str],
        multi: frozenset[str],
    ) -> RequestContext:
        # Internal constructor for values already checked and folded: skips attrs' __init__.
        context = _new(cls)
        # Read-only: contexts are shared by equal calls (the request memo), so a change
        # through ``outcome.request.context.folded`` would reach later, unrelated calls.
        _set_values(context, values if type(values) is FrozenDict else FrozenDict(values))
        _set_spelling(context, spelling)
        _set_multivalued(context, multi)
        return context

    @classmethod
    def of(cls, mapping: Mapping[str, ContextValue] | None = None, /) -> RequestContext:
        """Build a context from a plain mapping; :class:`InvalidContext` for wrong shapes."""
        values: dict[str, tuple[str, ...]] = {}
        spelling: dict[str, str] = {}
        multi: set[str] = set()
        if mapping is not None and not isinstance(mapping, Mapping):
            raise TypeError(
                "RequestContext.of: expected a mapping of condition key to value (dict), got "
                f"{type(mapping).__name__}: {shown(mapping)}"
            )
        items: Iterable[tuple[object, object]] = (mapping or {}).items()
        for key, value in items:
            fold_into(values, spelling, multi, key, value)
        return cls._make(values, spelling, frozenset(multi))

    def lookup(self, folded_key: str) -> tuple[str, ...] | None:
        """The values of a key already folded with :func:`normalize_key`, or ``None``."""
        return self.folded.get(folded_key)

    def get_values(self, key: str) -> tuple[str, ...] | None:
        """The values of ``key`` (any case), or ``None`` when the key is absent."""
        return self.folded.get(key.lower())

    def is_multivalued(self, key: str) -> bool:
        """Whether ``key`` was given as a list (a multi-valued key such as ``aws:TagKeys``)."""
        return key.lower() in self._multivalued

    def original_key(self, key: str) -> str | None:
        """The key as it was spelled when the context was built."""
        return self._spelling.get(key.lower())

    def merged(self, overrides: RequestContext | Mapping[str, ContextValue]) -> RequestContext:
        """A new context with ``overrides`` added; an override replaces a key of any case."""
        other = overrides if isinstance(overrides, RequestContext) else RequestContext.of(overrides)
        values = dict(self.folded)
        values.update(other.folded)
        spelling = dict(self._spelling)
        spelling.update(other._spelling)
        multi = (self._multivalued - other.folded.keys()) | other._multivalued
        return RequestContext._make(values, spelling, frozenset(multi))

    def without(self, *keys: str) -> RequestContext:
        """A new context without ``keys`` (any case)."""
        drop = {normalize_key(key) for key in keys}
        return RequestContext._make(
            {k: v for k, v in self.folded.items() if k not in drop},
            {k: v for k, v in self._spelling.items() if k not in drop},
            self._multivalued - drop,
        )

    def to_dict(self) -> dict[str, str | list[str]]:
        """The context as a plain mapping, keys spelled as given, lists for multi-valued keys."""
        multi = self._multivalued
        return {
            self._spelling[folded]: list(values) if folded in multi else values[0]
            for folded, values in self.folded.items()
        }

    def __getitem__(self, key: str) -> tuple[str, ...]:
        values = self.folded.get(key.lower())
        if values is None:
            raise KeyError(key)
        return values

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self.folded

    def __iter__(self) -> Iterator[str]:
        return iter(self._spelling.values())

    def __len__(self) -> int:
        return len(self.folded)

    def __repr__(self) -> str:
        return f"RequestContext({self.to_dict()!r})"


_new = object.__new__
_set_values = RequestContext.__dict__["folded"].__set__
_set_spelling = RequestContext.__dict__["_spelling"].__set__
_set_multivalued = RequestContext.__dict__["_multivalued"].__set__


_reprs.install(globals())  # short reprs, IPython and notebook forms (trustsim._reprs)
