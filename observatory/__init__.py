"""Observatoire: the regional observatory of coordinated primary care (library core)."""

__version__ = "0.1.0"
