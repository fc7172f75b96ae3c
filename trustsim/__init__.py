"""trustsim: decide locally, the way AWS IAM would, whether a caller may assume an IAM role."""

from __future__ import annotations

__version__ = "0.1.0"

__all__: list[str] = ["__version__"]


def __dir__() -> list[str]:
    return list(__all__)
