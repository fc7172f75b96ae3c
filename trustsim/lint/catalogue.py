"""The linter's catalogue: severities and every finding code (docs/lint.md)."""

from __future__ import annotations

import enum
from collections.abc import Mapping

import attrs


class Severity(enum.Enum):
    """How bad a finding is: Access Analyzer's four finding types, worst first.

    >>> Severity("security_warning") > Severity.WARNING
    True
    """

    ERROR = "error"
    SECURITY_WARNING = "security_warning"
    WARNING = "warning"
    SUGGESTION = "suggestion"

    @property
    def rank(self) -> int:
        """3 for an error down to 0 for a suggestion."""
        return _RANKS[self]

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank >= other.rank

    def __str__(self) -> str:
        return self.value


_RANKS = {
    Severity.ERROR: 3,
    Severity.SECURITY_WARNING: 2,
    Severity.WARNING: 1,
    Severity.SUGGESTION: 0,
}


@attrs.frozen
class Rule:
    """One finding code of the catalogue (docs/lint.md).

    Attributes:
        code: the stable code.
        severity: the severity of every finding with this code.
        title: one line for rule listings (SARIF ``shortDescription``).
        security_severity: GitHub code scanning's 0-10 score (SARIF ``security-severity``).
        access_analyzer: the Access Analyzer ``issueCode`` of the same check, if it has one.

    >>> RULES["OIDC_SUB_TOO_BROAD"].severity
    <Severity.SECURITY_WARNING: 'security_warning'>
    """

    code: str
    severity: Severity
    title: str
    security_severity: str
    access_analyzer: str | None = None


def _rules(*rules: Rule) -> Mapping[str, Rule]:
    return {rule.code: rule for rule in rules}


_SW, _W, _E, _S = (
    Severity.SECURITY_WARNING,
    Severity.WARNING,
    Severity.ERROR,
    Severity.SUGGESTION,
)

#: Every finding code trustsim can raise, most important first.
RULES: Mapping[str, Rule] = _rules(
    Rule("ANY_AWS_PRINCIPAL", _SW, "Any AWS principal of any account can assume the role", "9.0"),
    Rule(
        "OIDC_SUB_MISSING",
        _SW,
        "Any identity of the OIDC issuer can assume the role (no sub condition)",
        "9.0",
        "MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL",
    ),
    Rule(
        "OIDC_SUB_TOO_BROAD",
        _SW,
        "The OIDC sub pattern admits identities of other owners or tenants",
        "8.5",
    ),
    Rule(
        "BUILTIN_IDP_AUD_MISSING",
        _SW,
        "Any application of a built-in identity provider can assume the role (no aud condition)",
        "8.5",
    ),
    Rule(
        "CROSS_ACCOUNT_ROOT_WITHOUT_EXTERNAL_ID",
        _SW,
        "Every principal of another account can assume the role without an ExternalId",
        "7.0",
    ),
    Rule(
        "OIDC_ISSUER_MISMATCH",
        _E,
        "A condition names another OIDC issuer than the Federated principal: never applies",
        "2.0",
    ),
    Rule(
        "IFEXISTS_ON_SECURITY_KEY",
        _SW,
        "IfExists on a security key: a request without the key passes",
        "7.5",
    ),
    Rule(
        "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
        _SW,
        "ForAllValues on a single-valued key: a request without the key passes",
        "7.5",
        "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
    ),
    Rule(
        "NEGATED_CONDITION_ON_ABSENT_KEY",
        _SW,
        "A negated condition on a key the caller never has: it never restricts",
        "6.0",
    ),
    Rule(
        "KEY_ABSENT_FOR_PRINCIPAL",
        _E,
        "A condition on a key the statement's callers never have: the statement never applies",
        "2.0",
    ),
    Rule(
        "EXTERNAL_ID_ON_FEDERATED",
        _E,
        "sts:ExternalId required of web-identity or SAML callers, which cannot pass one",
        "2.0",
    ),
    Rule(
        "MISMATCHED_ACTION_FOR_PRINCIPAL",
        _E,
        "The action is not the one this kind of principal calls",
        "2.0",
        "MISMATCHED_ACTION_FOR_PRINCIPAL",
    ),
    Rule(
        "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
        _E,
        "A condition key that the statement's calls never carry",
        "2.0",
        "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
    ),
    Rule(
        "MISSING_ACTION_FOR_CONDITION_KEY",
        _E,
        "A session-tag or source-identity key without the action that lets callers pass it",
        "2.0",
        "MISSING_ACTION_FOR_CONDITION_KEY",
    ),
    Rule(
        "MULTIVALUED_KEY_WITHOUT_SET_OPERATOR",
        _E,
        "A multivalued key (Cognito amr, aws:TagKeys) under an operator without ForAnyValue",
        "2.0",
    ),
    Rule(
        "EMPTY_ARRAY_CONDITION",
        _E,
        "A condition key with an empty list of values",
        "2.0",
        "EMPTY_ARRAY_CONDITION",
    ),
    Rule(
        "INVALID_CONDITION_MULTIPLE_BOOLEAN",
        _E,
        "A Bool condition listing both true and false",
        "2.0",
        "INVALID_CONDITION_MULTIPLE_BOOLEAN",
    ),
    Rule(
        "OIDC_SUB_WILDCARD",
        _W,
        "The OIDC sub pattern admits every repository, branch or service account of the owner",
        "5.0",
        "SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED",
    ),
    Rule(
        "CASE_VARIANT_CONDITION_KEY",
        _E,
        "One operator names the same condition key twice, in different case",
        "2.0",
        "DUPLICATE_KEYS_WITH_DIFFERENT_CASE",
    ),
    Rule(
        "CONDITION_KEY_WITH_SCHEME",
        _E,
        "A condition key written with https://: it never matches",
        "2.0",
    ),
    Rule(
        "ROLES_ANYWHERE_MISSING_ACTION",
        _E,
        "IAM Roles Anywhere needs sts:AssumeRole, sts:SetSourceIdentity and sts:TagSession",
        "2.0",
        "MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY",
    ),
    Rule(
        "MFA_FALSE_CHECK_IN_DENY",
        _SW,
        'A Deny on aws:MultiFactorAuthPresent "false" lets long-term credentials through',
        "6.0",
    ),
    Rule(
        "SOURCE_IP_CONDITION",
        _W,
        "aws:SourceIp breaks for calls through VPC endpoints and calls made by AWS services",
        "3.0",
    ),
    Rule(
        "PRINCIPAL_NAME_ONLY_MATCH",
        _W,
        "The role's own ARN written with another path or case: it never matches",
        "3.0",
    ),
    Rule("OIDC_AUD_MISSING", _W, "No condition on the OIDC audience (aud)", "4.0"),
    Rule(
        "COGNITO_AMR_MISSING",
        _W,
        "Unauthenticated (guest) Cognito identities can assume the role",
        "5.0",
    ),
    Rule(
        "SERVICE_PRINCIPAL_WITHOUT_SOURCE",
        _W,
        "A service principal without aws:SourceAccount or aws:SourceArn (confused deputy)",
        "5.0",
        "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL",
    ),
    Rule(
        "WILDCARD_WITHOUT_LIKE_OPERATOR",
        _W,
        "A wildcard under a String/ArnEquals operator is compared literally",
        "3.0",
        "WILDCARD_WITHOUT_LIKE_OPERATOR",
    ),
    Rule("WILDCARD_ACTION", _W, "sts:* or * as a trust-policy action", "4.0"),
    Rule("ALLOW_WITH_NOT_ACTION", _W, "Allow with NotAction in a trust policy", "4.0"),
    Rule(
        "DANGLING_UNIQUE_ID",
        _W,
        "A principal given by unique ID: the user or role it named was deleted",
        "3.0",
        "INVALID_ROLE_REFERENCE",
    ),
    Rule(
        "POLICY_SIZE_EXCEEDS_QUOTA",
        _W,
        "Longer than the default trust-policy quota of 2,048 characters",
        "1.0",
        "POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA",
    ),
    Rule(
        "MISSING_VERSION",
        _W,
        "No Version: policy variables are literal text",
        "1.0",
        "MISSING_VERSION",
    ),
    Rule(
        "STRING_LIKE_WITHOUT_WILDCARD",
        _S,
        "StringLike with no wildcard: StringEquals says what is meant",
        "0.0",
    ),
    Rule(
        "CONFIRM_AUDIENCE_CLAIM_TYPE",
        _S,
        "ForAnyValue on an OIDC aud: confirm the issuer's aud is an array",
        "0.0",
        "CONFIRM_AUDIENCE_CLAIM_TYPE",
    ),
    Rule(
        "NULL_WITH_QUALIFIER",
        _S,
        "Null with ForAnyValue or ForAllValues",
        "0.0",
        "NULL_WITH_QUALIFIER",
    ),
    Rule(
        "REDUNDANT_STATEMENT",
        _S,
        "A statement that repeats another one",
        "0.0",
        "REDUNDANT_STATEMENT",
    ),
    Rule(
        "REDUNDANT_PRINCIPAL",
        _S,
        "A role session listed next to its role, which already covers it",
        "0.0",
        "REDUNDANT_PRINCIPAL_IN_ROLE_TRUST_POLICY",
    ),
    Rule(
        "EFFECT_CASE",
        _W,
        "Effect spelled in another case: IAM documents it as case-sensitive",
        "1.0",
    ),
    Rule(
        "ACCOUNT_ROOT_WITHOUT_EXTERNAL_ID",
        _S,
        "A whole account can assume the role without an ExternalId (the role's account unknown)",
        "3.0",
    ),
    Rule("EMPTY_SID_VALUE", _S, "An empty Sid", "0.0", "EMPTY_SID_VALUE"),
)
