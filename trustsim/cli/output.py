r"""What every command writes: exit codes, escaped labels, the CI-safe stream, SARIF's frame.

Everything a command prints passes through :class:`SafeText`, which escapes what came from
input and keeps any line from starting a CI workflow command (docs/security.md).

>>> label("-"), label("a\x1b[2J.json")
('<stdin>', 'a\\x1b[2J.json')
>>> sarif_uri("policies/x#y p%41.json")
'policies/x%23y%20p%2541.json'
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from trustsim import __version__
from trustsim.errors import escape

__all__ = [
    "EXIT_INVALID",
    "EXIT_OK",
    "EXIT_USAGE",
    "SafeText",
    "StatusLine",
    "indent",
    "label",
    "plural",
    "reason",
    "report",
    "sarif_log",
    "sarif_uri",
]

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


def label(name: str) -> str:
    """A file name for text output: escaped, so that it cannot break or forge a line."""
    return "<stdin>" if name == "-" else escape(name)


def reason(error: Exception) -> str:
    """Why reading failed: an OS error's own words, else the error's text."""
    if isinstance(error, OSError):
        return error.strerror or str(error)
    return str(error)


def indent(text: str, prefix: str) -> str:
    """Every non-empty line of ``text`` behind ``prefix``."""
    return "\n".join(prefix + line if line else line for line in text.splitlines())


def report(out: TextIO, output: str, renderers: Mapping[str, Callable[[], object]]) -> None:
    """Print the report in the format ``output``: text as it is, JSON and SARIF indented.

    Only the chosen format is rendered.

    >>> import io
    >>> stream = io.StringIO()
    >>> report(stream, "json", {"text": lambda: "ok", "json": lambda: {"ok": True}})
    >>> print(stream.getvalue(), end="")
    {
      "ok": true
    }
    """
    value = renderers[output]()
    print(value if output == "text" else json.dumps(value, indent=2), file=out)


def plural(count: int, noun: str) -> str:
    """``1 role``, ``2 roles``.

    >>> plural(1, "role"), plural(0, "file")
    ('1 role', '0 files')
    """
    return f"{count} {noun}{'s' * (count != 1)}"


_WORKFLOW_COMMAND_STARTS = ("::", "##")
#: GitHub's old "##[command]" and Azure Pipelines' "##vso[command]", wherever in a line.
_LOGGING_COMMAND = re.compile(r"##(?=(?:vso)?\[)", re.IGNORECASE)


class SafeText:
    """A text stream that escapes what came from input and cannot start a workflow command.

    Control, bidi and non-printable characters are escaped (all but the line breaks trustsim
    writes), and no line may begin a CI workflow command (``::error``, ``##[…]``, ``##vso[…]``).
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.at_line_start = True
        self.broken = False

    def write(self, text: str) -> int:
        """Write ``text`` escaped; after a broken pipe, drop it."""
        if self.broken:
            return len(text)
        try:
            return self._write(text)
        except BrokenPipeError:
            # The reader left (`trustsim validate … | head -1`): drop the rest of the output,
            # keep the command's exit status, and keep Python's exit-time flush quiet.
            self.broken = True
            with contextlib.suppress(OSError, ValueError):
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, self.stream.fileno())
            return len(text)

    def _write(self, text: str) -> int:
        lines = text.split("\n")
        safe: list[str] = []
        for number, raw in enumerate(lines):
            line = escape(raw)
            starts_line = number > 0 or self.at_line_start
            if starts_line and line.lstrip().startswith(_WORKFLOW_COMMAND_STARTS):
                at = len(line) - len(line.lstrip())
                line = line[:at] + "\\x" + f"{ord(line[at]):02x}" + line[at + 1 :]
            safe.append(_LOGGING_COMMAND.sub("#\\\\x23", line))
        if text:
            self.at_line_start = text.endswith("\n")
        self.stream.write("\n".join(safe))
        return len(text)

    def flush(self) -> None:
        """Flush the stream, unless its reader has left."""
        if self.broken:
            return
        try:
            self.stream.flush()
        except BrokenPipeError:
            self.broken = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


class StatusLine:
    """One line of progress on standard error while a long run lasts, on a terminal only.

    Silent when standard error is a file or a pipe (CI logs); no colour.
    """

    def __init__(self, stream: TextIO) -> None:
        # Past the CLI's escaping wrapper: the carriage return and the erase are ours.
        self.stream: TextIO = getattr(stream, "stream", stream)
        self.active = bool(getattr(self.stream, "isatty", lambda: False)())
        self.shown = False

    def show(self, text: str) -> None:
        """Replace the line with ``trustsim: text`` (``text`` already escaped)."""
        if self.active:
            self.stream.write(f"\rtrustsim: {text}\x1b[K")
            self.stream.flush()
            self.shown = True

    def clear(self) -> None:
        """Erase the line, if one was shown."""
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False


# --- SARIF 2.1.0 -------------------------------------------------------------------------

_SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def sarif_uri(name: str) -> str:
    """A file name as an RFC 3986 URI reference, for SARIF's ``artifactLocation.uri``.

    Every byte outside the path characters (``%``, ``#``, ``?``, space, controls, non-ASCII
    as UTF-8) is percent-encoded; standard input (``-``) is ``stdin``.

    >>> sarif_uri("a:b.json"), sarif_uri("-")
    ('a%3Ab.json', 'stdin')
    """
    if name == "-":
        return "stdin"
    # pchar minus ":" (a colon in the first segment would read as a scheme).
    return urllib.parse.quote(Path(name).as_posix(), safe="/-._~!$&'()*+,;=@")


def sarif_log(
    rules: Sequence[dict[str, Any]],
    results: Sequence[dict[str, Any]],
    notes: Sequence[dict[str, Any]],
    *,
    successful: bool,
) -> dict[str, Any]:
    """A SARIF 2.1.0 log of one trustsim run: its rules, results and notifications.

    >>> log = sarif_log([{"id": "X"}], [], [], successful=True)
    >>> log["version"], log["runs"][0]["tool"]["driver"]["rules"]
    ('2.1.0', [{'id': 'X'}])
    """
    return {
        "$schema": _SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {"name": "trustsim", "version": __version__, "rules": list(rules)}
                },
                "invocations": [
                    {"executionSuccessful": successful, "toolExecutionNotifications": list(notes)}
                ],
                "results": list(results),
            }
        ],
    }
