"""Follow-up dispatch benchmark: N due email follow-ups in a fresh database,
real Celery worker processes on Redis, a local SMTP sink that records every
message it accepts; runs until all are delivered.

    .venv/bin/python bench/followups.py --due 100000 [--workers 2] [--pool threads
        --threads 6] [--mail smtp|none] [--keep]

Prints one JSON line on stdout (progress on stderr): N, seconds from the due
time to the last delivery, follow-ups per second, sent twice, missed, and the
due-to-delivery delay (p50/p95/max) as the SMTP sink saw it."""

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common as bench

DB_NAME = "amends_bench_followups"
TARGET_SECONDS = 120.0
TARGET_DUE = 100_000
CUSTOMERS = 1_000
_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.IGNORECASE | re.MULTILINE)


# --- the SMTP sink (its own process) -----------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _SinkProtocol(asyncio.Protocol):
    """A minimal SMTP server: accepts every message after its final dot and
    writes "<Message-ID>\t<unix time>" per message. It stands for the mail
    server; kept light so that it takes little of the CPU being measured."""

    def __init__(self, out: Any) -> None:
        self.out = out
        self.buffer = b""
        self.in_data = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        transport.write(b"220 sink ESMTP\r\n")

    def data_received(self, chunk: bytes) -> None:
        self.buffer += chunk
        while True:
            if self.in_data:
                end = self.buffer.find(b"\r\n.\r\n")
                if end < 0:
                    return
                self._record(self.buffer[:end])
                self.buffer, self.in_data = self.buffer[end + 5 :], False
                self.transport.write(b"250 OK\r\n")
                continue
            end = self.buffer.find(b"\r\n")
            if end < 0:
                return
            command = self.buffer[:4].upper()
            self.buffer = self.buffer[end + 2 :]
            if command == b"EHLO":
                self.transport.write(b"250-sink\r\n250 8BITMIME\r\n")
            elif command == b"DATA":
                self.in_data = True
                self.transport.write(b"354 go ahead\r\n")
            elif command == b"QUIT":
                self.transport.write(b"221 bye\r\n")
                self.transport.close()
                return
            else:
                self.transport.write(b"250 OK\r\n")

    def _record(self, message: bytes) -> None:
        headers = message[: message.find(b"\r\n\r\n")]
        found = _MESSAGE_ID.search(headers)
        message_id = found.group(1).decode() if found else "-"
        self.out.write(f"{message_id}\t{time.time():.6f}\n")


def _run_sink(port: int, path: str) -> None:
    out = open(path, "a", buffering=1)  # noqa: SIM115 - lives with the process

    def stop(*_args: Any) -> None:
        out.flush()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: _SinkProtocol(out), "127.0.0.1", port)
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


def _read_sink(path: str) -> list[tuple[str, float]]:
    rows = []
    with open(path) as sink:
        for line in sink:
            message_id, _tab, at = line.rstrip("\n").partition("\t")
            if at:
                rows.append((message_id, float(at)))
    return rows


# --- seeding -----------------------------------------------------------------


def seed(n: int) -> None:
    """An inbox, an agent, customers, N resolved tickets with one customer
    message each, and N check-back follow-ups by email (due later)."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from followups.models import FollowUp
    from tickets.models import Customer, Inbox, Membership, Message, Ticket

    with bench.step("inbox, agent, customers"), transaction.atomic():
        inbox = Inbox.objects.create(
            name="Support",
            slug="support",
            email_address="support@amends.example",
            reference_prefix="SUP",
        )
        agent = get_user_model().objects.create_user(
            username="agent00", first_name="Alex", email="agent00@staff.example"
        )
        Membership.objects.create(user=agent, inbox=inbox)
        bench.insert_select(
            Customer,
            {
                "email": "'customer' || g || '@mail.example'",
                "name": "'Customer ' || g",
                "language": "CASE WHEN g %% 3 = 0 THEN 'de' ELSE 'en' END",
            },
            "FROM generate_series(1, %(n)s) AS g",
            {"n": CUSTOMERS},
        )
    customer_min = bench.scalar("SELECT min(id) FROM tickets_customer")
    with bench.step(f"{n:,} tickets"), bench.bulk_load_session():
        bench.insert_select(
            Ticket,
            {
                "inbox_id": "%(inbox)s",
                "number": "1000 + g",
                "reference": "'SUP-' || (1000 + g)",
                "customer_id": "%(customer)s + g %% %(customers)s",
                "subject": "'Parcel ' || g || ' arrived damaged'",
                "status": "'resolved'",
                "assignee_id": "%(agent)s",
                "reply_token": "substr(md5(g::text || random()::text), 1, 16)",
                "resolved_at": "now() - interval '4 days'",
            },
            "FROM generate_series(1, %(n)s) AS g",
            {
                "n": n,
                "inbox": inbox.pk,
                "agent": agent.pk,
                "customer": customer_min,
                "customers": CUSTOMERS,
            },
        )
        bench.execute(
            "UPDATE tickets_inbox SET last_ticket_number = %s WHERE id = %s",
            [1000 + n, inbox.pk],
        )
    with bench.step(f"{n:,} customer messages"), bench.bulk_load_session():
        bench.insert_select(
            Message,
            {
                "ticket_id": "t.id",
                "kind": "'inbound'",
                "author_customer_id": "t.customer_id",
                "from_address": "'customer@mail.example'",
                "subject": "t.subject",
                "body_text": "'The lamp in the box was broken.'",
                "message_id": "'<in' || t.id || '@mail.example>'",
                "created_at": "t.created_at",
            },
            "FROM tickets_ticket AS t",
        )
    with bench.step(f"{n:,} follow-ups"), bench.bulk_load_session():
        bench.insert_select(
            FollowUp,
            {
                "ticket_id": "t.id",
                "kind": "'check_back'",
                "channel": "'email'",
                "due_at": "now() + interval '1 day'",
                "owner_id": "t.assignee_id",
                "state": "'scheduled'",
                "created_at": "now()",
            },
            "FROM tickets_ticket AS t",
        )
    with bench.step("vacuum analyze"):
        for table in (
            "tickets_ticket",
            "tickets_message",
            "tickets_customer",
            "followups_followup",
        ):
            bench.execute(f"VACUUM (ANALYZE) {table}")


# --- running -----------------------------------------------------------------


def start_workers(
    count: int, *, env: dict[str, str], queue: str, pool: str, threads: int
) -> list:
    procs = []
    for i in range(count):
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "helpdesk",
                    "worker",
                    f"--pool={pool}",
                    f"--concurrency={threads if pool == 'threads' else 1}",
                    "-Q",
                    queue,
                    "-n",
                    f"bench{i}-{queue}@%h",
                    "-l",
                    "warning",
                    "--without-heartbeat",
                    "--without-gossip",
                    "--without-mingle",
                ],
                cwd=bench.ROOT,
                env=env,
                # stdout carries only the result line.
                stdout=sys.stderr,
            )
        )
    return procs


def wait_ready(app: Any, names: list[str], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = app.control.ping(destination=names, timeout=1.0) or []
        if {name for reply in replies for name in reply} >= set(names):
            return
    raise SystemExit("the workers did not start")


def stop(procs: list) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _delivered(sink_path: str | None) -> int:
    if sink_path:
        with open(sink_path) as sink:
            return sum(1 for _line in sink)
    return bench.scalar(
        "SELECT count(*) FROM tickets_outboundemail WHERE status = 'sent'"
    )


def measure(
    n: int,
    *,
    workers: int,
    pool: str,
    threads: int,
    smtp_port: int | None,
    sink_path: str | None,
    timeout: float,
) -> dict[str, Any]:
    """Make every follow-up due now, fire the dispatcher once (as a beat tick
    would) and wait until N emails are delivered or nothing moves for long.
    Without an SMTP sink the workers use Django's dummy mail backend and a
    delivery is the outbox row marked sent."""
    from django.db import connections

    from helpdesk.celery import app

    queue = f"bench-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}" if smtp_port else "dummymail://",
        "LOG_LEVEL": "WARNING",
    }
    app.conf.task_default_queue = queue
    procs = start_workers(workers, env=env, queue=queue, pool=pool, threads=threads)
    try:
        host = socket.gethostname()
        wait_ready(app, [f"bench{i}-{queue}@{host}" for i in range(workers)])
        bench.log(f"{workers} workers ready on queue {queue}")
        bench.execute(
            "UPDATE followups_followup SET due_at = clock_timestamp() "
            "WHERE state = 'scheduled'"
        )
        connections.close_all()
        due_at = time.time()
        app.send_task("followups.followup_dispatch", queue=queue)
        seen, last_change, last_count = 0, time.monotonic(), -1
        while seen < n:
            time.sleep(0.5)
            seen = _delivered(sink_path)
            if seen != last_count:
                last_count, last_change = seen, time.monotonic()
                bench.log(f"{seen:,} of {n:,} delivered")
            elif time.monotonic() - last_change > timeout:
                bench.log("no progress; stopping")
                break
        time.sleep(2)  # a late duplicate would arrive now
    finally:
        stop(procs)
        app.control.purge()
    output = _results(n, sink_path=sink_path, started=due_at, workers=workers)
    output["pool"] = pool if pool == "solo" else f"{pool}x{threads}"
    return output


def _results(
    n: int, *, sink_path: str | None, started: float, workers: int
) -> dict[str, Any]:
    from followups.models import FollowUp
    from tickets.models import Message

    rows = list(
        FollowUp.objects.filter(message__isnull=False).values_list(
            "message__message_id", "due_at", "fired_at", "message__outbound__sent_at"
        )
    )
    counts: Counter = Counter()
    delivered_at: dict[str, float] = {}
    if sink_path:
        for message_id, at in _read_sink(sink_path):
            counts[message_id] += 1
            delivered_at.setdefault(message_id, at)
    else:
        delivered_at = {m: sent.timestamp() for m, _d, _f, sent in rows if sent}
    fire_delays = [(fired - due).total_seconds() for _m, due, fired, _s in rows]
    delays = [
        max(delivered_at[m] - due.timestamp(), 0.0)
        for m, due, _f, _s in rows
        if m in delivered_at
    ]
    # An email written twice for one follow-up, or accepted twice, is sent twice.
    written = Message.objects.filter(kind=Message.Kind.REPLY).count()
    sent_twice = (written - len(rows)) + sum(c - 1 for c in counts.values() if c > 1)
    last = max(delivered_at.values(), default=started)
    seconds = max(last - started, 1e-9)

    def pct(values: list[float], p: float) -> float | None:
        return round(bench.percentile(values, p), 2) if values else None

    return {
        "due": n,
        "workers": workers,
        "mail": "smtp" if sink_path else "none",
        "seconds": round(seconds, 1),
        "per_second": round(len(delays) / seconds, 1),
        "sent_twice": sent_twice,
        "missed": n - len(delays),
        "p50_delay_s": pct(delays, 50),
        "p95_delay_s": pct(delays, 95),
        "max_delay_s": round(max(delays), 2) if delays else None,
        # Due time to the follow-up's email written to the outbox.
        "p95_fire_delay_s": pct(fire_delays, 95),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--due", type=int, default=TARGET_DUE)
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument(
        "--pool",
        choices=["solo", "threads"],
        default="threads",
        help="threads (default): --threads tasks at a time per process, so "
        "database and SMTP waits overlap; solo: one task at a time",
    )
    parser.add_argument("--threads", type=int, default=6)
    parser.add_argument("--db", default=DB_NAME, help="benchmark database name")
    parser.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        help="give up after this many seconds without a delivery",
    )
    parser.add_argument(
        "--mail",
        choices=["smtp", "none"],
        default="smtp",
        help="smtp: deliver to a local SMTP sink (default); none: Django's "
        "dummy backend, delivery = outbox row sent",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the database afterwards"
    )
    args = parser.parse_args()

    url = bench.database_url(args.db)
    with bench.step(f"create database {args.db}"):
        bench.recreate_database(url)
    bench.use_database(url)
    bench.setup_django()
    with bench.step("migrate"):
        bench.migrate()
    seed(args.due)

    smtp_port = sink_path = sink = None
    if args.mail == "smtp":
        smtp_port = _free_port()
        sink_path = tempfile.mkstemp(prefix="bench-smtp-", suffix=".log")[1]
        sink = multiprocessing.get_context("spawn").Process(
            target=_run_sink, args=(smtp_port, sink_path), daemon=True
        )
        sink.start()
    load_before = os.getloadavg()[0]
    try:
        output = measure(
            args.due,
            workers=args.workers,
            pool=args.pool,
            threads=args.threads,
            smtp_port=smtp_port,
            sink_path=sink_path,
            timeout=args.timeout,
        )
    finally:
        if sink is not None:
            sink.terminate()
            sink.join(10)
            os.unlink(sink_path)
    output["load_avg"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    output["target_ok"] = (
        output["sent_twice"] == 0
        and output["missed"] == 0
        and (args.due < TARGET_DUE or output["seconds"] < TARGET_SECONDS)
    )
    print(json.dumps(output), flush=True)

    if not args.keep:
        from django.db import connections

        connections.close_all()
        bench.drop_database(url)


if __name__ == "__main__":
    main()
