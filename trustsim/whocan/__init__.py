"""Who can assume a role, and what each principal can reach by chaining roles (see :mod:`.search`)."""

from trustsim.whocan.search import (
    MAX_ATOMS,
    MAX_ENUMERATION,
    REQUEST_KEYS,
    Access,
    Answer,
    Literal,
    Reached,
    ReachResult,
    Residual,
    Step,
    WhoCanResult,
    reachable_from,
    who_can_assume,
)

__all__ = [
    "MAX_ATOMS",
    "MAX_ENUMERATION",
    "REQUEST_KEYS",
    "Access",
    "Answer",
    "Literal",
    "ReachResult",
    "Reached",
    "Residual",
    "Step",
    "WhoCanResult",
    "reachable_from",
    "who_can_assume",
]
