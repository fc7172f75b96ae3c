"""The generated check of a condition block, compiled once per shape of block.

One function tests every clause in order; it is written as source, so that tracebacks show it.
"""

from __future__ import annotations

import itertools
import linecache
import types
from collections.abc import Callable, Sequence

from trustsim._memo import register, remember
from trustsim.conditions.clause import Clause, Entries
from trustsim.context import RequestContext
from trustsim.operators import (
    Family,
    build_equals,
)

_COSTS = {Family.NULL: 0, Family.BOOL: 1, Family.STRING: 2, Family.ARN: 4, Family.BINARY: 4}


def cost(clause: Clause) -> int:
    """A rough rank of a clause's cost: presence tests, then set lookups, then parsing."""
    rank = _COSTS.get(clause.spec.family, 5)
    if rank == 2 and clause.spec.build is not build_equals:
        rank = 3  # wildcard and case-folding string operators
    if clause.qualifier is not None:
        rank += 1
    return rank + 10 if clause.templates else rank


def _clause_source(clause: Clause, index: int, names: dict[str, object]) -> list[str]:
    """The lines testing one clause inside the generated ``check`` (``return False`` on a miss).

    No policy text reaches the source: the folded key, matchers and tests are bound as names
    of the generated function's globals (``key0``, ``match0``, ``test0``…), so the source
    depends only on the block's shape and is compiled once per shape.
    """
    key = f"key{index}"
    names[key] = clause.folded
    if clause.spec.family is Family.NULL:
        if_absent, if_present = clause.null_if_absent, clause.null_if_present
        if if_absent and if_present:
            return []
        if not if_absent and not if_present:
            return ["    return False"]
        test = "" if if_absent else "not "
        return [f"    if {test}values.get({key}):", "        return False"]
    if (
        clause.qualifier is None
        and clause.static_match is not None
        and clause.spec.build is build_equals
        and not clause.negated
    ):
        # StringEquals: the request must carry exactly one value, one of the policy's (§5.1,
        # reading 3), so the values tuple is compared whole; absent or [] takes the
        # missing-key result (false, or true under IfExists).
        expected = frozenset((text,) for text in clause.prepared)
        single = len(expected) == 1
        names[f"expected{index}"] = next(iter(expected)) if single else expected
        test = f"!= expected{index}" if single else f"not in expected{index}"
        if clause.missing_result:
            return [f"    v = values.get({key})", f"    if v and v {test}:", "        return False"]
        return [f"    if values.get({key}) {test}:", "        return False"]
    if clause.qualifier is None and clause.static_match is not None:
        # §5.1 and reading 3: one value tested, several values never match; an absent
        # key (or one given as []) takes the missing-key result.
        names[f"match{index}"] = clause.static_match
        wanted = not clause.negated
        miss = f"len(v) != 1 or match{index}(v[0]) is not {wanted}"
        head = f"v and ({miss})" if clause.missing_result else f"not v or {miss}"
        return [f"    v = values.get({key})", f"    if {head}:", "        return False"]
    names[f"test{index}"] = clause.test
    return [f"    if not test{index}(values, context):", "        return False"]


Check = Callable[[Entries, RequestContext], bool]
#: Generated code by source, and the linecache entries registered for it (by file name).
#: Bounded like every cache; clearing drops the linecache entries too.
_SHAPES: dict[str, types.CodeType] = {}
_SHAPE_FILES: list[str] = []
_SHAPES_SIZE = 1024
_SHAPE_NUMBERS = itertools.count(1)


def clear_shapes() -> None:
    """Forget the generated code and its linecache entries."""
    _SHAPES.clear()
    for filename in _SHAPE_FILES:
        linecache.cache.pop(filename, None)
    _SHAPE_FILES.clear()


register("conditions: generated shapes", clear_shapes, _SHAPES.__len__, _SHAPES_SIZE)


def generate(clauses: Sequence[Clause], name: str) -> Check:
    """One function testing every clause in order, written as source (attrs-style).

    The source is registered in :mod:`linecache` under a pseudo-file naming its shape, so
    tracebacks and debuggers show it; ``name`` (the statement's pointer) becomes the
    function's qualified name.
    """
    names: dict[str, object] = {}
    lines = ["def check(values, context):"]
    for index, clause in enumerate(clauses):
        lines += _clause_source(clause, index, names)
    lines.append("    return True")
    source = "\n".join(lines) + "\n"
    code = _SHAPES.get(source)
    if code is None:
        # Named by shape: blocks of one shape (whatever their operators' names) share it. The
        # code depends on the source alone (no policy text reaches it: see _clause_source).
        filename = f"<trustsim compiled condition, shape {next(_SHAPE_NUMBERS)}>"
        module = compile(source, filename, "exec")
        code = next(c for c in module.co_consts if isinstance(c, types.CodeType))
        remember(_SHAPES, source, code, _SHAPES_SIZE, clear=clear_shapes)
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        _SHAPE_FILES.append(filename)
    check = types.FunctionType(code, names, "check")
    check.__qualname__ = f"condition of {name}" if name else "condition"
    return check
