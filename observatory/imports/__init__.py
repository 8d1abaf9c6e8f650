"""Importers: the files federations export (forms, surveys, staff spreadsheets) into the store."""

from observatory.imports.core import (
    KINDS,
    Choices,
    ImportItem,
    batches,
    import_file,
    import_files,
    original_file,
    read_import,
    rejected_rows,
    undo_last_batch,
)
from observatory.imports.errors import ImportRefused, RowError
from observatory.imports.report import ImportReport

__all__ = [
    "KINDS",
    "Choices",
    "ImportItem",
    "ImportRefused",
    "ImportReport",
    "RowError",
    "batches",
    "import_file",
    "import_files",
    "original_file",
    "read_import",
    "rejected_rows",
    "undo_last_batch",
]
