"""The one error type for refused input, and the row-level problems it carries."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RowError:
    """One problem in an imported file: where it is, what was there, and a French message."""

    line: int | None
    column: str | None
    value: str | None
    message: str

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
    report: object | None = None
    request: object | None = None  # a mapping.MappingRequest: columns the user may map

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message
