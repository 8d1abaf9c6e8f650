"""Importers: the files federations export (forms, surveys, staff spreadsheets) into the store."""

from observatory.imports.core import (
    KINDS,
    batches,
    import_file,
    original_file,
    read_import,
    rejected_rows,
    undo_last_batch,
)
from observatory.imports.errors import ImportRefused, RowError
from observatory.imports.report import ImportReport

__all__ = [
    "KINDS",
    "ImportRefused",
    "ImportReport",
    "RowError",
    "batches",
    "import_file",
    "original_file",
    "read_import",
    "rejected_rows",
    "undo_last_batch",
]
