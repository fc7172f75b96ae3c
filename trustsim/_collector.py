"""Python's cyclic garbage collector paused for a block of work, and left as it was after it.

A long run that keeps what it builds alive (a lint of a long policy: its statements, the
evaluator's memos, the findings) makes the collector walk all of it again and again, each
time allocations trigger a full collection: its cost grows with the square of the run. Work
that makes no garbage cycles worth collecting early runs with the collector paused instead;
it runs again as soon as the block ends, raised or not, if it ran before, and stays off if
the caller had turned it off. Cycles made meanwhile (a bounded memo emptied at its bound can
orphan a compiled policy and the scans that point back at it) are freed by the first
collection after the block. (Another thread that turns the collector off meanwhile finds it
on again afterwards.)

>>> import gc
>>> with paused():
...     gc.isenabled()
False
>>> gc.isenabled()
True
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["paused"]


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """The cyclic garbage collector off for the block; on after it only if it was on before."""
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()
