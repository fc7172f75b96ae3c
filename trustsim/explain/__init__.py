"""Why a decision came out as it did: the :class:`Explanation` tree and its views.

An explanation is built by replaying the evaluation of an :class:`~trustsim.decision.Outcome`
with a recorder (the same compiled plan; the decision path itself records nothing). It holds,
for every action decided and every policy consulted, every statement with whether its
principal, action, resource and each condition clause matched, and the values compared.
The replay decides in full (every statement that can apply is checked, with its diagnostics);
the records of a policy, and each statement's clause records, are made when a view first
reads them, from what the replay kept.

Three views over that one record (after OPA's explain modes):

* :attr:`Explanation.determining` — the statements that decided;
* :attr:`Explanation.failures` — for a deny, the ``Allow`` statements of the deciding side
  that came closest, nearest first (principal matched, action matched, fewest failing
  clauses), each with its failing clause and both values;
* :attr:`Explanation.all` — everything.

``str(explanation)`` / :meth:`Explanation.to_text` render text for people,
:meth:`Explanation.to_dict` plain JSON-able data for programs.

The explanation is built by the evaluator's replay (:mod:`trustsim.evaluation.explaining`),
reached as :meth:`Outcome.explain <trustsim.decision.Outcome.explain>`; this package holds
the values, and imports nothing of the evaluator.
"""

from __future__ import annotations

from trustsim.explain.explanation import Explanation
from trustsim.explain.records import ActionRecord, ClauseRecord, PolicyRecord, StatementRecord

__all__ = ["ActionRecord", "ClauseRecord", "Explanation", "PolicyRecord", "StatementRecord"]
