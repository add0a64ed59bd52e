"""manage.py ingest_email --inbox SLUG [--json] PATH...

Each PATH is one .eml file, a Maildir (cur/ and new/), a folder of .eml
files, an mbox file, or `-` for one message on stdin (an MTA pipe). Messages
are read as a stream and stored raw a chunk at a time, then processed inline,
so the summary reports outcomes."""

import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import InterfaceError, OperationalError
from tqdm import tqdm

from tickets.mail import intake
from tickets.models import InboundEmail, Inbox

BUCKETS = (
    "tickets_created",
    "replies_threaded",
    "duplicates",
    "auto_ignored",
    "quarantined",
)
# sysexits.h: a mail server defers and retries on this instead of bouncing.
EX_TEMPFAIL = 75
_FROM_LINE = re.compile(rb"^From \S+")
_ESCAPED_FROM = re.compile(rb"^>(>*From )")


class Command(BaseCommand):
    help = (
        "Ingest email from .eml files, Maildirs, mbox files or stdin (-) into "
        "an inbox; prints a summary (one JSON object with --json)."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser) -> None:
        parser.add_argument("--inbox", required=True, help="Slug of the inbox.")
        parser.add_argument(
            "--json", action="store_true", help="Print one JSON object at the end."
        )
        parser.add_argument("paths", nargs="+", metavar="PATH")

    def handle(self, *args, **options) -> None:
        inbox = Inbox.objects.filter(slug=options["inbox"]).first()
        if inbox is None:
            known = ", ".join(Inbox.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(
                f"Unknown inbox “{options['inbox']}” (known inboxes: {known})."
            )
        stdin = options.get("stdin") or sys.stdin.buffer
        sources = [_check(path) for path in options["paths"]]
        counts = dict.fromkeys(BUCKETS, 0)
        progress = tqdm(
            unit=" messages", file=sys.stderr, disable=not sys.stderr.isatty()
        )
        with progress:
            try:
                for row in intake.email_ingest_many(
                    inbox=inbox,
                    raws=_all_messages(sources, stdin),
                    source=InboundEmail.Source.COMMAND,
                ):
                    bucket = intake.outcome_bucket(row)
                    counts[bucket] = counts.get(bucket, 0) + 1
                    progress.update()
            except (OperationalError, InterfaceError) as exc:
                self.stderr.write(f"4.3.0 Database unavailable, try again: {exc}")
                raise SystemExit(EX_TEMPFAIL) from exc
        summary = {"total": sum(counts.values()), **counts}
        if options["json"]:
            self.stdout.write(json.dumps(summary))
        else:
            self.stdout.write(
                "{total} messages: {tickets_created} new tickets, "
                "{replies_threaded} replies threaded, {duplicates} duplicates, "
                "{auto_ignored} bounces and auto-replies, "
                "{quarantined} quarantined.".format(**summary)
            )


def _check(path: str) -> tuple[str, Path | None]:
    """(kind, path) for a readable PATH, else a clear CommandError."""
    if path == "-":
        return "stdin", None
    target = Path(path)
    if not target.exists():
        raise CommandError(f"Cannot read {path}: no such file or folder.")
    if not os.access(target, os.R_OK):
        raise CommandError(f"Cannot read {path}: permission denied.")
    if target.is_dir():
        if (target / "cur").is_dir() or (target / "new").is_dir():
            return "maildir", target
        return "folder", target
    try:
        with target.open("rb") as handle:
            start = handle.read(5)
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
    return ("mbox" if start == b"From " else "eml"), target


def _all_messages(sources: list[tuple[str, Path | None]], stdin) -> Iterator[bytes]:
    for kind, path in sources:
        try:
            if kind == "stdin":
                yield stdin.read()
            elif kind == "eml":
                yield path.read_bytes()
            elif kind == "mbox":
                yield from mbox_messages(path)
            else:
                yield from (f.read_bytes() for f in _folder_files(kind, path))
        except OSError as exc:
            raise CommandError(f"Cannot read {exc.filename or path}: {exc}") from exc


def _folder_files(kind: str, folder: Path) -> list[Path]:
    """Maildir files oldest first (their names start with the delivery time),
    so replies come after the messages they answer."""
    if kind == "folder":
        return sorted(p for p in folder.glob("*.eml") if p.is_file())
    files = [
        Path(entry.path)
        for sub in ("new", "cur")
        if (folder / sub).is_dir()
        for entry in os.scandir(folder / sub)
        if entry.is_file() and not entry.name.startswith(".")
    ]
    return sorted(files, key=lambda p: p.name)


def mbox_messages(path: Path) -> Iterator[bytes]:
    """Messages of an mbox file, streamed: a From_ line at the start or after
    a blank line starts the next one; >From escapes are undone."""
    lines: list[bytes] = []
    previous_blank = True
    with path.open("rb") as handle:
        for line in handle:
            if previous_blank and _FROM_LINE.match(line):
                if lines:
                    yield _join(lines)
                lines = []
            else:
                lines.append(_ESCAPED_FROM.sub(rb"\1", line))
            previous_blank = line in (b"\n", b"\r\n")
    if lines:
        yield _join(lines)


def _join(lines: list[bytes]) -> bytes:
    if lines and lines[-1] in (b"\n", b"\r\n"):
        lines = lines[:-1]  # the blank line before the next From_ line
    return b"".join(lines)
