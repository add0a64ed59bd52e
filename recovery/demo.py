"""Demo recovery cases: at least one in every state, English and German,
with offers within authority, waiting for, approved (one changed) and
rejected by a manager, a broken promise waiting for the customer's choice
and one where the customer chose. Played through the services, then moved
back in time to fit their tickets; no email leaves the machine."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone

from recovery import services, texts
from recovery.links import CHOICE_LINK_MAX_AGE
from recovery.models import (
    CaseEvent,
    Channel,
    ChoiceRequest,
    Offer,
    PostMortem,
    PromiseCheck,
    RecoveryCase,
)
from tickets.models import Component, Message, OutboundEmail, Ticket, TicketEvent

Status = RecoveryCase.Status
# A step: when (share of the time between opening and the end), what, with what.
Step = tuple[float, str, dict[str, Any]]


@dataclass(frozen=True)
class Scenario:
    key: str
    inbox: str
    language: str
    categories: tuple[str, ...]
    ticket_statuses: tuple[str, ...]
    agent: str
    case: dict[str, Any]
    steps: tuple[Step, ...] = ()
    # Longest time the case runs (it always ends before now).
    span: timedelta = timedelta(days=6)
    # A closed case for the same customer first, so this one is a repeat.
    prior: "Scenario | None" = None
    # Runs up to now (a live link, a fresh approval) instead of from the
    # ticket's start.
    recent: bool = False


def _case(
    failure_type: str,
    severity: str,
    summary: str,
    *,
    attribution: str = "ours",
    is_preventable: bool = True,
    is_foreseeable: bool = False,
) -> dict[str, Any]:
    """The assessment a case opens with; by default a failure of ours that
    could have been prevented and that the customer could not foresee."""
    return {
        "failure_type": failure_type,
        "severity": severity,
        "attribution": attribution,
        "is_preventable": is_preventable,
        "is_foreseeable": is_foreseeable,
        "summary": summary,
    }


def _step(at: float, action: str, **arguments: Any) -> Step:
    return (at, action, arguments)


def _offer(at: float, kind: str, amount: str, description: str) -> Step:
    return _step(at, "offer", kind=kind, amount=amount, description=description)


def _accepted(at: float) -> Step:
    """The customer accepts the latest offer."""
    return _step(at, "answer", answer=Offer.Answer.ACCEPTED)


def _check(at: float, kind: str, outcome: str) -> Step:
    """A check that found no way to keep the broken promise."""
    return _step(at, "check", kind=kind, outcome=outcome, can_keep=False)


def _document(
    at: float,
    root_cause: str,
    component: str,
    prevention_action: str,
    *,
    is_preventable: bool = True,
) -> Step:
    """The post-mortem; the manager owns the prevention."""
    return _step(
        at,
        "document",
        root_cause=root_cause,
        component=component,
        is_preventable=is_preventable,
        prevention_action=prevention_action,
        prevention_owner="maria",
    )


OPEN = ("open", "waiting_customer", "waiting_third_party")
DONE = ("resolved", "closed")

PRIOR_LATE = Scenario(
    key="prior_late_en",
    inbox="support",
    language="en",
    categories=(),
    ticket_statuses=("closed",),
    agent="alex",
    case=_case(
        "late_delivery",
        "minor",
        "Parcel two days late after a courier strike.",
        attribution="third_party",
        is_preventable=False,
    ),
    steps=(
        _step(0.05, "acknowledge", channel=Channel.PHONE),
        _step(
            0.2,
            "understand",
            customer_account="Needed it for a birthday; it came two days late.",
            chain_of_events="Shipped on time; courier strike held it two days.",
            cause="Courier strike in the region.",
            fair_outcome="Nothing really, just wanted to know.",
        ),
        _step(
            0.4,
            "resolve",
            solution="Explained the delay and tracked it to the door.",
            no_compensation_reason="The customer asked for nothing and "
            "was happy with the call.",
        ),
        _step(0.6, "satisfaction", score=4, channel=Channel.PHONE),
        _document(
            0.8,
            PostMortem.RootCause.PARTNER,
            "Courier partner",
            "Warn customers on the order page when the courier announces strikes.",
            is_preventable=False,
        ),
        _step(0.95, "close"),
    ),
    span=timedelta(days=8),
)

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        key="opened_en",
        inbox="support",
        language="en",
        categories=("late_delivery",),
        ticket_statuses=OPEN,
        agent="alex",
        case=_case(
            "late_delivery",
            "minor",
            "The courier took the parcel to the wrong depot; it is three days late.",
            attribution="third_party",
            is_preventable=False,
        ),
    ),
    Scenario(
        key="acknowledged_de",
        inbox="billing",
        language="de",
        categories=("billing",),
        ticket_statuses=OPEN,
        agent="jonas",
        case=_case(
            "billing_error",
            "major",
            "Jahresbeitrag von 89 € doppelt abgebucht, das Konto der "
            "Kundin ist ins Minus gerutscht.",
        ),
        steps=(_step(0.3, "acknowledge", channel=Channel.EMAIL),),
        span=timedelta(hours=6),
    ),
    Scenario(
        key="understood_pending_en",
        inbox="support",
        language="en",
        categories=("defect",),
        ticket_statuses=OPEN,
        agent="alex",
        case=_case(
            "defect",
            "major",
            "Desk lamp arrived with a cracked base; the replacement flickers.",
        ),
        steps=(
            _step(0.1, "acknowledge", channel=Channel.EMAIL),
            _step(
                0.4,
                "understand",
                customer_account="First lamp cracked in the box, the "
                "replacement flickers after ten minutes. She works from home "
                "and has been without a desk light for two weeks.",
                chain_of_events="Lamp 1 packed without the foam insert; "
                "replacement came from a batch with a known driver fault.",
                cause="Packing station skipped the insert; the faulty "
                "batch was not blocked.",
                fair_outcome="Her money back, and she keeps the lamp until "
                "the new one from another batch arrives.",
            ),
            _offer(
                0.6,
                Offer.Kind.REFUND,
                "120.00",
                "Full refund of the lamp; she keeps it until a "
                "working one from another batch arrives.",
            ),
        ),
        span=timedelta(days=2),
        recent=True,
    ),
    Scenario(
        key="escalated_en",
        inbox="support",
        language="en",
        categories=("late_delivery", "broken_promise", "other"),
        ticket_statuses=OPEN,
        agent="alex",
        case=_case(
            "late_delivery",
            "critical",
            "Wedding shoes held at customs; the wedding is on Saturday.",
            attribution="third_party",
            is_preventable=False,
        ),
        steps=(
            _step(0.1, "acknowledge", channel=Channel.EMAIL),
            _step(
                0.3,
                "understand",
                customer_account="The shoes are for her wedding this "
                "Saturday. She has no others in the colour of the dress.",
                chain_of_events="Shipped from our Swiss partner; customs "
                "asked for a document the partner did not send.",
                cause="Missing customs declaration from the partner.",
                fair_outcome="The shoes before Saturday, whatever it takes.",
            ),
            _step(
                0.5,
                "escalate",
                target="Maria Keller (manager) and logistics",
                reason="Critical and her second failure this year: a "
                "courier run to customs needs more than my authority.",
            ),
        ),
        span=timedelta(hours=20),
        prior=PRIOR_LATE,
        recent=True,
    ),
    Scenario(
        key="awaiting_de",
        inbox="support",
        language="de",
        categories=("broken_promise",),
        ticket_statuses=OPEN,
        agent="jonas",
        case=_case(
            "broken_promise",
            "major",
            "Zugesagter Liefertermin für das Sofa „Lund“ in Salbei nicht "
            "haltbar: Der Hersteller hat die Produktion der Farbe gestoppt.",
            attribution="third_party",
            is_preventable=False,
        ),
        steps=(
            _step(0.05, "acknowledge", channel=Channel.EMAIL),
            _check(
                0.15,
                PromiseCheck.Kind.OTHER_STOCK,
                "Kein Bestand in Leipzig, Hamburg oder bei den Ausstellungsstücken.",
            ),
            _check(
                0.25,
                PromiseCheck.Kind.SUPPLIER,
                "Hersteller nennt frühestens fünf Wochen für eine Sonderfertigung.",
            ),
            _step(
                0.35,
                "understand",
                customer_account="Die Kundin hat das alte Sofa schon "
                "verkauft und zieht in drei Wochen um.",
                chain_of_events="Bestellung bestätigt, zwei Tage später "
                "Produktionsstopp beim Hersteller, Info erst beim Versand.",
                cause="Lieferant meldet Produktionsstopps nicht automatisch.",
                fair_outcome="Ein gleichwertiges Sofa rechtzeitig zum Umzug.",
            ),
            _step(
                0.5,
                "prepare",
                new_date_days=35,
                alternative="Das Modell „Lund Plus“ in Salbei: größere "
                "Sitzfläche, abnehmbare Bezüge, regulär 150 € teurer, für Sie "
                "zum gleichen Preis, lieferbar in zehn Tagen",
                incentive_kind=Offer.Kind.FREE_UPGRADE,
                incentive_amount="0",
                incentive_description="Lieferung mit Aufbau und Mitnahme "
                "der Verpackung kostenlos",
                refund_amount="1290.00",
            ),
            _step(0.6, "send"),
        ),
        span=timedelta(days=1),
        recent=True,
    ),
    Scenario(
        key="chosen_en",
        inbox="support",
        language="en",
        categories=("broken_promise",),
        ticket_statuses=OPEN,
        agent="alex",
        case=_case(
            "broken_promise",
            "minor",
            "We promised the limited print by the 12th; the edition "
            "had already sold out at the printer.",
        ),
        steps=(
            _step(0.05, "acknowledge", channel=Channel.EMAIL),
            _check(
                0.1,
                PromiseCheck.Kind.OTHER_STOCK,
                "No copy left in stock or in returns.",
            ),
            _check(
                0.15,
                PromiseCheck.Kind.SPECIALIST,
                "Asked the artist's studio: no reprint of the limited edition.",
            ),
            _step(
                0.25,
                "understand",
                customer_account="It is a gift for his father's 70th.",
                chain_of_events="Shop showed stock that the printer had "
                "sold to another retailer the day before.",
                cause="Stock feed from the printer updates once a day.",
                fair_outcome="Something equally special in time for the birthday.",
            ),
            _step(
                0.35,
                "prepare",
                new_date_days=40,
                alternative="The signed artist's proof of the same print, "
                "which is rarer than the edition",
                incentive_kind=Offer.Kind.GIFT,
                incentive_amount="0",
                incentive_description="Framed in oak at no charge",
                refund_amount="240.00",
            ),
            _step(0.4, "send"),
            _step(
                0.6,
                "choose",
                option=ChoiceRequest.Option.ALTERNATIVE,
                note="The artist's proof sounds wonderful, thank you!",
            ),
        ),
        span=timedelta(days=2),
    ),
    Scenario(
        key="resolved_de",
        inbox="support",
        language="de",
        categories=("defect", "late_delivery"),
        ticket_statuses=("resolved",),
        agent="jonas",
        case=_case(
            "defect", "minor", "Kaffeemühle: Mahlwerk blockiert nach zwei Wochen."
        ),
        steps=(
            _step(0.05, "acknowledge", channel=Channel.EMAIL),
            _step(
                0.2,
                "understand",
                customer_account="Mühle blockiert bei feiner Mahlstufe, "
                "der Kunde trinkt jeden Morgen Espresso.",
                chain_of_events="Gerät aus der Charge vom März, bei der "
                "die Justierung ab Werk zu eng ist.",
                cause="Fehlerhafte Werkseinstellung der Charge.",
                fair_outcome="Ein funktionierendes Gerät, schnell.",
            ),
            _offer(
                0.35,
                Offer.Kind.REPLACEMENT,
                "0",
                "Neues Gerät per Express, altes holt der Kurier ab",
            ),
            _accepted(0.4),
            _offer(
                0.45,
                Offer.Kind.CREDIT,
                "15.00",
                "Gutschrift für zwei Wochen ohne Espresso",
            ),
            _accepted(0.5),
            _step(
                0.7,
                "resolve",
                solution="Neues Gerät per Express verschickt, Abholung "
                "des alten organisiert, 15 € gutgeschrieben.",
            ),
        ),
        span=timedelta(days=3),
    ),
    Scenario(
        key="followed_up_en",
        inbox="billing",
        language="en",
        categories=("billing",),
        ticket_statuses=DONE,
        agent="priya",
        case=_case(
            "billing_error", "minor", "Charged the express fee on a standard delivery."
        ),
        steps=(
            _step(0.05, "acknowledge", channel=Channel.PHONE),
            _step(
                0.15,
                "understand",
                customer_account="Chose standard delivery, was charged "
                "EUR 9.90 for express.",
                chain_of_events="The basket kept the express option from "
                "an earlier session.",
                cause="Checkout does not reset the delivery option.",
                fair_outcome="The fee back.",
            ),
            _offer(0.25, Offer.Kind.WAIVED_FEE, "9.90", "Express fee refunded"),
            _accepted(0.3),
            _offer(
                0.35,
                Offer.Kind.DISCOUNT,
                "10.00",
                "10 % off the next order, as a thank-you",
            ),
            _accepted(0.4),
            _step(
                0.5, "resolve", solution="Fee refunded, discount code sent by email."
            ),
            _step(
                0.9,
                "satisfaction",
                score=4,
                channel=Channel.PHONE,
                comment="Quick and friendly; would like fewer emails.",
            ),
        ),
        span=timedelta(days=7),
    ),
    Scenario(
        key="documented_de",
        inbox="support",
        language="de",
        categories=("late_delivery",),
        ticket_statuses=DONE,
        agent="jonas",
        case=_case(
            "late_delivery",
            "major",
            "Bestellung lag vier Tage im Lager Leipzig, weil der "
            "Auftrag im Kommissionierlauf hängen blieb.",
        ),
        steps=(
            _step(0.03, "acknowledge", channel=Channel.PHONE),
            _step(
                0.1,
                "understand",
                customer_account="Die Kundin hat zweimal nachgefragt und "
                "jedes Mal „ist unterwegs“ gehört.",
                chain_of_events="Auftrag fiel aus dem Kommissionierlauf, "
                "Status blieb auf „in Vorbereitung“, niemand sah es.",
                cause="Kein Alarm für Aufträge, die länger als 24 Stunden "
                "in Vorbereitung sind.",
                fair_outcome="Die Versandkosten zurück und ehrliche Auskunft.",
            ),
            _offer(
                0.2,
                Offer.Kind.CREDIT,
                "25.00",
                "Gutschrift über 25 € für die Wartezeit",
            ),
            _accepted(0.25),
            _step(
                0.3,
                "resolve",
                solution="Per Express nachgeliefert, 25 € gutgeschrieben.",
            ),
            _step(0.7, "satisfaction", score=5, channel=Channel.PHONE),
            _document(
                0.9,
                PostMortem.RootCause.SYSTEM,
                "Warehouse Leipzig",
                "Täglicher Alarm für Aufträge, die länger "
                "als 24 Stunden in Vorbereitung sind.",
            ),
        ),
        span=timedelta(days=9),
    ),
    Scenario(
        key="closed_amended_en",
        inbox="support",
        language="en",
        categories=("conduct",),
        ticket_statuses=("closed",),
        agent="alex",
        case=_case(
            "staff_mistake",
            "major",
            "A callback was promised twice and never made.",
            is_foreseeable=True,
        ),
        steps=(
            _step(0.03, "acknowledge", channel=Channel.PHONE),
            _step(
                0.1,
                "understand",
                customer_account="Waited at the phone two evenings in a "
                "row; nobody called.",
                chain_of_events="Callback noted in a personal to-do list, "
                "agent went on leave, the list was not handed over.",
                cause="Callbacks live outside the helpdesk.",
                fair_outcome="An apology and the delivery fee back.",
            ),
            _offer(
                0.2, Offer.Kind.CREDIT, "80.00", "Store credit for the wasted evenings"
            ),
            _step(
                0.3,
                "approve",
                amount="60.00",
                note="Generous, but in proportion to the order.",
            ),
            _accepted(0.35),
            _step(
                0.4, "resolve", solution="Called him myself, apologised, EUR 60 credit."
            ),
            _step(0.6, "satisfaction", score=5, channel=Channel.PHONE),
            _document(
                0.75,
                PostMortem.RootCause.PEOPLE,
                "Customer account",
                "Every promised callback becomes a "
                "follow-up on the ticket, never a private note.",
            ),
            _step(0.85, "close"),
        ),
        span=timedelta(days=10),
    ),
    Scenario(
        key="closed_rejected_de",
        inbox="billing",
        language="de",
        categories=("billing",),
        ticket_statuses=("closed",),
        agent="jonas",
        case=_case(
            "billing_error",
            "minor",
            "Rechnung mit falscher USt-ID ausgestellt; die Buchhaltung "
            "des Kunden hat sie zurückgewiesen.",
        ),
        steps=(
            _step(0.03, "acknowledge", channel=Channel.PHONE),
            _step(
                0.1,
                "understand",
                customer_account="Die Buchhaltung braucht die Rechnung bis Monatsende.",
                chain_of_events="USt-ID im Kundenkonto geändert, Rechnung "
                "nahm die alte aus dem Cache.",
                cause="Rechnungsvorlage liest die USt-ID nicht neu.",
                fair_outcome="Eine korrekte Rechnung noch heute.",
            ),
            _offer(
                0.2, Offer.Kind.REFUND, "150.00", "Erstattung der gesamten Rechnung"
            ),
            _step(
                0.3,
                "reject",
                reason="Die korrigierte Rechnung löst das Problem; eine "
                "Erstattung der ganzen Summe steht in keinem Verhältnis.",
            ),
            _offer(0.35, Offer.Kind.CREDIT, "20.00", "20 € Gutschrift für den Aufwand"),
            _accepted(0.4),
            _step(
                0.45,
                "resolve",
                solution="Korrigierte Rechnung am selben Tag verschickt.",
            ),
            _step(0.6, "satisfaction", score=4, channel=Channel.PHONE),
            _document(
                0.75,
                PostMortem.RootCause.SYSTEM,
                "Invoicing",
                "Rechnungsvorlage liest die USt-ID bei "
                "jeder Rechnung neu aus dem Konto.",
            ),
            _step(0.85, "close"),
        ),
        span=timedelta(days=12),
    ),
)


def demo_cases(tickets: QuerySet[Ticket]) -> QuerySet[RecoveryCase]:
    """The recovery cases on the demo tickets."""
    return RecoveryCase.objects.filter(ticket__in=tickets)


def seed_recovery_demo(
    *, tickets: QuerySet[Ticket], staff: dict[str, AbstractBaseUser]
) -> int:
    """Add the demo cases to the demo tickets, once; the number added.
    Runs inside the caller's transaction."""
    if demo_cases(tickets).exists():
        return 0
    used: set[int] = set()
    count = 0
    for scenario in SCENARIOS:
        ticket = _pick(tickets, scenario, used)
        if ticket is None:
            continue
        if scenario.prior is not None:
            prior = _pick(
                tickets.filter(customer_id=ticket.customer_id), scenario.prior, used
            )
            if prior is not None:
                _Play(scenario.prior, prior, staff).run()
                count += 1
        _Play(scenario, ticket, staff).run()
        count += 1
    _recount_prior_failures(demo_cases(tickets))
    return count


def _recount_prior_failures(cases: QuerySet[RecoveryCase]) -> None:
    """Count earlier failures by the backdated times, not by seeding order."""
    rows = list(cases.values_list("pk", "ticket__customer_id", "opened_at"))
    for pk, customer_id, opened_at in rows:
        prior = sum(
            1
            for other, customer, at in rows
            if other != pk
            and customer == customer_id
            and opened_at - timedelta(days=365) <= at < opened_at
        )
        RecoveryCase.objects.filter(pk=pk).update(prior_failure_count=prior)


def _pick(
    tickets: QuerySet[Ticket], scenario: Scenario, used: set[int]
) -> Ticket | None:
    """The first fitting ticket, by reference, that has no case yet."""
    qs = tickets.filter(
        inbox__slug=scenario.inbox,
        customer__language=scenario.language,
        status__in=scenario.ticket_statuses,
    ).exclude(pk__in=used)
    preferred = (
        qs.filter(category__in=scenario.categories) if scenario.categories else qs
    )
    ticket = preferred.order_by("number").first() or qs.order_by("number").first()
    if ticket is not None:
        used.add(ticket.pk)
    return ticket


@dataclass
class _Play:
    """Runs one scenario through the services, then backdates what it wrote."""

    scenario: Scenario
    ticket: Ticket
    staff: dict[str, AbstractBaseUser]
    case: RecoveryCase | None = None
    offers: list[Offer] = field(default_factory=list)
    request: ChoiceRequest | None = None

    def run(self) -> None:
        end = timezone.now() - timedelta(minutes=20)
        start = self.ticket.created_at + timedelta(minutes=25)
        if self.scenario.recent:
            start = max(start, end - self.scenario.span)
        end = min(end, start + self.scenario.span)
        start = min(start, end)
        self._at(start, self._open)
        for share, action, arguments in self.scenario.steps:
            when = start + (end - start) * share
            self._at(when, lambda a=action, kw=arguments: self._act(a, kw))

    @property
    def agent(self) -> AbstractBaseUser:
        return self.staff[self.scenario.agent]

    def _at(self, clock: datetime, call: Callable[[], None]) -> None:
        since = timezone.now()
        call()
        _backdate(self.case, self.ticket, since=since, clock=clock)
        self.case.refresh_from_db()

    def _open(self) -> None:
        self.case = services.case_open(
            ticket=self.ticket, actor=self.agent, **self.scenario.case
        )

    def _act(self, action: str, kw: dict[str, Any]) -> None:
        getattr(self, f"_do_{action}")(**kw)

    def _do_acknowledge(self, channel: str) -> None:
        if self.ticket.status == Ticket.Status.CLOSED:
            channel = Channel.PHONE
        text = texts.apology_draft(case=self.case, agent=self.agent)
        services.case_acknowledge(
            case=self.case, actor=self.agent, channel=channel, text=text
        )

    def _do_understand(self, **answers: str) -> None:
        services.case_understand(case=self.case, actor=self.agent, **answers)

    def _do_offer(self, **offer: str) -> None:
        self.offers.append(
            services.offer_create(
                case=self.case, actor=self.agent, currency="EUR", **offer
            )
        )

    def _do_approve(self, **decision: str) -> None:
        services.offer_approve(
            offer=self.offers[-1], actor=self.staff["maria"], **decision
        )

    def _do_reject(self, reason: str) -> None:
        services.offer_reject(
            offer=self.offers[-1], actor=self.staff["maria"], reason=reason
        )

    def _do_answer(self, answer: str) -> None:
        services.offer_answer(offer=self.offers[-1], actor=self.agent, answer=answer)

    def _do_resolve(self, solution: str, no_compensation_reason: str = "") -> None:
        services.case_resolve(
            case=self.case,
            actor=self.agent,
            solution=solution,
            no_compensation_reason=no_compensation_reason,
        )

    def _do_satisfaction(self, score: int, channel: str, comment: str = "") -> None:
        services.case_record_satisfaction(
            case=self.case,
            score=score,
            comment=comment,
            actor=self.agent,
            channel=channel,
        )

    def _do_document(self, component: str, prevention_owner: str, **rest: Any) -> None:
        services.case_document(
            case=self.case,
            actor=self.agent,
            chain_of_events=self.case.chain_of_events,
            component=Component.objects.get_or_create(name=component)[0],
            prevention_owner=self.staff[prevention_owner],
            prevention_due_date=timezone.localdate() + timedelta(days=21),
            **rest,
        )

    def _do_close(self) -> None:
        services.case_close(case=self.case, actor=self.agent)

    def _do_escalate(self, target: str, reason: str) -> None:
        services.case_escalate(
            case=self.case, actor=self.agent, target=target, reason=reason
        )

    def _do_check(self, **check: Any) -> None:
        services.case_record_check(case=self.case, actor=self.agent, **check)

    def _do_prepare(self, new_date_days: int, **options: str) -> None:
        self.request = services.case_prepare_options(
            case=self.case,
            actor=self.agent,
            new_date=timezone.localdate() + timedelta(days=new_date_days),
            currency="EUR",
            **options,
        )

    def _do_send(self) -> None:
        self.request = services.case_send_options(case=self.case, actor=self.agent)

    def _do_choose(self, option: str, note: str) -> None:
        services.choice_record(request=self.request, option=option, note=note)


_CASE_STAMPS = (
    "opened_at",
    "status_changed_at",
    "acknowledged_at",
    "understood_at",
    "resolved_at",
    "followed_up_at",
    "documented_at",
    "closed_at",
    "substitute_delivered_at",
)


def _shift(
    qs: QuerySet, fields: tuple[str, ...], since: datetime, clock: datetime
) -> None:
    for name in fields:
        qs.filter(**{f"{name}__gte": since}).update(**{name: clock})


def _backdate(
    case: RecoveryCase, ticket: Ticket, *, since: datetime, clock: datetime
) -> None:
    """Move what one step wrote (at or after `since`) to the demo time
    `clock`; record its emails as sent and its notifications as done, so
    nothing is mailed."""
    _shift(RecoveryCase.objects.filter(pk=case.pk), _CASE_STAMPS, since, clock)
    _shift(CaseEvent.objects.filter(case=case), ("created_at",), since, clock)
    offers = Offer.objects.filter(case=case)
    _shift(offers, ("created_at", "decided_at", "answered_at"), since, clock)
    offers.filter(managers_notified_at__isnull=True).update(managers_notified_at=clock)
    offers.filter(maker_notified_at__isnull=True).update(maker_notified_at=clock)
    _shift(PromiseCheck.objects.filter(case=case), ("checked_at",), since, clock)
    requests = ChoiceRequest.objects.filter(case=case)
    _shift(requests, ("prepared_at", "chosen_at"), since, clock)
    requests.filter(sent_at__gte=since).update(
        sent_at=clock, expires_at=clock + CHOICE_LINK_MAX_AGE
    )
    requests.filter(owner_notified_at__isnull=True).update(owner_notified_at=clock)
    _shift(PostMortem.objects.filter(case=case), ("created_at",), since, clock)
    _shift(Message.objects.filter(ticket=ticket), ("created_at",), since, clock)
    _shift(TicketEvent.objects.filter(ticket=ticket), ("created_at",), since, clock)
    _shift(
        Ticket.objects.filter(pk=ticket.pk),
        ("updated_at", "last_message_at", "first_response_at"),
        since,
        clock,
    )
    OutboundEmail.objects.filter(
        message__ticket=ticket, status=OutboundEmail.Status.QUEUED
    ).update(
        status=OutboundEmail.Status.SENT,
        attempts=1,
        created_at=clock,
        next_attempt_at=clock,
        claimed_at=clock,
        sent_at=clock + timedelta(seconds=12),
    )
