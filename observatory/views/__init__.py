"""What each page shows, built without Streamlit so that pages, exports and the CLI share it."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from observatory.charts import Figure
from observatory.privacy import GRAND_TOTAL, Margin


@dataclass(frozen=True)
class Metric:
    """One key figure: a value from the store, its comparison, its n and its source."""

    label: str
    value: str
    delta: str | None = None
    help: str = ""
    # how many teams or respondents the value comes from, when that is few enough to identify
    # them: a `lecture` viewer gets the value masked below the small-count threshold
    count: int | None = None
    # (table key, column) when the value is that column's total: masked as soon as a cell of
    # the column is, since the total minus the cells shown would give the hidden one away
    total_of: tuple[str, str] | None = None


@dataclass
class Table:
    """A table shown on a page (sortable there, downloadable as CSV/XLSX)."""

    key: str
    title: str
    data: pd.DataFrame
    caption: str = ""
    # team-level rows (a list of teams, verbatim answers, fiches): staff only, never `lecture`
    detail: bool = False
    # detail rows that member teams read too (the fiches: their shared library)
    members: bool = False
    # columns counting teams or respondents: small values masked for `lecture` and in exports
    count_columns: tuple[str, ...] = ()
    # the sums of the count columns a reader sees or works out (``privacy.Margin``): what
    # complementary suppression protects; () when the cells are public elsewhere and a
    # metric's ``total_of`` hides the total instead
    margins: tuple[Margin, ...] = GRAND_TOTAL
    protected: bool = False  # set by ``views.access.protect``
    masked_cells: int = 0


@dataclass(frozen=True)
class Card:
    """One question of an infographic: a big number, what it is, and a one-line takeaway,
    drawn with the figure ``figure`` (a key of the view's figures) and its n."""

    figure: str
    title: str  # the question's short label, else its text
    value: str  # « 64 % », « 3 » (a median); "" when the answers give no number to stand out
    value_label: str  # what the big number is: « oui », « médiane »
    takeaway: str
    # the rows of the figure's data the numbers are read from: as soon as one of them is
    # masked for a reader, so are the card's numbers (``views.access.protect``)
    rows: tuple[int, ...] = ()
    # a second sentence on the breakdown's groups (a difference, or none to speak of), and
    # the rows it reads: one masked, the sentence goes
    groups: str = ""
    group_rows: tuple[int, ...] = ()
    withheld: str = ""  # set by ``views.access.protect``: why its numbers are not shown


@dataclass
class View:
    """Everything one page shows for one scope: what the UI lays out and the exports render."""

    title: str
    scope_label: str
    metrics: list[Metric] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    empty_message: str | None = None  # set when the scope has no data: a clear empty state
    notes: list[str] = field(default_factory=list)
    # what it shows that the federation publishes ("survey", "fiche"), and whether it was built
    # from the published items only: a role that sees only those gets nothing else
    publication: str | None = None
    published_only: bool = False
    # the one team it is about (Mon équipe): its own account and staff only
    team_id: int | None = None
    cards: list[Card] = field(default_factory=list)  # an infographic's questions
