"""Trust policies from infrastructure as code: CloudFormation (and CDK) templates, Terraform JSON.

:func:`load_cloudformation` reads a template (JSON; YAML when PyYAML is installed) and resolves
the intrinsic functions that have an answer offline (docs/loaders.md): ``Ref`` to parameters
and pseudo-parameters, ``Fn::Sub``, ``Fn::Join``, ``Fn::Select``, ``Fn::Split``,
``Fn::FindInMap``, ``Fn::If`` with ``Conditions`` (``Fn::Equals``/``Not``/``And``/``Or``),
``Fn::Base64``. ``Fn::GetAtt`` and ``Ref`` to another resource become an ARN-shaped value
marked ``TRUSTSIM-PLACEHOLDER`` (listed in :attr:`IacRole.placeholders`), since the real value
exists only after deployment. What cannot be known offline (``Fn::ImportValue``, dynamic
references ``{{resolve:…}}``, ``Fn::GetAZs``, ``Fn::Transform``…) is a precise error: an
:class:`~trustsim.errors.InvalidPolicy` whose problems point into the template.

:func:`load_terraform` reads ``terraform show -json`` output (a plan or a state) and returns
every ``aws_iam_role``; a trust policy that is unknown until apply is reported as such
(:attr:`IacRole.unknown`), never guessed.

This module gathers the IaC loaders under one name; each lives with its format:
:mod:`~trustsim.loaders.cloudformation` (templates, ``cdk.out``),
:mod:`~trustsim.loaders.terraform` (plans and states), :mod:`~trustsim.loaders.intrinsics`
(CloudFormation's functions resolved offline), :mod:`~trustsim.loaders.source_text` (JSON and
YAML text with positions) and :mod:`~trustsim.loaders.iac_role` (:class:`IacRole`).

>>> roles = load_cloudformation({"Parameters": {"Vendor": {"Type": "String", "Default": "444455556666"}},
...     "Resources": {"Audit": {"Type": "AWS::IAM::Role", "Properties": {
...         "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
...             "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${Vendor}:root"}},
...             "Action": "sts:AssumeRole"}]}}}}}, account_id="111122223333")
>>> roles[0].address, roles[0].trust_policy.statements[0].principal.aws
('Audit', ('arn:aws:iam::444455556666:root',))
"""

from __future__ import annotations

from trustsim.loaders.cloudformation import load_cdk_out, load_cloudformation
from trustsim.loaders.iac_role import IacRole
from trustsim.loaders.intrinsics import PLACEHOLDER, STACK_UUID_PLACEHOLDER
from trustsim.loaders.terraform import load_terraform

__all__ = [
    "PLACEHOLDER",
    "STACK_UUID_PLACEHOLDER",
    "IacRole",
    "load_cdk_out",
    "load_cloudformation",
    "load_terraform",
]
