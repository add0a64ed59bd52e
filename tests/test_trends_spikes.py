"""Spike detection over counts (pure functions, no database)."""

import math
import random
from datetime import UTC, datetime

import pytest

from recovery.trends import spikes
from recovery.trends.spikes import ChangeLabel, ChangeWindow, Labels

AGENTS = (1, 2, 3, 4, 5, 6)


def _poisson(rng: random.Random, mu: float) -> int:
    """Knuth's method; fine for the small means used here."""
    limit, k, p = math.exp(-mu), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _uniform_quarter(rng: random.Random, case_share: float = 0.08):
    """Thirteen weeks of an inbox where nothing stands out: agents on shifts,
    tickets at random, every ticket with the same chance to become a case,
    complaints following a day profile times an hour profile."""
    tickets: dict[tuple[int, int, int], int] = {}
    cases: dict[tuple[int, int, int], int] = {}
    for agent in AGENTS:
        days = range(5) if agent <= 4 else range(2, 7)
        hours = range(7, 15) if agent % 2 else range(12, 20)
        for day in days:
            for hour in hours:
                n = _poisson(rng, rng.uniform(3, 12))
                tickets[(day, hour, agent)] = n
                cases[(day, hour, agent)] = sum(
                    rng.random() < case_share for _ in range(n)
                )
    day_profile = [1.0, 0.9, 0.9, 0.95, 1.1, 0.6, 0.4]
    hour_profile = {h: 0.5 + math.sin(math.pi * (h - 6) / 16) for h in range(7, 22)}
    complaints = {
        (day, hour): _poisson(rng, 6 * day_profile[day] * weight)
        for day in range(7)
        for hour, weight in hour_profile.items()
    }
    windows = []
    for change_id in range(1, 4):
        rate = rng.uniform(0.5, 6)
        before_weeks, after_weeks = rng.uniform(2, 9), rng.uniform(2, 9)
        windows.append(
            ChangeWindow(
                change_id=change_id,
                before=_poisson(rng, rate * before_weeks),
                before_weeks=before_weeks,
                after=_poisson(rng, rate * after_weeks),
                after_weeks=after_weeks,
            )
        )
    return tickets, cases, complaints, windows


def _by_slot(cells: dict[tuple[int, int, int], int]) -> dict[tuple[int, int], int]:
    out: dict[tuple[int, int], int] = {}
    for (day, hour, _agent), n in cells.items():
        out[(day, hour)] = out.get((day, hour), 0) + n
    return out


def _all_candidates(tickets, cases, complaints, windows):
    return [
        spikes.agent_hour_candidates(cases, tickets),
        spikes.hour_candidates(_by_slot(cases), _by_slot(tickets)),
        spikes.complaint_candidates(complaints),
        spikes.change_candidates(windows),
    ]


# --- tail probabilities ----------------------------------------------------------


def _poisson_tail_by_hand(k: int, mu: float) -> float:
    return sum(math.exp(-mu) * mu**j / math.factorial(j) for j in range(k, 150))


@pytest.mark.parametrize(("k", "mu"), [(0, 3.0), (1, 3.0), (3, 3.0), (14, 3.0)])
def test_poisson_upper_tail_matches_a_direct_sum(k, mu):
    assert spikes.poisson_sf(k, mu) == pytest.approx(
        _poisson_tail_by_hand(k, mu), rel=1e-9
    )


def test_binomial_upper_tail_matches_a_direct_sum():
    # given n = 10, p = 0.3, P(X >= 7) summed by hand
    direct = sum(math.comb(10, j) * 0.3**j * 0.7 ** (10 - j) for j in range(7, 11))
    # then
    assert spikes.binom_sf(7, 10, 0.3) == pytest.approx(direct, rel=1e-9)
    assert spikes.binom_sf(0, 10, 0.3) == 1.0
    assert spikes.binom_sf(11, 10, 0.3) == 0.0


def test_holm_adjusts_step_down_and_stays_monotone():
    assert spikes.holm([0.01, 0.04, 0.03, 0.5]) == pytest.approx(
        [0.04, 0.09, 0.09, 0.5]
    )


# --- planted patterns ------------------------------------------------------------


def test_an_agent_with_many_cases_on_tuesday_at_nine_is_reported_as_such():
    # given a quiet quarter, plus 12 extra cases of agent 3 on Tuesday 9-10
    tickets, cases, complaints, windows = _uniform_quarter(random.Random(7))
    tickets[(1, 9, 3)] = 30
    cases[(1, 9, 3)] = 14
    # when
    found = spikes.detect(*_all_candidates(tickets, cases, complaints, windows))
    # then exactly that cell stands out, and the slot is not listed twice
    assert [(s.kind, s.weekday, s.hour, s.agent_id) for s in found] == [
        (spikes.AGENT_HOUR, 1, 9, 3)
    ]
    spike = found[0]
    assert spike.observed == 14
    assert spike.expected == pytest.approx(3, abs=1)
    sentence = spikes.describe(spike, Labels(agents={3: "A. Morgan"}))
    assert sentence.startswith("Tuesday 9\u201310, agent A. Morgan: 14 cases vs about ")
    assert sentence.endswith(" expected.")


def test_a_rise_after_a_change_is_reported_with_both_weekly_rates():
    # given about one case a week for six weeks, then six a week for six weeks
    window = ChangeWindow(
        change_id=9, before=7, before_weeks=6, after=37, after_weeks=6
    )
    # when
    found = spikes.detect(spikes.change_candidates([window]))
    # then
    assert len(found) == 1
    label = ChangeLabel(
        title="Checkout release 4.2",
        kind_label="Release",
        happened_at=datetime(2025, 3, 4, 10, tzinfo=UTC),
        component="Checkout",
    )
    assert spikes.describe(found[0], Labels(changes={9: label})) == (
        "After “Checkout release 4.2” (Release, 2025-03-04) to Checkout, "
        "cases rose from 1.2 to 6.2 per week."
    )


def test_a_busy_agent_is_not_a_spike_when_cases_follow_their_tickets():
    # given one agent handles four times the tickets, with the same case share
    tickets = {(0, h, a): (40 if a == 1 else 10) for h in range(8, 16) for a in (1, 2)}
    cases = {key: n // 10 for key, n in tickets.items()}
    # when
    found = spikes.detect(spikes.agent_hour_candidates(cases, tickets))
    # then
    assert found == []


def test_a_complaint_peak_on_one_morning_stands_out_from_the_day_and_hour_profile():
    # given a flat week with 60 complaints on Monday 8-9
    complaints = {(d, h): 5 for d in range(7) for h in range(8, 20)}
    complaints[(0, 8)] = 60
    # when
    found = spikes.detect(spikes.complaint_candidates(complaints))
    # then
    assert [(s.kind, s.weekday, s.hour) for s in found] == [(spikes.COMPLAINTS, 0, 8)]
    assert spikes.describe(found[0], Labels()).startswith(
        "Monday 8\u20139: 60 complaints vs about "
    )


def test_a_small_excess_is_not_reported_however_unlikely():
    # given 4 cases where 0.1 are expected (below the minimum count)
    tickets = {(0, 9, 1): 1, (0, 10, 1): 999}
    cases = {(0, 9, 1): 4, (0, 10, 1): 96}
    # when
    found = spikes.detect(spikes.agent_hour_candidates(cases, tickets))
    # then
    assert found == []


# --- no pattern, no spike --------------------------------------------------------


def test_uniform_random_quarters_show_no_spike_over_many_seeds():
    for seed in range(150):
        # given a quarter where nothing stands out
        data = _uniform_quarter(random.Random(seed))
        # when
        found = spikes.detect(*_all_candidates(*data))
        # then
        assert found == [], f"seed {seed}: {found}"


def test_no_spike_whatever_the_share_of_tickets_that_become_cases():
    for seed in range(150, 300):
        # given a quarter where 1% to 30% of tickets become cases, evenly
        share = random.Random(seed).uniform(0.01, 0.3)
        data = _uniform_quarter(random.Random(seed), case_share=share)
        # when
        found = spikes.detect(*_all_candidates(*data))
        # then
        assert found == [], f"seed {seed}, share {share:.3f}: {found}"


def test_false_alarms_stay_below_the_error_rate_over_thousands_of_quarters():
    # given 2,000 quarters without any pattern
    runs = 2000
    alarms = 0
    for seed in range(10_000, 10_000 + runs):
        share = random.Random(seed).uniform(0.01, 0.3)
        data = _uniform_quarter(random.Random(seed), case_share=share)
        # when
        alarms += bool(spikes.detect(*_all_candidates(*data)))
    # then at most alpha of them show anything (Holm bounds it, conservatively)
    assert alarms <= spikes.DEFAULT_THRESHOLDS.alpha * runs
