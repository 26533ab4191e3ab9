"""The schedule as a time grid: appointments placed on 15-minute rows of columns (clinicians on a
day, days on a week), as CSS grid positions given by class names (the CSP allows no inline styles).

Pure layout: takes calendar rows already read and formatted, returns what the template draws.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scheduling.calendar import local

ROW_MIN = 15
DAY_START_HOUR, DAY_END_HOUR = 7, 20  # the grid always shows these hours; it grows to fit earlier/later
MAX_LANES = 4  # overlapping cards in one column are offset, the fourth and later share the last offset
HEADER_ROWS = 1  # grid row 1 is the column heading


@dataclass
class GridItem:
    row: int  # first grid row (1-based, after the heading)
    span: int  # number of 15-minute rows
    lane: int  # 1 for the first of overlapping cards, 2 for the next...
    entry: dict[str, Any]  # the formatted calendar row (url, span, patient, kind, status...)
    cancelled: bool


@dataclass
class Column:
    key: Hashable
    title: str
    is_today: bool = False
    items: list[GridItem] = field(default_factory=list)


@dataclass
class TimeGrid:
    columns: list[Column]
    hours: list[tuple[str, int]]  # ("09:00", grid row)
    last_row: int


def _minutes(moment: datetime) -> int:
    clock = local(moment)
    return clock.hour * 60 + clock.minute


def time_grid(
    *,
    columns: list[Column],
    rows: list[dict[str, Any]],
    column_of: Callable[[dict[str, Any]], Hashable],
    entry_of: Callable[[dict[str, Any]], dict[str, Any]],
) -> TimeGrid:
    """Place each row in its column (rows of an unknown column get a column of their own)."""
    by_key = {column.key: column for column in columns}
    spans = [(_minutes(r["starts_at"]), _minutes(r["ends_at"]) or 24 * 60, r) for r in rows]
    first_hour = min([DAY_START_HOUR, *(start // 60 for start, _, _ in spans)])
    last_hour = max([DAY_END_HOUR, *(-(-end // 60) for _, end, _ in spans)])
    first_minute = first_hour * 60
    lanes_end: dict[Hashable, list[int]] = {}
    for start, end, values in sorted(spans, key=lambda s: (s[0], s[1])):
        end = max(end, start + ROW_MIN)  # a cross-midnight or zero-length row still shows
        key = column_of(values)
        column = by_key.get(key)
        if column is None:
            column = by_key[key] = Column(key=key, title=str(values.get("column_title", key)))
            columns.append(column)
        ends = lanes_end.setdefault(key, [])
        lane = next((i for i, lane_end in enumerate(ends) if lane_end <= start), len(ends))
        if lane == len(ends):
            ends.append(end)
        else:
            ends[lane] = end
        column.items.append(
            GridItem(
                row=HEADER_ROWS + 1 + (start - first_minute) // ROW_MIN,
                span=max(1, -(-(end - start) // ROW_MIN)),
                lane=min(lane + 1, MAX_LANES),
                entry=entry_of(values),
                cancelled=values["status"] == "cancelled",
            )
        )
    hours = [
        (f"{hour:02d}:00", HEADER_ROWS + 1 + (hour - first_hour) * 60 // ROW_MIN)
        for hour in range(first_hour, last_hour)
    ]
    return TimeGrid(columns=columns, hours=hours, last_row=HEADER_ROWS + (last_hour - first_hour) * 60 // ROW_MIN)
