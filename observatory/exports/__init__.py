"""Files built on the server from what the pages show: PNG/SVG, CSV/XLSX, PPTX/PDF, the
département sheet. No Streamlit here: the CLI, the tests and the pages' download buttons share it.

Every table goes through ``observatory.privacy.safe_frame`` (personal columns dropped, small survey counts
masked, formula-like text neutralised) and every chart image through ``images.export_spec``.

Submodules load on first use (``presentation`` imports python-pptx, ``document`` fpdf2…), so
that ``observatory --help`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "ExportContext": ("common", "ExportContext"),
    "french_date": ("common", "french_date"),
    "png": ("images", "png"),
    "svg": ("images", "svg"),
    "export_spec": ("images", "export_spec"),
    "figure_csv": ("tables", "figure_csv"),
    "figure_xlsx": ("tables", "figure_xlsx"),
    "table_csv": ("tables", "table_csv"),
    "table_xlsx": ("tables", "table_xlsx"),
    "deck": ("presentation", "deck"),
    "pdf": ("document", "pdf"),
    "departement_sheet": ("sheet", "departement_sheet"),
}
_SUBMODULES = {"common", "images", "tables", "presentation", "document", "sheet", "cli"}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(importlib.import_module(f"{__name__}.{module}"), attr)
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
