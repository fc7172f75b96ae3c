"""Short reprs for trustsim's public values, and their IPython / notebook forms.

attrs writes a repr of every field, nested values included: a one-statement ``Policy`` came to
600 characters, a ``Role`` 700, and pytest's ``where … = …`` lines buried the explanation under
them. The reprs here fit on one line (at most :data:`LIMIT` characters) and say what tells values
apart — an ARN, a statement's effect, Sid and principals, how many policies a caller carries.
``str()`` and ``to_dict()`` / ``to_json()`` still give everything.

Each module calls :func:`install` on its own namespace at its end, so the repr is in place
whichever module is imported first. Nothing here imports a trustsim module (the modules import
this one), so the functions read values by attribute.

>>> from trustsim.model import Effect, Policy, Principal, Statement
>>> Policy((Statement(Effect.ALLOW, sid="Ci", principal=Principal(aws=("111122223333",)),
...                   action=("sts:AssumeRole",)),))
Policy(1 statement: [0] Allow "Ci" AWS 111122223333)
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from typing import Any

#: The longest repr any public value has.
LIMIT = 200


def clip(text: str, limit: int = LIMIT) -> str:
    """``text`` cut to ``limit`` characters, the cut marked with ``…``.

    >>> clip("abcdef", 4)
    'abc…'
    """
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _values(values: Iterable[object], shown: int = 2) -> str:
    items = [str(v) for v in values]
    text = ", ".join(items[:shown])
    return text + (f" +{len(items) - shown}" if len(items) > shown else "")


def _principal(principal: Any) -> str:
    if principal is None:
        return ""
    if getattr(principal, "star", False):
        return "*"
    parts = []
    for label, values in (
        ("AWS", principal.aws),
        ("Service", principal.service),
        ("Federated", principal.federated),
        ("CanonicalUser", principal.canonical_user),
    ):
        if values:
            parts.append(f"{label} {_values(values)}")
    return "; ".join(parts)


def _statement(statement: Any) -> str:
    sid = f' "{statement.sid}"' if statement.sid else ""
    who = _principal(statement.principal)
    if statement.not_principal is not None:
        who = f"NotPrincipal {_principal(statement.not_principal)}"
    conditions = len(statement.condition)
    tail = f" +{_plural(conditions, 'condition')}" if conditions else ""
    return f"[{statement.index}] {statement.effect.value}{sid}{' ' + who if who else ''}{tail}"


def _policy(policy: Any) -> str:
    statements = policy.statements
    head = _plural(len(statements), "statement")
    origin = f"{policy.origin}, " if policy.origin else ""
    body = "; ".join(_statement(s) for s in statements)
    return clip(f"Policy({origin}{head}: {body})" if body else f"Policy({origin}{head})")


def _statement_repr(statement: Any) -> str:
    actions = statement.action if statement.action is not None else statement.not_action
    verb = "Action" if statement.action is not None else "NotAction"
    return clip(f"Statement({_statement(statement)}, {verb} {_values(actions or ())})")


def _principal_repr(principal: Any) -> str:
    return clip(f"Principal({_principal(principal)})")


def _clause(clause: Any) -> str:
    return clip(f"ConditionClause({clause.operator.name} {clause.key} {list(clause.values)!r})")


def _policies(caller: Any) -> str:
    parts = []
    if caller.policies:
        parts.append(_plural(len(caller.policies), "policy").replace("policys", "policies"))
    if getattr(caller, "permissions_boundary", None) is not None:
        parts.append("boundary")
    if getattr(caller, "session_policy", None) is not None:
        parts.append("session policy")
    if getattr(caller, "org", None) is not None:
        parts.append(f"org {caller.org.org_id}")
    return "".join(f", {p}" for p in parts)


def _tags(tags: Mapping[str, str], label: str = "tags") -> str:
    return f", {label}: {_values(tags, 3)}" if tags else ""


def _user(user: Any) -> str:
    return clip(f"IamUser({user.arn!r}{_policies(user)}{_tags(user.tags)})")


def _session(session: Any) -> str:
    tags = _tags(session.session_tags, "session tags")
    return clip(
        f"RoleSession({session.role_arn!r}, {session.session_name!r}{_policies(session)}{tags})"
    )


def _role(role: Any) -> str:
    count = _plural(len(role.trust_policy.statements), "trust statement")
    return clip(f"Role({role.arn!r}, {count}{_tags(role.tags)})")


def _web_identity(identity: Any) -> str:
    claims = identity.claims
    shown = [f"{k}={claims[k]!r}" for k in ("sub", "aud") if k in claims]
    rest = len(claims) - len(shown)
    more = f", +{_plural(rest, 'claim')}" if rest else ""
    return clip(f"WebIdentity({identity.provider!r}{''.join(', ' + s for s in shown)}{more})")


def _org(org: Any) -> str:
    return clip(
        f"OrgMembership({org.org_id!r}, {_plural(len(org.scps), 'SCP level')}, "
        f"{_plural(len(org.rcps), 'RCP level')}{', management account' if org.management_account else ''})"
    )


def _org_unit(unit: Any) -> str:
    name = f" {unit.name!r}" if unit.name else ""
    return clip(
        f"OrgUnit({unit.id}{name} under {unit.parent}, {_plural(len(unit.scps), 'SCP')}, "
        f"{_plural(len(unit.rcps), 'RCP')})"
    )


def _organization(org: Any) -> str:
    management = f", management {org.management_account}" if org.management_account else ""
    return clip(
        f"Organization({org.org_id} root {org.root_id}, {_plural(len(org.units), 'OU')}, "
        f"{_plural(len(org.accounts), 'account')}{management})"
    )


def _caller(caller: Any) -> str:
    """The caller in a few words: its kind and its ARN, provider or name."""
    for attribute in ("arn", "provider", "name"):
        value = getattr(caller, attribute, None)
        if isinstance(value, str):
            return f"{type(caller).__name__} {value}"
    return type(caller).__name__


def _request(request: Any) -> str:
    return clip(
        f"AssumeRoleRequest({request.action} of {request.role.arn!r} by "
        f"{_caller(request.caller)}, {_plural(len(request.context), 'context key')})"
    )


def _context(context: Any) -> str:
    whole = _CONTEXT_REPR[0](context)  # the mapping itself, when it fits
    if len(whole) <= LIMIT:
        return whole
    keys = list(context)
    return clip(f"RequestContext({_plural(len(keys), 'key')}: {', '.join(keys)})")


def _clause_result(result: Any) -> str:
    mark = "✓" if result.matched else "✗"
    got = "absent" if result.request_values is None else list(result.request_values)
    return clip(
        f"ClauseResult({mark} {result.operator} {result.key}: got {got}, "
        f"policy {list(result.policy_values)})"
    )


def _condition_result(result: Any) -> str:
    failed = sum(1 for clause in result.clauses if not clause.matched)
    return clip(
        f"ConditionResult({'match' if result.matched else 'no match'}: "
        f"{_plural(len(result.clauses), 'clause')}, {failed} failed, "
        f"{_plural(len(result.diagnostics), 'diagnostic')})"
    )


def _diagnostic(diagnostic: Any) -> str:
    where = f", {diagnostic.policy} {diagnostic.pointer}".rstrip() if diagnostic.policy else ""
    return clip(f"Diagnostic({diagnostic.code}{where}: {diagnostic.message!r})")


def _problem(problem: Any) -> str:
    return clip(f"Problem({problem.code} at {problem.pointer!r}: {problem.message!r})")


def _finding(finding: Any) -> str:
    return clip(
        f"Finding({finding.code}, {finding.severity.value} at {finding.pointer!r}: "
        f"{finding.message!r})"
    )


def _witness(witness: Any) -> str:
    return clip(f"Witness({witness.action} by {witness.description!r})")


def _inventory(inventory: Any) -> str:
    return clip(
        f"Inventory({_plural(len(inventory.users), 'user')}, "
        f"{_plural(len(inventory.roles), 'role')}, {_plural(len(inventory.accounts), 'account')}, "
        f"{len(inventory.oidc_providers)} OIDC / {len(inventory.saml_providers)} SAML providers"
        f"{', an organisation' if inventory.organization is not None else ''})"
    )


def _who_can(result: Any) -> str:
    return clip(
        f"WhoCanResult({result.role_arn!r}: {_plural(len(result.principals), 'principal')}, "
        f"{_plural(len(result.classes), 'class').replace('classs', 'classes')}, "
        f"{_plural(len(result.notes), 'note')})"
    )


def _reach(result: Any) -> str:
    return clip(
        f"ReachResult({result.principal_arn!r}: {_plural(len(result.reached), 'role')} reached)"
    )


def _scenario_result(result: Any) -> str:
    verdict = "passed" if result.passed else "failed"
    return clip(
        f"ScenarioResult({result.scenario.name!r}: {result.decision}, expected "
        f"{result.scenario.expected}, {verdict})"
    )


#: RequestContext's own repr (every key and value), kept for contexts short enough to show.
_CONTEXT_REPR: list[Callable[[Any], str]] = [object.__repr__]

#: class name → its repr, for the classes whose attrs repr runs long.
REPRS: dict[str, Callable[[Any], str]] = {
    "Policy": _policy,
    "Statement": _statement_repr,
    "Principal": _principal_repr,
    "ConditionClause": _clause,
    "IamUser": _user,
    "RoleSession": _session,
    "Role": _role,
    "WebIdentity": _web_identity,
    "OrgMembership": _org,
    "OrgUnit": _org_unit,
    "Organization": _organization,
    "AssumeRoleRequest": _request,
    "RequestContext": _context,
    "ClauseResult": _clause_result,
    "ConditionResult": _condition_result,
    "Diagnostic": _diagnostic,
    "Problem": _problem,
    "Finding": _finding,
    "Witness": _witness,
    "Inventory": _inventory,
    "WhoCanResult": _who_can,
    "ReachResult": _reach,
    "ScenarioResult": _scenario_result,
}


def _text(value: Any) -> str:
    to_json = getattr(value, "to_json", None)
    if callable(to_json):  # a policy: its document
        return str(to_json())
    explain = getattr(value, "explain", None)
    if callable(explain):  # an outcome: its explanation
        return str(explain())
    return str(value)


def _repr_pretty_(self: Any, printer: Any, cycle: bool) -> None:
    printer.text(repr(self) if cycle else _text(self))


def _repr_html_(self: Any) -> str:
    return f"<pre>{html.escape(_text(self))}</pre>"


#: Classes that also get IPython's pretty form (their full text) and a notebook HTML form.
RICH = frozenset({"Outcome", "Explanation", "Policy", "WhoCanResult", "Finding", "ReachResult"})


def install(namespace: MutableMapping[str, Any]) -> None:
    """Give the classes of one module's namespace their short repr and rich forms."""
    for name, make in REPRS.items():
        cls = namespace.get(name)
        if isinstance(cls, type) and cls.__module__ == namespace["__name__"]:
            if name == "RequestContext":
                _CONTEXT_REPR[0] = cls.__repr__  # type: ignore[assignment]
            cls.__repr__ = make  # type: ignore[assignment]
    for name in RICH:
        cls = namespace.get(name)
        if isinstance(cls, type) and cls.__module__ == namespace["__name__"]:
            if "_repr_pretty_" not in cls.__dict__:
                cls._repr_pretty_ = _repr_pretty_  # type: ignore[attr-defined]
            cls._repr_html_ = _repr_html_  # type: ignore[attr-defined]
