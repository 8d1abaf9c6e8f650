"""Write the README's settings table from the settings registry (observatory/settings.py).

    .venv/bin/python scripts/settings_table.py

The table sits between the ``settings:start`` and ``settings:end`` markers; tests/test_registries.py
fails while it differs from what this script writes.
"""

from __future__ import annotations

import re

from observatory import settings

README = settings.PROJECT_DIR / "README.md"
BLOCK = re.compile(r"(<!-- settings:start -->\n)(.*?)(<!-- settings:end -->)", re.DOTALL)


def updated(text: str) -> str:
    """``text`` (the README) with its settings table rewritten."""
    if not BLOCK.search(text):
        raise SystemExit("README.md has no <!-- settings:start --> … <!-- settings:end --> block")
    return BLOCK.sub(lambda m: m.group(1) + settings.markdown_table() + m.group(3), text)


if __name__ == "__main__":
    README.write_text(updated(README.read_text(encoding="utf-8")), encoding="utf-8")
