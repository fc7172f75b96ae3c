"""Exact answers about trust policies: every caller who can assume a role, and what a change adds.

:func:`grants` lists every request a trust policy allows as readable :class:`Grant` boxes,
each with a witness request :func:`trustsim.evaluate` allows; :func:`compare` says whether a
new policy allows anything a reference does not. Both split the requests into finitely many
cells by the policies' constants and decide each cell with the real evaluator (docs/analysis.md).
"""

from __future__ import annotations

from trustsim.analysis.cells import Gap
from trustsim.analysis.compare import Comparison, compare
from trustsim.analysis.grants import Grant, Grants, grants

__all__ = ["Comparison", "Gap", "Grant", "Grants", "compare", "grants"]
