"""Who can assume a role, and what each principal can reach by chaining roles.

The package face; its rooms: ``answers`` (what is returned), ``evaluator`` (partial
evaluation of one caller and role), ``index`` (the trust policies' principals indexed),
``search`` (:func:`who_can_assume`: candidates, then answers) and ``reach``
(:func:`reachable_from`).

:func:`who_can_assume` answers, for one role of an :class:`~trustsim.inventory.Inventory`:

* every user and role of the inventory that can assume it (a role as sessions of that role),
  each with the :class:`~trustsim.decision.Outcome` of a plain call and, when the answer
  depends on what the request carries, the **residual condition** under which it is allowed;
* every *class* of principal outside the inventory that the trust policy admits: another
  account's principals, a principal ARN the inventory does not hold, any AWS principal
  (``{"AWS": "*"}``), a service, any token of an OIDC provider (e.g. any GitHub repository
  whose ``sub`` matches a pattern), any assertion of a SAML provider.

Residuals come from partial evaluation, never from guessed values. A condition clause whose
keys the caller model determines (``aws:PrincipalArn``, ``aws:PrincipalTag/…``,
``aws:PrincipalOrgID``…) is evaluated; a clause on a key only the request can supply
(``sts:ExternalId``, ``aws:MultiFactorAuthPresent``, ``aws:SourceIp``, ``aws:RequestTag/…``,
OIDC claims…) becomes an unknown *atom*. Every policy involved (trust, identity, boundary,
SCPs, RCPs) is evaluated by the same engine (:func:`trustsim.evaluation.evaluate`) for every
truth assignment of its atoms, and the assignments that allow are summed up as a minimal
formula: ``allowed if StringEquals sts:ExternalId = 'x'``; a ``Deny`` whose clauses rest on
request keys gives ``… unless …``.

Candidates come from an index of the trust policies' principals (exact ARNs, accounts,
unique IDs, ``AWS:*``), so the cost grows with the answers, not with roles × principals.
:func:`reachable_from` searches the graph of these answers (role chaining) breadth first.

>>> from trustsim.callers import IamUser, Role
>>> from trustsim.inventory import Inventory
>>> from trustsim.parsing import parse_policy
>>> trust = parse_policy({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
...     "Principal": {"AWS": ["arn:aws:iam::111122223333:user/alice", "444455556666"]},
...     "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "x-42"}}}]})
>>> inventory = Inventory.build(users=[IamUser("arn:aws:iam::111122223333:user/alice"),
...                                    IamUser("arn:aws:iam::111122223333:user/bob")],
...                             roles=[Role("arn:aws:iam::111122223333:role/vendor", trust)])
>>> print(who_can_assume(inventory, "arn:aws:iam::111122223333:role/vendor").to_text())
who can assume arn:aws:iam::111122223333:role/vendor
  user arn:aws:iam::111122223333:user/alice: allowed if StringEquals sts:ExternalId = 'x-42'
outside the inventory:
  principals of account 444455556666: allowed if StringEquals sts:ExternalId = 'x-42' (if their own ...)
"""

from __future__ import annotations

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
