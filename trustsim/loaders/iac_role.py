"""A role declared in infrastructure as code (:class:`IacRole`), and its trust policy parsed in place."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from trustsim.errors import InvalidPolicy, Problem
from trustsim.loaders.json_text import read_json
from trustsim.loaders.source_text import SHAPE
from trustsim.model import Policy, PolicyKind
from trustsim.parsing import parse_document

__all__ = ["IacRole", "parse_trust_at"]


@attrs.frozen
class IacRole:
    """One IAM role declared in a template or a Terraform plan.

    Attributes:
        address: the logical ID (CloudFormation) or the resource address
            (``module.ci.aws_iam_role.deploy[0]``).
        trust_policy: the parsed trust policy, or ``None`` when it is unknown.
        arn: the role's ARN when known (a Terraform state, a CloudFormation ``RoleName``).
        unknown: why the trust policy is unknown (``None`` when it is known).
        placeholders: the made-up values in the policy (``GetAtt Oidc.Arn → arn:…``).
        origin: file and JSON pointer of the declaration.
    """

    address: str
    trust_policy: Policy | None
    arn: str | None = None
    unknown: str | None = None
    placeholders: tuple[str, ...] = ()
    origin: str = ""


def parse_trust_at(
    document: object, pointer: str, origin: str, problems: list[Problem]
) -> Policy | None:
    """The trust policy at ``pointer`` (an object or its JSON text); its problems go to ``problems``."""
    try:
        if isinstance(document, str):
            read = read_json(document)
            if read.problems:
                raise InvalidPolicy(read.problems)
            document = read.value
        if not isinstance(document, Mapping):
            problems.append(
                Problem(SHAPE, pointer, "a trust policy must be an object or its JSON text")
            )
            return None
        return parse_document(dict(document), kind=PolicyKind.TRUST, origin=origin)
    except InvalidPolicy as error:
        problems += [attrs.evolve(p, pointer=pointer + p.pointer) for p in error.problems]
        return None
