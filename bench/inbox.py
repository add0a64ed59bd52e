"""Inbox benchmark: seed N tickets into a fresh database, then time the agent
lists, a long ticket page and the API list through Django's test client.

    .venv/bin/python bench/inbox.py --tickets 1000000 [--requests 60] [--keep]

Prints one JSON line on stdout (progress on stderr); see bench/README.md."""

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common as bench

DB_NAME = "amends_bench"
BENCH_USER = "agent00"
LONG_THREAD_MESSAGES = 50
CUSTOMERS = 50_000
AGENTS = 20
# Target at one million tickets (from the issue).
TARGET_LIST_P95_MS = 50.0
TARGET_API_P95_MS = 100.0

# slug, name, reference prefix, share of all tickets
INBOXES = [
    ("support", "Support", "SUP", 0.40),
    ("billing", "Billing", "BIL", 0.25),
    ("returns", "Returns", "RET", 0.15),
    ("wholesale", "Wholesale", "WHS", 0.12),
    ("press", "Press", "PRS", 0.08),
]
COMPONENTS = [
    "Checkout",
    "Delivery",
    "Invoices",
    "Mobile app",
    "Newsletter",
    "Packaging",
    "Payments",
    "Returns portal",
    "Store pickup",
    "Website",
]
SUBJECTS = [
    "Parcel has not arrived",
    "Charged twice for one order",
    "Item arrived broken",
    "You promised a call back",
    "Rude answer on the phone",
    "Where is my refund?",
    "Wrong size delivered",
    "Invoice address is wrong",
    "Cannot log in to my account",
    "Voucher code does not work",
    "Question about delivery times",
    "Order cancelled without notice",
]
LOREM = (
    "Hello, I ordered last week and I am still waiting. The tracking page has "
    "not changed for days and nobody answers the phone. Could you please tell "
    "me what is going on and when I can expect the parcel? I need it for a "
    "birthday on Saturday. If it cannot arrive in time I would like a refund "
    "instead. Thank you for looking into this, and kind regards. "
) * 3


# --- seeding -------------------------------------------------------------------


def seed(n: int) -> dict[str, Any]:
    """Fill an empty, migrated database; return what the measurements need."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from tickets.models import Component, Inbox, Membership

    user_model = get_user_model()
    with bench.step("inboxes, agents, memberships, components"):
        password = make_password("bench-pass-123")
        agents = user_model.objects.bulk_create(
            user_model(
                username=f"agent{i:02d}",
                first_name=f"Agent{i:02d}",
                last_name="Bench",
                email=f"agent{i:02d}@staff.example",
                password=password,
                is_staff=True,
            )
            for i in range(AGENTS)
        )
        inboxes = Inbox.objects.bulk_create(
            Inbox(
                name=name,
                slug=slug,
                email_address=f"{slug}@amends.example",
                reference_prefix=prefix,
            )
            for slug, name, prefix, _share in INBOXES
        )
        # agent00 leads and belongs to every inbox; the others to two each.
        memberships = []
        for i, agent in enumerate(agents):
            for k, inbox in enumerate(inboxes):
                if i == 0 or i % len(inboxes) in (k, (k - 1) % len(inboxes)):
                    memberships.append(
                        Membership(
                            user=agent,
                            inbox=inbox,
                            role=Membership.Role.MANAGER
                            if i == 0
                            else Membership.Role.AGENT,
                        )
                    )
        Membership.objects.bulk_create(memberships)
        Component.objects.bulk_create(Component(name=c) for c in COMPONENTS)

    with transaction.atomic(), bench.bulk_load_session():
        _seed_lookup_tables(inboxes)
        with bench.step(f"{CUSTOMERS:,} customers"):
            _seed_customers()
        with (
            bench.step(f"{n:,} tickets (indexes rebuilt after)"),
            bench.indexes_dropped("tickets_ticket"),
        ):
            _seed_tickets(n)
        with (
            bench.step("messages and audit events (indexes rebuilt after)"),
            bench.indexes_dropped("tickets_message", "tickets_ticketevent"),
        ):
            messages = _seed_messages()
            events = _seed_events()
        bench.log(f"{messages:,} messages, {events:,} events")
        bench.execute(
            """
            UPDATE tickets_inbox i SET last_ticket_number = m.last
            FROM (SELECT inbox_id, max(number) AS last FROM tickets_ticket
                  GROUP BY inbox_id) m
            WHERE m.inbox_id = i.id
            """
        )
    with bench.step("a ticket with a long conversation"):
        long_reference = _seed_long_thread(agents[0])
    # Autovacuum keeps a live table's visibility map set; index-only plans
    # depend on it, so measure that state rather than a freshly loaded one.
    with bench.step("VACUUM ANALYZE"):
        bench.execute("VACUUM (ANALYZE)")
    return {"long_reference": long_reference}


def _seed_lookup_tables(inboxes: list) -> None:
    """Temporary tables that map generated numbers to inboxes and assignees."""
    bench.execute(
        "CREATE TEMP TABLE seed_inbox (idx int PRIMARY KEY, id bigint, prefix text,"
        " email text, low float8, high float8, agents int) ON COMMIT DROP"
    )
    low = 0.0
    for idx, (inbox, (_slug, _name, _prefix, share)) in enumerate(
        zip(inboxes, INBOXES, strict=True)
    ):
        bench.execute(
            "INSERT INTO seed_inbox VALUES (%s, %s, %s, %s, %s, %s, 0)",
            [
                idx,
                inbox.pk,
                inbox.reference_prefix,
                inbox.email_address,
                low,
                low + share,
            ],
        )
        low += share
    bench.execute("UPDATE seed_inbox SET high = 2 WHERE idx = %s", [len(inboxes) - 1])
    bench.execute(
        """
        CREATE TEMP TABLE seed_assignable ON COMMIT DROP AS
        SELECT s.idx AS inbox_idx,
               (row_number() OVER (PARTITION BY s.idx ORDER BY m.user_id) - 1)::int
                   AS k,
               m.user_id
        FROM tickets_membership m JOIN seed_inbox s ON s.id = m.inbox_id
        """
    )
    bench.execute(
        "UPDATE seed_inbox s SET agents = (SELECT count(*) FROM seed_assignable a"
        " WHERE a.inbox_idx = s.idx)"
    )
    bench.execute("CREATE INDEX ON seed_assignable (inbox_idx, k)")


def _seed_customers() -> None:
    from tickets.models import Customer

    bench.insert_select(
        Customer,
        {
            "email": "'customer' || g || '@mail.example'",
            "name": "'Customer ' || g",
            "language": "CASE WHEN g %% 4 = 0 THEN 'de' ELSE 'en' END",
            "created_at": "now() - interval '3 years' + g * interval '30 minutes'",
        },
        "FROM generate_series(1, %(customers)s) g",
        {"customers": CUSTOMERS},
    )
    bench.execute(
        "CREATE TEMP TABLE seed_customer ON COMMIT DROP AS SELECT"
        " (row_number() OVER (ORDER BY id))::int AS k, id, email"
        " FROM tickets_customer"
    )
    bench.execute("CREATE UNIQUE INDEX ON seed_customer (k)")


def _seed_tickets(n: int) -> None:
    """Two years of tickets, oldest first; about 12% still active.

    Activity decays with age (most recent tickets are still being worked) plus
    a thin tail of forgotten old ones: the physical table order (oldest first)
    is nearly all closed, as in a real helpdesk, so plans cannot rely on luck."""
    from tickets.models import Ticket

    bench.execute("SELECT setseed(0.42)")
    bench.insert_select(
        Ticket,
        {
            "inbox_id": "t.inbox_id",
            "number": "t.number",
            "reference": "t.prefix || '-' || t.number",
            "customer_id": "c.id",
            "subject": "(%(subjects)s::text[])[1 + g %% %(n_subjects)s]"
            " || ' (order ' || g || ')'",
            "status": "t.status",
            "priority": "CASE WHEN r_prio < 0.15 THEN 'low'"
            " WHEN r_prio < 0.80 THEN 'normal'"
            " WHEN r_prio < 0.95 THEN 'high' ELSE 'urgent' END",
            "assignee_id": "CASE WHEN (t.status = 'new' AND r_assign < 0.6)"
            " OR r_assign < 0.05 THEN NULL ELSE a.user_id END",
            "category": "CASE WHEN r_cat < 0.3 THEN ''"
            " ELSE (%(categories)s::text[])[1 + (g %% %(n_categories)s)] END",
            "component_id": "CASE WHEN r_cat < 0.5 THEN NULL"
            " ELSE (SELECT min(id) FROM tickets_component) + (g %% 10) END",
            "tags": "CASE WHEN g %% 20 = 0 THEN ARRAY['vip']"
            " WHEN g %% 33 = 0 THEN ARRAY['refund', 'escalated']"
            " ELSE '{}'::varchar[] END",
            "reply_token": "md5('reply-token-' || g)",
            "created_at": "t.created",
            "updated_at": "t.updated",
            "first_response_at": "CASE WHEN t.status = 'new' THEN NULL"
            " ELSE least(t.updated, t.created + r_resp * interval '8 hours') END",
            "resolved_at": "CASE WHEN t.status IN ('resolved', 'closed')"
            " THEN t.updated END",
            "closed_at": "CASE WHEN t.status = 'closed' THEN t.updated END",
            "last_message_at": "t.updated",
        },
        """
        FROM numbered t
        JOIN seed_customer c ON c.k = 1 + floor(t.r_cust ^ 2 * %(customers)s)::int
        LEFT JOIN seed_assignable a
            ON a.inbox_idx = t.inbox_idx AND a.k = t.g %% t.agents
        ORDER BY g
        """,
        {
            "n": n,
            "subjects": SUBJECTS,
            "n_subjects": len(SUBJECTS),
            "categories": list(Ticket.Category.values),
            "n_categories": len(Ticket.Category.values),
            "customers": CUSTOMERS,
            "active": list(Ticket.ACTIVE_STATUSES),
        },
        with_clause="""
        WITH src AS (
            SELECT g,
                   (%(n)s - g)::float8 / %(n)s * 730.0 + random() AS age_days,
                   random() AS r_inbox, random() AS r_active, random() AS r_kind,
                   random() AS r_assign, random() AS r_prio, random() AS r_cat,
                   random() AS r_cust, random() AS r_upd, random() AS r_resp
            FROM generate_series(1, %(n)s) g
        ), shaped AS (
            SELECT src.*, si.idx AS inbox_idx, si.id AS inbox_id, si.prefix,
                   si.agents,
                   now() - age_days * interval '1 day' AS created,
                   CASE
                     WHEN r_active < 0.9 * exp(-age_days / 100) + 0.005 THEN
                       CASE WHEN r_kind < 0.25 THEN 'new'
                            WHEN r_kind < 0.65 THEN 'open'
                            WHEN r_kind < 0.90 THEN 'waiting_customer'
                            ELSE 'waiting_third_party' END
                     WHEN age_days < 10 OR r_kind < 0.10 THEN 'resolved'
                     ELSE 'closed'
                   END AS status
            FROM src JOIN seed_inbox si ON r_inbox >= si.low AND r_inbox < si.high
        ), numbered AS (
            SELECT shaped.*,
                   1000 + row_number() OVER (PARTITION BY inbox_idx ORDER BY g)
                       AS number,
                   CASE WHEN status = ANY(%(active)s::text[])
                     THEN created + (now() - created) * r_upd
                     ELSE least(now(), created + r_upd * interval '10 days')
                   END AS updated
            FROM shaped
        )""",
    )


def _seed_messages() -> int:
    """One to three messages per ticket (two on average): inbound, reply, more."""
    from tickets.models import Message

    inbound = "k.kind = 'inbound'"
    return bench.insert_select(
        Message,
        {
            "ticket_id": "t.id",
            "kind": "k.kind",
            "author_user_id": f"CASE WHEN {inbound} THEN NULL ELSE t.assignee_id END",
            "author_customer_id": f"CASE WHEN {inbound} THEN t.customer_id END",
            "from_address": f"CASE WHEN {inbound} THEN c.email"
            " ELSE i.email_address END",
            "to_addresses": f"CASE WHEN {inbound} THEN ARRAY[i.email_address]"
            " WHEN k.kind = 'reply' THEN ARRAY[c.email] ELSE '{}'::varchar[] END",
            "subject": "CASE WHEN m = 1 THEN t.subject ELSE 'Re: ' || t.subject END",
            "body_text": "substr(%(lorem)s, 1 + (t.id %% 200)::int,"
            " 240 + (t.id %% 300)::int)",
            "message_id": "'<t' || t.id || '.' || m || '@mail.example>'",
            "in_reply_to": "CASE WHEN m = 1 THEN '' ELSE '<t' || t.id || '.'"
            " || (m - 1) || '@mail.example>' END",
            "created_at": "t.created_at"
            " + (t.updated_at - t.created_at) * (m - 1) / 2.0",
        },
        """
        FROM tickets_ticket t
        JOIN tickets_customer c ON c.id = t.customer_id
        JOIN tickets_inbox i ON i.id = t.inbox_id
        CROSS JOIN LATERAL generate_series(1, 1 + (t.id %% 3)::int) m
        CROSS JOIN LATERAL (SELECT CASE
            WHEN m = 1 THEN 'inbound'
            WHEN m = 2 AND t.assignee_id IS NOT NULL THEN 'reply'
            WHEN m = 3 AND t.id %% 5 = 0 AND t.assignee_id IS NOT NULL THEN 'note'
            ELSE 'inbound' END AS kind) k
        """,
        {"lorem": LOREM},
    )


def _seed_events() -> int:
    """The audit trail: a created event per ticket and its latest status move."""
    from tickets.models import TicketEvent

    created = bench.insert_select(
        TicketEvent,
        {
            "ticket_id": "id",
            "kind": "'created'",
            "to_value": "'new'",
            "created_at": "created_at",
        },
        "FROM tickets_ticket",
    )
    moved = bench.insert_select(
        TicketEvent,
        {
            "ticket_id": "id",
            "actor_id": "assignee_id",
            "kind": "'status'",
            "from_value": "'open'",
            "to_value": "status",
            "created_at": "updated_at",
        },
        "FROM tickets_ticket WHERE status <> 'new'",
    )
    return created + moved


def _seed_long_thread(agent) -> str:
    """An active ticket with 50 messages, replies sent, a few attachments."""
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from tickets.models import (
        Attachment,
        Customer,
        Inbox,
        Message,
        OutboundEmail,
        Ticket,
        TicketEvent,
    )

    with transaction.atomic():
        inbox = Inbox.objects.select_for_update().get(slug=INBOXES[0][0])
        inbox.last_ticket_number += 1
        inbox.save(update_fields=["last_ticket_number"])
        customer = Customer.objects.order_by("id").first()
        started = timezone.now() - timedelta(days=3)
        ticket = Ticket.objects.create(
            inbox=inbox,
            number=inbox.last_ticket_number,
            reference=f"{inbox.reference_prefix}-{inbox.last_ticket_number}",
            customer=customer,
            subject="Third parcel lost, still no refund",
            status=Ticket.Status.OPEN,
            priority=Ticket.Priority.HIGH,
            assignee=agent,
            created_at=started,
            updated_at=timezone.now(),
            last_message_at=timezone.now(),
            first_response_at=started + timedelta(hours=1),
        )
        messages = []
        for m in range(LONG_THREAD_MESSAGES):
            kind = (
                Message.Kind.NOTE
                if m % 10 == 9
                else (Message.Kind.INBOUND if m % 2 == 0 else Message.Kind.REPLY)
            )
            inbound = kind == Message.Kind.INBOUND
            messages.append(
                Message(
                    ticket=ticket,
                    kind=kind,
                    author_user=None if inbound else agent,
                    author_customer=customer if inbound else None,
                    from_address=customer.email if inbound else inbox.email_address,
                    to_addresses=[inbox.email_address if inbound else customer.email],
                    subject=f"Re: {ticket.subject}",
                    body_text=LOREM[: 300 + 7 * m],
                    body_html=f"<p>{LOREM[: 300 + 7 * m]}</p>",
                    message_id=f"<long{ticket.pk}.{m}@mail.example>",
                    created_at=started + timedelta(hours=m),
                )
            )
        Message.objects.bulk_create(messages)
        OutboundEmail.objects.bulk_create(
            OutboundEmail(
                message=msg,
                status=OutboundEmail.Status.SENT,
                attempts=1,
                sent_at=msg.created_at,
                created_at=msg.created_at,
            )
            for msg in messages
            if msg.kind == Message.Kind.REPLY
        )
        Attachment.objects.bulk_create(
            Attachment(
                message=messages[m],
                file=f"attachments/bench/photo{m}.jpg",
                filename=f"photo{m}.jpg",
                content_type="image/jpeg",
                size=120_000,
            )
            for m in (0, 2, 4, 20)
        )
        TicketEvent.objects.bulk_create(
            [
                TicketEvent(ticket=ticket, kind="created", to_value="new"),
                TicketEvent(
                    ticket=ticket,
                    actor=agent,
                    kind="status",
                    from_value="new",
                    to_value="open",
                ),
                TicketEvent(
                    ticket=ticket,
                    actor=agent,
                    kind="assigned",
                    to_value=agent.username,
                ),
            ]
        )
    return ticket.reference


def ticket_count() -> int:
    return bench.scalar("SELECT count(*) FROM tickets_ticket")


# --- measuring -----------------------------------------------------------------


def routes_ready() -> bool:
    """True once the agent views and the API ticket list are wired."""
    from django.urls import NoReverseMatch, Resolver404, resolve, reverse

    try:
        reverse("tickets:ticket-list")
        reverse("tickets:ticket-detail", args=["X-1"])
        resolve("/api/v1/tickets/")
    except (NoReverseMatch, Resolver404):
        return False
    return True


def measure_pages(*, long_reference: str, requests: int) -> dict[str, Any]:
    """Time the four pages and the navigation counts as agent00 (member of
    every inbox), then check that queries per page do not depend on the page
    size or position."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    user = get_user_model().objects.get(username=BENCH_USER)
    client = Client()
    client.force_login(user)
    biggest, smallest = INBOXES[0][0], INBOXES[-1][0]
    list_url = reverse("tickets:ticket-list")
    detail_url = reverse("tickets:ticket-detail", args=[long_reference])
    api_url = "/api/v1/tickets/"

    def get(path: str, **params: Any) -> Callable[[], Any]:
        return lambda: client.get(path, params)

    def ok(response: Any) -> None:
        if response.status_code != 200:
            path = response.request["PATH_INFO"]
            raise SystemExit(f"{path}: HTTP {response.status_code}")

    pages = {
        "inbox_list": get(list_url, inbox=biggest),
        "mine_open": get(list_url, view="mine"),
        "ticket_page": get(detail_url),
        "api_list": get(api_url),
        # Every page's navigation fetches its counts with this right after.
        "nav_counts": get(reverse("tickets:nav-counts")),
    }
    results: dict[str, Any] = {}
    statements: dict[str, list[str]] = {}
    for name, request in pages.items():
        with bench.step(f"measure {name}"):
            sample = bench.measure(request, requests=requests, check=ok)
        results[name] = sample.summary()
        results[name]["rows"] = _rows(name, request())
        statements[name] = sample.statements

    # Same number of queries whatever the page size or position.
    variants = {
        "api_list": [(api_url, {"page_size": size}) for size in (10, 100)],
        "inbox_list": [(list_url, {"inbox": biggest, "page": p}) for p in (1, 2)],
    }
    for name, requests_ in variants.items():
        counts = {}
        for url, params in requests_:
            sample = bench.measure(get(url, **params), requests=3, warmup=1, check=ok)
            label = "&".join(f"{k}={v}" for k, v in params.items())
            counts[label] = sample.summary()["queries"]
        results[name]["queries_by_params"] = counts

    # Not in the target: the smallest inbox, first and deepest allowed page.
    with bench.step("measure the smallest inbox, pages 1 and 200"):
        for label, page in (("small_inbox_list", 1), ("small_inbox_page_200", 200)):
            request = get(list_url, inbox=smallest, page=page)
            sample = bench.measure(request, requests=20, warmup=2, check=ok)
            results[label] = sample.summary()
            statements[label] = sample.statements
    results["_statements"] = statements
    return results


def _rows(name: str, response: Any) -> int:
    """What the page showed: list rows, API results or thread messages."""
    if name == "api_list":
        return len(response.json()["results"])
    if name == "nav_counts":
        return response.content.count(b"hx-swap-oob")
    marker = b'class="msg msg-' if name == "ticket_page" else b'class="row-link"'
    return response.content.count(marker)


def target_ok(results: dict[str, Any]) -> bool:
    def constant(page: dict[str, Any]) -> bool:
        counts = [page["queries"], *page.get("queries_by_params", {}).values()]
        return all(isinstance(c, int) for c in counts) and len(set(counts)) == 1

    lists_ok = all(
        results[name]["p95_ms"] <= TARGET_LIST_P95_MS
        for name in ("inbox_list", "mine_open", "ticket_page", "nav_counts")
    )
    api_ok = results["api_list"]["p95_ms"] <= TARGET_API_P95_MS
    queries_ok = all(
        constant(results[name])
        for name in ("inbox_list", "mine_open", "ticket_page", "api_list")
    )
    return lists_ok and api_ok and queries_ok


# --- main ----------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--db", default=DB_NAME, help="benchmark database name")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="skip seeding when the database already holds N tickets",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the database afterwards (for --reuse and EXPLAIN)",
    )
    parser.add_argument(
        "--seed-only",
        action="store_true",
        help="seed and keep the database, measure nothing",
    )
    parser.add_argument(
        "--statements",
        action="store_true",
        help="print the SQL of the last request of each page to stderr",
    )
    args = parser.parse_args()
    if args.requests < 50:
        parser.error("--requests must be at least 50")

    url = bench.database_url(args.db)
    meta = None
    if args.reuse and bench.database_exists(url):
        bench.use_database(url)
        bench.setup_django()
        meta = _read_meta()
        if not (meta and meta.get("rows") == ticket_count()):
            meta = None
            from django.db import connections

            connections.close_all()
    if meta is None:
        with bench.step(f"create database {args.db}"):
            bench.recreate_database(url)
        bench.use_database(url)
        bench.setup_django()
    # Always migrate: a reused database picks up new indexes.
    with bench.step("migrate"):
        bench.migrate()
    if meta is None:
        started = time.perf_counter()
        meta = seed(args.tickets)
        meta.update(
            tickets=args.tickets,
            rows=ticket_count(),
            seed_seconds=round(time.perf_counter() - started, 1),
        )
        _write_meta(meta)
        bench.log(f"seeded {args.tickets:,} tickets in {meta['seed_seconds']} s")
    else:
        bench.log(f"reusing {args.tickets:,} tickets")

    output: dict[str, Any] = {"tickets": args.tickets}
    load_before = os.getloadavg()[0]
    if not args.seed_only:
        if not routes_ready():
            raise SystemExit("the agent views or the API ticket list are not wired")
        results = measure_pages(
            long_reference=meta["long_reference"], requests=args.requests
        )
        statements = results.pop("_statements")
        if args.statements:
            for name, sqls in statements.items():
                bench.log(f"--- {name}")
                for text in sqls:
                    print(f"{text};", file=sys.stderr)
        output.update(results)
    output["seed_seconds"] = meta["seed_seconds"]
    # Other work on the machine moves wall-clock figures; CPU figures hold.
    output["load_avg"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    if not args.seed_only:
        output["target_ok"] = target_ok(output)
    print(json.dumps(output), flush=True)

    if not (args.keep or args.seed_only):
        from django.db import connections

        connections.close_all()
        bench.drop_database(url)


def _read_meta() -> dict[str, Any] | None:
    exists = bench.scalar("SELECT to_regclass('bench_meta') IS NOT NULL")
    if not exists:
        return None
    value = bench.scalar("SELECT value::text FROM bench_meta WHERE key = 'inbox'")
    return json.loads(value) if value else None


def _write_meta(meta: dict[str, Any]) -> None:
    bench.execute(
        "CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value jsonb)"
    )
    bench.execute(
        "INSERT INTO bench_meta VALUES ('inbox', %s) ON CONFLICT (key)"
        " DO UPDATE SET value = EXCLUDED.value",
        [json.dumps(meta)],
    )


if __name__ == "__main__":
    main()
