"""Who can assume a role, and what each principal can reach by chaining roles.

The package face; its rooms: ``answers`` (what is returned), ``evaluator`` (partial
evaluation of one caller and role), ``index`` (the trust policies' principals indexed),
``search`` (:func:`who_can_assume`: candidates, then answers) and ``reach``
(:func:`reachable_from`). See :mod:`trustsim.whocan.search` for the whole story.
"""

from trustsim.whocan.answers import Access, Answer, Literal, Residual, WhoCanResult
from trustsim.whocan.evaluator import MAX_ATOMS, MAX_ENUMERATION, REQUEST_KEYS
from trustsim.whocan.reach import Reached, ReachResult, Step, reachable_from
from trustsim.whocan.search import who_can_assume

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
