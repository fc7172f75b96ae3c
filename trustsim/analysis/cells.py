"""Caller classes, their slots, the regions of each slot, and the witness of each cell.

A *caller class* is a kind of caller with what fixes its keys' names: IAM users, role
sessions, AWS services, one OIDC provider, one SAML provider. A *slot* is one thing a caller
of that class chooses freely (its ARN, the ``ExternalId`` it passes, a token claim, whether it
passes session tags…) and the condition keys it sets. The policies' constants split each slot's
domain into *regions*; a *cell* picks one region per slot, and :func:`witness` builds one
concrete request of the cell with :func:`trustsim.build_request`.

Every key a policy tests is, for each class, one of: set by a slot; *fixed* (the same for every
request of the class: ``aws:SecureTransport``, the role's tags, a key a caller of that class
never carries); or not modelled, which makes the answer incomplete (a :class:`Gap`).

This module is the analysis' one door to its parts, each in its own module:

- :mod:`~trustsim.analysis.cell_types` — the values (:class:`Gap`, :class:`Slot`,
  :class:`Region`, :class:`CallerClass`, :class:`Cell`) and :func:`cells`;
- :mod:`~trustsim.analysis.policy_reader` — the policies' clauses and principals, read once;
- :mod:`~trustsim.analysis.slot_builders` — which keys a class fixes, and its slots;
- :mod:`~trustsim.analysis.caller_classes` — :func:`caller_classes`;
- :mod:`~trustsim.analysis.regions` — :func:`regions` and :func:`region_of`;
- :mod:`~trustsim.analysis.witnesses` — :func:`witness`.
"""

from __future__ import annotations

from trustsim.analysis import cell_types
from trustsim.analysis.caller_classes import caller_classes
from trustsim.analysis.cell_types import *  # noqa: F403 - the values: exactly cell_types.__all__
from trustsim.analysis.regions import MULTI_LIMIT, region_of, regions
from trustsim.analysis.witnesses import CALLER_ALLOWS, Unrealisable, witness

__all__ = [
    "CALLER_ALLOWS",
    "MULTI_LIMIT",
    "Unrealisable",
    "caller_classes",
    "region_of",
    "regions",
    "witness",
]
__all__ += cell_types.__all__
