"""The one error type for refused input, and the row-level problems it carries."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the report imports this module
    from observatory.imports.report import ImportReport

# A value quoted in a message is cut past this many characters: a 10,000-character cell (a
# pasted document, a broken export) must not bury the message that names it.
QUOTE_LIMIT = 200
_QUOTED = re.compile(rf"« ([^«»]{{{QUOTE_LIMIT + 1},}}) »", re.DOTALL)


def shorten(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``text`` cut to about ``limit`` characters, saying how long it was."""
    if len(text) <= limit:
        return text
    count = f"{len(text):,}".replace(",", "\u202f")
    return f"{text[:limit - 40].rstrip()}… ({count} caractères)"


def shorten_quotes(message: str) -> str:
    """Every « quoted value » of a message cut to a readable length."""
    if len(message) <= QUOTE_LIMIT:
        return message
    return _QUOTED.sub(lambda m: f"« {shorten(m.group(1))} »", message)


@dataclass(frozen=True)
class RowError:
    """One problem in an imported file: where it is, what was there, and a French message."""

    line: int | None
    column: str | None
    value: str | None
    message: str

    def __post_init__(self) -> None:
        if self.value is not None and len(self.value) > QUOTE_LIMIT:
            object.__setattr__(self, "message",
                               self.message.replace(self.value, shorten(self.value)))
            object.__setattr__(self, "value", shorten(self.value))
        object.__setattr__(self, "message", shorten_quotes(self.message))
        if self.column is not None and len(self.column) > QUOTE_LIMIT:
            object.__setattr__(self, "column", shorten(self.column))

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"ligne {self.line}")
        if self.column:
            where.append(f"colonne « {self.column} »")
        prefix = ", ".join(where)
        return f"{prefix} : {self.message}" if prefix else self.message


@dataclass
class ImportRefused(Exception):
    """Input the importer will not take; ``message`` is French and safe to show to the user."""

    message: str
    errors: list[RowError] = field(default_factory=list)
    report: ImportReport | None = None
    request: object | None = None  # a mapping.MappingRequest: columns the user may map

    def __post_init__(self) -> None:
        self.message = shorten_quotes(self.message)
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message
