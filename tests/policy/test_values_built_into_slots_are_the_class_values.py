"""A model value built straight into its slots is the value its class builds (issue 22).

``trustsim._fast_new.builder`` makes ``Policy``, ``Statement``, ``Principal`` and
``ConditionClause`` values for the one-pass reading of usual trust policies without attrs'
per-field ``object.__setattr__``. Whatever the fields, the value must be the class's own:
the same type and slots, equal, with the same hash and repr, still frozen, and evolved,
pickled and unstructured as before.
"""

from __future__ import annotations

import pickle
from typing import Any

import attrs
import cattrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustsim._fast_new import builder
from trustsim.model import (
    ConditionClause,
    Effect,
    Policy,
    PolicyKind,
    Principal,
    Statement,
    parse_operator_name,
)

TEXTS = st.text(max_size=8)
TUPLES = st.lists(TEXTS, max_size=3).map(tuple)
OPTIONAL_TUPLES = st.none() | TUPLES
PRINCIPALS = st.builds(Principal, TUPLES, TUPLES, TUPLES, TUPLES, st.booleans())
OPERATORS = st.sampled_from(["StringEquals", "ForAnyValue:StringLike", "NumericLessThan"]).map(
    parse_operator_name
)
CLAUSES = st.builds(ConditionClause, OPERATORS, TEXTS, TUPLES, st.booleans())
STATEMENTS = st.builds(
    Statement,
    st.sampled_from(Effect),
    st.none() | TEXTS,
    st.none() | PRINCIPALS,
    st.none() | PRINCIPALS,
    OPTIONAL_TUPLES,
    OPTIONAL_TUPLES,
    OPTIONAL_TUPLES,
    OPTIONAL_TUPLES,
    st.lists(CLAUSES, max_size=2).map(tuple),
    st.integers(0, 70),
    TEXTS,
    st.none() | st.sampled_from(["allow", "DENY"]),
)
POLICIES = st.builds(
    Policy,
    st.lists(STATEMENTS, min_size=1, max_size=2).map(tuple),
    st.none() | st.sampled_from(["2012-10-17", "2008-10-17"]),
    st.none() | TEXTS,
    st.sampled_from(PolicyKind),
    st.none() | TEXTS,
)


def _slots(value: object) -> list[object]:
    names = [name for name in type(value).__slots__ if name != "__weakref__"]
    return [getattr(value, name) for name in names]


def _as_built(value: Any) -> Any:
    """``value`` made again by the builder of its class, from its own fields."""
    fields = [getattr(value, field.name) for field in attrs.fields(type(value))]
    return builder(type(value))(*fields)


@given(st.one_of(POLICIES, STATEMENTS, PRINCIPALS, CLAUSES))
def test_a_value_built_into_its_slots_is_the_one_its_class_builds(value: Any) -> None:
    built = _as_built(value)
    assert type(built) is type(value)
    assert _slots(built) == _slots(value)  # the cached hash too: empty in both, before hashing
    assert built == value
    assert hash(built) == hash(value)
    assert repr(built) == repr(value)
    assert pickle.loads(pickle.dumps(built)) == value  # noqa: S301 (our own bytes)
    assert cattrs.Converter().unstructure(built) == cattrs.Converter().unstructure(value)
    first = attrs.fields(type(value))[0].name
    assert attrs.evolve(built, **{first: getattr(value, first)}) == value
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        setattr(built, first, None)


def test_a_class_whose_init_does_more_is_refused() -> None:
    @attrs.frozen
    class Checked:
        name: str = attrs.field(validator=attrs.validators.instance_of(str))

    @attrs.frozen
    class Finished:
        name: str

        def __attrs_post_init__(self) -> None:
            """attrs would call it; a builder would not."""

    @attrs.define(slots=False)
    class Plain:
        name: str

    for cls in (Checked, Finished, Plain):
        with pytest.raises(TypeError, match="does more than store its arguments"):
            builder(cls)
