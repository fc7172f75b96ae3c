"""The corpus through other local IAM evaluators: wrong answers beside speed (optional).

Run: python benchmarks/peers.py [--count 400] [--seed 7] [--repeat 5]

Decides every case of the generated corpus (tests/support/corpus.py) with each peer that is
installed — PMapper (``principalmapper``) and moto — through an adapter that gives the peer
the case as faithfully as its API allows, counts where the peer's answer (allowed or not)
differs from trustsim's, per case family, and times the peer against trustsim's ``decide()``
and ``evaluate()`` in alternation (``benchmarks/run.py``'s ``_paired``). trustsim's answers
are first checked against ``tests/support/reference.py``.

Neither peer is a dependency of trustsim: install them in a separate virtualenv (see
benchmarks/README.md, "peers.py"). Without them the script says so and exits with status 0.
The test suite never imports this file.
"""

from __future__ import annotations

import argparse
import collections
import collections.abc
import importlib
import importlib.util
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.run import _loop, _paired
from tests.support import corpus, reference
from trustsim.callers import IamUser, RoleSession, ServicePrincipal
from trustsim.decision import Decision
from trustsim.evaluation import decide, evaluate
from trustsim.requests import AssumeRoleRequest

Json = dict[str, Any]
Case = dict[str, Any]
#: A case made ready for one peer: calling it asks the peer and returns True when it allows.
Prepared = Callable[[], bool]
Adapter = Callable[[Case, AssumeRoleRequest], Prepared]

FAMILIES = ("github", "cross_account", "service", "saml", "org")


def _actions(request: AssumeRoleRequest) -> list[str]:
    """The call's action and its companions: every one must be allowed (docs/semantics.md §4.11)."""
    return [request.action, *(a for a in request.companion_actions if a != request.action)]


def _context(request: AssumeRoleRequest) -> dict[str, str | list[str]]:
    """trustsim's derived request context as plain JSON (one value: a string; several: a list)."""
    return {
        key: value if isinstance(value, str) else list(value)
        for key, value in request.context.to_dict().items()
    }


def _account(arn: str) -> str:
    return arn.split(":")[4]


# --------------------------------------------------------------------------- PMapper


def _import_pmapper() -> tuple[Any, Any]:
    """principalmapper's ``local_policy_simulation`` and ``query_interface`` modules.

    principalmapper 1.1.5 (the last release) does ``from collections import Mapping,
    MutableMapping`` in ``principalmapper/util/case_insensitive_dict.py``; those aliases were
    removed in Python 3.10, so the import fails. The two names are put back (they are the same
    classes, from ``collections.abc``) in this process only, before importing.
    """
    for name in ("Mapping", "MutableMapping"):
        if not hasattr(collections, name):
            setattr(collections, name, getattr(collections.abc, name))
    simulation = importlib.import_module("principalmapper.querying.local_policy_simulation")
    query = importlib.import_module("principalmapper.querying.query_interface")
    return simulation, query


def pmapper_adapter() -> Adapter:
    """PMapper's local evaluation, the way its own STS edge checks call it.

    * IAM callers (users, role sessions) become a ``Node`` (a session is its role's node:
      PMapper's graph has roles, not sessions) with the caller's identity policies attached and
      its tags; ``query_interface.local_check_authorization_full`` then runs PMapper's full local
      evaluation with the trust policy as resource policy and the role's account as owner
      (denies everywhere, the trust policy's principal match, the identity policies).
    * Services: ``local_policy_simulation.resource_policy_authorization`` with the service name,
      allowed on ``SERVICE_MATCH`` (as PMapper's Lambda/EC2 edge checks do).
    * Web identity and SAML: PMapper knows no ``Federated`` principal; the provider ARN is
      passed as ``resource_policy_authorization``'s principal string, which PMapper compares
      with ``Principal.Service`` only, so no grant ever matches.

    Every call gets trustsim's derived request context (PMapper evaluates conditions against a
    case-insensitive dict of context keys).
    """
    simulation, query = _import_pmapper()
    node_class = importlib.import_module("principalmapper.common.nodes").Node
    policy_class = importlib.import_module("principalmapper.common.policies").Policy
    insensitive = importlib.import_module(
        "principalmapper.util.case_insensitive_dict"
    ).CaseInsensitiveDict
    service_match = simulation.ResourcePolicyEvalResult.SERVICE_MATCH

    def prepare(case: Case, request: AssumeRoleRequest) -> Prepared:
        trust, role_arn, actions = case["trust"], request.role.arn, _actions(request)
        owner, context = _account(role_arn), _context(request)
        caller = request.caller
        if isinstance(caller, (IamUser, RoleSession)):
            arn = caller.arn if isinstance(caller, IamUser) else caller.role_arn
            spec = case["caller"]
            policies = [
                policy_class(f"{arn}/inline-{index}", f"inline-{index}", document)
                for index, document in enumerate(spec.get("identity", []))
            ]
            user = isinstance(caller, IamUser)
            node = node_class(
                arn=arn,
                id_value="AIDAEXAMPLE" if user else "AROAEXAMPLE",
                attached_policies=policies,
                group_memberships=None,
                # The caller role's own trust policy plays no part in what it may assume.
                trust_policy=None if user else {"Version": "2012-10-17", "Statement": []},
                instance_profile=None,
                num_access_keys=0,
                active_password=False,
                is_admin=False,
                permissions_boundary=None,
                has_mfa=False,
                tags=dict(spec.get("tags", {})),
            )

            def iam() -> bool:
                return all(
                    query.local_check_authorization_full(
                        node, action, role_arn, context, resource_policy=trust, resource_owner=owner
                    )
                    for action in actions
                )

            return iam
        name = caller.name if isinstance(caller, ServicePrincipal) else caller.provider  # type: ignore[union-attr]
        keys = insensitive(context)

        def other() -> bool:
            return all(
                simulation.resource_policy_authorization(name, owner, trust, action, role_arn, keys)
                is service_match
                for action in actions
            )

        return other

    return prepare


# --------------------------------------------------------------------------- moto


def moto_adapter() -> Adapter:
    """moto's IAM access control (``moto.iam.access_control``), its own ``sts:AssumeRole`` check.

    ``IAMRequestBase.check_action_permitted`` in moto asks each of the caller's identity
    policies ``IAMPolicy(policy).is_action_permitted(action, resource)`` (a ``DENIED`` refuses,
    one ``PERMITTED`` is needed) and then the trust policy
    ``IAMPolicy(trust).is_action_permitted(action, role_arn, principal, condition_values)``,
    which must be ``PERMITTED``. The adapter does the same on prebuilt ``IAMPolicy`` objects:

    * principal: the caller's ARN as moto's access key reports it — the user ARN, or
      ``arn:aws:sts::<account>:assumed-role/<role name>/<session>`` for a role session.
      Services and federated callers have no moto identity; they get ``principal=None``,
      which makes moto skip the principal check (moto's own STS never checks the trust policy
      of ``AssumeRoleWithWebIdentity``/``AssumeRoleWithSAML`` at all).
    * condition values: trustsim's whole derived context (moto itself passes only
      ``sts:ExternalId``); moto looks keys up case-sensitively and reads single strings, so
      a multi-valued key is given its first value.
    """
    access_control = importlib.import_module("moto.iam.access_control")
    policy_class, permitted = access_control.IAMPolicy, access_control.PermissionResult.PERMITTED
    denied = access_control.PermissionResult.DENIED

    def prepare(case: Case, request: AssumeRoleRequest) -> Prepared:
        trust = policy_class(json.dumps(case["trust"]))
        role_arn, actions = request.role.arn, _actions(request)
        values = {k: v if isinstance(v, str) else v[0] for k, v in _context(request).items() if v}
        caller = request.caller
        iam = isinstance(caller, (IamUser, RoleSession))
        principal: str | None = None
        identity: list[Any] = []
        if isinstance(caller, (IamUser, RoleSession)):
            if isinstance(caller, IamUser):
                principal = caller.arn
            else:
                name = caller.role_arn.rsplit("/", 1)[1]
                partition, account = caller.role_arn.split(":")[1], _account(caller.role_arn)
                principal = (
                    f"arn:{partition}:sts::{account}:assumed-role/{name}/{caller.session_name}"
                )
            identity = [policy_class(json.dumps(p)) for p in case["caller"].get("identity", [])]

        def check(action: str) -> bool:
            if iam:
                results = [p.is_action_permitted(action, role_arn) for p in identity]
                if denied in results or permitted not in results:
                    return False
            return trust.is_action_permitted(action, role_arn, principal, values) is permitted

        def run() -> bool:
            return all(check(action) for action in actions)

        return run

    return prepare


PEERS: dict[str, tuple[str, Callable[[], Adapter]]] = {
    "PMapper": ("principalmapper", pmapper_adapter),
    "moto": ("moto", moto_adapter),
}


# --------------------------------------------------------------------------- running


def _guarded(prepared: Prepared) -> tuple[Prepared, list[str]]:
    """``prepared``, answering False (fail closed) when the peer raises; errors are recorded."""
    errors: list[str] = []

    def run() -> bool:
        try:
            return prepared()
        except Exception as error:  # a peer's crash is one of its answers
            if not errors:  # the first is enough, and the timing loops call this again
                errors.append(f"{type(error).__name__}: {error}")
            return False

    return run, errors


def _call(prepared: Prepared) -> bool:
    return prepared()


def main() -> None:
    """Decide the corpus with every installed peer; print wrong answers and rates."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    installed = {
        label: factory
        for label, (module, factory) in PEERS.items()
        if importlib.util.find_spec(module) is not None
    }
    missing = [
        f"{label} ({module})" for label, (module, _) in PEERS.items() if label not in installed
    ]
    if missing:
        print("not installed, skipped: " + ", ".join(missing))
    if not installed:
        print("no peer to compare with; see benchmarks/README.md, 'peers.py', to install them")
        return

    cases = corpus.generate(args.count, args.seed)
    roles = [corpus.make_role(case) for case in cases]
    requests = [corpus.make_request(c, r) for c, r in zip(cases, roles, strict=True)]
    truth = [decide(request) for request in requests]
    for case, request, decision in zip(cases, requests, truth, strict=True):
        if reference.decide(*corpus.reference_args(case, request)) != decision.value:
            raise SystemExit(f"trustsim and tests/support/reference.py disagree on {case['name']}")
    allowed = sum(d is Decision.ALLOW for d in truth)
    print(f"corpus: {len(cases)} cases (seed {args.seed}), {allowed} allowed by trustsim "
          f"(= tests/support/reference.py); median of {args.repeat} repetitions\n")  # fmt: skip

    for label, factory in installed.items():
        try:
            adapter = factory()
        except ImportError as error:
            print(f"{label}: installed but cannot be imported ({error}); skipped\n")
            continue
        prepared, errors = [], []
        for case, request in zip(cases, requests, strict=True):
            run, case_errors = _guarded(adapter(case, request))
            prepared.append(run)
            errors.append(case_errors)
        answers = [run() for run in prepared]
        wrong: collections.Counter[str] = collections.Counter()
        crashed: collections.Counter[str] = collections.Counter()
        wrong_allows = 0
        for case, answer, decision, case_errors in zip(cases, answers, truth, errors, strict=True):
            crashed[case["scenario"]] += bool(case_errors)
            if answer != (decision is Decision.ALLOW):
                wrong[case["scenario"]] += 1
                wrong_allows += answer
        total = sum(wrong.values())
        print(f"{label}: {total} wrong answers of {len(cases)} ({total / len(cases):.0%}); "
              f"{wrong_allows} allowed what trustsim denies, {total - wrong_allows} denied what "
              f"it allows; {sum(crashed.values())} raised an exception (counted as deny)")  # fmt: skip
        samples = sorted({message for case_errors in errors for message in case_errors})
        for message in samples[:3]:
            print(f"  exception: {message[:110]}")
        print(f"  {'family':<14} {'wrong':>9} {label + '/s':>12} {'decide()/s':>12} {'ratio':>7}")
        for family in FAMILIES:
            chosen = [i for i, case in enumerate(cases) if case["scenario"] == family]
            mine, theirs, ratio = _paired(
                _loop(decide, [requests[i] for i in chosen]),
                _loop(_call, [prepared[i] for i in chosen]),
                args.repeat,
            )
            note = f"  ({crashed[family]} raised)" if crashed[family] else ""
            print(f"  {family:<14} {wrong[family]:>4} / {len(chosen):<3} {theirs:>12,.0f} "
                  f"{mine:>12,.0f} {ratio:>6.1f}x{note}")  # fmt: skip
        for name, ours in (("decide", decide), ("evaluate", evaluate)):
            mine, theirs, ratio = _paired(
                _loop(ours, requests), _loop(_call, prepared), args.repeat
            )
            print(f"  whole corpus: {label} {theirs:,.0f}/s, trustsim {name}() {mine:,.0f}/s: "
                  f"trustsim is {ratio:.1f}x faster")  # fmt: skip
        print()


if __name__ == "__main__":
    main()
