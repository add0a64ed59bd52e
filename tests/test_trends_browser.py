"""The trends dashboard in a real browser: the charts are drawn, labelled
and show the planted patterns."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.trends_data import history, team

pytestmark = pytest.mark.browser


def test_a_manager_sees_the_charts_and_what_stands_out(
    transactional_db, live_server, page, login, artifacts
):
    # given three months of history with the demo's planted patterns
    people = team()
    history(people, now=timezone.now(), seed=3)
    # when the manager opens the dashboard
    login(people["maria"])
    page.goto("/recovery/trends/")
    # then every chart is an SVG with a title, and the spikes are listed
    charts = page.locator("svg.chart[role='img']")
    expect(charts.first).to_be_visible()
    assert charts.count() >= 10
    for i in range(charts.count()):
        chart = charts.nth(i)
        assert (chart.locator(":scope > title").text_content() or "").strip()
        labelled_by = chart.get_attribute("aria-labelledby") or ""
        assert labelled_by.endswith("-desc")
    heatmap = page.locator("#chart-cases-heatmap")
    expect(heatmap.locator("rect.spike")).to_have_count(1)
    expect(page.locator("#chart-by-component g.change-marker")).to_have_count(1)
    spikes = page.get_by_test_id("spike")
    expect(spikes).to_have_count(2)
    expect(spikes.filter(has_text="Tuesday 9\u201310, agent P. Shah")).to_be_visible()
    expect(spikes.filter(has_text="Checkout release 4.2")).to_be_visible()
    page.screenshot(path=str(artifacts / "trends.png"), full_page=True)
