"""Structural findings: actions, principals, Sids, case-variant keys."""

from __future__ import annotations

import re

import attrs

from trustsim.arn import Arn
from trustsim.lint.base import LintBase
from trustsim.lint.knowledge import (
    TRUST_POLICY_QUOTA,
    UNIQUE_ID,
    has_wildcard,
    is_positive,
)
from trustsim.model import Effect, Statement
from trustsim.requests import (
    ASSUME_ROLE,
    ASSUME_ROLE_WITH_SAML,
    ASSUME_ROLE_WITH_WEB_IDENTITY,
)


class StructureRules(LintBase):
    """Findings about the document, actions and principals."""

    def document(self) -> None:
        if self.policy.version is None:
            self.add(
                "MISSING_VERSION",
                "",
                "the policy has no Version, so IAM reads it with the 2008-10-17 grammar: "
                "policy variables such as ${aws:username} are literal text",
                'add "Version": "2012-10-17"',
            )
        size = len(re.sub(r"\s", "", self.policy.to_json(indent=None)))
        if size > TRUST_POLICY_QUOTA:
            self.add(
                "POLICY_SIZE_EXCEEDS_QUOTA",
                "",
                f"the policy has {size} characters besides whitespace; IAM refuses trust policies "
                f"over {TRUST_POLICY_QUOTA} unless the account's quota was raised",
                "merge statements and value lists, or ask for a higher role trust policy quota",
            )
        self.redundant_statements()

    def principal_references(self, statement: Statement) -> None:
        principal = statement.principal
        assert principal is not None  # noqa: S101 (called for statements with a Principal)
        here = self.pointer(statement, "Principal", "AWS")
        for value in principal.aws:
            if UNIQUE_ID.fullmatch(value):
                kind = "user" if value.startswith("AIDA") else "role"
                self.add(
                    "DANGLING_UNIQUE_ID",
                    here,
                    f"{value} is the unique ID of an IAM {kind}: IAM shows a principal this way "
                    f"once the {kind} it named was deleted, and a {kind} created again under the "
                    "same name gets a new ID, so nobody matches",
                    f"name the {kind} by its ARN again (IAM turns it back into the new ID)",
                )
        roles = {
            (arn.account, arn.resource.rsplit("/", 1)[-1])
            for arn in map(Arn.try_parse, principal.aws)
            if arn is not None and arn.service == "iam" and arn.resource.startswith("role/")
        }
        for value in principal.aws:
            session = re.fullmatch(r"arn:[^:]+:sts::([0-9]{12}):assumed-role/([^/]+)/.+", value)
            if session and (session.group(1), session.group(2)) in roles:
                self.add(
                    "REDUNDANT_PRINCIPAL",
                    here,
                    f"{value} is a session of a role the statement already trusts",
                    "remove the session ARN",
                )

    def redundant_statements(self) -> None:
        """A statement that repeats an earlier one, Sid aside.

        Statements are values (equal statements hash alike), so each is looked up among the
        earlier ones in one step: linear in statements.
        """
        first: dict[Statement, int] = {}
        for position, statement in enumerate(self.policy.statements):
            earlier = first.setdefault(attrs.evolve(statement, sid=None), position)
            if earlier != position:
                self.add(
                    "REDUNDANT_STATEMENT",
                    statement.pointer,
                    f"the statement repeats statement {earlier}",
                    "remove it",
                )

    def name_only_match(self, statement: Statement) -> None:
        """A principal naming this very role by name, but with another path or case.

        IAM compares principal ARNs exactly, path included (docs/semantics.md, reading 6), so
        such a principal never matches the role's own sessions. Only the role itself is
        known to the linter, so only it is checked, and only when its ARN was given.
        """
        if not self.role_known or statement.principal is None:
            return
        role = Arn.parse(self.role.arn)
        name = self.role.name
        candidates = [("Principal", value) for value in statement.principal.aws]
        for clause in statement.condition:
            if clause.key.lower() == "aws:principalarn" and is_positive(clause):
                candidates += [("Condition", value) for value in clause.values]
        for element, value in candidates:
            arn = Arn.try_parse(value)
            if (
                arn is None
                or has_wildcard(value)
                or arn.service != "iam"
                or arn.account != role.account
                or not arn.resource.startswith("role/")
                or arn.resource == role.resource
                or arn.resource.rsplit("/", 1)[-1].lower() != name.lower()
            ):
                continue
            pointer = (
                self.pointer(statement, "Principal", "AWS")
                if element == "Principal"
                else self.pointer(statement, "Condition")
            )
            self.add(
                "PRINCIPAL_NAME_ONLY_MATCH",
                pointer,
                f"{value} names this role ({self.role.arn}) by name only: IAM compares "
                "principal ARNs exactly, path and case included, so it matches no session "
                "of this role",
                f"write the role's ARN exactly: {self.role.arn}",
            )

    def roles_anywhere(self, statement: Statement) -> None:
        named = {action.lower() for action in statement.action or ()}
        if "*" in named or "sts:*" in named:
            return
        needed = ("sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession")
        missing = [action for action in needed if action.lower() not in named]
        if missing:
            self.add(
                "ROLES_ANYWHERE_MISSING_ACTION",
                self.pointer(statement, "Action"),
                "IAM Roles Anywhere calls sts:AssumeRole with a source identity and session "
                f"tags; without {', '.join(missing)} its sessions are refused",
                'allow ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"]',
            )

    def case_variant_keys(self, statement: Statement) -> None:
        seen: dict[tuple[str, str], str] = {}
        for clause in statement.condition:
            slot = (clause.operator.name, clause.key.lower())
            if slot in seen and seen[slot] != clause.key:
                self.add(
                    "CASE_VARIANT_CONDITION_KEY",
                    self.clause_pointer(statement, clause),
                    f"{clause.operator.name} names {seen[slot]!r} and {clause.key!r}: IAM reads "
                    "condition keys without regard to case, so both must hold at once",
                    "write the key once, with all its values in one list",
                )
            seen.setdefault(slot, clause.key)
        for clause in statement.condition:
            if clause.key.lower().startswith(("https://", "http://")):
                self.add(
                    "CONDITION_KEY_WITH_SCHEME",
                    self.clause_pointer(statement, clause),
                    f"{clause.key!r}: OIDC condition keys are the issuer without its scheme, so "
                    "no request has this key",
                    f"write {clause.key.split('://', 1)[1]!r}",
                )

    def mfa_false_in_deny(self, statement: Statement) -> None:
        if statement.effect is not Effect.DENY:
            return
        for clause in statement.condition:
            if (
                clause.key.lower() == "aws:multifactorauthpresent"
                and clause.operator.name == "Bool"
                and "false" in clause.values
            ):
                self.add(
                    "MFA_FALSE_CHECK_IN_DENY",
                    self.clause_pointer(statement, clause),
                    "aws:MultiFactorAuthPresent is absent, not false, for long-term access keys, "
                    "so this Deny does not stop callers without MFA",
                    'use {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}',
                )

    # -- actions

    def actions(self, statement: Statement) -> None:
        if statement.effect is Effect.ALLOW and statement.not_action is not None:
            self.add(
                "ALLOW_WITH_NOT_ACTION",
                self.pointer(statement, "NotAction"),
                "Allow with NotAction allows every AssumeRole-family action except those listed, "
                "including any AWS adds later",
                "list the allowed actions in Action instead",
            )
        if statement.effect is not Effect.ALLOW or statement.action is None:
            return
        for action in statement.action:
            if action in ("*", "sts:*") or action.lower() == "sts:*":
                self.add(
                    "WILDCARD_ACTION",
                    self.pointer(statement, "Action"),
                    f'"{action}" allows every AssumeRole-family action (sts:TagSession, '
                    "sts:SetSourceIdentity, sts:SetContext and any added later), not only "
                    "the call this role is for",
                    "name the actions: sts:AssumeRole (and sts:TagSession or "
                    "sts:SetSourceIdentity if the callers pass tags or a source identity)",
                )
                return

    def mismatched_actions(self, statement: Statement) -> None:
        principal = statement.principal
        if principal is None or statement.action is None or principal.star:
            return
        apis = {
            ASSUME_ROLE.lower(),
            ASSUME_ROLE_WITH_WEB_IDENTITY.lower(),
            ASSUME_ROLE_WITH_SAML.lower(),
        }
        named = {action.lower() for action in statement.action} & apis
        if not named:
            return
        wanted: set[str] = set()
        if principal.aws or principal.service:
            wanted.add(ASSUME_ROLE.lower())
        for provider in principal.federated:
            wanted.add(
                ASSUME_ROLE_WITH_SAML.lower()
                if ":saml-provider/" in provider
                else ASSUME_ROLE_WITH_WEB_IDENTITY.lower()
            )
        if named & wanted:
            return
        spelled = {
            a.lower(): a
            for a in (ASSUME_ROLE, ASSUME_ROLE_WITH_WEB_IDENTITY, ASSUME_ROLE_WITH_SAML)
        }
        self.add(
            "MISMATCHED_ACTION_FOR_PRINCIPAL",
            self.pointer(statement, "Action"),
            f"the statement allows {', '.join(sorted(spelled[a] for a in named))}, but its "
            f"principals call {', '.join(sorted(spelled[a] for a in wanted))}: it never applies",
            f"use {' / '.join(sorted(spelled[a] for a in wanted))} for these principals",
        )

    # -- conditions
