"""The dashboard's charts, drawn from its figures with the primitives in
`svg`."""

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from recovery.trends.charts.svg import (
    Bar,
    Chart,
    Highlight,
    Marker,
    Series,
    bar_chart,
    heatmap,
    line_chart,
    num,
)
from recovery.trends.figures import Figures, spike_cells, weekday_names
from recovery.trends.selectors import Dashboard


def _cases_label(n: int) -> str:
    return ngettext(
        "%(row)s, %(col)s h: %(n)d case", "%(row)s, %(col)s h: %(n)d cases", n
    )


def _complaints_label(n: int) -> str:
    return ngettext(
        "%(row)s, %(col)s h: %(n)d complaint",
        "%(row)s, %(col)s h: %(n)d complaints",
        n,
    )


def _hours_label(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 48:
        return _("%(h)s h") % {"h": num(value)}
    return _("%(d)s days") % {"d": num(value / 24)}


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
                    timezone.localtime(e.happened_at, board.scope.zone),
                    "DATETIME_FORMAT",
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
            cell_label=_cases_label,
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
            cell_label=_complaints_label,
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
                    "rate": num(a.per_100_tickets or 0),
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
        cell_label=_cases_label,
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
                    "mean": num(group.mean) if group.mean is not None else "—",
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
