"""Plan the demo tickets: which status, language, customer, complaint and
creation time each gets, and the steps of its conversation. Pure: every
choice comes from the random generator passed in, nothing is written."""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from tickets.demo import data
from tickets.models import Customer, Ticket

TICKET_COUNT = 300
GERMAN_SHARE = 1 / 3
BERLIN = ZoneInfo("Europe/Berlin")

Status = Ticket.Status
# Share of tickets per final status, and how old such tickets are (hours).
STATUS_MIX = {
    Status.NEW: (0.10, (0.2, 30)),
    Status.OPEN: (0.17, (2, 8 * 24)),
    Status.WAITING_CUSTOMER: (0.14, (4, 12 * 24)),
    Status.WAITING_THIRD_PARTY: (0.09, (30, 16 * 24)),
    Status.RESOLVED: (0.20, (36, 35 * 24)),
    Status.CLOSED: (0.30, (7 * 24, 89 * 24)),
}
# Complaints arrive mostly in the daytime, with a peak between 9 and 11.
HOUR_WEIGHTS = {
    0: 1, 6: 1, 7: 2, 8: 5, 9: 9, 10: 10, 11: 8, 12: 6, 13: 6, 14: 7,
    15: 7, 16: 6, 17: 5, 18: 4, 19: 4, 20: 4, 21: 3, 22: 2, 23: 1,
}  # fmt: skip

# (gap before the step, action, argument); actions are Player._do_<action>.
Step = tuple[timedelta, str, str]
People = dict[str, list[tuple[data.DemoCustomer, Customer]]]


@dataclass
class Plan:
    """One ticket to seed: who, what, when, and how its conversation goes."""

    status: str
    lang: str
    opening: data.Opening
    demo: data.DemoCustomer
    customer: Customer
    created: datetime
    ctx: dict[str, str]
    # The customer complained before (earlier ticket in the demo).
    repeat: bool = False
    steps: list[Step] = field(default_factory=list)


def make_plans(*, rng: random.Random, now: datetime, people: People) -> list[Plan]:
    """TICKET_COUNT plans in the order their tickets arrive."""
    statuses: list[str] = []
    for status, (share, _age) in STATUS_MIX.items():
        statuses += [status] * round(share * TICKET_COUNT)
    statuses += [Status.CLOSED] * (TICKET_COUNT - len(statuses))
    german = round(TICKET_COUNT * GERMAN_SHARE)
    langs = ["de"] * german + ["en"] * (TICKET_COUNT - german)
    rng.shuffle(statuses)
    rng.shuffle(langs)
    # Some customers write more often than others.
    weights = {
        lang: [1 / (rank + 1) ** 0.4 for rank in range(len(pairs))]
        for lang, pairs in people.items()
    }
    plans = []
    for status, lang in zip(statuses, langs, strict=True):
        demo, customer = rng.choices(people[lang], weights[lang])[0]
        opening = rng.choice(data.OPENINGS[lang])
        created = _created_at(rng, now, status)
        plans.append(
            Plan(
                status=status,
                lang=lang,
                opening=opening,
                demo=demo,
                customer=customer,
                created=created,
                ctx=_context(rng, lang, demo, opening, created),
            )
        )
    plans.sort(key=lambda plan: plan.created)
    seen: set[int] = set()
    for plan in plans:
        plan.repeat = plan.customer.pk in seen
        seen.add(plan.customer.pk)
        plan.steps = _fit(now, plan.created, _script(rng, plan))
    return plans


def _created_at(rng: random.Random, now: datetime, status: str) -> datetime:
    low, high = STATUS_MIX[status][1]
    created = now - hours(low, high, rng)
    if high > 48:
        hour = rng.choices(list(HOUR_WEIGHTS), list(HOUR_WEIGHTS.values()))[0]
        local = created.astimezone(BERLIN).replace(
            hour=hour, minute=rng.randrange(60), second=rng.randrange(60)
        )
        created = local.astimezone(now.tzinfo)
        if created > now - timedelta(hours=low):
            created -= timedelta(days=1)
    return created


def _context(rng, lang, demo, opening, created) -> dict[str, str]:
    """Order details the texts refer to, fixed for the whole conversation."""
    ordered = created - timedelta(days=rng.randint(3, 12))
    promised = min(
        ordered + timedelta(days=rng.randint(2, 4)), created - timedelta(days=1)
    )
    amount = Decimal(rng.randint(19, 249)) + Decimal(rng.choice(["0.90", "0.99"]))
    first, _sep, _last = demo.name.partition(" ")
    return {
        "order": f"A-{rng.randint(300000, 899999)}",
        "invoice": f"INV-{created.year}-{rng.randint(10000, 99999)}",
        "product": rng.choice(data.PRODUCTS[lang]),
        "date": format_day(ordered, lang),
        "promised": format_day(promised, lang),
        "amount": format_money(Decimal(amount), lang),
        "third": data.THIRD_PARTIES[lang][opening.category],
        "first": first,
        "full": demo.name,
        "salutation": demo.salutation,
    }


def _script(rng: random.Random, plan: Plan) -> list[Step]:
    """The steps after the first message, ending in the planned status."""
    status = plan.status
    inbox = plan.opening.inbox
    steps: list[Step] = []
    if status == Status.NEW:
        return steps
    if inbox == "billing":
        steps.append((minutes(3, 75, rng), "assign", ""))
    elif plan.lang == "de":
        steps.append((minutes(2, 40, rng), "handover", ""))
    steps.append((minutes(2, 30, rng), "triage", ""))
    # Most first answers come well within the promised time.
    expected = data.INBOXES[inbox]["expected_first_response"]
    on_time = rng.random() < 0.9
    first_reply = expected * (rng.uniform(0.1, 0.7) if on_time else rng.uniform(1.2, 4))
    elapsed = sum((gap for gap, *_ in steps), timedelta())
    reply_gap = max(first_reply - elapsed, timedelta(minutes=2))

    def agent_gap() -> timedelta:
        return minutes(15, 360, rng)

    def customer_gap() -> timedelta:
        return minutes(40, 30 * 60, rng)

    def note(who: str = "agent") -> None:
        steps.append((minutes(5, 90, rng), "note", who))

    question = plan.opening.topic == "question"
    if status == Status.OPEN:
        if question or rng.random() < 0.7:
            steps.append((reply_gap, "reply", "ack"))
            steps.append((customer_gap(), "customer", "answer"))
            if rng.random() < 0.5:
                note()
        else:
            steps.append((reply_gap, "status", Status.OPEN))
            note()
    elif status == Status.WAITING_CUSTOMER:
        steps.append((reply_gap, "reply", "ack"))
        if not question and rng.random() < 0.4:
            steps.append((customer_gap(), "customer", "answer"))
            steps.append((agent_gap(), "reply", "progress"))
    elif status == Status.WAITING_THIRD_PARTY:
        if rng.random() < 0.6:
            steps.append((reply_gap, "reply", "ack"))
            steps.append((customer_gap(), "customer", "answer"))
            note()
            steps.append((agent_gap(), "reply", "third"))
        else:
            steps.append((reply_gap, "note", "agent"))
            steps.append((minutes(2, 20, rng), "reply", "third"))
    else:  # resolved or closed
        if question and rng.random() < 0.7:
            steps.append((reply_gap, "reply", "resolve"))
        else:
            steps.append((reply_gap, "reply", "ack"))
            steps.append((customer_gap(), "customer", "answer"))
            if rng.random() < 0.6:
                note()
            if rng.random() < 0.25:
                steps.append((agent_gap(), "reply", "third"))
                steps.append((hours(24, 96, rng), "note", "agent"))
            # A manager approves more than the agent may grant, mostly for
            # customers who have complained before.
            if rng.random() < (0.4 if plan.repeat else 0.15):
                note("manager")
            steps.append((agent_gap(), "reply", "resolve"))
            if rng.random() < 0.1:
                steps.append((hours(20, 72, rng), "customer", "still"))
                steps.append((agent_gap(), "reply", "after_still"))
                steps.append((hours(20, 72, rng), "reply", "resolve"))
        if status == Status.CLOSED:
            if rng.random() < 0.5:
                steps.append((customer_gap(), "customer", "thanks"))
                steps.append((agent_gap(), "status", Status.CLOSED))
            else:
                steps.append((hours(48, 168, rng), "status", Status.CLOSED))
    return steps


def _fit(now: datetime, created: datetime, steps: list[Step]) -> list[Step]:
    """Squeeze the steps so the last one happens a little before now."""
    total = sum((gap for gap, *_ in steps), timedelta())
    room = now - created - timedelta(minutes=5)
    if total <= room or not steps:
        return steps
    factor = max(room, timedelta(0)) / total
    return [(gap * factor, action, arg) for gap, action, arg in steps]


# --- small helpers --------------------------------------------------------------


def minutes(low: float, high: float, rng: random.Random) -> timedelta:
    return timedelta(minutes=rng.uniform(low, high))


def hours(low: float, high: float, rng: random.Random) -> timedelta:
    return timedelta(hours=rng.uniform(low, high))


def fill(template: str, ctx: dict[str, str]) -> str:
    return template.format_map(ctx)


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def format_day(moment: datetime, lang: str, *, weekday: bool = False) -> str:
    """ "14 May" / "14. Mai", with the weekday in front if asked."""
    local = moment.astimezone(BERLIN)
    month = data.MONTHS[lang][local.month - 1]
    day = f"{local.day}. {month}" if lang == "de" else f"{local.day} {month}"
    if weekday:
        return f"{data.WEEKDAYS[lang][local.weekday()]}, {day}"
    return day


def format_money(amount: Decimal, lang: str) -> str:
    """ "€49.90" / "49,90 €"; whole amounts without cents."""
    whole = amount == amount.to_integral()
    number = f"{amount:.0f}" if whole else f"{amount:.2f}"
    if lang == "de":
        return f"{number.replace('.', ',')} €"
    return f"€{number}"
