"""What ``trustsim lint`` found in each file: findings at their place (:class:`Linted`).

The reports (:mod:`trustsim.cli.reports`) and the baseline (:mod:`trustsim.cli.baseline`)
read these; the lint command (:mod:`trustsim.cli.lint`) makes them.
"""

from __future__ import annotations

import attrs

from trustsim.cli import discovery
from trustsim.lint import Finding

__all__ = ["Linted", "Placed"]


@attrs.frozen
class Placed:
    """A finding at its place: the role's address, and the finding with its file position."""

    address: str
    finding: Finding
    file_pointer: str

    def key(self, file: str) -> str:
        """What the baseline remembers: file, address, code and pointer (no line numbers)."""
        return f"{file}|{self.address}|{self.finding.code}|{self.finding.pointer}"


@attrs.frozen
class Linted:
    """One file: what discovery found in it, and its findings."""

    loaded: discovery.Loaded
    findings: tuple[Placed, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The file's name as given or found."""
        return self.loaded.name
