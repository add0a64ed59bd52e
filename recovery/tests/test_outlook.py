"""The recovery outlook follows the four conditions of the recovery paradox."""

import pytest

from recovery.models import Severity
from recovery.outlook import Verdict, recovery_outlook


@pytest.mark.parametrize(
    ("prior", "severity", "preventable", "foreseeable", "verdict"),
    [
        pytest.param(0, "minor", False, False, Verdict.FAVOURABLE, id="all-four-hold"),
        pytest.param(0, "major", False, False, Verdict.DOUBTFUL, id="first-but-major"),
        pytest.param(1, "minor", False, False, Verdict.DOUBTFUL, id="second-but-minor"),
        pytest.param(0, "minor", True, False, Verdict.DOUBTFUL, id="preventable"),
        pytest.param(0, "minor", False, True, Verdict.DOUBTFUL, id="foreseeable"),
        pytest.param(1, "major", False, False, Verdict.UNLIKELY, id="second-and-major"),
        pytest.param(2, "minor", False, False, Verdict.UNLIKELY, id="third-failure"),
        pytest.param(0, "critical", False, False, Verdict.UNLIKELY, id="critical"),
        pytest.param(0, "major", True, True, Verdict.UNLIKELY, id="three-unmet"),
    ],
)
def test_verdict(prior, severity, preventable, foreseeable, verdict):
    outlook = recovery_outlook(
        prior_failures=prior,
        severity=severity,
        is_preventable=preventable,
        is_foreseeable=foreseeable,
    )
    assert outlook.verdict == verdict


def test_a_second_major_failure_says_why_and_what_to_do():
    outlook = recovery_outlook(
        prior_failures=1,
        severity=Severity.MAJOR,
        is_preventable=False,
        is_foreseeable=False,
    )
    assert outlook.summary == (
        "Second failure in 12 months and major: recovery is unlikely to win "
        "loyalty back; escalate and go well beyond."
    )
    met = {reason.key: reason.met for reason in outlook.reasons}
    assert met == {
        "first_failure": False,
        "small_failure": False,
        "not_preventable": True,
        "unforeseeable": True,
    }
    assert outlook.reasons[0].text.startswith("1 earlier failure in 12 months")


def test_a_favourable_outlook_encourages_the_extra_mile():
    outlook = recovery_outlook(
        prior_failures=0, severity="minor", is_preventable=False, is_foreseeable=False
    )
    assert outlook.label == "Favourable"
    assert "more loyal than before" in outlook.summary
    assert all(reason.met for reason in outlook.reasons)
