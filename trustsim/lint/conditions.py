"""Condition findings: operators, qualifiers, IfExists and keys callers never carry."""

from __future__ import annotations

from trustsim.lint.base import LintBase
from trustsim.lint.knowledge import (
    MULTIVALUED_KEYS,
    OIDC_CLAIM_KEY,
    PRINCIPAL_KEY_PREFIXES,
    PRINCIPAL_KEYS,
    SECURITY_CLAIMS,
    SECURITY_KEYS,
    has_wildcard,
    holds_without_key,
)
from trustsim.model import Effect, SetQualifier, Statement


class ConditionRules(LintBase):
    """Findings about condition clauses: operators, qualifiers and keys."""

    def clauses(self, statement: Statement) -> None:
        kinds = self.principal_kinds(statement)
        federated_only = kinds == {"federated"} and statement.effect is Effect.ALLOW
        no_aws_principal = "aws" not in kinds and statement.effect is Effect.ALLOW
        for clause in statement.condition:
            key = clause.key.lower()
            pointer = self.clause_pointer(statement, clause)
            operator = clause.operator
            if operator.base.startswith(("String", "Arn")) and operator.base.endswith(
                ("Equals", "EqualsIgnoreCase")
            ):
                wild = [v for v in clause.values if has_wildcard(v)]
                if wild:
                    like = operator.base.replace("Equals", "Like").replace("IgnoreCase", "")
                    self.add(
                        "WILDCARD_WITHOUT_LIKE_OPERATOR",
                        pointer,
                        f"{operator.name} compares {wild[0]!r} literally: the * or ? is not a "
                        "wildcard, so only a value with that very character matches",
                        f"use {like} if the wildcard is meant, or remove it",
                    )
            # AWS's own examples write ForAnyValue:StringLike for Cognito's amr; not noise.
            if (
                operator.base in ("StringLike", "StringNotLike")
                and operator.qualifier is None
                and not any(has_wildcard(v) for v in clause.values)
            ):
                self.add(
                    "STRING_LIKE_WITHOUT_WILDCARD",
                    pointer,
                    f"{operator.name} {clause.key} has no * or ? in its values: it compares "
                    "exactly, as StringEquals does",
                    f"use {operator.name.replace('Like', 'Equals')} to say so",
                )
            if operator.if_exists and self.is_security_key(key):
                self.add(
                    "IFEXISTS_ON_SECURITY_KEY",
                    pointer,
                    f"{operator.name} on {clause.key}: a request without {clause.key} passes "
                    "the condition, so a caller bypasses it by leaving the key out",
                    f"use {operator.name.removesuffix('IfExists')}",
                )
            if operator.qualifier is SetQualifier.FOR_ALL_VALUES and key not in MULTIVALUED_KEYS:
                self.add(
                    "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
                    pointer,
                    f"ForAllValues on the single-valued key {clause.key} is true when the "
                    "request has no such key, so it never stops a request without it",
                    f"drop the ForAllValues: qualifier ({operator.name.split(':', 1)[1]})",
                )
            absent = (federated_only or no_aws_principal) and self.is_principal_key(key)
            if key == "sts:externalid" and federated_only:
                if not holds_without_key(clause):
                    self.add(
                        "EXTERNAL_ID_ON_FEDERATED",
                        pointer,
                        "web-identity and SAML calls cannot pass an ExternalId, so this "
                        "condition never matches and the statement never applies",
                        "remove the sts:ExternalId condition; narrow with the provider's "
                        "claim keys (sub, aud) instead",
                    )
                continue
            if absent and operator.base != "Null":
                who = "federated (web-identity, SAML)" if federated_only else "service"
                if not holds_without_key(clause):
                    self.add(
                        "KEY_ABSENT_FOR_PRINCIPAL",
                        pointer,
                        f"{clause.key} is never in the request of a {who} caller, so "
                        f"{operator.name} never matches and the statement never applies",
                        "use the keys these callers carry (for OIDC the provider's sub and "
                        "aud, for SAML saml:sub, for services aws:SourceAccount)",
                    )
                else:
                    self.add(
                        "NEGATED_CONDITION_ON_ABSENT_KEY",
                        pointer,
                        f"{clause.key} is never in the request of a {who} caller, so "
                        f"{operator.name} always matches: it restricts nothing",
                        "narrow with the keys these callers carry (the provider's sub and aud, "
                        "saml:sub, aws:SourceAccount)",
                    )

    def is_security_key(self, key: str) -> bool:
        if key in SECURITY_KEYS:
            return True
        match = OIDC_CLAIM_KEY.fullmatch(key)
        return (
            match is not None and not key.startswith("aws:") and match.group(2) in SECURITY_CLAIMS
        )

    def is_principal_key(self, key: str) -> bool:
        return key in PRINCIPAL_KEYS or key.startswith(PRINCIPAL_KEY_PREFIXES)

    def clause_shapes(self, statement: Statement) -> None:
        """Access Analyzer's checks on one clause's shape: values, Bool lists, Null qualifiers."""
        for clause in statement.condition:
            pointer = self.clause_pointer(statement, clause)
            operator = clause.operator
            if not clause.values:
                self.add(
                    "EMPTY_ARRAY_CONDITION",
                    pointer,
                    f"{operator.name} {clause.key} has no values: a positive operator matches "
                    "no request, so the statement never applies (a negated one restricts "
                    "nothing)",
                    "give the key its values, or remove it",
                )
            if operator.base == "Bool" and len({v.lower() for v in clause.values}) > 1:
                self.add(
                    "INVALID_CONDITION_MULTIPLE_BOOLEAN",
                    pointer,
                    f"{operator.name} {clause.key} lists both true and false: it only checks "
                    "that the key is present",
                    "keep the one value meant (or use Null to test presence)",
                )
            if operator.base == "Null" and operator.qualifier is not None:
                self.add(
                    "NULL_WITH_QUALIFIER",
                    pointer,
                    f"{operator.name}: Null tests whether the key is present; a set qualifier "
                    "adds nothing to that",
                    "write Null without ForAnyValue:/ForAllValues:",
                )
