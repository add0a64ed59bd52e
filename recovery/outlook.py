"""The recovery outlook: whether fixing this failure well can win the
customer's loyalty back (the service recovery paradox) and why.

The paradox holds only when all four conditions hold: the customer had no
failure before (one chance only), the failure is not big, the customer
believes it could not have been averted, and it looked unpredictable to them.
A pure function of those facts, so it is the same on the page, in the API and
in the log."""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from recovery.models import Severity


class Verdict(models.TextChoices):
    FAVOURABLE = "favourable", gettext_lazy("Favourable")
    DOUBTFUL = "doubtful", gettext_lazy("Doubtful")
    UNLIKELY = "unlikely", gettext_lazy("Unlikely")


@dataclass(frozen=True)
class Condition:
    key: str  # first_failure | small_failure | not_preventable | unforeseeable
    met: bool
    text: str


@dataclass(frozen=True)
class Outlook:
    verdict: str
    summary: str
    reasons: tuple[Condition, ...]

    @property
    def label(self) -> str:
        return str(Verdict(self.verdict).label)


def _ordinal_failure(count: int) -> str:
    words = {2: _("second"), 3: _("third"), 4: _("fourth"), 5: _("fifth")}
    if count in words:
        return _("%(ordinal)s failure in 12 months") % {"ordinal": words[count]}
    return _("failure number %(count)d in 12 months") % {"count": count}


def recovery_outlook(
    *, prior_failures: int, severity: str, is_preventable: bool, is_foreseeable: bool
) -> Outlook:
    """Verdict and reasons from the four conditions of the recovery paradox."""
    first = prior_failures == 0
    small = severity == Severity.MINOR
    conditions = (
        Condition(
            "first_failure",
            first,
            _("No earlier failure in 12 months: this is the one chance to recover.")
            if first
            else ngettext(
                "%(count)d earlier failure in 12 months: customers give one chance.",
                "%(count)d earlier failures in 12 months: customers give one chance.",
                prior_failures,
            )
            % {"count": prior_failures},
        ),
        Condition(
            "small_failure",
            small,
            _("Minor failure: annoying, but not life-changing.")
            if small
            else _("Critical failure: no gesture makes this good on its own.")
            if severity == Severity.CRITICAL
            else _("Major failure: hard to make good with a gesture."),
        ),
        Condition(
            "not_preventable",
            not is_preventable,
            _("We could not have prevented it.")
            if not is_preventable
            else _("We could have prevented it; the customer may well see that."),
        ),
        Condition(
            "unforeseeable",
            not is_foreseeable,
            _("The customer could not have seen it coming.")
            if not is_foreseeable
            else _("The customer could have foreseen it."),
        ),
    )
    unmet = [c for c in conditions if not c.met]
    if not unmet:
        verdict = Verdict.FAVOURABLE
    elif (
        severity == Severity.CRITICAL
        or prior_failures >= 2
        or (not first and not small)
        or len(unmet) >= 3
    ):
        verdict = Verdict.UNLIKELY
    else:
        verdict = Verdict.DOUBTFUL
    return Outlook(
        verdict=verdict.value,
        summary=_summary(verdict, prior_failures, severity, unmet),
        reasons=conditions,
    )


def _summary(
    verdict: str, prior_failures: int, severity: str, unmet: list[Condition]
) -> str:
    if verdict == Verdict.FAVOURABLE:
        return _(
            "First failure, minor, not preventable and unforeseeable: a recovery "
            "done well can leave this customer more loyal than before. Fix it "
            "fast and go the extra mile."
        )
    facts = []
    for condition in unmet:
        if condition.key == "first_failure":
            facts.append(_ordinal_failure(prior_failures + 1))
        elif condition.key == "small_failure":
            facts.append(Severity(severity).label.lower())
        elif condition.key == "not_preventable":
            facts.append(_("preventable"))
        else:
            facts.append(_("foreseeable"))
    what = (
        facts[0]
        if len(facts) == 1
        else _("%(list)s and %(last)s")
        % {"list": ", ".join(str(f) for f in facts[:-1]), "last": facts[-1]}
    )
    if verdict == Verdict.UNLIKELY:
        return _(
            "%(what)s: recovery is unlikely to win loyalty back; escalate and go "
            "well beyond."
        ) % {"what": str(what)[:1].upper() + str(what)[1:]}
    return _(
        "%(what)s: a good recovery can keep the customer, but will hardly raise "
        "loyalty; be generous and thorough."
    ) % {"what": str(what)[:1].upper() + str(what)[1:]}
