"""``Outcome.explain()`` replays the evaluator, which the evaluation package hands to the outcome.

The outcome's module imports nothing of the evaluator (the evaluator builds outcomes), so the
replay reaches it when ``trustsim.evaluation`` is imported. An outcome in a process that never
imported the evaluator (built by hand, or unpickled) says so instead of explaining nothing.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

from trustsim.callers import IamUser, Role
from trustsim.evaluation import assume_role
from trustsim.evaluation.explaining import explain
from trustsim.parsing import parse_policy

_FRESH = textwrap.dedent(
    """
    import sys
    from trustsim.callers import Anonymous, Role
    from trustsim.context import RequestContext
    from trustsim.decision import Decision, Outcome
    from trustsim.model import Policy
    from trustsim.assume_request import AssumeRoleRequest

    role = Role("arn:aws:iam::111122223333:role/r", Policy(()))
    request = AssumeRoleRequest(Anonymous(), role, "sts:AssumeRole", RequestContext.of())
    outcome = Outcome(Decision.IMPLICIT_DENY, (), (), request, side="caller")
    assert "trustsim.evaluation" not in sys.modules
    try:
        outcome.explain()
    except RuntimeError as error:
        print("refused:", error)
    import trustsim.evaluation
    print("explained:", outcome.explain().decision)
    """
)


def test_outcome_explain_is_the_evaluators_replay() -> None:
    alice = IamUser("arn:aws:iam::111122223333:user/alice")
    trust = parse_policy(
        {"Statement": {"Effect": "Allow", "Principal": {"AWS": alice.arn}, "Action": "*"}}
    )
    outcome = assume_role(alice, Role("arn:aws:iam::111122223333:role/r", trust))
    assert outcome.explain() == explain(outcome)
    assert outcome.explain().determining[0].ref == outcome.determined_by[0]


def test_an_outcome_explains_once_the_evaluator_is_imported_and_says_so_before() -> None:
    run = subprocess.run(  # noqa: S603 - this interpreter, our own script
        [sys.executable, "-c", _FRESH], capture_output=True, text=True, check=True, timeout=60
    )
    refused, explained = run.stdout.splitlines()
    assert refused.startswith("refused: Outcome.explain() replays trustsim's evaluator")
    assert "import trustsim.evaluation" in refused
    assert explained == "explained: ImplicitDeny"
