"""The spike list: the counts run through the tests in `spikes`, and each
finding worded."""

from collections import defaultdict
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format

from recovery.trends import spikes
from recovery.trends.selectors.changes import (
    Window,
    change_event_list,
    change_windows,
)
from recovery.trends.selectors.facts import CaseFacts, TicketFacts, period_facts
from recovery.trends.selectors.names import agent_names
from recovery.trends.selectors.scope import Scope


@dataclass(frozen=True)
class SpikeReport:
    spikes: list[spikes.Candidate]
    sentences: list[str]
    compared: int  # how many cells and changes were tested together
    thresholds: spikes.Thresholds


def spike_report(
    *,
    scope: Scope,
    cases: CaseFacts,
    tickets: TicketFacts,
    windows: list[Window],
    thresholds: spikes.Thresholds = spikes.DEFAULT_THRESHOLDS,
    names: dict[int, str] | None = None,
) -> SpikeReport:
    """Run the spike tests over the counts and word the findings."""
    agent_cases: dict[tuple[int, int, int], int] = {}
    slot_cases: dict[tuple[int, int], int] = defaultdict(int)
    for (d, h, a), n in cases.slots.items():
        slot_cases[(d, h)] += n
        if a is not None:
            agent_cases[(d, h, a)] = n
    agent_tickets: dict[tuple[int, int, int], int] = {}
    slot_tickets: dict[tuple[int, int], int] = defaultdict(int)
    complaints: dict[tuple[int, int], int] = defaultdict(int)
    for (d, h, a), (n, c) in tickets.slots.items():
        slot_tickets[(d, h)] += n
        complaints[(d, h)] += c
        if a is not None:
            agent_tickets[(d, h, a)] = n
    change_windows_ = []
    for w in windows:
        before, after = cases.changes.get(w.change.pk, (0, 0))
        change_windows_.append(
            spikes.ChangeWindow(
                change_id=w.change.pk,
                before=before,
                before_weeks=(w.change.happened_at - w.before_from).total_seconds()
                / 604800,
                after=after,
                after_weeks=(w.after_to - w.change.happened_at).total_seconds()
                / 604800,
            )
        )
    groups = [
        spikes.agent_hour_candidates(agent_cases, agent_tickets, thresholds),
        spikes.hour_candidates(slot_cases, slot_tickets, thresholds),
        spikes.complaint_candidates(complaints, thresholds),
        spikes.change_candidates(change_windows_, thresholds),
    ]
    found = spikes.detect(*groups, thresholds=thresholds)
    if names is None:
        names = agent_names({s.agent_id for s in found})
    zone = scope.zone
    labels = spikes.Labels(
        agents=names,
        changes={
            w.change.pk: spikes.ChangeLabel(
                title=w.change.title,
                kind_label=str(w.change.get_kind_display()),
                happened_at=w.change.happened_at,
                component=w.change.component.name if w.change.component else "",
                inbox=w.change.inbox.name,
            )
            for w in windows
        },
        format_date=lambda d: date_format(timezone.localtime(d, zone), "DATE_FORMAT"),
    )
    return SpikeReport(
        spikes=found,
        sentences=[spikes.describe(s, labels) for s in found],
        compared=sum(g.compared for g in groups),
        thresholds=thresholds,
    )


def spikes_for(*, scope: Scope) -> SpikeReport:
    """The spike list alone (two statements and the names)."""
    events = change_event_list(scope=scope)
    windows = change_windows(scope=scope, events=events)
    facts = period_facts(scope=scope, windows=windows, effectiveness=False)
    return spike_report(
        scope=scope, cases=facts.cases, tickets=facts.tickets, windows=windows
    )
