"""Frozen attrs values built without attrs' per-field ``object.__setattr__`` (issue 22).

A frozen attrs class refuses attribute assignment, so its generated ``__init__`` sets each
field through ``object.__setattr__``, which looks the name up on the class every time: a
``Statement`` costs about 0.9 µs, most of it those lookups. :func:`builder` writes, once per
class, a function that makes the same instance by calling each slot's own descriptor
directly: the same class, the same field values in the same slots (the cached hash empty, as
attrs leaves it), so it compares, hashes, prints, evolves and pickles exactly as one made by
the class. Only for the classes attrs makes this way: slotted, no validator, converter,
``on_setattr`` hook or ``__attrs_post_init__`` (attrs would run them; :func:`builder`
refuses such a class). Arguments are every field, positionally, in the class's order.

>>> from trustsim.model import Principal
>>> make = builder(Principal)
>>> made = make(("111122223333",), (), (), (), False)
>>> made == Principal(aws=("111122223333",)), type(made) is Principal
(True, True)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs

__all__ = ["builder"]

_T = TypeVar("_T")

_HASH_SLOT = "_attrs_cached_hash"


def builder(cls: type[_T]) -> Callable[..., _T]:
    """A function of every field of ``cls`` (positionally, in order) making a ``cls``.

    Raises:
        TypeError: ``cls`` is not a slotted attrs class whose ``__init__`` only stores its
            arguments.
    """
    fields = attrs.fields(cls)  # type: ignore[arg-type]  # TypeError if attrs did not make it
    slots = getattr(cls, "__slots__", None)
    if (
        slots is None
        or any(f.validator or f.converter or f.on_setattr or not f.init for f in fields)
        or hasattr(cls, "__attrs_post_init__")
        or hasattr(cls, "__attrs_pre_init__")
    ):
        raise TypeError(f"{cls.__name__}: its __init__ does more than store its arguments")
    names = [field.name for field in fields]
    stored = [*names, _HASH_SLOT] if _HASH_SLOT in slots else names
    namespace: dict[str, Any] = {"new": object.__new__, "cls": cls}
    lines = [f"def build({', '.join(names)}):", "    self = new(cls)"]
    for number, name in enumerate(stored):
        namespace[f"set{number}"] = cls.__dict__[name].__set__  # the slot's own descriptor
        lines.append(f"    set{number}(self, {name if name in names else 'None'})")
    lines.append("    return self")
    exec("\n".join(lines), namespace)  # noqa: S102 (the text is made here from field names)
    made: Callable[..., _T] = namespace["build"]
    made.__qualname__ = made.__name__ = f"build_{cls.__name__}"
    return made
