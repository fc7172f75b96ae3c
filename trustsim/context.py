"""The request context: condition keys and the values a request carries for them.

Keys are case-insensitive in IAM (``aws:SourceIp`` ≡ ``AWS:sourceip``), the tag-key part of
``aws:RequestTag/…``, ``aws:PrincipalTag/…`` and ``aws:ResourceTag/…`` included, so they are
folded to lower case once, when the context is built; policies fold their keys once when
compiled. Values are kept as given, as text. A key is *multi-valued* when it was given as a
list (``aws:TagKeys``), *single-valued* otherwise.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Iterator, Mapping

import attrs

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
        if value.tzinfo is None:
            raise InvalidContext(
                f"context key {key!r}: a datetime needs a time zone (AWS sends UTC), got {value!r}"
            )
        return value.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    raise InvalidContext(
        f"context key {key!r}: a value must be text, a bool, an int or a datetime "
        f"(or a list of them for a multi-valued key), got {type(value).__name__}: {value!r}"
    )


@attrs.frozen
class _Entry:
    key: str
    values: tuple[str, ...]
    multivalued: bool


@attrs.frozen(repr=False)
class RequestContext(Mapping[str, tuple[str, ...]]):
    """An immutable, case-insensitive mapping from condition key to its values.

    Every value reads as a tuple of strings; :meth:`is_multivalued` tells whether the key was
    given as a list.

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
    >>> ctx
    RequestContext({'sts:ExternalId': 'x', 'aws:TagKeys': ['a', 'b'], 'aws:MultiFactorAuthPresent': 'true'})
    """

    _entries: Mapping[str, _Entry] = attrs.field(factory=dict, alias="entries")

    @classmethod
    def of(cls, mapping: Mapping[str, ContextValue] | None = None, /) -> RequestContext:
        """Build a context from a plain mapping; :class:`InvalidContext` for wrong shapes."""
        entries: dict[str, _Entry] = {}
        items: Iterable[tuple[object, object]] = (mapping or {}).items()
        for key, value in items:
            if not isinstance(key, str) or not key:
                raise InvalidContext(f"a context key must be a non-empty string, got {key!r}")
            folded = normalize_key(key)
            if folded in entries and entries[folded].key != key:
                raise InvalidContext(
                    f"context keys {entries[folded].key!r} and {key!r} differ only in case; "
                    "IAM treats them as one key"
                )
            if isinstance(value, (list, tuple, set, frozenset)):
                items = sorted(value) if isinstance(value, (set, frozenset)) else list(value)
                values = tuple(_as_text(key, item) for item in items)
                entries[folded] = _Entry(key, values, multivalued=True)
            elif value is None or isinstance(value, Mapping):
                raise InvalidContext(
                    f"context key {key!r}: {value!r} is not a value AWS sends; leave the key out "
                    "to say it is absent"
                )
            else:
                entries[folded] = _Entry(key, (_as_text(key, value),), multivalued=False)
        return cls(entries=entries)

    def get_values(self, key: str) -> tuple[str, ...] | None:
        """The values of ``key`` (any case), or ``None`` when the key is absent."""
        entry = self._entries.get(normalize_key(key))
        return None if entry is None else entry.values

    def is_multivalued(self, key: str) -> bool:
        """Whether ``key`` was given as a list (a multi-valued key such as ``aws:TagKeys``)."""
        entry = self._entries.get(normalize_key(key))
        return entry is not None and entry.multivalued

    def original_key(self, key: str) -> str | None:
        """The key as it was spelled when the context was built."""
        entry = self._entries.get(normalize_key(key))
        return None if entry is None else entry.key

    def merged(self, overrides: RequestContext | Mapping[str, ContextValue]) -> RequestContext:
        """A new context with ``overrides`` added; an override replaces a key of any case."""
        other = overrides if isinstance(overrides, RequestContext) else RequestContext.of(overrides)
        entries = dict(self._entries)
        entries.update(other._entries)
        return RequestContext(entries=entries)

    def without(self, *keys: str) -> RequestContext:
        """A new context without ``keys`` (any case)."""
        drop = {normalize_key(key) for key in keys}
        return RequestContext(entries={k: v for k, v in self._entries.items() if k not in drop})

    def to_dict(self) -> dict[str, str | list[str]]:
        """The context as a plain mapping, keys spelled as given, lists for multi-valued keys."""
        return {
            entry.key: list(entry.values) if entry.multivalued else entry.values[0]
            for entry in self._entries.values()
        }

    def __getitem__(self, key: str) -> tuple[str, ...]:
        values = self.get_values(key)
        if values is None:
            raise KeyError(key)
        return values

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and normalize_key(key) in self._entries

    def __iter__(self) -> Iterator[str]:
        return (entry.key for entry in self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"RequestContext({self.to_dict()!r})"
