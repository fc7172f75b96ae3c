"""The :class:`Arn` value: an Amazon Resource Name split into its six parts."""

from __future__ import annotations

import attrs

__all__ = ["Arn"]


@attrs.frozen
class Arn:
    """``arn:partition:service:region:account:resource``.

    The resource part keeps any further colons and slashes as written.

    >>> arn = Arn.parse("arn:aws:iam::111122223333:role/ci/deploy")
    >>> arn.partition, arn.service, arn.region, arn.account, arn.resource
    ('aws', 'iam', '', '111122223333', 'role/ci/deploy')
    >>> arn.resource_type, arn.resource_name
    ('role', 'ci/deploy')
    >>> str(arn)
    'arn:aws:iam::111122223333:role/ci/deploy'
    """

    partition: str
    service: str
    region: str
    account: str
    resource: str

    @classmethod
    def parse(cls, text: str) -> Arn:
        """Split ``text`` on its first five colons; :class:`ValueError` if it is no ARN."""
        parts = text.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn":
            raise ValueError(
                f"not an ARN (arn:partition:service:region:account:resource): {text!r}"
            )
        return cls(*parts[1:])

    @classmethod
    def try_parse(cls, text: str) -> Arn | None:
        """Like :meth:`parse`, but ``None`` instead of an error."""
        try:
            return cls.parse(text)
        except ValueError:
            return None

    @property
    def resource_type(self) -> str:
        """The part of the resource before the first ``/`` (``role``, ``user``, ``assumed-role``)."""
        return self.resource.partition("/")[0]

    @property
    def resource_name(self) -> str:
        """The part of the resource after the first ``/`` (path and name for IAM entities)."""
        return self.resource.partition("/")[2]

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"
