"""Spike detection over counts: pure functions, no database.

Every compared cell gets a one-sided p-value against its baseline:

- recovery cases per weekday, hour and agent, and per weekday and hour: a
  Poisson upper tail with the expected count taken from exposure, i.e. the
  tickets handled in that cell times the share of all tickets that became
  recovery cases (so a busy agent or a busy hour is not a spike);
- complaints per weekday and hour: a Poisson upper tail against the
  independence baseline (weekday total times hour total over all);
- cases after a change event: given the cases in the weeks before and after
  it, the number after is binomial under "the weekly rate did not change"
  (the conditional test for two Poisson rates).

The cells (when) and the changes (after what) are two families; each gets
half of `alpha` and is corrected with Holm's method, so the chance of
showing any spike when there is none stays below `alpha`. A handful of
changes is not drowned by hundreds of cells that way. A spike must also be
big enough to matter (`min_count`, `min_ratio`)."""

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.utils.dates import WEEKDAYS
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

AGENT_HOUR = "agent_hour"
HOUR = "hour"
COMPLAINTS = "complaints"
CHANGE = "change"

# A cell nobody handled a ticket in still gets a baseline of one ticket.
EXPOSURE_FLOOR = 1.0


@dataclass(frozen=True)
class Thresholds:
    """What makes a cell a spike: significant after Holm at `alpha` (split
    between cells and changes), at least
    `min_count` cases and `min_ratio` times the expected count (a change: the
    weekly rate after at least `min_rise_ratio` times the rate before)."""

    alpha: float = 0.002
    min_count: int = 5
    min_ratio: float = 2.0
    min_rise_ratio: float = 1.5
    # Shorter windows around a change are not compared.
    min_weeks: float = 1.0


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Candidate:
    """One compared cell: what was seen, what the baseline expects, and the
    one-sided p-value of seeing at least that many."""

    kind: str
    observed: int
    expected: float
    p_value: float
    weekday: int | None = None  # 0 = Monday
    hour: int | None = None
    agent_id: int | None = None
    change_id: int | None = None
    before_rate: float | None = None  # per week
    after_rate: float | None = None
    # Holm's adjusted p-value, set by `detect`.
    adjusted_p: float | None = None

    @property
    def ratio(self) -> float:
        if self.kind == CHANGE:
            before, after = self.before_rate or 0.0, self.after_rate or 0.0
            return math.inf if before == 0 else after / before
        return math.inf if self.expected == 0 else self.observed / self.expected


@dataclass(frozen=True)
class ChangeWindow:
    """Cases in the weeks before and after one change event (same scope)."""

    change_id: int
    before: int
    before_weeks: float
    after: int
    after_weeks: float


# --- tail probabilities ------------------------------------------------------


def poisson_sf(k: int, mu: float) -> float:
    """P(X >= k) for X ~ Poisson(mu)."""
    if k <= 0:
        return 1.0
    if mu <= 0:
        return 0.0
    log_mu = math.log(mu)

    def term(j: int) -> float:
        return math.exp(j * log_mu - mu - math.lgamma(j + 1))

    if k > mu:
        # The upper tail directly: terms fall fast beyond the mean.
        total, j = 0.0, k
        while True:
            t = term(j)
            total += t
            if t <= total * 1e-16 or t == 0.0:
                break
            j += 1
        return min(total, 1.0)
    below = math.fsum(term(j) for j in range(k))
    return max(0.0, 1.0 - below)


def binom_sf(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p)."""
    if k <= 0:
        return 1.0
    if k > n or p <= 0:
        return 0.0
    if p >= 1:
        return 1.0
    log_p, log_q = math.log(p), math.log1p(-p)
    base = math.lgamma(n + 1)

    def term(j: int) -> float:
        return math.exp(
            base
            - math.lgamma(j + 1)
            - math.lgamma(n - j + 1)
            + j * log_p
            + (n - j) * log_q
        )

    if k > n * p:
        return min(1.0, math.fsum(term(j) for j in range(k, n + 1)))
    return max(0.0, 1.0 - math.fsum(term(j) for j in range(k)))


# --- candidates --------------------------------------------------------------


@dataclass(frozen=True)
class Comparisons:
    """One kind of comparison: every cell compared counts in the family
    (`compared`), but only those that could be a spike are kept, with their
    p-value; the rest have p = 1 and cannot change Holm's result."""

    kind: str
    candidates: list[Candidate]
    compared: int

    @property
    def family(self) -> str:
        return "changes" if self.kind == CHANGE else "cells"


def _could_be_spike(observed: int, expected: float, thresholds: Thresholds) -> bool:
    return (
        observed >= thresholds.min_count and observed >= thresholds.min_ratio * expected
    )


def _exposure_cells(
    kind: str,
    cases: Mapping[tuple, int],
    tickets: Mapping[tuple, int],
    thresholds: Thresholds,
    fields: tuple[str, ...],
) -> Comparisons:
    total_cases, total_tickets = sum(cases.values()), sum(tickets.values())
    if total_cases == 0 or total_tickets == 0:
        return Comparisons(kind, [], 0)
    rate = total_cases / total_tickets
    cells = set(cases) | {key for key, n in tickets.items() if n > 0}
    found = []
    for key, observed in cases.items():
        expected = max(tickets.get(key, 0), EXPOSURE_FLOOR) * rate
        if _could_be_spike(observed, expected, thresholds):
            found.append(
                Candidate(
                    kind=kind,
                    observed=observed,
                    expected=expected,
                    p_value=poisson_sf(observed, expected),
                    **dict(zip(fields, key, strict=True)),
                )
            )
    return Comparisons(kind, found, len(cells))


def agent_hour_candidates(
    cases: Mapping[tuple[int, int, int], int],
    tickets: Mapping[tuple[int, int, int], int],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> Comparisons:
    """Cells (weekday, hour, agent): cases against the agent's tickets in that
    hour times the share of tickets that became cases."""
    return _exposure_cells(
        AGENT_HOUR, cases, tickets, thresholds, ("weekday", "hour", "agent_id")
    )


def hour_candidates(
    cases: Mapping[tuple[int, int], int],
    tickets: Mapping[tuple[int, int], int],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> Comparisons:
    """Cells (weekday, hour): cases against the tickets that came in then."""
    return _exposure_cells(HOUR, cases, tickets, thresholds, ("weekday", "hour"))


def complaint_candidates(
    complaints: Mapping[tuple[int, int], int],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> Comparisons:
    """Cells (weekday, hour): complaints against weekday total times hour total
    over all complaints (what the cell would get if the hour mattered the
    same on every day)."""
    total = sum(complaints.values())
    if total == 0:
        return Comparisons(COMPLAINTS, [], 0)
    by_day: dict[int, int] = {}
    by_hour: dict[int, int] = {}
    for (day, hour), n in complaints.items():
        by_day[day] = by_day.get(day, 0) + n
        by_hour[hour] = by_hour.get(hour, 0) + n
    days = [d for d, n in by_day.items() if n]
    hours = [h for h, n in by_hour.items() if n]
    found = []
    for (day, hour), observed in complaints.items():
        if not observed:
            continue
        expected = by_day[day] * by_hour[hour] / total
        if _could_be_spike(observed, expected, thresholds):
            found.append(
                Candidate(
                    kind=COMPLAINTS,
                    observed=observed,
                    expected=expected,
                    p_value=poisson_sf(observed, expected),
                    weekday=day,
                    hour=hour,
                )
            )
    return Comparisons(COMPLAINTS, found, len(days) * len(hours))


def change_candidates(
    windows: Iterable[ChangeWindow], thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> Comparisons:
    """One test per change event with enough weeks on both sides."""
    found, compared = [], 0
    for w in windows:
        if (
            w.before_weeks < thresholds.min_weeks
            or w.after_weeks < thresholds.min_weeks
        ):
            continue
        compared += 1
        before_rate = w.before / w.before_weeks
        after_rate = w.after / w.after_weeks
        if w.after < thresholds.min_count or (
            after_rate < thresholds.min_rise_ratio * before_rate
        ):
            continue
        share_after = w.after_weeks / (w.before_weeks + w.after_weeks)
        found.append(
            Candidate(
                kind=CHANGE,
                observed=w.after,
                expected=(w.before + w.after) * share_after,
                p_value=binom_sf(w.after, w.before + w.after, share_after),
                change_id=w.change_id,
                before_rate=before_rate,
                after_rate=after_rate,
            )
        )
    return Comparisons(CHANGE, found, compared)


# --- the decision ------------------------------------------------------------


def holm_with(p_values: Sequence[float], m: int) -> list[float]:
    """Holm's adjusted p-values of some of `m` tests (the others have p = 1)."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted = [1.0] * len(p_values)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (reject where adjusted <= alpha)."""
    return holm_with(p_values, len(p_values))


def detect(
    *groups: Comparisons, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> list[Candidate]:
    """The spikes among all compared cells and changes, most significant
    first. A slot already explained by an agent's spike in it is not listed
    again."""
    spikes = []
    for family in ("cells", "changes"):
        members = [g for g in groups if g.family == family]
        candidates = [c for g in members for c in g.candidates]
        m = sum(g.compared for g in members)
        adjusted = holm_with([c.p_value for c in candidates], m)
        for candidate, adj in zip(candidates, adjusted, strict=True):
            if _is_spike(candidate, adj, thresholds):
                spikes.append(replace(candidate, adjusted_p=adj))
    agent_slots = {(s.weekday, s.hour) for s in spikes if s.kind == AGENT_HOUR}
    spikes = [
        s for s in spikes if not (s.kind == HOUR and (s.weekday, s.hour) in agent_slots)
    ]
    return sorted(spikes, key=lambda s: (s.p_value, -s.observed))


def _is_spike(candidate: Candidate, adjusted_p: float, thresholds: Thresholds) -> bool:
    if adjusted_p > thresholds.alpha / 2 or candidate.observed < thresholds.min_count:
        return False
    if candidate.kind == CHANGE:
        return candidate.ratio >= thresholds.min_rise_ratio
    return candidate.ratio >= thresholds.min_ratio


# --- words -------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeLabel:
    """What a sentence needs to name a change event."""

    title: str
    kind_label: str
    happened_at: datetime
    component: str = ""
    inbox: str = ""


@dataclass(frozen=True)
class Labels:
    """Names for the ids in the candidates."""

    agents: Mapping[int, str] = field(default_factory=dict)
    changes: Mapping[int, ChangeLabel] = field(default_factory=dict)
    format_date: Callable[[datetime], str] = lambda d: d.strftime("%Y-%m-%d")


def about(value: float) -> str:
    """A count for reading: "3", "12", or "0.4" below one and a half."""
    if value >= 1.5:
        return str(round(value))
    return number_format(round(value, 1), 1)


def per_week(value: float) -> str:
    return number_format(round(value, 1), 1)


def slot_label(weekday: int, hour: int) -> str:
    """The slot as "Tuesday 9-10" (with an en dash) in the active language."""
    return _("%(day)s %(start)d–%(end)d") % {  # noqa: RUF001
        "day": WEEKDAYS[weekday],
        "start": hour,
        "end": hour + 1,
    }


def describe(spike: Candidate, labels: Labels) -> str:
    """One sentence that says what stands out and against what."""
    if spike.kind == CHANGE:
        change = labels.changes.get(spike.change_id or 0)
        if change is None:
            return ""
        values = {
            "title": change.title,
            "kind": change.kind_label,
            "date": labels.format_date(change.happened_at),
            "component": change.component,
            "inbox": change.inbox,
            "before": per_week(spike.before_rate or 0.0),
            "after": per_week(spike.after_rate or 0.0),
        }
        if change.component:
            return (
                _(
                    "After “%(title)s” (%(kind)s, %(date)s) to %(component)s, "
                    "cases rose from %(before)s to %(after)s per week."
                )
                % values
            )
        return (
            _(
                "After “%(title)s” (%(kind)s, %(date)s), cases in %(inbox)s "
                "rose from %(before)s to %(after)s per week."
            )
            % values
        )
    slot = slot_label(spike.weekday or 0, spike.hour or 0)
    values = {"slot": slot, "n": spike.observed, "expected": about(spike.expected)}
    if spike.kind == AGENT_HOUR:
        values["agent"] = labels.agents.get(spike.agent_id or 0, _("unknown agent"))
        return (
            ngettext(
                "%(slot)s, agent %(agent)s: %(n)d case vs about %(expected)s expected.",
                "%(slot)s, agent %(agent)s: %(n)d cases vs about %(expected)s "
                "expected.",
                spike.observed,
            )
            % values
        )
    if spike.kind == HOUR:
        return (
            ngettext(
                "%(slot)s: %(n)d recovery case vs about %(expected)s expected "
                "from the tickets that came in.",
                "%(slot)s: %(n)d recovery cases vs about %(expected)s expected "
                "from the tickets that came in.",
                spike.observed,
            )
            % values
        )
    return (
        ngettext(
            "%(slot)s: %(n)d complaint vs about %(expected)s expected for "
            "that day and hour.",
            "%(slot)s: %(n)d complaints vs about %(expected)s expected for "
            "that day and hour.",
            spike.observed,
        )
        % values
    )
