"""Compiled policies are cached per policy object and label, and the cache keeps nothing alive.

Cache behaviour (tests/speed/): the rest of the compiler's rules are in
tests/evaluation/test_compiler.py.
"""

from __future__ import annotations

import gc

from trustsim import compiler
from trustsim.compiler import compile_policy
from trustsim.model import Effect, Policy, Statement


def _statement(**fields: object) -> Statement:
    return Statement(Effect.ALLOW, **fields)  # type: ignore[arg-type]


def test_compilation_is_cached_per_policy_object_and_label() -> None:
    policy = Policy((_statement(action=("sts:AssumeRole",), resource=("*",)),))
    first = compile_policy(policy, label="identity policy 1")
    assert compile_policy(policy, label="identity policy 1") is first
    assert compile_policy(policy, label="identity policy 2") is not first
    equal_but_other = Policy((_statement(action=("sts:AssumeRole",), resource=("*",)),))
    assert compile_policy(equal_but_other, label="identity policy 1") is not first


def test_the_cache_does_not_keep_policies_alive() -> None:

    policy = Policy((_statement(action=("sts:AssumeRole",), resource=("*",)),))
    compile_policy(policy, label="short-lived")
    key = (id(policy), "short-lived")
    assert key in compiler._CACHE
    del policy
    gc.collect()
    assert key not in compiler._CACHE
