"""User text on screen: shown as typed, never interpreted as Markdown or HTML."""

from __future__ import annotations

import re

# Characters that open Markdown, HTML or Streamlit syntax anywhere in a line: emphasis, code,
# links and images, raw HTML and entities, strike-through, math, tables, e-mail autolinks, and
# a colon glued to a word (Streamlit's :red[…] and :material/…: directives, :emoji: codes). A
# French " : " stays as it is. CommonMark lets any of them be backslash-escaped.
_INLINE = re.compile(r"[\\`*_\[\]<>!~$&|@]|:(?=\S)")
# What only means something at the start of a line: headings, quotes, lists, setext underlines.
_LINE_START = re.compile(r"^([#>+=-]|\d+(?=[.)]))", re.MULTILINE)
_PUNCTUATION = re.compile(r"\\([!-/:-@\[-`{-~])")


def plain(text: object) -> str:
    """``text`` escaped so that Streamlit's Markdown shows it as typed, never as markup.

    Every string that comes from a file, a user or the store goes through this before reaching
    an element that renders Markdown (title, caption, markdown, alerts, labels, help).
    """
    lines = [line.strip() for line in str(text).replace("\r\n", "\n").split("\n")]
    # no line may start with spaces (an indented code block) nor be blank (a new paragraph
    # whose first line would be read as a block of its own)
    escaped = _INLINE.sub(lambda m: "\\" + m.group(), "\n".join(line for line in lines if line))
    # "1." makes a list, not "1": the escape goes before the dot or the parenthesis
    escaped = _LINE_START.sub(
        lambda m: (m.group() + "\\") if m.group()[0].isdigit() else ("\\" + m.group()), escaped)
    # a line break would end the paragraph: a hard break keeps the lines in one paragraph
    return escaped.replace("\n", "  \n")


def shown(markdown: str) -> str:
    """What a reader sees of a ``plain`` text: the escapes gone (tests search page output)."""
    return _PUNCTUATION.sub(r"\1", markdown).replace("  \n", "\n")
