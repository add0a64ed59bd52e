"""Server-side SVG charts: no script, no external asset, works offline.

Each chart is an `<svg role="img">` labelled by its own `<title>` and
`<desc>` (aria-labelledby), with axis labels in text and a `<title>` on
every mark, so screen readers and a mouse-over both get the numbers. Colours
come from the Okabe-Ito palette (distinguishable with the common colour
vision deficiencies); lines also differ by dash pattern and marker shape,
and the heatmap uses one hue from light to dark with the count written in
each cell."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from recovery.trends.figures import Figures, spike_cells, weekday_names
from recovery.trends.selectors import Dashboard

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


def _num(value: float) -> str:
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
        f'<text x="{_num(x)}" y="{_num(y)}" font-size="{size}" fill="{fill}" '
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
    cell_label: str,
    highlights: Sequence[Highlight] = (),
) -> Chart:
    """A grid of counts, darker for more; `cell_label` is formatted with
    row, col and n for each cell's tooltip. Highlighted cells get a thick
    outline in a second colour."""
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
            tip = cell_label % {"row": label, "col": col_labels[c], "n": n}
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
            f'<rect x="{left}" y="{y}" width="{_num(max(w, 1))}" height="{bar_h}" '
            f'rx="2" fill="{PALETTE[0]}"><title>{escape(bar.tip or bar.text)}'
            "</title></rect>"
        )
        body.append(_text(left + w + 6, y + bar_h / 2 + 4, bar.text, fill=TEXT))
        if bar.limit is not None:
            lx = left + plot_w * bar.limit / top_value
            body.append(
                f'<line class="limit" x1="{_num(lx)}" x2="{_num(lx)}" y1="{y - 3}" '
                f'y2="{y + bar_h + 3}" stroke="{SPIKE}" stroke-width="2.5">'
                f"<title>{escape(bar.limit_tip)}</title></line>"
            )
    axis_y = top + (bar_h + gap) * max(len(bars), 1)
    body.append(
        f'<line x1="{left}" x2="{left + plot_w}" y1="{axis_y}" y2="{axis_y}" '
        f'stroke="{GRID}"/>'
    )
    body.append(_text(left, axis_y + 14, "0", anchor="middle"))
    body.append(_text(left + plot_w, axis_y + 14, _num(top_value), anchor="middle"))
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

    week_names = [date_format(week, "j M Y") for week in weeks]
    body = []
    for k in range(5):
        value = peak * k / 4
        y = y_of(value)
        body.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{_num(y)}" y2="{_num(y)}" '
            f'stroke="{GRID}"/>'
        )
        body.append(_text(left - 6, y + 4, _num(value), anchor="end"))
    label_every = max(1, math.ceil(len(weeks) / 9))
    for i, week in enumerate(weeks):
        if i % label_every == 0:
            body.append(
                _text(
                    x_of_week(i),
                    top + plot_h + 16,
                    date_format(week, "j M"),
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
            extra=f' transform="rotate(-90 14 {_num(top + plot_h / 2)})"',
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
                f'<line x1="{_num(x)}" x2="{_num(x)}" y1="{top - 4}" '
                f'y2="{top + plot_h}" stroke="{TEXT}" stroke-width="1.5" '
                'stroke-dasharray="4 3"/>'
                + _text(x + 4, top - 8, marker.label, fill=TEXT, size=11)
                + "</g>"
            )
    for n, s in enumerate(series):
        colour, dash = PALETTE[n % len(PALETTE)], DASHES[n % len(DASHES)]
        points = " ".join(
            f"{_num(x_of_week(i))},{_num(y_of(v))}" for i, v in enumerate(s.values)
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
                "value": _num(v),
            }
            body.append(
                f'<circle cx="{_num(x_of_week(i))}" cy="{_num(y_of(v))}" r="3" '
                f'fill="{colour}"><title>{escape(tip)}</title></circle>'
            )
        body.append("</g>")
        lx = left + (n % 3) * (plot_w / 3)
        ly = top + plot_h + bottom + 4 + 18 * (n // 3)
        body.append(
            f'<line x1="{_num(lx)}" x2="{_num(lx + 22)}" y1="{ly - 4}" y2="{ly - 4}" '
            f'stroke="{colour}" stroke-width="2.5"{dash_attr}/>'
            + _text(lx + 28, ly, s.name, fill=TEXT)
        )
    return _svg(chart_id, width, height, title, desc, body)


# --- the dashboard's charts --------------------------------------------------


def _hours_label(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 48:
        return _("%(h)s h") % {"h": _num(value)}
    return _("%(d)s days") % {"d": _num(value / 24)}


def dashboard_charts(fig: Figures) -> dict[str, object]:
    """Every chart of the dashboard as inline SVG, keyed by name."""
    board = fig.board
    days = weekday_names()
    hours = [str(h) for h in range(24)]
    cells = spike_cells(board.spikes)
    markers = [
        Marker(
            at=timezone.localtime(e.happened_at, board.scope.zone),
            label=e.title,
            tip=_("%(title)s (%(kind)s%(component)s), %(when)s")
            % {
                "title": e.title,
                "kind": e.get_kind_display(),
                "component": f", {e.component.name}" if e.component else "",
                "when": date_format(
                    timezone.localtime(e.happened_at, board.scope.zone), "j M Y, H:i"
                ),
            },
        )
        for e in board.events
    ]
    total_cases = board.cases.total
    charts: dict[str, object] = {
        "cases_heatmap": heatmap(
            chart_id="chart-cases-heatmap",
            title=_("Recovery cases by weekday and hour"),
            desc=_(
                "%(n)d recovery cases by the weekday and hour (inbox time) the "
                "complaint came in. Outlined cells stand out."
            )
            % {"n": total_cases},
            values=fig.heat.cases,
            row_labels=days,
            col_labels=hours,
            x_label=_("Hour of the day (inbox time)"),
            cell_label=_("%(row)s, %(col)s h: %(n)d cases"),
            highlights=[Highlight(d, h, s) for d, h, s in cells["cases"]],
        ),
        "complaints_heatmap": heatmap(
            chart_id="chart-complaints-heatmap",
            title=_("Complaints by weekday and hour"),
            desc=_(
                "%(n)d complaints (tickets about a late delivery, billing, a "
                "defect, a broken promise or conduct) by weekday and hour."
            )
            % {"n": sum(map(sum, fig.heat.complaints))},
            values=fig.heat.complaints,
            row_labels=days,
            col_labels=hours,
            x_label=_("Hour of the day (inbox time)"),
            cell_label=_("%(row)s, %(col)s h: %(n)d complaints"),
            highlights=[Highlight(d, h, s) for d, h, s in cells["complaints"]],
        ),
    }
    with_tickets = [a for a in fig.agents if a.tickets]
    charts["agent_rates"] = bar_chart(
        chart_id="chart-agent-rates",
        title=_("Recovery cases per 100 tickets, by agent"),
        desc=_(
            "For each agent, the recovery cases on their tickets per 100 "
            "tickets they handled, so busy agents do not look worse."
        ),
        bars=[
            Bar(
                label=a.name,
                value=a.per_100_tickets or 0,
                text=_("%(rate)s (%(cases)d of %(tickets)d)")
                % {
                    "rate": _num(a.per_100_tickets or 0),
                    "cases": a.cases,
                    "tickets": a.tickets,
                },
            )
            for a in with_tickets
        ],
        x_label=_("Cases per 100 tickets handled"),
    )
    charts["agent_hours"] = heatmap(
        chart_id="chart-agent-hours",
        title=_("Recovery cases by agent and hour"),
        desc=_("Each agent's recovery cases by the hour the complaint came in."),
        values=[a.by_hour for a in fig.agents] or [[0] * 24],
        row_labels=[a.name for a in fig.agents] or ["—"],
        col_labels=hours,
        x_label=_("Hour of the day (inbox time)"),
        cell_label=_("%(row)s, %(col)s h: %(n)d cases"),
        highlights=[
            Highlight(
                next(i for i, a in enumerate(fig.agents) if a.agent_id == s.agent_id),
                s.hour,
                s.sentence,
            )
            for s in fig.spikes
            if s.kind == "agent_hour"
            and s.hour is not None
            and any(a.agent_id == s.agent_id for a in fig.agents)
        ],
    )
    change_note = _(" Dashed vertical lines are change events.") if markers else ""
    charts["by_cause"] = line_chart(
        chart_id="chart-by-cause",
        title=_("Recovery cases per week by root cause"),
        desc=_("Cases opened per week, one line per root-cause category.")
        + change_note,
        weeks=board.weeks,
        series=[Series(s.label, s.counts) for s in fig.by_cause],
        y_label=_("Cases"),
        week_label=_("Week starting"),
        markers=markers,
        value_format=_("%(name)s, week of %(week)s: %(value)s cases"),
    )
    charts["by_component"] = line_chart(
        chart_id="chart-by-component",
        title=_("Recovery cases per week by component"),
        desc=_("Cases opened per week, one line per product component.") + change_note,
        weeks=board.weeks,
        series=[Series(s.label, s.counts) for s in fig.by_component],
        y_label=_("Cases"),
        week_label=_("Week starting"),
        markers=markers,
        value_format=_("%(name)s, week of %(week)s: %(value)s cases"),
    )
    charts["money"] = [
        (
            series.currency,
            line_chart(
                chart_id=f"chart-money-{series.currency.lower()}",
                title=_("Compensation approved per week in %(currency)s")
                % {"currency": series.currency},
                desc=_(
                    "Approved compensation in %(currency)s per week: %(total)s "
                    "in the period. Other currencies have their own chart."
                )
                % {"currency": series.currency, "total": series.total},
                weeks=board.weeks,
                series=[Series(series.currency, [float(a) for a in series.amounts])],
                y_label=series.currency,
                week_label=_("Week starting"),
                markers=markers,
                value_format=_("%(name)s, week of %(week)s: %(value)s"),
            ),
        )
        for series in fig.money
    ]
    spend_by_currency: dict[str, list] = {}
    for s in board.compensation.by_agent:
        spend_by_currency.setdefault(s.currency, []).append(s)
    charts["spend"] = [
        (currency, _spend_chart(currency, rows, board))
        for currency, rows in sorted(spend_by_currency.items())
    ]
    sat = board.satisfaction
    charts["satisfaction"] = bar_chart(
        chart_id="chart-satisfaction",
        title=_("Satisfaction after a recovered failure vs without a failure"),
        desc=_(
            "Average score (1 to 5): customers whose failure was recovered, "
            "against customers who never had one."
        ),
        bars=[
            Bar(
                label=label,
                value=group.mean or 0,
                text=_("%(mean)s (n = %(n)d)")
                % {
                    "mean": _num(group.mean) if group.mean is not None else "—",
                    "n": group.count,
                },
            )
            for label, group in (
                (_("After a recovered failure"), sat.recovered),
                (_("Without a failure"), sat.no_failure),
            )
        ],
        x_label=_("Average score"),
        max_value=5,
    )
    charts["repeats"] = bar_chart(
        chart_id="chart-repeats",
        title=_("Repeat failures per customer"),
        desc=_(
            "Cases by how many failures the customer had in the 12 months "
            "before: a recovery works best on a first failure."
        ),
        bars=[Bar(r.label, r.cases, str(r.cases)) for r in fig.repeats],
        x_label=_("Cases"),
    )
    p = fig.promises
    charts["promises"] = bar_chart(
        chart_id="chart-promises",
        title=_("Promises on recovery cases: kept vs broken"),
        desc=_("Promises made on the tickets of the period's recovery cases."),
        bars=[
            Bar(_("Kept"), p.kept, str(p.kept)),
            Bar(_("Broken"), p.broken, str(p.broken)),
            Bar(_("Still open"), p.open, str(p.open)),
        ],
        x_label=_("Promises"),
    )
    charts["timings"] = [
        (t.label, _hours_label(t.median_hours), _hours_label(t.p90_hours), t.count)
        for t in fig.timings
    ]
    turnaround = board.compensation.turnaround
    charts["turnaround"] = (
        turnaround[0],
        _hours_label(turnaround[1]),
        _hours_label(turnaround[2]),
    )
    return charts


def _spend_chart(currency: str, rows: list, board: Dashboard) -> Chart:
    """Per agent in one currency: the busiest month of own-authority
    compensation against the monthly limit where the limit is in this
    currency, else what was approved in the period."""
    several = len(board.scope.inboxes) > 1

    def label(s) -> str:
        name = board.agents.get(s.agent_id, "—")
        return f"{name} ({board.inbox_names.get(s.inbox_id, '')})" if several else name

    if any(s.month_limit is not None for s in rows):
        # Shares of each member's own limit, so a large limit does not
        # squash everybody else's bar.
        def share(s) -> float:
            return float(100 * s.busiest_month / s.month_limit) if s.month_limit else 0

        return bar_chart(
            chart_id=f"chart-spend-{currency.lower()}",
            title=_("Own-authority compensation against monthly limits, %(c)s")
            % {"c": currency},
            desc=_(
                "For each agent, the most they granted within their own "
                "authority in one month of the period, as a share of their "
                "monthly limit (the mark is the limit)."
            ),
            bars=[
                Bar(
                    label=label(s),
                    value=share(s),
                    text=_("%(spent)s of %(limit)s in the busiest month")
                    % {
                        "spent": s.busiest_month,
                        "limit": s.month_limit if s.month_limit is not None else "—",
                    },
                    limit=100.0 if s.month_limit is not None else None,
                    limit_tip=_("Monthly limit: %(limit)s %(c)s")
                    % {"limit": s.month_limit, "c": currency},
                )
                for s in rows
            ],
            x_label=_("Share of the monthly limit, per cent"),
            max_value=max(100.0, *(share(s) for s in rows)),
        )
    return bar_chart(
        chart_id=f"chart-spend-{currency.lower()}",
        title=_("Compensation approved per agent, %(c)s") % {"c": currency},
        desc=_(
            "No member has a limit in %(c)s, so every offer in it needed a "
            "manager's approval."
        )
        % {"c": currency},
        bars=[
            Bar(
                label=label(s),
                value=float(s.total),
                text=_("%(total)s (%(n)d approvals)")
                % {"total": s.total, "n": s.needed_approval},
            )
            for s in rows
        ],
        x_label=currency,
    )
