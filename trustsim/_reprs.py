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


def _actions(statement: Any) -> str:
    actions = statement.action if statement.action is not None else statement.not_action
    verb = "Action" if statement.action is not None else "NotAction"
    return f"{verb} {_values(actions or ())}"


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


def _web_identity(identity: Any) -> str:
    claims = identity.claims
    shown = [f"{k}={claims[k]!r}" for k in ("sub", "aud") if k in claims]
    rest = len(claims) - len(shown)
    more = f", +{_plural(rest, 'claim')}" if rest else ""
    return f"{identity.provider!r}{''.join(', ' + s for s in shown)}{more}"


def _caller(caller: Any) -> str:
    """The caller in a few words: its kind and its ARN, provider or name."""
    for attribute in ("arn", "provider", "name"):
        value = getattr(caller, attribute, None)
        if isinstance(value, str):
            return f"{type(caller).__name__} {value}"
    return type(caller).__name__


def _counted(value: Any, *counts: tuple[str, str]) -> str:
    """``3 SCPs, 1 RCP``: the length of each named attribute, in words."""
    return ", ".join(_plural(len(getattr(value, attribute)), noun) for attribute, noun in counts)


def _context(context: Any) -> str:
    whole = _CONTEXT_REPR[0](context)  # the mapping itself, when it fits
    if len(whole) <= LIMIT:
        return whole
    keys = list(context)
    return clip(f"RequestContext({_plural(len(keys), 'key')}: {', '.join(keys)})")


def _where(diagnostic: Any) -> str:
    return f", {diagnostic.policy} {diagnostic.pointer}".rstrip() if diagnostic.policy else ""


#: The reprs written ``Name(<body>)``: each class's body, in a few words.
_BODIES: dict[str, Callable[[Any], str]] = {
    "Statement": lambda statement: f"{_statement(statement)}, {_actions(statement)}",
    "Principal": _principal,
    "ConditionClause": lambda clause: (
        f"{clause.operator.name} {clause.key} {list(clause.values)!r}"
    ),
    "WebIdentity": _web_identity,
    "IamUser": lambda user: f"{user.arn!r}{_policies(user)}{_tags(user.tags)}",
    "RoleSession": lambda session: (
        f"{session.role_arn!r}, {session.session_name!r}{_policies(session)}"
        f"{_tags(session.session_tags, 'session tags')}"
    ),
    "Role": lambda role: (
        f"{role.arn!r}, {_plural(len(role.trust_policy.statements), 'trust statement')}"
        f"{_tags(role.tags)}"
    ),
    "OrgMembership": lambda org: (
        f"{org.org_id!r}, {_counted(org, ('scps', 'SCP level'), ('rcps', 'RCP level'))}"
        f"{', management account' if org.management_account else ''}"
    ),
    "OrgUnit": lambda unit: (
        f"{unit.id}{f' {unit.name!r}' if unit.name else ''} under {unit.parent}, "
        f"{_counted(unit, ('scps', 'SCP'), ('rcps', 'RCP'))}"
    ),
    "Organization": lambda org: (
        f"{org.org_id} root {org.root_id}, {_counted(org, ('units', 'OU'), ('accounts', 'account'))}"
        f"{f', management {org.management_account}' if org.management_account else ''}"
    ),
    "AssumeRoleRequest": lambda request: (
        f"{request.action} of {request.role.arn!r} by {_caller(request.caller)}, "
        f"{_plural(len(request.context), 'context key')}"
    ),
    "ClauseResult": lambda result: (
        f"{'✓' if result.matched else '✗'} {result.operator} {result.key}: got "
        f"{'absent' if result.request_values is None else list(result.request_values)}, "
        f"policy {list(result.policy_values)}"
    ),
    "ConditionResult": lambda result: (
        f"{'match' if result.matched else 'no match'}: {_plural(len(result.clauses), 'clause')}, "
        f"{sum(1 for clause in result.clauses if not clause.matched)} failed, "
        f"{_plural(len(result.diagnostics), 'diagnostic')}"
    ),
    "Diagnostic": lambda diagnostic: (
        f"{diagnostic.code}{_where(diagnostic)}: {diagnostic.message!r}"
    ),
    "Problem": lambda problem: f"{problem.code} at {problem.pointer!r}: {problem.message!r}",
    "Finding": lambda finding: (
        f"{finding.code}, {finding.severity.value} at {finding.pointer!r}: {finding.message!r}"
    ),
    "Witness": lambda witness: f"{witness.action} by {witness.description!r}",
    "Inventory": lambda inventory: (
        f"{_counted(inventory, ('users', 'user'), ('roles', 'role'), ('accounts', 'account'))}, "
        f"{len(inventory.oidc_providers)} OIDC / {len(inventory.saml_providers)} SAML providers"
        f"{', an organisation' if inventory.organization is not None else ''}"
    ),
    "WhoCanResult": lambda result: (
        f"{result.role_arn!r}: {_counted(result, ('principals', 'principal'))}, "
        f"{_plural(len(result.classes), 'class').replace('classs', 'classes')}, "
        f"{_counted(result, ('notes', 'note'))}"
    ),
    "ReachResult": lambda result: (
        f"{result.principal_arn!r}: {_plural(len(result.reached), 'role')} reached"
    ),
    "ScenarioResult": lambda result: (
        f"{result.scenario.name!r}: {result.decision}, expected {result.scenario.expected}, "
        f"{'passed' if result.passed else 'failed'}"
    ),
}


def _shown_as(name: str, body: Callable[[Any], str]) -> Callable[[Any], str]:
    """The repr ``Name(<body>)``, clipped to :data:`LIMIT`."""

    def short_repr(value: Any) -> str:
        return clip(f"{name}({body(value)})")

    return short_repr


#: class name → its repr, for the classes whose attrs repr runs long.
REPRS: dict[str, Callable[[Any], str]] = {
    "Policy": _policy,
    "RequestContext": _context,
    **{name: _shown_as(name, body) for name, body in _BODIES.items()},
}

#: RequestContext's own repr (every key and value), kept for contexts short enough to show.
_CONTEXT_REPR: list[Callable[[Any], str]] = [object.__repr__]


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
    for name, cls in list(namespace.items()):
        if not isinstance(cls, type) or cls.__module__ != namespace["__name__"]:
            continue
        forms: dict[str, Callable[..., object]] = {}
        if name in REPRS:
            if name == "RequestContext":
                _CONTEXT_REPR[0] = cls.__dict__.get("__repr__", object.__repr__)
            forms["__repr__"] = REPRS[name]
        if name in RICH:
            forms["_repr_html_"] = _repr_html_
            if "_repr_pretty_" not in cls.__dict__:
                forms["_repr_pretty_"] = _repr_pretty_
        for attribute, form in forms.items():
            setattr(cls, attribute, form)
