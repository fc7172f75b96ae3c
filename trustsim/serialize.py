"""Policies back to JSON, in one canonical form.

Canonical means: elements in the order AWS documents them (``Version``, ``Id``,
``Statement``; ``Sid``, ``Effect``, ``Principal``, ``Action``, ``Resource``, ``Condition``),
``Statement`` always a list, a one-value element written as a string and several as a list,
condition values in the shape the document used. ``parse_policy(to_dict(p), kind=p.kind)``
gives back a policy equal to ``p``.

The writer lives with the model it writes (:func:`trustsim.model.to_dict`,
:func:`trustsim.model.to_json`, behind ``Policy.to_dict`` / ``Policy.to_json``); this module
is its documented import path.
"""

from __future__ import annotations

from trustsim.model import to_dict, to_json

__all__ = ["to_dict", "to_json"]
