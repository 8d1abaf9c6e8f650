"""Where the library's log lines go: the standard error of the command line or of the server.

Each module logs what it did through ``logging.getLogger(__name__)`` (an import's counts, an
export, a sign-in, a store write), never personal data: no cell value, no e-mail, no account or
facilitator name. Nothing is shown until ``to_stderr`` is called: the command line calls it with
``--verbose``, the app's shell once per server.
"""

from __future__ import annotations

import logging
import sys

ROOT = "observatory"
FORMAT = "%(asctime)s %(levelname)s %(name)s : %(message)s"


class _Handler(logging.StreamHandler):
    """Ours (calling ``to_stderr`` again replaces it), writing to whatever stderr is now."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def to_stderr(level: int = logging.INFO) -> None:
    """Show the library's log lines from ``level`` up on the current standard error."""
    logger = logging.getLogger(ROOT)
    for handler in [h for h in logger.handlers if isinstance(h, _Handler)]:
        logger.removeHandler(handler)
    handler = _Handler()
    # warnings alone read as Python prints them without any handler: the message only
    detailed = level < logging.WARNING
    handler.setFormatter(logging.Formatter(FORMAT if detailed else "%(message)s",
                                           datefmt="%Y-%m-%d %H:%M:%S"))
    logger.addHandler(handler)
    logger.setLevel(level)


def level_for(verbosity: int) -> int:
    """``-v`` → what the library did (INFO), ``-vv`` → details (DEBUG); else warnings only."""
    return logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG
