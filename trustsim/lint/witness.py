"""Witnesses: concrete outsiders the evaluator allows, proving a breadth finding."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

from trustsim.arn import Arn
from trustsim.callers import (
    Caller,
    IamUser,
    InvalidCaller,
    RoleSession,
    WebIdentity,
)
from trustsim.context import ContextValue
from trustsim.decision import Decision
from trustsim.errors import InvalidContext, InvalidRequest
from trustsim.evaluation import decide
from trustsim.lint import narrowing
from trustsim.lint.base import LintBase
from trustsim.lint.findings import Witness
from trustsim.lint.knowledge import (
    AWS_CONTROLLED,
    AWS_CONTROLLED_PREFIXES,
    GENERIC_FORMAT,
    GITHUB_FORMAT,
    GITHUB_OWNER_BOUND,
    MULTIVALUED_KEYS,
    OUTSIDER,
    WEB_IDENTITY_CONTROLLED,
    SubjectFormat,
    instance,
    is_positive,
)
from trustsim.lint.narrowing import Narrowing
from trustsim.model import Policy, PolicyKind, Statement
from trustsim.parsing import parse_policy
from trustsim.requests import ASSUME_ROLE_WITH_WEB_IDENTITY, build_request
from trustsim.wildcard import compile_pattern


class WitnessBuilder(LintBase):
    """Builds outsiders and asks the evaluator whether they get in."""

    def allow_all(self) -> Policy:
        if self._allow_all is None:
            document = {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sts:*", "Resource": self.role.arn}],
            }
            self._allow_all = parse_policy(document, kind=PolicyKind.IDENTITY)
        return self._allow_all

    def allowed(self, caller: Caller, action: str, context: Mapping[str, ContextValue]) -> bool:
        """Whether the evaluator lets ``caller`` in with ``action`` and ``context``.

        Answers are remembered for the lint run by everything they depend on (the caller's
        value, the action and the context; the role and the time are the run's), so that the
        same outsider asked about by many statements is decided once.
        """
        key = (caller, action, _context_key(context))
        try:
            known = self._answers.get(key)
        except TypeError:  # a value that cannot be a key: decide without remembering
            return self.decide(caller, action, context)
        if known is None:
            known = self._answers[key] = self.decide(caller, action, context)
        return known

    def decide(self, caller: Caller, action: str, context: Mapping[str, ContextValue]) -> bool:
        """The evaluator's decision, on the statements that may apply (trustsim.lint.narrowing)."""
        options, rest = as_request(context)
        try:
            request = build_request(
                caller, self.role, action=action, context=rest, at=self.at, **options
            )
        except (InvalidRequest, InvalidContext, InvalidCaller):
            return False  # STS would refuse the call: no outsider gets in this way
        index = self.statement_index()
        if index is not None:
            request = attrs.evolve(request, role=index.role_for(request))
        return decide(request) is Decision.ALLOW

    def statement_index(self) -> Narrowing | None:
        """The role's statements indexed for :meth:`decide`; ``None`` for a short policy."""
        if self._narrowing is None and len(self.policy.statements) > narrowing.NARROW_FROM:
            self._narrowing = Narrowing.of(self.role)
        return self._narrowing

    def satisfy(
        self,
        statement: Statement,
        controlled: Callable[[str], bool],
        context: dict[str, ContextValue],
    ) -> dict[str, ContextValue]:
        """Context entries, for the keys the caller controls, that meet the statement."""
        # Keys are case-insensitive: a key two clauses spell differently gets one value.
        filled = {name.lower() for name in context}
        for clause in statement.condition:
            key = clause.key.lower()
            if not controlled(key) or key in filled or not clause.values:
                continue
            base = clause.operator.base
            value: ContextValue | None = None
            if base == "Null":
                if clause.values[0] == "false":
                    value = "trustsim"
            elif base == "Bool":
                value = clause.values[0]
            elif base.startswith(("String", "Arn")) and is_positive(clause):
                value = instance(clause.values[0])
            elif base.startswith(("String", "Arn")):
                value = "trustsim-witness"
            elif base.startswith("Numeric"):
                value = numeric_instance(base, clause.values)
            if value is None:
                continue
            if clause.operator.qualifier is not None or key in MULTIVALUED_KEYS:
                value = [value] if isinstance(value, str) else value
            context[clause.key] = value
            filled.add(key)
        return context

    def aws_outsider(
        self, statement: Statement, account: str
    ) -> tuple[IamUser | RoleSession, dict[str, ContextValue]]:
        """An IAM principal of ``account`` that names and tags itself to fit the statement."""
        caller: IamUser | RoleSession = IamUser(
            f"arn:aws:iam::{account}:user/{OUTSIDER}", policies=(self.allow_all(),)
        )
        for clause in statement.condition:
            if clause.key.lower() != "aws:principalarn" or not is_positive(clause):
                continue
            wanted = Arn.try_parse(clause.values[0])
            if wanted is None or not compile_pattern(wanted.account or "-")(account):
                continue
            arn = Arn("aws", "iam", "", account, instance(wanted.resource))
            try:
                if arn.resource.startswith("user/"):
                    caller = IamUser(str(arn), policies=(self.allow_all(),))
                elif arn.resource.startswith("role/"):
                    caller = RoleSession(str(arn), "trustsim", policies=(self.allow_all(),))
            except InvalidCaller:
                continue
            break

        def controlled(key: str) -> bool:
            return key in AWS_CONTROLLED or key.startswith(AWS_CONTROLLED_PREFIXES)

        return caller, self.satisfy(statement, controlled, {})

    # -- breadth findings
    def subject(
        self, pattern: str, fillers: Iterable[str], fmt: SubjectFormat, *, foreign: bool
    ) -> str | None:
        matches = compile_pattern(pattern)
        found: list[str] = []
        for filler in fillers:
            head, _, tail = pattern.replace("?", "*").partition("*")
            candidate = head + filler + tail.replace("*", "x")
            if not matches(candidate):
                continue
            owner = fmt.owner.match(candidate)
            is_foreign = owner is not None and "evil" in owner.group(1)
            if is_foreign == foreign:
                found.append(candidate)

        def rank(candidate: str) -> tuple[bool, bool, int]:
            owner = fmt.owner.match(candidate)
            name = owner.group(1) if owner else ""
            natural = name == "evil" or re.fullmatch(r".*[A-Za-z0-9]-evil", name) is not None
            return (not fmt.well_formed.fullmatch(candidate), not natural, len(candidate))

        return min(found, key=rank) if found else None

    def oidc_witness(
        self,
        statement: Statement,
        provider: str,
        issuer: str,
        fmt: SubjectFormat,
        claims: Mapping[str, str | tuple[str, ...]],
        *,
        builtin: bool = False,
    ) -> Witness | None:
        token: dict[str, str | tuple[str, ...]] = dict(claims)
        sub = token.get("sub")
        if fmt is GITHUB_FORMAT and isinstance(sub, str):
            parsed = re.match(r"repo:([^/:@]+)(?:@[0-9]+)?/([^:@]+)", sub)
            if parsed:
                token["repository"] = f"{parsed.group(1)}/{parsed.group(2)}"
        bound = GITHUB_OWNER_BOUND if fmt is GITHUB_FORMAT else frozenset({"email"})
        fixed = set(token)
        prefix = issuer.lower() + ":"

        def controlled(key: str) -> bool:
            if key.startswith(prefix):
                claim = key[len(prefix) :]
                if claim in fixed or claim in bound:
                    return False
                # A built-in provider's claims name the victim's app, pool and users; only
                # how the identity signed in (amr) is the caller's choice.
                return not builtin or claim == "amr"
            return key in WEB_IDENTITY_CONTROLLED or key.startswith("aws:requesttag/")

        context = self.satisfy(statement, controlled, {})
        for key in list(context):
            if key.lower().startswith(prefix):
                value = context.pop(key)
                token[key[len(prefix) :]] = as_claim(value)
        try:
            caller = WebIdentity(provider, token)
        except InvalidCaller:
            return None
        if not self.allowed(caller, ASSUME_ROLE_WITH_WEB_IDENTITY, context):
            return None
        shown = ", ".join(
            f"{name} {json.dumps(value if isinstance(value, str) else list(value))}"
            for name, value in token.items()
            if name in ("sub", "aud", "amr") and name in claims
        )
        label = fmt.label if fmt is not GENERIC_FORMAT else "web identity"
        return Witness(
            caller,
            ASSUME_ROLE_WITH_WEB_IDENTITY,
            context,
            f"{label} token with {shown} (issuer {issuer})",
        )


#: Keys of the call's own parameters: the witness passes them as the parameters, so that
#: STS's checks on them apply (docs/semantics.md §6.3: ExternalId, RoleSessionName and
#: SourceIdentity have their own character sets; session tags need sts:TagSession, §6.2).
_PARAMETER_KEYS = {
    "sts:externalid": "external_id",
    "sts:rolesessionname": "session_name",
    "sts:sourceidentity": "source_identity",
}


def as_request(
    context: Mapping[str, ContextValue],
) -> tuple[dict[str, Any], dict[str, ContextValue]]:
    """``assume_role`` options for the parameter keys of ``context``, and the other entries."""
    options: dict[str, Any] = {}
    tags: dict[str, str] = {}
    rest: dict[str, ContextValue] = {}
    for key, value in context.items():
        folded = key.lower()
        if folded in _PARAMETER_KEYS and isinstance(value, str):
            options[_PARAMETER_KEYS[folded]] = value
        elif folded.startswith("aws:requesttag/") and isinstance(value, str):
            tags[key.partition("/")[2]] = value
        else:
            rest[key] = value
    if tags:
        options["tags"] = tags
    return options, rest


def _context_key(context: Mapping[str, ContextValue]) -> tuple[object, ...]:
    """``context`` as a memo key: each entry's key, its value's type and the value."""
    return tuple(
        (key, type(value), tuple(value) if isinstance(value, list) else value)
        for key, value in context.items()
    )


def numeric_instance(base: str, values: Sequence[str]) -> str:
    """A number that meets the positive Numeric operator ``base`` for one of ``values``.

    ``aws:MultiFactorAuthAge`` and ``aws:EpochTime`` are numbers the caller controls (it signs
    in with MFA when it likes, and calls when it likes).
    """
    # The values were read as numbers when the policy was parsed.
    numbers = [Decimal(value) for value in values]
    match base:
        case "NumericLessThan":
            number = max(numbers) - 1
        case "NumericGreaterThan" | "NumericNotEquals":
            number = max(numbers) + 1
        case _:  # NumericEquals, NumericLessThanEquals, NumericGreaterThanEquals
            number = numbers[0]
    return str(number)


def as_claim(value: ContextValue) -> str | tuple[str, ...]:
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(str(item) for item in value)
    return str(value)


def describe_caller(caller: IamUser | RoleSession) -> str:
    if isinstance(caller, IamUser):
        return f"IAM user {caller.arn}"
    return f"a session of role {caller.role_arn}"


def describe_context(context: Mapping[str, ContextValue]) -> str:
    return ", ".join(f"{key}={value}" for key, value in context.items())
