"""Three months of history in the Billing inbox for the trends dashboard,
with two planted patterns it should find: many recovery cases on Tuesdays
9-10 when Priya works, and a rise in Checkout cases after the change event
"Checkout release 4.2". Everything else is random with the same chances
everywhere, so nothing else stands out.

The history is written directly (closed tickets and documented cases of the
past, as an import would), not played through the services."""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F
from django.utils import timezone

from followups.models import (
    FollowUp,
    Promise,
    PromiseEvent,
    SatisfactionAnswer,
)
from recovery.models import (
    Attribution,
    CaseEvent,
    FailureType,
    Offer,
    PostMortem,
    RecoveryCase,
    Severity,
)
from recovery.trends import services
from recovery.trends.models import ChangeEvent
from tickets.models import (
    Component,
    Customer,
    Inbox,
    Membership,
    Message,
    Ticket,
    TicketEvent,
)

User = AbstractBaseUser
Status = RecoveryCase.Status

SEED = 4242
CHANGE_TITLE = "Checkout release 4.2"
CHANGE_COMPONENT = "Checkout"
# Days of history (within the demo's 90 days) and when the change happened
# (weeks before now).
DAYS = 88
CHANGE_WEEKS_AGO = 6
TICKETS_PER_WEEK = 130
# Every ticket has the same chance to become a recovery case, except the
# planted ones.
CASE_SHARE = 0.07
PLANTED_SHARE = 0.9
# Extra Checkout cases per ticket after the release.
CHANGE_EXTRA_SHARE = 0.06


@dataclass(frozen=True)
class Shift:
    """When a colleague takes new tickets (local time, 0 = Monday)."""

    days: tuple[int, ...]
    start: int
    end: int

    def covers(self, moment: datetime) -> bool:
        return moment.weekday() in self.days and self.start <= moment.hour < self.end


DEMO_INBOX = "billing"
DEMO_SHIFTS = {
    "priya": Shift((0, 1, 2, 3, 4), 7, 15),
    "jonas": Shift((0, 1, 2, 3, 4), 14, 21),
    "maria": Shift((5,), 8, 20),
}
PLANTED_AGENT = "priya"
PLANTED_SLOT = (1, 9)  # Tuesday, 9-10

# Ticket arrivals: a weekday profile times an hour profile (local time).
# Billing is closed on Sundays.
DAY_WEIGHTS = (1.0, 1.0, 0.95, 0.95, 0.9, 0.55, 0.0)
HOUR_WEIGHTS = {
    7: 0.4, 8: 0.8, 9: 1.0, 10: 1.0, 11: 0.95, 12: 0.8, 13: 0.85, 14: 0.9,
    15: 0.85, 16: 0.8, 17: 0.7, 18: 0.55, 19: 0.45, 20: 0.35, 21: 0.25,
}  # fmt: skip

CATEGORIES = (
    ("late_delivery", 0.3),
    ("billing", 0.15),
    ("defect", 0.2),
    ("broken_promise", 0.1),
    ("conduct", 0.05),
    ("question", 0.15),
    ("other", 0.05),
)
FAILURE_FOR = {
    "late_delivery": FailureType.LATE_DELIVERY,
    "billing": FailureType.BILLING_ERROR,
    "defect": FailureType.DEFECT,
    "broken_promise": FailureType.BROKEN_PROMISE,
    "conduct": FailureType.STAFF_MISTAKE,
}
SUBJECTS = {
    "en": {
        "late_delivery": "Parcel still not here",
        "billing": "Charged twice",
        "defect": "Arrived broken",
        "broken_promise": "You said it would be here by Friday",
        "conduct": "Unfriendly answer on the phone",
        "question": "Question about my order",
        "other": "About my account",
    },
    "de": {
        "late_delivery": "Paket immer noch nicht da",
        "billing": "Doppelt abgebucht",
        "defect": "Beschädigt angekommen",
        "broken_promise": "Sie hatten Freitag zugesagt",
        "conduct": "Unfreundliche Antwort am Telefon",
        "question": "Frage zu meiner Bestellung",
        "other": "Zu meinem Kundenkonto",
    },
}
BODIES = {
    "en": "{subject}. Could you please look into my order? Thank you.",
    "de": "{subject}. Können Sie sich bitte um meine Bestellung kümmern? Danke.",
}
COMPONENT_WEIGHTS = (
    ("Checkout", 0.14),
    ("Courier partner", 0.3),
    ("Customer account", 0.08),
    ("Invoicing", 0.14),
    ("Mobile app", 0.1),
    ("Returns", 0.12),
    ("Warehouse Leipzig", 0.12),
)
ROOT_CAUSES = (
    (PostMortem.RootCause.PARTNER, 0.3),
    (PostMortem.RootCause.PROCESS, 0.25),
    (PostMortem.RootCause.PEOPLE, 0.15),
    (PostMortem.RootCause.SYSTEM, 0.15),
    (PostMortem.RootCause.CAPACITY, 0.1),
    (PostMortem.RootCause.COMMUNICATION, 0.05),
)
PREVENTION = {
    PostMortem.RootCause.PARTNER: "Review the courier's weekly delay report.",
    PostMortem.RootCause.PROCESS: "Add the missing step to the packing checklist.",
    PostMortem.RootCause.PEOPLE: "Pair the new colleague with a buddy for a week.",
    PostMortem.RootCause.SYSTEM: "Add a check for this case to the release tests.",
    PostMortem.RootCause.CAPACITY: "Plan one more person for Monday mornings.",
    PostMortem.RootCause.COMMUNICATION: "Reword the shipping notice.",
}
FIRST_NAMES = (
    "Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hugo", "Ida",
    "Jakob", "Lena", "Max", "Nora", "Oskar", "Paula", "Rosa", "Sam", "Tara",
)  # fmt: skip
LAST_NAMES = (
    "Becker", "Brown", "Fischer", "Hoffmann", "Jones", "Klein", "Lange",
    "Meyer", "Novak", "Richter", "Schulz", "Smith", "Taylor", "Wolf",
)  # fmt: skip


def _pick(rng: random.Random, weighted: tuple) -> object:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


@dataclass
class History:
    """What was planted, for tests and the demo log."""

    tickets: int = 0
    cases: int = 0
    planted_cases: int = 0
    change: ChangeEvent | None = None
    case_ids: list[int] = field(default_factory=list)


def seed_trends_demo(*, staff: dict[str, User]) -> int:
    """Add the history to the billing inbox once, then bring the trend facts
    of every case and the ticket hours up to date; the number of cases added.
    Runs inside the caller's transaction."""
    inbox = Inbox.objects.filter(slug=DEMO_INBOX).first()
    if inbox is None or any(name not in staff for name in DEMO_SHIFTS):
        return 0
    if ChangeEvent.objects.filter(inbox=inbox, title=CHANGE_TITLE).exists():
        services.case_facts_refresh()
        services.ticket_hours_refresh()
        return 0
    components = {
        name: Component.objects.get_or_create(name=name)[0]
        for name, _w in COMPONENT_WEIGHTS
    }
    history = plant_history(
        inbox=inbox,
        shifts={staff[name]: shift for name, shift in DEMO_SHIFTS.items()},
        components=components,
        manager=staff["maria"],
        now=timezone.now(),
        rng=random.Random(SEED),  # noqa: S311 - repeatable demo, not a secret
        planted_agent=staff[PLANTED_AGENT],
    )
    # The history is in the past: its hours are counted now, not when the
    # beat next notices them.
    services.case_facts_refresh()
    services.ticket_hours_refresh()
    return history.cases


def plant_history(
    *,
    inbox: Inbox,
    shifts: dict[User, Shift],
    components: dict[str, Component],
    manager: User,
    now: datetime,
    rng: random.Random,
    days: int = DAYS,
    tickets_per_week: int = TICKETS_PER_WEEK,
    planted_agent: User | None = None,
    planted_slot: tuple[int, int] = PLANTED_SLOT,
    change_weeks_ago: float | None = CHANGE_WEEKS_AGO,
) -> History:
    """Write `days` of closed tickets and cases ending yesterday; plant the
    agent-hour pattern when `planted_agent` is given and the Checkout rise
    when `change_weeks_ago` is."""
    zone = ZoneInfo(inbox.time_zone)
    end = now - timedelta(days=1)
    start = end - timedelta(days=days)
    history = History()
    change_at = None
    if change_weeks_ago is not None:
        local = timezone.localtime(now - timedelta(weeks=change_weeks_ago), zone)
        change_at = local.replace(hour=10, minute=0, second=0, microsecond=0)
        history.change = ChangeEvent.objects.create(
            inbox=inbox,
            kind=ChangeEvent.Kind.RELEASE,
            component=components[CHANGE_COMPONENT],
            title=CHANGE_TITLE,
            happened_at=change_at,
            notes="New payment page; address form rewritten.",
            created_by=manager,
        )
    arrivals = _arrivals(
        rng, start=start, end=end, zone=zone, per_week=tickets_per_week
    )
    customers = _customers(rng, count=max(50, len(arrivals) // 4))
    limits = {
        m.user_id: m
        for m in Membership.objects.filter(inbox=inbox, user__in=list(shifts))
    }
    Inbox.objects.filter(pk=inbox.pk).update(
        last_ticket_number=F("last_ticket_number") + len(arrivals)
    )
    first_number = (
        Inbox.objects.values_list("last_ticket_number", flat=True).get(pk=inbox.pk)
        - len(arrivals)
        + 1
    )
    writer = _Writer(
        rng=rng,
        inbox=inbox,
        manager=manager,
        now=now,
        components=components,
        limits=limits,
    )
    for i, created in enumerate(arrivals):
        local = timezone.localtime(created, zone)
        on_shift = [user for user, shift in shifts.items() if shift.covers(local)]
        assignee = rng.choice(on_shift) if on_shift else None
        planted = (
            planted_agent is not None
            and assignee == planted_agent
            and (local.weekday(), local.hour) == planted_slot
        )
        after_change = change_at is not None and created >= change_at
        share = PLANTED_SHARE if planted else CASE_SHARE
        component = None
        if rng.random() < share:
            component = _pick(rng, COMPONENT_WEIGHTS)
            history.planted_cases += planted
        elif after_change and rng.random() < CHANGE_EXTRA_SHARE:
            component = CHANGE_COMPONENT
        writer.ticket(
            number=first_number + i,
            created=created,
            customer=rng.choice(customers),
            assignee=assignee,
            case_component=component,
        )
    writer.flush()
    history.tickets = len(arrivals)
    history.cases = len(writer.cases)
    history.case_ids = [c.pk for c in writer.cases]
    return history


def _arrivals(
    rng: random.Random, *, start: datetime, end: datetime, zone: ZoneInfo, per_week: int
) -> list[datetime]:
    """Ticket arrival times: each local hour draws its share of the week."""
    total = sum(DAY_WEIGHTS) * sum(HOUR_WEIGHTS.values())
    times = []
    day = timezone.localtime(start, zone).date()
    last = timezone.localtime(end, zone).date()
    while day <= last:
        for hour, weight in HOUR_WEIGHTS.items():
            mean = per_week * DAY_WEIGHTS[day.weekday()] * weight / total
            for _ in range(_poisson(rng, mean)):
                moment = datetime(
                    day.year,
                    day.month,
                    day.day,
                    hour,
                    rng.randrange(60),
                    rng.randrange(60),
                    tzinfo=zone,
                )
                if start <= moment < end:
                    times.append(moment)
        day += timedelta(days=1)
    return sorted(times)


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = 2.718281828459045**-mean, 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _customers(rng: random.Random, *, count: int) -> list[Customer]:
    """History customers (kept apart from the demo's named customers)."""
    emails = [f"history{n:04d}@customers.example" for n in range(count)]
    existing = {c.email: c for c in Customer.objects.filter(email__in=emails)}
    new = [
        Customer(
            email=email,
            name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            # A third German, like the demo's own customers.
            language="de" if n % 3 == 0 else "en",
            time_zone="Europe/London" if n % 10 == 1 else "Europe/Berlin",
        )
        for n, email in enumerate(emails)
        if email not in existing
    ]
    Customer.objects.bulk_create(new)
    existing.update({c.email: c for c in Customer.objects.filter(email__in=emails)})
    return [existing[e] for e in emails]


@dataclass
class _Writer:
    """Builds the rows of the history in memory and writes them in bulk."""

    rng: random.Random
    inbox: Inbox
    manager: User
    now: datetime
    components: dict[str, Component]
    limits: dict[int, Membership]
    tickets: list[Ticket] = field(default_factory=list)
    cases: list[RecoveryCase] = field(default_factory=list)
    # (ticket index, case, component name) until the tickets have ids
    pending: list[tuple[int, RecoveryCase, str]] = field(default_factory=list)

    def ticket(
        self,
        *,
        number: int,
        created: datetime,
        customer: Customer,
        assignee: User | None,
        case_component: str | None,
    ) -> None:
        rng = self.rng
        if case_component:
            category = rng.choice(list(FAILURE_FOR))
        else:
            category = _pick(rng, CATEGORIES)
        resolved = created + timedelta(hours=rng.uniform(2, 72))
        resolved = min(resolved, self.now - timedelta(minutes=5))
        closed = resolved + timedelta(days=3)
        is_closed = closed < self.now
        answered = created + timedelta(minutes=rng.uniform(15, 240))
        self.tickets.append(
            Ticket(
                inbox=self.inbox,
                number=number,
                reference=f"{self.inbox.reference_prefix}-{number}",
                customer=customer,
                subject=SUBJECTS[customer.language][category],
                status=Ticket.Status.CLOSED if is_closed else Ticket.Status.RESOLVED,
                assignee=assignee,
                category=category,
                component=self.components[case_component] if case_component else None,
                created_at=created,
                updated_at=closed if is_closed else resolved,
                first_response_at=min(answered, resolved),
                resolved_at=resolved,
                closed_at=closed if is_closed else None,
                last_message_at=resolved,
            )
        )
        if case_component:
            index = len(self.tickets) - 1
            self.pending.append(
                (index, self._case(created, resolved, assignee), case_component)
            )

    def _case(
        self, created: datetime, resolved: datetime, owner: User | None
    ) -> RecoveryCase:
        rng = self.rng
        opened = created + timedelta(minutes=rng.uniform(5, 50))
        acknowledged = opened + timedelta(minutes=rng.uniform(5, 120))
        understood = acknowledged + timedelta(minutes=rng.uniform(10, 180))
        resolved = max(resolved, understood + timedelta(minutes=30))
        followed = resolved + timedelta(days=rng.uniform(1, 2))
        documented = followed + timedelta(hours=rng.uniform(1, 24))
        closed = documented + timedelta(hours=1)
        stamps = {
            Status.ACKNOWLEDGED: acknowledged,
            Status.UNDERSTOOD: understood,
            Status.RESOLVED: resolved,
            Status.FOLLOWED_UP: followed,
            Status.DOCUMENTED: documented,
            Status.CLOSED: closed,
        }
        reached = {s: at for s, at in stamps.items() if at < self.now}
        status = list(reached)[-1] if reached else Status.OPENED
        score = (
            _pick(rng, ((5, 0.5), (4, 0.33), (3, 0.1), (2, 0.04), (1, 0.03)))
            if Status.FOLLOWED_UP in reached
            else None
        )
        return RecoveryCase(
            owner=owner,
            opened_by=owner,
            failure_type=FailureType.OTHER,
            severity=_pick(rng, ((Severity.MINOR, 0.7), (Severity.MAJOR, 0.3))),
            attribution=Attribution.OURS,
            is_preventable=rng.random() < 0.6,
            is_foreseeable=False,
            summary="",
            status=status,
            status_changed_at=reached[status] if reached else opened,
            opened_at=opened,
            acknowledged_at=reached.get(Status.ACKNOWLEDGED),
            understood_at=reached.get(Status.UNDERSTOOD),
            resolved_at=reached.get(Status.RESOLVED),
            followed_up_at=reached.get(Status.FOLLOWED_UP),
            documented_at=reached.get(Status.DOCUMENTED),
            closed_at=reached.get(Status.CLOSED),
            solution="Replacement sent and shipping refunded."
            if Status.RESOLVED in reached
            else "",
            satisfaction_score=score,
        )

    def flush(self) -> None:
        Ticket.objects.bulk_create(self.tickets)
        _messages_and_events(self.tickets)
        for index, case, _component in self.pending:
            ticket = self.tickets[index]
            case.ticket = ticket
            case.failure_type = FAILURE_FOR[ticket.category]
            case.summary = SUBJECTS["en"][ticket.category]
            self.cases.append(case)
        RecoveryCase.objects.bulk_create(self.cases)
        _recount_prior_failures(self.cases)
        self._case_events()
        self._post_mortems()
        self._offers()
        self._promises()
        self._satisfaction_answers()

    def _case_events(self) -> None:
        rows = []
        for case in self.cases:
            previous = ""
            for status, at in (
                (Status.OPENED, case.opened_at),
                (Status.ACKNOWLEDGED, case.acknowledged_at),
                (Status.UNDERSTOOD, case.understood_at),
                (Status.RESOLVED, case.resolved_at),
                (Status.FOLLOWED_UP, case.followed_up_at),
                (Status.DOCUMENTED, case.documented_at),
                (Status.CLOSED, case.closed_at),
            ):
                if at is None:
                    break
                rows.append(
                    CaseEvent(
                        case=case,
                        actor=case.owner,
                        from_status=previous,
                        to_status=status,
                        created_at=at,
                    )
                )
                previous = status
        CaseEvent.objects.bulk_create(rows)

    def _post_mortems(self) -> None:
        rows = []
        for _index, case, component in self.pending:
            if case.documented_at is None:
                continue
            cause = (
                PostMortem.RootCause.SYSTEM
                if component == CHANGE_COMPONENT and self.rng.random() < 0.7
                else _pick(self.rng, ROOT_CAUSES)
            )
            due = timezone.localtime(case.documented_at).date() + timedelta(days=21)
            rows.append(
                PostMortem(
                    case=case,
                    chain_of_events=f"{case.summary}; found during the follow-up.",
                    root_cause=cause,
                    component=self.components[component],
                    is_preventable=case.is_preventable,
                    prevention_action=PREVENTION[cause],
                    prevention_owner=self.manager
                    if cause
                    in (PostMortem.RootCause.SYSTEM, PostMortem.RootCause.PARTNER)
                    else (case.owner or self.manager),
                    prevention_due_date=due,
                    written_by=case.owner,
                    created_at=case.documented_at,
                )
            )
        PostMortem.objects.bulk_create(rows)

    def _offers(self) -> None:
        """Offers approved at once within both of the maker's limits (per
        offer and per calendar month), the rest by the manager."""
        rows = []
        spent: dict[tuple[int, str], Decimal] = {}
        zone = ZoneInfo(self.inbox.time_zone)
        this_month = timezone.localtime(self.now, zone).strftime("%Y-%m")
        for case in sorted(self.cases, key=lambda c: c.understood_at or c.opened_at):
            if case.resolved_at is None or self.rng.random() < 0.45:
                continue
            maker = case.owner or self.manager
            member = self.limits.get(maker.pk)
            london = case.ticket.customer.time_zone == "Europe/London"
            currency = "GBP" if london else "EUR"
            amount = Decimal(self.rng.choice((10, 15, 20, 25, 30, 40, 60, 80, 120)))
            asked_at = case.understood_at or case.opened_at
            month = timezone.localtime(asked_at, zone).strftime("%Y-%m")
            so_far = spent.get((maker.pk, month), Decimal("0"))
            # This month's offers went to the manager: they would otherwise
            # use up the authority the rest of the demo relies on.
            within = (
                member is not None
                and member.currency == currency
                and amount <= member.per_offer_limit_amount
                and so_far + amount <= member.per_month_limit_amount
                and month != this_month
            )
            if within:
                spent[(maker.pk, month)] = so_far + amount
            decided = asked_at + timedelta(
                minutes=1 if within else self.rng.uniform(20, 20 * 60)
            )
            rows.append(
                Offer(
                    case=case,
                    inbox=self.inbox,
                    kind=self.rng.choice((Offer.Kind.CREDIT, Offer.Kind.REFUND)),
                    amount=amount,
                    currency=currency,
                    requested_amount=amount,
                    description="For the trouble",
                    status=Offer.Status.APPROVED,
                    is_within_authority=within,
                    approval_reason="" if within else "Above my limit.",
                    created_by=maker,
                    created_at=asked_at,
                    decided_by=maker if within else self.manager,
                    decided_at=decided,
                    managers_notified_at=None if within else asked_at,
                    maker_notified_at=decided,
                )
            )
        Offer.objects.bulk_create(rows)

    def _promises(self) -> None:
        promises = []
        for case in self.cases:
            if case.resolved_at is None:
                continue
            due = case.opened_at + timedelta(days=2)
            broken = self.rng.random() < 0.15
            promises.append(
                Promise(
                    ticket=case.ticket,
                    kind=Promise.Kind.DELIVERY,
                    what="Replacement parcel handed to the courier",
                    due_at=due,
                    original_due_at=due,
                    warn_at=due - timedelta(hours=24),
                    state=Promise.State.BROKEN if broken else Promise.State.KEPT,
                    state_changed_at=due if broken else case.resolved_at,
                    created_by=case.owner,
                    created_at=case.opened_at,
                    kept_at=None if broken else case.resolved_at,
                    broken_at=due if broken else None,
                )
            )
        Promise.objects.bulk_create(promises)
        PromiseEvent.objects.bulk_create(
            PromiseEvent(
                promise=p,
                from_state=Promise.State.OPEN,
                to_state=p.state,
                created_at=p.state_changed_at,
            )
            for p in promises
        )

    def _satisfaction_answers(self) -> None:
        """Survey answers on a quarter of the tickets without a case."""
        case_tickets = {c.ticket_id for c in self.cases}
        followups, scores = [], []
        for ticket in self.tickets:
            if ticket.pk in case_tickets or self.rng.random() > 0.25:
                continue
            due = ticket.resolved_at + timedelta(days=1)
            if due >= self.now:
                continue
            followups.append(
                FollowUp(
                    ticket=ticket,
                    kind=FollowUp.Kind.SATISFACTION_CHECK,
                    due_at=due,
                    owner=ticket.assignee,
                    state=FollowUp.State.DONE,
                    created_at=ticket.resolved_at,
                    fired_at=due,
                    done_at=due,
                )
            )
            scores.append(
                _pick(self.rng, ((5, 0.35), (4, 0.4), (3, 0.15), (2, 0.06), (1, 0.04)))
            )
        FollowUp.objects.bulk_create(followups)
        SatisfactionAnswer.objects.bulk_create(
            SatisfactionAnswer(
                followup=f,
                score=score,
                answered_at=min(f.due_at + timedelta(hours=5), self.now),
            )
            for f, score in zip(followups, scores, strict=True)
        )


def _messages_and_events(tickets: list[Ticket]) -> None:
    Message.objects.bulk_create(
        Message(
            ticket=t,
            kind=Message.Kind.INBOUND,
            author_customer=t.customer,
            from_address=t.customer.email,
            to_addresses=[t.inbox.email_address],
            subject=t.subject,
            body_text=BODIES[t.customer.language].format(subject=t.subject),
            message_id=f"<history.{t.reference}@customers.example>",
            created_at=t.created_at,
        )
        for t in tickets
    )
    TicketEvent.objects.bulk_create(
        TicketEvent(
            ticket=t,
            kind=TicketEvent.Kind.CREATED,
            to_value="new",
            created_at=t.created_at,
        )
        for t in tickets
    )


def _recount_prior_failures(cases: list[RecoveryCase]) -> None:
    """Earlier cases of the same customer in the 12 months before each case."""
    by_customer: dict[int, list[RecoveryCase]] = {}
    for case in cases:
        by_customer.setdefault(case.ticket.customer_id, []).append(case)
    changed = []
    for same in by_customer.values():
        same.sort(key=lambda c: c.opened_at)
        for i, case in enumerate(same):
            prior = sum(
                1
                for other in same[:i]
                if other.opened_at >= case.opened_at - timedelta(days=365)
            )
            if prior:
                case.prior_failure_count = prior
                changed.append(case)
    RecoveryCase.objects.bulk_update(changed, ["prior_failure_count"])
