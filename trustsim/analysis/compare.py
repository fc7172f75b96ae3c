"""Whether a new trust policy allows anything a reference does not: ``CheckNoNewAccess``, locally.

Both policies' constants split the requests into one set of cells; each cell's witness is
decided by :func:`trustsim.evaluate` under both roles. A cell the new policy allows and the
reference denies gives a counterexample: a concrete request, explainable with
``trustsim.evaluate(request).explain()``-style tools.

>>> from trustsim.parsing import parse_policy
>>> from trustsim.analysis import compare
>>> def github(sub):
...     return parse_policy({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
...         "Principal": {"Federated":
...             "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
...         "Action": "sts:AssumeRoleWithWebIdentity",
...         "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": sub}}}})
>>> result = compare(github("repo:acme*"), github("repo:acme/*"))
>>> result.no_new_access
False
>>> result.counterexamples[0].context["token.actions.githubusercontent.com:sub"]
('repo:acme',)
>>> compare(github("repo:acme/app:*"), github("repo:acme/*")).no_new_access
True
"""

from __future__ import annotations

import attrs

from trustsim.analysis.cells import Gap
from trustsim.analysis.grants import Grants, as_role, build_grants, decide_cells
from trustsim.callers import Role
from trustsim.model import Policy
from trustsim.requests import AssumeRoleRequest

__all__ = ["Comparison", "compare"]


@attrs.frozen(eq=False)
class Comparison:
    """The answer of :func:`compare`.

    ``no_new_access`` is True (proven: every request ``new`` allows, ``reference`` allows),
    False (``counterexamples`` lists concrete requests ``new`` allows and ``reference``
    denies, one per cell), or None (undetermined: ``gaps`` says which parts were not decided).
    ``new_grants`` are the Grants of ``new`` that hold the counterexamples' cells.
    """

    no_new_access: bool | None
    counterexamples: tuple[AssumeRoleRequest, ...]
    gaps: tuple[Gap, ...]
    new: Grants
    reference: Grants

    @property
    def reason(self) -> str:
        """One sentence saying why."""
        if self.no_new_access is True:
            return "every request the new policy allows, the reference allows too"
        if self.no_new_access is False:
            return f"the new policy allows {len(self.counterexamples)} kind(s) of request the reference denies"
        return "undetermined: " + "; ".join(str(gap) for gap in self.gaps)


def compare(
    new: Role | Policy, reference: Role | Policy, *, role_arn: str | None = None
) -> Comparison:
    """Whether ``new`` allows any request ``reference`` does not, for the same role.

    Policies are read as trust policies of ``role_arn`` (by default the role ``new`` is, or a
    role in account 111122223333); a role ``reference`` is compared under the same role ARN.
    """
    new_role = as_role(new, role_arn, "new")
    reference_role = as_role(reference, new_role.arn, "reference")
    decided = decide_cells(
        [new_role, reference_role], [new_role.trust_policy, reference_role.trust_policy]
    )
    counterexamples = tuple(
        request
        for _, request, allowed, _ in decided.cells
        if request is not None and allowed[0] and not allowed[1]
    )
    if counterexamples:
        verdict: bool | None = False
    else:
        verdict = True if not decided.gaps else None
    return Comparison(
        verdict,
        counterexamples,
        decided.gaps,
        build_grants(decided, 0, new_role),
        build_grants(decided, 1, reference_role),
    )
