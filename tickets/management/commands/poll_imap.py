"""manage.py poll_imap [--source ID]

Polls every enabled mail source once (or just one), for installations that
run it from cron instead of Celery beat. Exits non-zero when a source could
not be read, so cron reports it."""

from django.core.management.base import BaseCommand, CommandError

from tickets.mail import imap
from tickets.models import MailSource


class Command(BaseCommand):
    help = "Poll the enabled IMAP mail sources once (all, or the one given)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--source", type=int, metavar="ID", help="Only this mail source."
        )

    def handle(self, *args, **options) -> None:
        sources = MailSource.objects.select_related("inbox").order_by("pk")
        if options["source"] is not None:
            source = sources.filter(pk=options["source"]).first()
            if source is None:
                known = ", ".join(
                    str(pk) for pk in sources.values_list("pk", flat=True)
                )
                raise CommandError(
                    f"No mail source {options['source']} "
                    f"(known sources: {known or 'none'})."
                )
            if not source.is_enabled:
                raise CommandError(f"Mail source {source.pk} ({source}) is disabled.")
            selected = [source]
        else:
            selected = list(sources.filter(is_enabled=True))
            if not selected:
                self.stdout.write("No enabled mail sources.")
                return
        failed = 0
        for source in selected:
            result = imap.imap_poll(source_id=source.pk)
            label = f"{source.pk} {source} → {source.inbox.slug}"
            if result.skipped == "locked":
                self.stdout.write(f"{label}: skipped, another poll is running.")
            elif result.skipped:
                self.stdout.write(f"{label}: skipped ({result.skipped}).")
            else:
                line = (
                    f"{label}: {result.stored} new, {result.duplicates} already stored"
                )
                if result.more:
                    line += ", more waiting for the next poll"
                if result.error:
                    failed += 1
                    self.stderr.write(f"{line}; error: {result.error}")
                else:
                    self.stdout.write(line + ".")
        if failed:
            raise CommandError(f"{failed} of {len(selected)} mail sources failed.")
