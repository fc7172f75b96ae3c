"""The resource ARNs IAM accepts in the ``Resource`` / ``NotResource`` of its own policies.

IAM reads each resource of an identity policy, permissions boundary or session policy when the
document is saved. The rules and their wording are IAM's recorded answers to ``CreatePolicy``
(moto's test suite, kept as data in ``tests/data/moto_iam_policies.json``)::

    resource  := "*" | head ":" partition ":" service [":" region [":" account [":" rest]]]
    head      := any text (IAM does not read it: "a:b:c" is read as partition "b")
    partition := "*" | aws | aws-cn | aws-us-gov | aws-iso | aws-iso-b | aws-iso-e
                 | aws-iso-f | aws-eusc
    service   := non-empty                 (else "The policy failed legacy parsing")
    fewer than five colons               → no "::" (else "The policy failed legacy parsing")
    iam       → no region; rest is "*" or starts with user/, role/, group/, policy/, …
    s3        → no region on an ARN without an account (a bucket or object)

The checks run in that order and the first one a resource breaks is its problem. Organizations
validates SCPs and RCPs itself; these rules are IAM's only.
"""

from __future__ import annotations

from trustsim.errors import Problem

__all__ = ["resource_problem"]

_MALFORMED = "MalformedPolicyDocument"

#: The partitions AWS operates (the ARN reference of the IAM user guide lists the first three;
#: the isolated and sovereign partitions are those of the AWS SDKs' partition table).
PARTITIONS = frozenset(
    {"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"}
)

#: The resource types IAM names when it refuses an IAM ARN, in its order.
IAM_RESOURCE_TYPES: tuple[str, ...] = (
    "user/",
    "federated-user/",
    "role/",
    "group/",
    "instance-profile/",
    "mfa/",
    "server-certificate/",
    "policy/",
    "sms-mfa/",
    "saml-provider/",
    "oidc-provider/",
    "report/",
    "access-report/",
)


def resource_problem(resource: str, pointer: str) -> Problem | None:
    """The problem IAM finds in one ``Resource`` value, or ``None`` when it accepts it.

    >>> resource_problem("arn:aws:s3:::bucket/*", "/Statement/0/Resource") is None
    True
    >>> problem = resource_problem("arn:aws:iam:us-east-1::role/x", "/Statement/0/Resource")
    >>> problem.code
    'REGION_IN_RESOURCE'
    >>> problem.aws_says.removeprefix("MalformedPolicyDocument: ")
    'IAM resource arn:aws:iam:us-east-1::role/x cannot contain region information.'
    >>> resource_problem("aws:s3:::bucket", "").aws_says
    'MalformedPolicyDocument: Partition "s3" is not valid for resource "arn:s3:::bucket:*".'
    >>> resource_problem("arn:aws:s3::bucket", "").code
    'MALFORMED_RESOURCE_ARN'
    """
    if resource == "*":
        return None
    if ":" not in resource:
        return Problem(
            "INVALID_RESOURCE",
            pointer,
            f'the resource "{resource}" is neither "*" nor an ARN',
            f'{_MALFORMED}: Resource {resource} must be in ARN format or "*".',
        )
    after_head = resource.partition(":")[2]  # IAM does not read the head ("arn" or not)
    partition, colon, rest = after_head.partition(":")
    if partition != "*" and partition not in PARTITIONS:
        return Problem(
            "INVALID_PARTITION",
            pointer,
            f'the resource "{resource}" names the partition "{partition}"; AWS partitions are '
            f"{', '.join(sorted(PARTITIONS))} (and an ARN starts arn:PARTITION:SERVICE:…)",
            f'{_MALFORMED}: Partition "{partition}" is not valid for resource '
            f'"{_as_iam_reads_it(partition, rest)}".',
        )
    if not colon:
        return Problem(
            "INCOMPLETE_RESOURCE_ARN",
            pointer,
            f'the resource "{resource}" names no service: write arn:PARTITION:SERVICE:…',
            f"{_MALFORMED}: Resource vendor must be fully qualified and cannot contain regexes.",
        )
    fields = resource.split(":", 5)
    service, region, account, path = (*fields[2:], "", "", "")[:4]
    if service in {"iam", "s3"} and region and (service == "iam" or not account):
        return _region_problem(resource, pointer, service)
    if service == "iam" and path != "*" and not path.startswith(IAM_RESOURCE_TYPES):
        return Problem(
            "INVALID_IAM_RESOURCE",
            pointer,
            f'the IAM resource "{resource}" names no IAM resource type: after the account '
            'write "*" or one of ' + ", ".join(IAM_RESOURCE_TYPES),
            f'{_MALFORMED}: IAM resource path must either be "*" or start with '
            f"{', '.join(IAM_RESOURCE_TYPES)}.",
        )
    if not service or (resource.count(":") < 5 and "::" in resource):
        what = "an empty service" if not service else "too few parts for its empty ones"
        return Problem(
            "MALFORMED_RESOURCE_ARN",
            pointer,
            f'the resource "{resource}" has {what}: an ARN is '
            "arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE (empty region and account kept as "
            '"::", as in arn:aws:s3:::bucket)',
            f"{_MALFORMED}: The policy failed legacy parsing",
        )
    return None


def _as_iam_reads_it(partition: str, rest: str) -> str:
    """The six-part ARN IAM quotes: missing parts as ``*``, the last keeping its colons."""
    parts = rest.split(":", 3)
    shown = [
        parts[0] if parts[0] or len(parts) > 1 else "*",
        *(parts[index] if len(parts) > index else "*" for index in (1, 2, 3)),
    ]
    return ":".join(("arn", partition, *shown))


def _region_problem(resource: str, pointer: str, service: str) -> Problem:
    if service == "iam":
        aws_says = f"{_MALFORMED}: IAM resource {resource} cannot contain region information."
        message = f'the IAM resource "{resource}" has a region; IAM resources are global'
    else:
        aws_says = f"{_MALFORMED}: Resource {resource} can not contain region information."
        message = (
            f'the S3 resource "{resource}" has a region but no account: buckets and objects '
            "are written arn:aws:s3:::BUCKET[/KEY]"
        )
    return Problem("REGION_IN_RESOURCE", pointer, message, aws_says)
