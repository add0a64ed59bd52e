"""Trends benchmark: N recovery cases with post-mortems spread over a year,
around the inbox benchmark's tickets (a million by default), then the trends
dashboard page and the spike list through Django's test client.

    .venv/bin/python bench/trends.py --cases 200000 [--tickets 1000000]
        [--requests 20] [--reuse] [--keep]

Prints one JSON line on stdout (progress on stderr); see bench/README.md."""

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common as bench
from bench import inbox as inbox_bench

DB_NAME = "amends_bench_trends"
MANAGER = inbox_bench.BENCH_USER  # a manager of every inbox
TARGET_P95_MS = 300.0
CHANGE_EVENTS = 30
# Share of the year's tickets that get a survey answer without a case.
ANSWER_SHARE = 0.1

ROOT_CAUSES = [
    "process",
    "people",
    "system",
    "partner",
    "capacity",
    "communication",
    "policy",
    "other",
]
FAILURES = ["late_delivery", "billing_error", "defect", "broken_promise", "other"]


# --- seeding -------------------------------------------------------------------


def seed_cases(n: int) -> dict[str, int]:
    """N cases on distinct tickets of the last year, most closed with a
    post-mortem; offers, promises, satisfaction and change events."""
    from django.db import transaction

    from followups.models import FollowUp, Promise, SatisfactionAnswer
    from recovery.models import Offer, PostMortem, RecoveryCase
    from recovery.trends.models import ChangeEvent

    with transaction.atomic(), bench.bulk_load_session():
        bench.execute("SELECT setseed(0.24)")
        with bench.step(f"pick {n:,} tickets of the last year"):
            bench.execute(
                """
                CREATE TEMP TABLE picked ON COMMIT DROP AS
                SELECT x.*, random() AS r1, random() AS r2, random() AS r3,
                       random() AS r4
                FROM (
                    SELECT t.id AS ticket_id, t.inbox_id, t.created_at,
                           t.assignee_id, t.component_id, t.customer_id
                    FROM tickets_ticket t
                    WHERE t.created_at >= now() - interval '365 days'
                      AND t.assignee_id IS NOT NULL
                    ORDER BY random()
                    LIMIT %s
                ) x
                """,
                [n],
            )
            picked = bench.scalar("SELECT count(*) FROM picked")
        with (
            bench.step("cases (indexes rebuilt after)"),
            bench.indexes_dropped(RecoveryCase._meta.db_table),
        ):
            _seed_case_rows()
        with bench.step("post-mortems, offers, promises, satisfaction"):
            bench.execute(
                "CREATE TEMP TABLE seeded ON COMMIT DROP AS SELECT c.*, p.r1, p.r2,"
                " p.r3, p.r4, p.inbox_id, p.component_id AS ticket_component"
                " FROM recovery_recoverycase c JOIN picked p"
                " ON p.ticket_id = c.ticket_id"
            )
            post_mortems = _seed_post_mortems(PostMortem)
            offers = _seed_offers(Offer)
            promises = _seed_promises(Promise)
            answers = _seed_answers(FollowUp, SatisfactionAnswer)
            changes = _seed_changes(ChangeEvent)
    with bench.step("VACUUM ANALYZE"):
        bench.execute("VACUUM (ANALYZE)")
    return {
        "cases": picked,
        "post_mortems": post_mortems,
        "offers": offers,
        "promises": promises,
        "answers": answers,
        "change_events": changes,
    }


def _seed_case_rows() -> int:
    from recovery.models import RecoveryCase

    return bench.insert_select(
        RecoveryCase,
        {
            "ticket_id": "p.ticket_id",
            "opened_by_id": "p.assignee_id",
            "owner_id": "p.assignee_id",
            "failure_type": "(%(failures)s::text[])[1 + floor(p.r1 * 5)::int]",
            "severity": "CASE WHEN p.r2 < 0.7 THEN 'minor' ELSE 'major' END",
            "attribution": "'ours'",
            "is_preventable": "p.r3 < 0.6",
            "is_foreseeable": "false",
            "prior_failure_count": "0",
            "status": "s.status",
            "status_changed_at": "s.opened + interval '4 days'",
            "opened_at": "s.opened",
            "acknowledged_at": "s.opened + p.r2 * interval '3 hours'",
            "understood_at": "s.opened + interval '3 hours'",
            "resolved_at": "CASE WHEN s.status IN ('resolved', 'followed_up',"
            " 'documented', 'closed') THEN s.opened + interval '1 hour'"
            " + p.r3 * interval '3 days' END",
            "followed_up_at": "CASE WHEN s.status IN ('followed_up', 'documented',"
            " 'closed') THEN s.opened + interval '4 days' END",
            "documented_at": "CASE WHEN s.status IN ('documented', 'closed')"
            " THEN s.opened + interval '5 days' END",
            "closed_at": "CASE WHEN s.status = 'closed'"
            " THEN s.opened + interval '5 days 1 hour' END",
            "satisfaction_score": "CASE WHEN s.status IN ('followed_up',"
            " 'documented', 'closed') AND p.r4 < 0.7"
            " THEN 1 + floor(p.r4 / 0.7 * 5)::int END",
        },
        """
        FROM picked p
        CROSS JOIN LATERAL (
            SELECT p.created_at + p.r1 * interval '2 hours' AS opened,
                   CASE WHEN p.created_at > now() - interval '3 days' THEN
                        'acknowledged'
                        WHEN p.created_at > now() - interval '8 days' THEN
                        'resolved'
                        ELSE 'closed' END AS status
        ) s
        ORDER BY s.opened
        """,
        {"failures": FAILURES},
    )


def _seed_post_mortems(model) -> int:
    return bench.insert_select(
        model,
        {
            "case_id": "c.id",
            "chain_of_events": "'Picked late; the courier missed the cut-off.'",
            "root_cause": "(%(causes)s::text[])[1 + floor(c.r2 * 8)::int]",
            "component_id": "COALESCE(c.ticket_component,"
            " (SELECT min(id) FROM tickets_component) + floor(c.r3 * 10)::int)",
            "is_preventable": "c.is_preventable",
            "prevention_action": "'Move the cut-off check to the morning shift.'",
            "prevention_owner_id": "c.owner_id",
            "prevention_due_date": "(c.documented_at + interval '21 days')::date",
            "written_by_id": "c.owner_id",
            "created_at": "c.documented_at",
        },
        "FROM seeded c WHERE c.documented_at IS NOT NULL ORDER BY c.documented_at",
        {"causes": ROOT_CAUSES},
    )


def _seed_offers(model) -> int:
    return bench.insert_select(
        model,
        {
            "case_id": "c.id",
            "inbox_id": "c.inbox_id",
            "kind": "'credit'",
            "amount": "(5 + floor(c.r3 * 20) * 5)::numeric(12, 2)",
            "currency": "CASE WHEN c.r4 < 0.1 THEN 'GBP' ELSE 'EUR' END",
            "requested_amount": "(5 + floor(c.r3 * 20) * 5)::numeric(12, 2)",
            "status": "'approved'",
            "is_within_authority": "c.r2 < 0.7",
            "created_by_id": "c.owner_id",
            "created_at": "c.understood_at",
            "decided_by_id": "c.owner_id",
            "decided_at": "c.understood_at + CASE WHEN c.r2 < 0.7"
            " THEN interval '1 minute' ELSE c.r1 * interval '20 hours' END",
        },
        "FROM seeded c WHERE c.resolved_at IS NOT NULL AND c.r1 < 0.5"
        " ORDER BY c.understood_at",
    )


def _seed_promises(model) -> int:
    return bench.insert_select(
        model,
        {
            "ticket_id": "c.ticket_id",
            "kind": "'delivery'",
            "what": "'Replacement handed to the courier'",
            "due_at": "c.opened_at + interval '2 days'",
            "original_due_at": "c.opened_at + interval '2 days'",
            "warn_at": "c.opened_at + interval '1 day'",
            "state": "CASE WHEN c.resolved_at IS NULL THEN 'open'"
            " WHEN c.r4 < 0.15 THEN 'broken' ELSE 'kept' END",
            "state_changed_at": "c.opened_at + interval '2 days'",
            "created_at": "c.opened_at",
            "kept_at": "CASE WHEN c.resolved_at IS NOT NULL AND c.r4 >= 0.15"
            " THEN c.resolved_at END",
            "broken_at": "CASE WHEN c.resolved_at IS NOT NULL AND c.r4 < 0.15"
            " THEN c.opened_at + interval '2 days' END",
        },
        "FROM seeded c ORDER BY c.opened_at",
    )


def _seed_answers(followup_model, answer_model) -> int:
    """Survey answers on resolved tickets of the last year without a case."""
    bench.insert_select(
        followup_model,
        {
            "ticket_id": "t.id",
            "kind": "'satisfaction_check'",
            "channel": "'email'",
            "due_at": "t.resolved_at + interval '1 day'",
            "owner_id": "t.assignee_id",
            "state": "'done'",
            "created_at": "t.resolved_at",
            "fired_at": "t.resolved_at + interval '1 day'",
            "done_at": "t.resolved_at + interval '1 day'",
            "link_nonce": "substr(md5(t.id::text), 1, 24)",
        },
        """
        FROM tickets_ticket t
        WHERE t.created_at >= now() - interval '365 days'
          AND t.resolved_at IS NOT NULL
          AND t.resolved_at < now() - interval '2 days'
          AND random() < %(share)s
          AND NOT EXISTS (SELECT 1 FROM picked p WHERE p.ticket_id = t.id)
        """,
        {"share": ANSWER_SHARE},
    )
    return bench.insert_select(
        answer_model,
        {
            "followup_id": "f.id",
            "score": "1 + floor(random() * 5)::int",
            "answered_at": "f.done_at + interval '3 hours'",
        },
        "FROM followups_followup f WHERE f.kind = 'satisfaction_check'",
    )


def _seed_changes(model) -> int:
    return bench.insert_select(
        model,
        {
            "inbox_id": "(SELECT min(id) FROM tickets_inbox) + (g %% 5)",
            "kind": "(ARRAY['release', 'supplier', 'process', 'staffing'])[1 + g %% 4]",
            "component_id": "CASE WHEN g %% 3 = 0 THEN NULL ELSE"
            " (SELECT min(id) FROM tickets_component) + (g %% 10) END",
            "title": "'Change ' || g",
            "happened_at": "now() - g * interval '12 days'",
            "created_at": "now() - g * interval '12 days'",
        },
        "FROM generate_series(1, %(n)s) g",
        {"n": CHANGE_EVENTS},
    )


# --- measuring -----------------------------------------------------------------


def measure(*, requests: int) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    user = get_user_model().objects.get(username=MANAGER)
    client = Client()
    client.force_login(user)
    dashboard = reverse("recovery:trends:dashboard")
    spikes = reverse("recovery-api:trends-api:spikes")

    def ok(response: Any) -> None:
        if response.status_code != 200:
            raise SystemExit(f"{response.request['PATH_INFO']}: {response.status_code}")

    largest = inbox_bench.INBOXES[0][0]
    pages = {
        # The target: the largest inbox (40% of the tickets), 90 days. The
        # page opens on one inbox (the one chosen last, at first the one with
        # the most cases): this is the heaviest it can open on.
        "dashboard": (dashboard, {"inbox": largest}),
        "spikes": (spikes, {"inbox": largest}),
        # Not in the target: the page opened without a choice, every inbox
        # together, and a whole year.
        "dashboard_default": (dashboard, {}),
        "dashboard_all_inboxes": (dashboard, {"inbox": "all"}),
        "spikes_all_inboxes": (spikes, {"inbox": "all"}),
        "dashboard_year": (dashboard, {"inbox": largest, "days": 365}),
    }
    results: dict[str, Any] = {}
    for name, (path, params) in pages.items():
        with bench.step(f"measure {name}"):
            sample = bench.measure(
                lambda p=path, q=params: client.get(p, q), requests=requests, check=ok
            )
        results[name] = sample.summary()
        if name.startswith("spikes"):
            body = client.get(path, params).json()
            results[name]["spikes"] = len(body["spikes"])
            results[name]["compared"] = body["compared"]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--db", default=DB_NAME)
    parser.add_argument("--reuse", action="store_true", help="keep a matching seed")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    if args.requests < 20:
        parser.error("--requests must be at least 20")

    url = bench.database_url(args.db)
    meta = None
    if args.reuse and bench.database_exists(url):
        bench.use_database(url)
        bench.setup_django()
        meta = _read_meta()
        wanted = {"tickets": args.tickets, "cases": args.cases}
        if not meta or any(meta.get(k) != v for k, v in wanted.items()):
            meta = None
            from django.db import connections

            connections.close_all()
    if meta is None:
        with bench.step(f"create database {args.db}"):
            bench.recreate_database(url)
        bench.use_database(url)
        bench.setup_django()
    with bench.step("migrate"):
        bench.migrate()
    if meta is None:
        started = time.perf_counter()
        inbox_bench.seed(args.tickets)
        counts = seed_cases(args.cases)
        meta = {
            "tickets": args.tickets,
            "cases": args.cases,
            "seeded": counts,
            "seed_seconds": round(time.perf_counter() - started, 1),
        }
        _write_meta(meta)
    else:
        bench.log(f"reusing {args.tickets:,} tickets and {args.cases:,} cases")
    # What the nightly task does; the minute-by-minute refresh of recent
    # changes is measured too (its fixed cost: the seed's last quarter hour).
    from recovery.trends import services

    refresh = {}
    for name, full, recent in (
        ("facts", services.case_facts_refresh, services.case_facts_refresh_recent),
        (
            "ticket_hours",
            services.ticket_hours_refresh,
            services.ticket_hours_refresh_recent,
        ),
    ):
        started = time.perf_counter()
        with bench.step(f"trend {name}: full refresh"):
            full()
        refresh[f"{name}_refresh_all_seconds"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        recent()
        refresh[f"{name}_refresh_recent_ms"] = round(
            (time.perf_counter() - started) * 1000, 1
        )
    # As autovacuum would leave them after a nightly rewrite.
    bench.execute("VACUUM (ANALYZE) recovery_casefact, recovery_tickethour")

    load_before = os.getloadavg()[0]
    output: dict[str, Any] = {
        "cases": args.cases,
        "tickets": args.tickets,
        **measure(requests=args.requests),
        **refresh,
        "seeded": meta["seeded"],
        "seed_seconds": meta["seed_seconds"],
        "load_avg": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    output["target_ok"] = all(
        output[name]["p95_ms"] <= TARGET_P95_MS for name in ("dashboard", "spikes")
    )
    # The same bound for every inbox together and for a whole year.
    output["wider_target_ok"] = all(
        output[name]["p95_ms"] <= TARGET_P95_MS
        for name in ("dashboard_all_inboxes", "spikes_all_inboxes", "dashboard_year")
    )
    print(json.dumps(output), flush=True)
    if not args.keep:
        from django.db import connections

        connections.close_all()
        bench.drop_database(url)


def _read_meta() -> dict[str, Any] | None:
    if not bench.scalar("SELECT to_regclass('bench_meta') IS NOT NULL"):
        return None
    value = bench.scalar("SELECT value::text FROM bench_meta WHERE key = 'trends'")
    return json.loads(value) if value else None


def _write_meta(meta: dict[str, Any]) -> None:
    bench.execute(
        "CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value jsonb)"
    )
    bench.execute(
        "INSERT INTO bench_meta VALUES ('trends', %s) ON CONFLICT (key)"
        " DO UPDATE SET value = EXCLUDED.value",
        [json.dumps(meta)],
    )


if __name__ == "__main__":
    main()
