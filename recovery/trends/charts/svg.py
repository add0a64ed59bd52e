"""Server-side SVG charts: no script, no external asset, works offline.

Each chart is an `<svg role="img">` labelled by its own `<title>` and
`<desc>` (aria-labelledby), with axis labels in text and a `<title>` on
every mark, so screen readers and a mouse-over both get the numbers. Colours
come from the Okabe-Ito palette (distinguishable with the common colour
vision deficiencies); lines also differ by dash pattern and marker shape,
and the heatmap uses one hue from light to dark with the count written in
each cell."""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils.formats import date_format
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

# Okabe & Ito (2008), without yellow (too light on white).
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#000000",
)
DASHES = ("", "6 3", "2 3", "8 3 2 3", "4 4", "1 2", "10 4")
# Light to dark blue; readable in grey scale too.
HEAT = ("#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
TEXT = "#1f2937"
MUTED = "#6b7280"
GRID = "#e5e7eb"
SPIKE = "#D55E00"
FONT = 'font-family="system-ui, sans-serif"'


def num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Chart:
    """An inline SVG and its title (also shown as the figure's caption)."""

    title: str
    svg: SafeString


def _svg(
    chart_id: str, width: int, height: int, title: str, desc: str, body: list[str]
) -> Chart:
    head = format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{0}" '
        'viewBox="0 0 {1} {2}" role="img" aria-labelledby="{0}-title {0}-desc" '
        'preserveAspectRatio="xMinYMin meet" {3}>'
        '<title id="{0}-title">{4}</title><desc id="{0}-desc">{5}</desc>',
        chart_id,
        width,
        height,
        mark_safe(FONT),  # noqa: S308 - a constant
        title,
        desc,
    )
    # Every part of the body was escaped when it was built.
    return Chart(title, mark_safe(head + "".join(body) + "</svg>"))  # noqa: S308


def _text(
    x: float,
    y: float,
    label: str,
    *,
    anchor: str = "start",
    size: int = 11,
    fill: str = MUTED,
    extra: str = "",
) -> str:
    return (
        f'<text x="{num(x)}" y="{num(y)}" font-size="{size}" fill="{fill}" '
        f'text-anchor="{anchor}"{extra}>{escape(label)}</text>'
    )


def nice_max(value: float) -> float:
    """A round axis maximum at or above `value` (1, 2, 2.5, 5 x 10^n)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


# --- heatmap -----------------------------------------------------------------


@dataclass(frozen=True)
class Highlight:
    row: int
    col: int
    label: str


def heatmap(
    *,
    chart_id: str,
    title: str,
    desc: str,
    values: Sequence[Sequence[int]],
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    x_label: str,
    cell_label: Callable[[int], str],
    highlights: Sequence[Highlight] = (),
) -> Chart:
    """A grid of counts, darker for more; `cell_label(n)` gives the format of
    a cell's tooltip (with row, col and n), so it can agree with n.
    Highlighted cells get a thick outline in a second colour."""
    left = 8 + 7 * max((len(r) for r in row_labels), default=4)
    top, cell_w, cell_h = 22, 26, 22
    width = left + cell_w * len(col_labels) + 8
    height = top + cell_h * len(row_labels) + 34
    peak = max((max(row, default=0) for row in values), default=0)
    body = []
    for c, label in enumerate(col_labels):
        body.append(
            _text(left + c * cell_w + cell_w / 2, top - 6, label, anchor="middle")
        )
    for r, label in enumerate(row_labels):
        y = top + r * cell_h
        body.append(_text(left - 6, y + cell_h / 2 + 4, label, anchor="end"))
        for c, n in enumerate(values[r]):
            x = left + c * cell_w
            shade = 0 if n == 0 or peak == 0 else 1 + int(5.999 * n / peak)
            tip = cell_label(n) % {"row": label, "col": col_labels[c], "n": n}
            body.append(
                f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" '
                f'rx="2" fill="{HEAT[shade]}"><title>{escape(tip)}</title></rect>'
            )
            if n:
                body.append(
                    _text(
                        x + (cell_w - 2) / 2,
                        y + cell_h / 2 + 3,
                        str(n),
                        anchor="middle",
                        size=9,
                        fill="#ffffff" if shade >= 4 else TEXT,
                        extra=' aria-hidden="true"',
                    )
                )
    for mark in highlights:
        x, y = left + mark.col * cell_w - 1, top + mark.row * cell_h - 1
        body.append(
            f'<rect class="spike" x="{x}" y="{y}" width="{cell_w}" '
            f'height="{cell_h}" fill="none" stroke="{SPIKE}" stroke-width="2.5">'
            f"<title>{escape(mark.label)}</title></rect>"
        )
    body.append(
        _text(left + cell_w * len(col_labels) / 2, height - 8, x_label, anchor="middle")
    )
    return _svg(chart_id, width, height, title, desc, body)


# --- horizontal bars ---------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as shown at the end of the bar
    tip: str = ""
    # A limit drawn as a tick on the bar (same unit as value).
    limit: float | None = None
    limit_tip: str = ""


def bar_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    bars: Sequence[Bar],
    x_label: str,
    max_value: float | None = None,
) -> Chart:
    """Horizontal bars, one per row, with the value written after each."""
    left = 12 + 7 * max((len(b.label) for b in bars), default=6)
    left = min(left, 220)
    bar_h, gap, top, plot_w = 18, 8, 8, 360
    width = left + plot_w + 250
    height = top + (bar_h + gap) * max(len(bars), 1) + 30
    top_value = nice_max(
        max_value or max((max(b.value, b.limit or 0) for b in bars), default=0)
    )
    body = []
    for i, bar in enumerate(bars):
        y = top + i * (bar_h + gap)
        w = plot_w * bar.value / top_value if top_value else 0
        body.append(_text(left - 6, y + bar_h / 2 + 4, bar.label, anchor="end"))
        body.append(
            f'<rect x="{left}" y="{y}" width="{num(max(w, 1))}" height="{bar_h}" '
            f'rx="2" fill="{PALETTE[0]}"><title>{escape(bar.tip or bar.text)}'
            "</title></rect>"
        )
        body.append(_text(left + w + 6, y + bar_h / 2 + 4, bar.text, fill=TEXT))
        if bar.limit is not None:
            lx = left + plot_w * bar.limit / top_value
            body.append(
                f'<line class="limit" x1="{num(lx)}" x2="{num(lx)}" y1="{y - 3}" '
                f'y2="{y + bar_h + 3}" stroke="{SPIKE}" stroke-width="2.5">'
                f"<title>{escape(bar.limit_tip)}</title></line>"
            )
    axis_y = top + (bar_h + gap) * max(len(bars), 1)
    body.append(
        f'<line x1="{left}" x2="{left + plot_w}" y1="{axis_y}" y2="{axis_y}" '
        f'stroke="{GRID}"/>'
    )
    body.append(_text(left, axis_y + 14, "0", anchor="middle"))
    body.append(_text(left + plot_w, axis_y + 14, num(top_value), anchor="middle"))
    body.append(_text(left + plot_w / 2, axis_y + 26, x_label, anchor="middle"))
    return _svg(chart_id, width, height, title, desc, body)


# --- weekly lines with change markers ----------------------------------------


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


@dataclass(frozen=True)
class Marker:
    at: datetime
    label: str
    tip: str


def line_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    weeks: Sequence[date],
    series: Sequence[Series],
    y_label: str,
    week_label: str,
    markers: Sequence[Marker] = (),
    value_format: str = "%(name)s, %(week)s: %(value)s",
) -> Chart:
    """One line per series over the weeks, with change events drawn as
    labelled vertical lines at their time on the same axis."""
    left, right, top, bottom = 48, 16, 26, 44
    plot_w, plot_h = 640, 180
    legend_rows = math.ceil(len(series) / 3)
    width = left + plot_w + right
    height = top + plot_h + bottom + 18 * legend_rows
    peak = nice_max(max((max(s.values, default=0) for s in series), default=0))
    step = plot_w / max(len(weeks) - 1, 1)

    def x_of_week(i: int) -> float:
        return left + i * step

    def y_of(value: float) -> float:
        return top + plot_h - plot_h * value / peak

    week_names = [date_format(week, "DATE_FORMAT") for week in weeks]
    body = []
    for k in range(5):
        value = peak * k / 4
        y = y_of(value)
        body.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{num(y)}" y2="{num(y)}" '
            f'stroke="{GRID}"/>'
        )
        body.append(_text(left - 6, y + 4, num(value), anchor="end"))
    label_every = max(1, math.ceil(len(weeks) / 9))
    for i, week in enumerate(weeks):
        if i % label_every == 0:
            body.append(
                _text(
                    x_of_week(i),
                    top + plot_h + 16,
                    date_format(week, "MONTH_DAY_FORMAT"),
                    anchor="middle",
                )
            )
    body.append(
        _text(left + plot_w / 2, top + plot_h + 32, week_label, anchor="middle")
    )
    body.append(
        _text(
            14,
            top + plot_h / 2,
            y_label,
            anchor="middle",
            extra=f' transform="rotate(-90 14 {num(top + plot_h / 2)})"',
        )
    )
    if weeks:
        first = datetime.combine(weeks[0], datetime.min.time())
        for marker in markers:
            offset = (marker.at.replace(tzinfo=None) - first) / timedelta(days=7)
            x = left + offset * step
            if not left <= x <= left + plot_w:
                continue
            body.append(
                f'<g class="change-marker"><title>{escape(marker.tip)}</title>'
                f'<line x1="{num(x)}" x2="{num(x)}" y1="{top - 4}" '
                f'y2="{top + plot_h}" stroke="{TEXT}" stroke-width="1.5" '
                'stroke-dasharray="4 3"/>'
                + _text(x + 4, top - 8, marker.label, fill=TEXT, size=11)
                + "</g>"
            )
    for n, s in enumerate(series):
        colour, dash = PALETTE[n % len(PALETTE)], DASHES[n % len(DASHES)]
        points = " ".join(
            f"{num(x_of_week(i))},{num(y_of(v))}" for i, v in enumerate(s.values)
        )
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        body.append(
            f'<g class="series"><polyline points="{points}" fill="none" '
            f'stroke="{colour}" stroke-width="2"{dash_attr}/>'
        )
        for i, v in enumerate(s.values):
            tip = value_format % {
                "name": s.name,
                "week": week_names[i] if i < len(weeks) else "",
                "value": num(v),
            }
            body.append(
                f'<circle cx="{num(x_of_week(i))}" cy="{num(y_of(v))}" r="3" '
                f'fill="{colour}"><title>{escape(tip)}</title></circle>'
            )
        body.append("</g>")
        lx = left + (n % 3) * (plot_w / 3)
        ly = top + plot_h + bottom + 4 + 18 * (n // 3)
        body.append(
            f'<line x1="{num(lx)}" x2="{num(lx + 22)}" y1="{ly - 4}" y2="{ly - 4}" '
            f'stroke="{colour}" stroke-width="2.5"{dash_attr}/>'
            + _text(lx + 28, ly, s.name, fill=TEXT)
        )
    return _svg(chart_id, width, height, title, desc, body)
