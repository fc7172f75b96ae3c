"""``python -m trustsim``: the command-line interface."""

from __future__ import annotations

import sys

from trustsim.cli import main

if __name__ == "__main__":
    sys.exit(main())
