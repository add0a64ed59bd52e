"""The dashboard's figures in the shape both the page and the API show:
plain data built from the selectors' counts (no queries here)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _

from recovery.models import PostMortem
from recovery.trends import spikes
from recovery.trends.selectors import MAX_COMPONENT_SERIES, Dashboard, SpikeReport

HOURS = range(24)
DAYS = range(7)


def weekday_names() -> list[str]:
    return [str(WEEKDAYS[d]) for d in DAYS]


# --- heatmaps ----------------------------------------------------------------


@dataclass(frozen=True)
class Heatmap:
    """Counts per local weekday (rows, Monday first) and hour (columns)."""

    cases: list[list[int]]
    complaints: list[list[int]]
    tickets: list[list[int]]


def heatmaps(board: Dashboard) -> Heatmap:
    cases = [[0] * 24 for _d in DAYS]
    complaints = [[0] * 24 for _d in DAYS]
    tickets = [[0] * 24 for _d in DAYS]
    for (d, h, _a), n in board.cases.slots.items():
        cases[d][h] += n
    for (d, h, _a), (n, c) in board.tickets.slots.items():
        tickets[d][h] += n
        complaints[d][h] += c
    return Heatmap(cases=cases, complaints=complaints, tickets=tickets)


# --- agents ------------------------------------------------------------------


@dataclass(frozen=True)
class AgentRow:
    agent_id: int
    name: str
    cases: int
    tickets: int  # tickets assigned to them that came in during the period
    by_hour: list[int]  # cases by local hour of the complaint's arrival

    @property
    def per_100_tickets(self) -> float | None:
        return 100 * self.cases / self.tickets if self.tickets else None


def agent_rows(board: Dashboard) -> list[AgentRow]:
    """Each agent with cases or tickets, the highest case rate first."""
    cases: dict[int, int] = defaultdict(int)
    by_hour: dict[int, list[int]] = defaultdict(lambda: [0] * 24)
    tickets: dict[int, int] = defaultdict(int)
    for (_d, h, a), n in board.cases.slots.items():
        if a is not None:
            cases[a] += n
            by_hour[a][h] += n
    for (_d, _h, a), (n, _c) in board.tickets.slots.items():
        if a is not None:
            tickets[a] += n
    rows = [
        AgentRow(
            agent_id=a,
            name=board.agents.get(a, str(a)),
            cases=cases.get(a, 0),
            tickets=tickets.get(a, 0),
            by_hour=by_hour.get(a, [0] * 24),
        )
        for a in set(cases) | set(tickets)
    ]
    return sorted(rows, key=lambda r: (-(r.per_100_tickets or 0), -r.cases, r.name))


# --- weekly series -----------------------------------------------------------


@dataclass(frozen=True)
class WeeklySeries:
    key: str
    label: str
    counts: list[int]

    @property
    def total(self) -> int:
        return sum(self.counts)


def _series(
    weeks: list[date], counts: dict[tuple[date, object], int]
) -> dict[object, list[int]]:
    index = {w: i for i, w in enumerate(weeks)}
    out: dict[object, list[int]] = {}
    for (week, key), n in counts.items():
        if week in index:
            out.setdefault(key, [0] * len(weeks))[index[week]] += n
    return out


def weekly_by_cause(board: Dashboard) -> list[WeeklySeries]:
    """Cases per week by the post-mortem's root cause, largest first."""
    labels = dict(PostMortem.RootCause.choices)
    raw = _series(board.weeks, board.cases.by_cause)
    series = [
        WeeklySeries(
            key=str(key) or "undocumented",
            label=str(labels.get(key, "")) if key else _("No post-mortem yet"),
            counts=counts,
        )
        for key, counts in raw.items()
    ]
    return sorted(series, key=lambda s: (s.key == "undocumented", -s.total))


def weekly_by_component(board: Dashboard) -> list[WeeklySeries]:
    """Cases per week by component: the largest as their own line, the
    rest together."""
    raw = _series(board.weeks, board.cases.by_component)
    named = sorted(
        ((k, v) for k, v in raw.items() if k is not None), key=lambda kv: -sum(kv[1])
    )
    series = [
        WeeklySeries(
            key=str(key), label=board.components.get(key, str(key)), counts=counts
        )
        for key, counts in named[:MAX_COMPONENT_SERIES]
    ]
    rest = [counts for _k, counts in named[MAX_COMPONENT_SERIES:]]
    if rest:
        series.append(
            WeeklySeries(
                key="other",
                label=_("Other components"),
                counts=[sum(col) for col in zip(*rest, strict=True)],
            )
        )
    if None in raw:
        series.append(
            WeeklySeries(key="none", label=_("No component"), counts=raw[None])
        )
    return series


def weekly_totals(board: Dashboard) -> list[int]:
    totals = [0] * len(board.weeks)
    for s in weekly_by_cause(board):
        totals = [a + b for a, b in zip(totals, s.counts, strict=True)]
    return totals


# --- compensation ------------------------------------------------------------


@dataclass(frozen=True)
class CurrencySeries:
    currency: str
    amounts: list[Decimal]

    @property
    def total(self) -> Decimal:
        return sum(self.amounts, Decimal("0.00"))


def weekly_compensation(board: Dashboard) -> list[CurrencySeries]:
    """Approved compensation per week, one series per currency."""
    index = {w: i for i, w in enumerate(board.weeks)}
    out = []
    for currency, by_week in sorted(board.compensation.weekly.items()):
        amounts = [Decimal("0.00")] * len(board.weeks)
        for week, amount in by_week.items():
            if week in index:
                amounts[index[week]] += amount
        out.append(CurrencySeries(currency=currency, amounts=amounts))
    return out


# --- effectiveness -----------------------------------------------------------


@dataclass(frozen=True)
class Repeat:
    key: str
    label: str
    cases: int


def repeat_failures(board: Dashboard) -> list[Repeat]:
    """Cases by how many failures the customer had in the 12 months before."""
    labels = (
        ("first", _("First failure")),
        ("second", _("Second failure")),
        ("third_or_more", _("Third or more")),
    )
    return [
        Repeat(key=key, label=label, cases=board.cases.prior.get(i, 0))
        for i, (key, label) in enumerate(labels)
    ]


@dataclass(frozen=True)
class Timing:
    key: str
    label: str
    count: int
    median_hours: float | None
    p90_hours: float | None


def timings(board: Dashboard) -> list[Timing]:
    ack, res = board.cases.to_acknowledge, board.cases.to_resolve
    return [
        Timing("acknowledge", _("First contact to acknowledgement"), *ack),
        Timing("resolve", _("First contact to resolution"), *res),
    ]


@dataclass(frozen=True)
class Promises:
    kept: int
    broken: int
    open: int

    @property
    def kept_share(self) -> float | None:
        decided = self.kept + self.broken
        return self.kept / decided if decided else None


def promises(board: Dashboard) -> Promises:
    counts = board.cases.promises
    return Promises(
        kept=counts.get("kept", 0),
        broken=counts.get("broken", 0),
        open=counts.get("open", 0),
    )


# --- spikes and changes ------------------------------------------------------


@dataclass(frozen=True)
class SpikeItem:
    kind: str
    sentence: str
    observed: int
    expected: float
    p_value: float
    adjusted_p: float
    weekday: int | None
    weekday_name: str
    hour: int | None
    agent_id: int | None
    change_id: int | None
    before_per_week: float | None
    after_per_week: float | None


def spike_items(report: SpikeReport) -> list[SpikeItem]:
    return [
        SpikeItem(
            kind=s.kind,
            sentence=sentence,
            observed=s.observed,
            expected=round(s.expected, 2),
            p_value=s.p_value,
            adjusted_p=s.adjusted_p or s.p_value,
            weekday=s.weekday,
            weekday_name=str(WEEKDAYS[s.weekday]) if s.weekday is not None else "",
            hour=s.hour,
            agent_id=s.agent_id,
            change_id=s.change_id,
            before_per_week=round(s.before_rate, 2)
            if s.before_rate is not None
            else None,
            after_per_week=round(s.after_rate, 2) if s.after_rate is not None else None,
        )
        for s, sentence in zip(report.spikes, report.sentences, strict=True)
    ]


def spike_cells(report: SpikeReport) -> dict[str, list[tuple[int, int, str]]]:
    """Cells to outline on the heatmaps: (weekday, hour, sentence)."""
    cells: dict[str, list[tuple[int, int, str]]] = {"cases": [], "complaints": []}
    for s, sentence in zip(report.spikes, report.sentences, strict=True):
        if s.weekday is None or s.hour is None:
            continue
        target = "complaints" if s.kind == spikes.COMPLAINTS else "cases"
        cells[target].append((s.weekday, s.hour, sentence))
    return cells


@dataclass
class Figures:
    """Everything the dashboard draws, built once per request."""

    board: Dashboard
    heat: Heatmap = field(init=False)
    agents: list[AgentRow] = field(init=False)
    by_cause: list[WeeklySeries] = field(init=False)
    by_component: list[WeeklySeries] = field(init=False)
    money: list[CurrencySeries] = field(init=False)
    repeats: list[Repeat] = field(init=False)
    timings: list[Timing] = field(init=False)
    promises: Promises = field(init=False)
    spikes: list[SpikeItem] = field(init=False)

    def __post_init__(self) -> None:
        board = self.board
        self.heat = heatmaps(board)
        self.agents = agent_rows(board)
        self.by_cause = weekly_by_cause(board)
        self.by_component = weekly_by_component(board)
        self.money = weekly_compensation(board)
        self.repeats = repeat_failures(board)
        self.timings = timings(board)
        self.promises = promises(board)
        self.spikes = spike_items(board.spikes)
