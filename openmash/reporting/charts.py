"""Geometry for the dashboard's server-rendered SVG bar charts (no JavaScript, no library).

Pure: takes labels and percentages, returns coordinates for ``reporting/includes/*_chart.html``.
Every chart is drawn beside a table holding the same figures; the SVG is labelled as one image
(``role="img"`` with a title and description) so screen readers use the table for detail.
"""

from __future__ import annotations

from dataclasses import dataclass

#: GOV.UK colours: blue bars, dark grey text, mid grey gridlines.
BAR = "#1d70b8"
TEXT = "#0b0c0c"
GRID = "#b1b4b6"


@dataclass(frozen=True)
class Gridline:
    percent: int
    x1: float
    y1: float
    x2: float
    y2: float
    label_x: float
    label_y: float


@dataclass(frozen=True)
class Bar:
    label: str
    sublabel: str
    percent: int | None
    caption: str  # e.g. "67% (2 of 3)" or "No contacts"
    x: float
    y: float
    width: float
    height: float
    label_x: float
    label_y: float
    sublabel_y: float
    value_x: float
    value_y: float


@dataclass(frozen=True)
class Chart:
    title: str
    description: str
    width: int
    height: int
    bars: tuple[Bar, ...]
    gridlines: tuple[Gridline, ...]
    orientation: str  # "columns" (vertical bars) or "bars" (horizontal)
    bar_colour: str = BAR
    text_colour: str = TEXT
    grid_colour: str = GRID


@dataclass(frozen=True)
class Point:
    """One bar: ``label`` (and a second line, ``sublabel``), its percentage (None: no data)
    and the words shown for it."""

    label: str
    percent: int | None
    caption: str
    sublabel: str = ""


_TICKS = (0, 25, 50, 75, 100)


def column_chart(points: list[Point], *, title: str, description: str) -> Chart:
    """Vertical bars, one per point (weeks), on a 0–100% scale."""
    width, height = 460, 280
    left, right, top, bottom = 40, 6, 20, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    slot = plot_w / max(len(points), 1)
    bar_w = slot * 0.62
    base = top + plot_h

    def y_of(percent: float) -> float:
        return base - plot_h * percent / 100

    gridlines = tuple(
        Gridline(t, left, y_of(t), width - right, y_of(t), left - 6, y_of(t) + 4) for t in _TICKS
    )
    bars = []
    for i, point in enumerate(points):
        x = left + slot * i + (slot - bar_w) / 2
        value = point.percent or 0
        bar_h = plot_h * value / 100
        bars.append(
            Bar(
                label=point.label,
                sublabel=point.sublabel,
                percent=point.percent,
                caption=point.caption,
                x=round(x, 2),
                y=round(base - bar_h, 2),
                width=round(bar_w, 2),
                height=round(bar_h, 2),
                label_x=round(x + bar_w / 2, 2),
                label_y=base + 16,
                sublabel_y=base + 30,
                value_x=round(x + bar_w / 2, 2),
                value_y=round(base - bar_h - 5, 2),
            )
        )
    return Chart(title, description, width, height, tuple(bars), gridlines, "columns")


def bar_chart(points: list[Point], *, title: str, description: str) -> Chart:
    """Horizontal bars, one per point (agencies), each under its own full-width label so long
    agency names are never cut off; 0–100% scale."""
    width, left, right, top = 460, 8, 110, 8
    row_h, label_h, bar_h = 44, 16, 18
    plot_w = width - left - right
    height = top + row_h * max(len(points), 1) + 20
    axis_y = top + row_h * len(points)

    gridlines = tuple(
        Gridline(
            t,
            left + plot_w * t / 100,
            top,
            left + plot_w * t / 100,
            axis_y,
            left + plot_w * t / 100,
            axis_y + 14,
        )
        for t in _TICKS
    )
    bars = []
    for i, point in enumerate(points):
        y = top + row_h * i
        length = plot_w * (point.percent or 0) / 100
        bars.append(
            Bar(
                label=point.label,
                sublabel=point.sublabel,
                percent=point.percent,
                caption=point.caption,
                x=left,
                y=y + label_h,
                width=round(length, 2),
                height=bar_h,
                label_x=left,
                label_y=y + label_h - 4,
                sublabel_y=y + label_h - 4,
                value_x=round(left + length + 6, 2),
                value_y=y + label_h + bar_h - 4,
            )
        )
    return Chart(title, description, width, height, tuple(bars), gridlines, "bars")
