"""`manage.py seed_demo`: demo staff, inboxes and about 300 backdated tickets."""

import time
from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from helpdesk.exceptions import DomainError
from tickets.demo import data
from tickets.demo.setup import demo_tickets, seed_demo
from tickets.models import Customer, Message, Ticket


class Command(BaseCommand):
    help = (
        "Create demo staff, inboxes and about 300 backdated tickets. Safe to run "
        "again: logins and limits are reset, tickets are only seeded once. No "
        "email is sent."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo customers and their tickets, then seed again.",
        )

    def handle(self, *args, reset: bool = False, **options) -> None:
        started = time.monotonic()
        try:
            seeded = seed_demo(reset=reset)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if seeded:
            self._print_summary(time.monotonic() - started)
        else:
            self.stdout.write("Demo data already present (use --reset to reseed).")
        self._print_logins()

    def _print_summary(self, seconds: float) -> None:
        tickets = demo_tickets()
        by_status = Counter(tickets.values_list("status", flat=True))
        german = tickets.filter(customer__language="de").count()
        by_kind = Counter(
            Message.objects.filter(ticket__in=tickets).values_list("kind", flat=True)
        )
        customers = Customer.objects.filter(email__in=data.DEMO_EMAILS).count()
        statuses = ", ".join(f"{s} {by_status[s]}" for s in Ticket.Status.values)
        self.stdout.write(self.style.SUCCESS(f"Demo data seeded in {seconds:.1f} s:"))
        self.stdout.write(
            f"  {len(data.STAFF)} users, {len(data.INBOXES)} inboxes, "
            f"{len(data.COMPONENTS)} components, {customers} customers"
        )
        self.stdout.write(
            f"  {sum(by_status.values())} tickets ({statuses}); {german} in German"
        )
        self.stdout.write(
            f"  {sum(by_kind.values())} messages ({by_kind['inbound']} from "
            f"customers, {by_kind['reply']} replies, {by_kind['note']} notes); "
            "replies are recorded as sent, no email goes out"
        )

    def _print_logins(self) -> None:
        self.stdout.write(f"Logins (password {data.DEMO_PASSWORD}):")
        for username, first, last, *_rest in data.STAFF:
            places = ", ".join(
                f"{data.INBOXES[slug]['name']} ({role})"
                for user, slug, role, *_limits in data.MEMBERSHIPS
                if user == username
            )
            admin = "; Django admin" if username in data.ADMINS else ""
            self.stdout.write(f"  {username:<6} {first} {last}: {places}{admin}")
