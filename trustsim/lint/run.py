"""lint(): every rule family applied to one trust policy, document first, then statement by statement."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import attrs

from trustsim._collector import collector_paused
from trustsim._files import read_named
from trustsim.arn import Arn
from trustsim.errors import InvalidPolicy, Position
from trustsim.lint.breadth import BreadthRules
from trustsim.lint.conditions import ConditionRules
from trustsim.lint.findings import Finding
from trustsim.lint.keys import KeyRules
from trustsim.lint.structure import StructureRules
from trustsim.loaders import load_policy
from trustsim.loaders.json_text import read_json
from trustsim.model import Effect, Policy, PolicyKind, Statement
from trustsim.parsing import parse_policy
from trustsim.validation import validate_policy

__all__ = ["default_role_arn", "lint"]


def lint(
    policy: Policy | Mapping[str, object] | str | bytes | os.PathLike[str],
    *,
    role_arn: str | None = None,
) -> tuple[Finding, ...]:
    """Every finding for one role trust policy, statement by statement.

    ``policy`` is a :class:`~trustsim.model.Policy` (checked against the trust-policy rules
    whatever its ``kind``), a decoded document, JSON text, bytes or a path (text keeps
    positions: findings then carry line and column). ``role_arn`` is the
    role's ARN: it tells which accounts are *other* accounts, and which account a bare OIDC
    issuer belongs to (default: :func:`default_role_arn`). Without it every account named in
    the policy may be another account: a whole account trusted without an ExternalId is then
    a suggestion (``ACCOUNT_ROOT_WITHOUT_EXTERNAL_ID``), not a security warning.

    >>> trust = {"Version": "2012-10-17", "Statement": {"Effect": "Allow",
    ...          "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "sts:AssumeRole"}}
    >>> [finding.code for finding in lint(trust)]  # the role's account unknown: a soft note
    ['ACCOUNT_ROOT_WITHOUT_EXTERNAL_ID']
    >>> [finding.code for finding in lint(trust, role_arn="arn:aws:iam::111122223333:role/Ops")]
    ['CROSS_ACCOUNT_ROOT_WITHOUT_EXTERNAL_ID']
    >>> lint(trust, role_arn="arn:aws:iam::444455556666:role/Ops")
    ()

    Python's cyclic garbage collector is paused while a policy is read and linted, and left
    as it was after (:mod:`trustsim._collector`): the run keeps what it builds alive until it
    returns, and each collection its allocations trigger would walk all of it again, so that
    a long policy's lint grew faster than its statements (issue 22).

    Raises:
        InvalidPolicy: AWS would refuse the document (see ``trustsim validate``).
        OSError: the file cannot be read.
    """
    with collector_paused():
        return _lint(policy, role_arn)


def _lint(
    policy: Policy | Mapping[str, object] | str | bytes | os.PathLike[str], role_arn: str | None
) -> tuple[Finding, ...]:
    text: str | bytes | None = None
    if isinstance(policy, Policy):
        document = _as_trust_policy(policy)
    elif isinstance(policy, Mapping):
        document = parse_policy(dict(policy), kind=PolicyKind.TRUST)
    else:
        if isinstance(policy, (str, bytes)) and _is_text(policy):
            text = policy
            origin = "<string>"
        else:
            path = Path(os.fspath(policy))  # type: ignore[arg-type]
            text, _ = read_named(path)
            origin = str(path)
        document = load_policy(text, kind=PolicyKind.TRUST, origin=origin)
    checker = _Checker(
        document, role_arn or default_role_arn(document), role_known=role_arn is not None
    )
    findings = checker.run()
    if text is None or not findings:
        return tuple(findings)
    # Positions only to point at findings, read once the rules are done: a clean policy is
    # read once, and the rules' run does not carry a position per JSON value.
    positions: Mapping[str, Position] = read_json(text).positions
    return tuple(
        attrs.evolve(finding, position=_position(positions, finding.pointer))
        for finding in findings
    )


def _as_trust_policy(policy: Policy) -> Policy:
    # A Policy built in Python, or parsed as another kind, has not been checked against the
    # trust-policy rules; lint only what IAM would save as a role's trust policy (fail closed).
    trust = attrs.evolve(policy, kind=PolicyKind.TRUST)
    problems = validate_policy(trust)
    if problems:
        raise InvalidPolicy(problems, origin=policy.origin)
    return trust


def _is_text(source: str | bytes) -> bool:
    # As trustsim.loaders.load_policy reads them: bytes are always a document; a string is one
    # when it starts like JSON or like the URL-encoded form the raw IAM API returns.
    if isinstance(source, bytes):
        return True
    start = source.lstrip("\ufeff \t\r\n")[:3]
    return start.startswith(("{", "[", '"')) or start.upper() == "%7B"


def _position(positions: Mapping[str, Position], pointer: str) -> Position | None:
    while pointer:
        if pointer in positions:
            return positions[pointer]
        pointer = pointer.rpartition("/")[0]
    return positions.get("")


_DEFAULT_ACCOUNT = "123456789012"
_DEFAULT_ROLE_NAME = "trustsim-role"


def default_role_arn(policy: Policy) -> str:
    """``role/trustsim-role`` in the account of the policy's first identity-provider ARN.

    A trust policy names its OIDC and SAML providers by ARN in the role's own account, so
    that account is the best guess; otherwise ``123456789012``.

    >>> from trustsim.loaders import load_policy
    >>> default_role_arn(load_policy("examples/saml-okta.json"))
    'arn:aws:iam::111122223333:role/trustsim-role'
    """
    for statement in policy.statements:
        for value in statement.principal.federated if statement.principal else ():
            arn = Arn.try_parse(value)
            if arn is not None and arn.account:
                return f"arn:{arn.partition}:iam::{arn.account}:role/{_DEFAULT_ROLE_NAME}"
    return f"arn:aws:iam::{_DEFAULT_ACCOUNT}:role/{_DEFAULT_ROLE_NAME}"


class _Checker(StructureRules, ConditionRules, KeyRules, BreadthRules):
    """Every rule, applied to the document and then statement by statement."""

    def run(self) -> list[Finding]:
        self.document()
        for statement in self.policy.statements:
            self.statement(statement)
        return self.findings

    def statement(self, statement: Statement) -> None:
        if statement.effect_written is not None:
            self.add(
                "EFFECT_CASE",
                self.pointer(statement, "Effect"),
                f'"Effect": "{statement.effect_written}" is read as '
                f'"{statement.effect.value}" (docs/semantics.md, reading 13), but AWS documents '
                "Effect as case-sensitive and refuses other spellings in identity policies",
                f'write "Effect": "{statement.effect.value}"',
            )
        if statement.sid == "":
            self.add(
                "EMPTY_SID_VALUE",
                self.pointer(statement, "Sid"),
                "the statement's Sid is empty",
                "give the statement a name (Sid) or remove the element",
            )
        self.actions(statement)
        self.clauses(statement)
        self.keys(statement)
        self.clause_shapes(statement)
        self.case_variant_keys(statement)
        self.mfa_false_in_deny(statement)
        if statement.effect is not Effect.ALLOW or statement.principal is None:
            return
        principal = statement.principal
        self.mismatched_actions(statement)
        self.principal_references(statement)
        self.name_only_match(statement)
        if "rolesanywhere.amazonaws.com" in principal.service:
            self.roles_anywhere(statement)
        if "*" in principal.aws:
            self.any_aws_principal(statement)
        for index, value in enumerate(principal.aws):
            self.cross_account_root(statement, index, value)
        for name in principal.service:
            self.service_without_source(statement, name)
        for index, provider in enumerate(principal.federated):
            if ":saml-provider/" in provider:
                continue
            self.web_identity(statement, index, provider)
        if principal.federated:
            self.issuer_mismatch(statement)
