"""Intake benchmark: generate N realistic complaint emails, write them to
Maildirs and ingest them with `manage.py ingest_email` into a fresh database,
then check that every message, reply and attachment landed where it belongs.

    .venv/bin/python bench/ingest.py --count 5000 [--preload-tickets 1000000]

Prints one JSON line on stdout (progress on stderr); see bench/README.md."""

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import resource
import shutil
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common as bench

DB_NAME = "amends_bench_ingest"
INBOX_SLUG = "support"
INBOX_ADDRESS = "support@amends.example"
AGENTS = 6
TARGET_PER_SECOND = 300
REPLY_SHARE = 0.30
ROUND_SIZE = 500
ATTACHMENT_SHARE = 0.20
GERMAN_SHARE = 0.30
# Replies go to recent threads; older ones are forgotten, so memory stays flat.
THREAD_WINDOW = 2000
START = datetime(2026, 3, 2, 7, 30, tzinfo=ZoneInfo("Europe/Berlin"))


# --- what customers write --------------------------------------------------------

FIRST = {
    "en": ["Oliver", "Emma", "James", "Sophie", "Liam", "Grace", "Noah", "Chloe",
           "Harry", "Amelia", "Jack", "Isla", "Zoë", "Siobhán", "Chloé", "Rhys"],
    "de": ["Jürgen", "Anna", "Lukas", "Marie", "Jörg", "Sophie", "Björn", "Lea",
           "Matthias", "Hannah", "Uwe", "Käthe", "Günter", "Lena", "Max", "Jens"],
}  # fmt: skip
LAST = {
    "en": ["Miller", "Smith", "Grant", "Taylor", "Brown", "O'Neill", "Evans",
           "Wilson", "Clarke", "Walker", "Hughes", "Byrne", "Murphy", "Patel"],
    "de": ["Müller", "Schmidt", "Schneider", "Fischer", "Weiß", "Becker",
           "Schäfer", "Koch", "Größer", "Wagner", "Hoffmann", "Krüger", "Neumann",
           "Böhm"],
}  # fmt: skip
DOMAINS = {
    "en": ["gmail.com", "outlook.com", "yahoo.co.uk", "icloud.com", "btinternet.com",
           "proton.me"],
    "de": ["gmx.de", "web.de", "t-online.de", "posteo.de", "gmail.com", "outlook.de"],
}  # fmt: skip
SUBJECTS = {
    "en": [
        "Parcel has not arrived", "Charged twice for order {order}",
        "Item arrived broken", "Wrong size delivered", "Where is my refund?",
        "Order {order} cancelled without notice", "Still waiting for my delivery",
        "Damaged packaging and missing parts", "Invoice address is wrong",
        "Voucher code does not work", "You promised a call back",
        "Complaint about your courier", "Order {order}: wrong colour",
    ],
    "de": [
        "Paket nicht angekommen", "Doppelt abgebucht (Bestellung {order})",
        "Ware beschädigt angekommen", "Falsche Größe geliefert",
        "Wo bleibt meine Rückerstattung?",
        "Bestellung {order} ohne Nachricht storniert",
        "Lieferung verspätet", "Rechnung fehlerhaft", "Gutschein funktioniert nicht",
        "Rückruf versprochen, nie erfolgt", "Beschwerde über den Paketdienst",
        "Bestellung {order}: falsche Farbe",
    ],
}  # fmt: skip
OPENING = {
    "en": ["Hello,", "Hi there,", "Dear Sir or Madam,", "Hello support team,", "Hi,"],
    "de": ["Hallo,", "Sehr geehrte Damen und Herren,", "Guten Tag,",
           "Hallo liebes Support-Team,"],
}  # fmt: skip
SENTENCES = {
    "en": [
        "I ordered on {day} (order {order}) and the parcel has still not arrived.",
        "The tracking page has not changed for {n} days and nobody answers the phone.",
        "When I opened the box the glass was broken and the handle was missing.",
        "My card was charged twice, {amount} EUR each time, for one order.",
        "I sent the item back two weeks ago and I am still waiting for the refund.",
        "Your courier left the parcel in the rain outside the front door.",
        "The size on the label is L but the jacket is clearly an S.",
        "I was promised a call back on {day} and nobody called.",
        "This is the third time I am writing about the same problem.",
        "I need it for a birthday on Saturday, so please hurry.",
        "The invoice shows my old address although I changed it in my account.",
        "The voucher code from your newsletter is rejected at checkout.",
        "I have attached photos of the damage and the receipt.",
        "Frankly I am disappointed, I have been a customer for years.",
        "Could you please tell me what is going on and when I can expect it?",
        "If it cannot arrive in time I would like a refund instead.",
    ],
    "de": [
        "Ich habe am {day} bestellt (Bestellung {order}) und das Paket ist immer "
        "noch nicht da.",
        "Die Sendungsverfolgung hat sich seit {n} Tagen nicht verändert und "
        "telefonisch erreiche ich niemanden.",
        "Beim Öffnen war das Glas kaputt und der Griff fehlte.",
        "Mir wurde zweimal {amount} EUR abgebucht, obwohl ich nur einmal bestellt "
        "habe.",
        "Ich habe die Ware vor zwei Wochen zurückgeschickt und warte immer noch auf "
        "die Rückerstattung.",
        "Ihr Paketdienst hat das Paket einfach im Regen vor der Tür abgestellt.",
        "Auf dem Etikett steht L, aber die Jacke ist eindeutig eine S.",
        "Mir wurde für {day} ein Rückruf versprochen, aber niemand hat angerufen.",
        "Ich schreibe nun schon zum dritten Mal wegen desselben Problems.",
        "Ich brauche es für einen Geburtstag am Samstag, bitte beeilen Sie sich.",
        "Auf der Rechnung steht noch meine alte Adresse, obwohl ich sie geändert "
        "habe.",
        "Der Gutscheincode aus Ihrem Newsletter wird an der Kasse abgelehnt.",
        "Fotos vom Schaden und den Kaufbeleg habe ich angehängt.",
        "Ehrlich gesagt bin ich sehr enttäuscht, ich bin seit Jahren Kundin.",
        "Können Sie mir bitte sagen, was los ist und wann es ankommt?",
        "Wenn es nicht rechtzeitig ankommt, möchte ich mein Geld zurück.",
    ],
}  # fmt: skip
FOLLOW_UP = {
    "en": [
        "Any news on this? I still have not heard anything.",
        "Thanks for your answer, but the parcel is still not here.",
        "I have now waited another {n} days. Please call me back.",
        "The refund has still not reached my account.",
        "One more thing: the second item in the order is also damaged.",
        "Thank you, that works for me. Please send the replacement.",
    ],
    "de": [
        "Gibt es etwas Neues? Ich habe immer noch nichts gehört.",
        "Danke für Ihre Antwort, aber das Paket ist immer noch nicht da.",
        "Ich warte jetzt seit weiteren {n} Tagen. Bitte rufen Sie mich zurück.",
        "Die Erstattung ist immer noch nicht auf meinem Konto eingegangen.",
        "Noch etwas: Der zweite Artikel der Bestellung ist auch beschädigt.",
        "Danke, damit bin ich einverstanden. Bitte schicken Sie den Ersatz.",
    ],
}  # fmt: skip
CLOSING = {
    "en": ["Kind regards,", "Best wishes,", "Thanks,", "Regards,", "Cheers,"],
    "de": ["Mit freundlichen Grüßen", "Viele Grüße", "Beste Grüße", "Danke und Gruß"],
}  # fmt: skip
CLIENTS = ("gmail", "outlook", "apple", "thunderbird")
ATTACHMENTS = [
    # (filename pattern, MIME type, magic bytes, smallest, largest)
    ("IMG_{n}.jpg", "image/jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF", 40_000, 400_000),
    ("Rechnung März {n}.pdf", "application/pdf", b"%PDF-1.5\n", 15_000, 150_000),
    ("invoice-{n}.pdf", "application/pdf", b"%PDF-1.4\n", 15_000, 150_000),
    ("Screenshot {n}.png", "image/png", b"\x89PNG\r\n\x1a\n", 10_000, 200_000),
]


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    language: str
    client: str


@dataclass
class Thread:
    """What a customer remembers of a conversation, to reply to it."""

    root_id: str
    subject: str
    customer: Person
    colleague: Person | None
    references: list[str]
    last_id: str
    last_text: str
    last_sender: Person
    last_date: datetime
    round: int
    ack_checked: bool = False
    # Our acknowledgement: (reply token, Message-ID, subject, body).
    ack: tuple[str, str, str, str] | None = None


@dataclass
class Stats:
    new: int = 0
    replies: int = 0
    replies_to_us: int = 0
    attachments: int = 0
    attachment_bytes: int = 0
    html: int = 0
    german: int = 0
    bytes: int = 0


@dataclass
class Generator:
    """Deterministic stream of complaint emails and replies to earlier ones."""

    seed: int
    count: int
    preloaded_customers: int = 0
    stats: Stats = field(default_factory=Stats)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.threads: deque[Thread] = deque(maxlen=THREAD_WINDOW)
        self.customer_pool = max(50, int(self.count * (1 - REPLY_SHARE) * 0.8))
        self.index = 0

    # -- people ---------------------------------------------------------------

    def person(self, k: int, *, colleague: bool = False) -> Person:
        """Customer number k (the same every time), or a colleague of theirs."""
        rng = random.Random(self.seed * 1_000_003 + k * 2 + colleague)
        if not colleague and k < 0:
            g = -k
            language = "de" if g % 4 == 0 else "en"
            return Person(
                f"Customer {g}",
                f"customer{g}@mail.example",
                language,
                rng.choice(CLIENTS),
            )
        language = "de" if rng.random() < GERMAN_SHARE else "en"
        first, last = rng.choice(FIRST[language]), rng.choice(LAST[language])
        domain = rng.choice(DOMAINS[language])
        local = f"{first}.{last}".lower()
        local = local.translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue",
                                               "ß": "ss", "é": "e", "ë": "e",
                                               "á": "a", "'": ""}))  # fmt: skip
        return Person(
            f"{first} {last}",
            f"{local}{k if not colleague else k + 50_000}@{domain}",
            language,
            rng.choice(CLIENTS),
        )

    def new_customer(self) -> Person:
        if self.preloaded_customers and self.rng.random() < 0.1:
            return self.person(-1 - self.rng.randrange(self.preloaded_customers))
        return self.person(self.rng.randrange(self.customer_pool))

    # -- identifiers and words ------------------------------------------------

    def message_id(self, person: Person) -> str:
        bits = self.rng.getrandbits(160)
        domain = person.email.rsplit("@", 1)[1]
        if person.client == "gmail":
            return f"<CA{bits:040x}@mail.gmail.com>"
        if person.client == "outlook":
            token = f"{bits:040X}"
            host = f"AM0PR07MB{token[24:30]}.eurprd07.prod.outlook.com"
            return f"<AM0PR07MB{token[:24]}@{host}>"
        if person.client == "apple":
            h = f"{bits:040X}"
            return f"<{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}@{domain}>"
        return f"<{bits:040x}@{domain}>"

    def fill(self, text: str) -> str:
        rng = self.rng
        day = (START - timedelta(days=rng.randint(2, 20))).strftime("%d.%m.")
        return text.format(
            order=rng.randint(100_000, 999_999),
            day=day,
            n=rng.randint(2, 14),
            amount=f"{rng.randint(10, 400)},{rng.randint(0, 99):02d}",
        )

    def complaint(self, language: str) -> str:
        rng = self.rng
        sentences = rng.sample(SENTENCES[language], rng.randint(2, 5))
        paragraphs = [rng.choice(OPENING[language]), ""]
        paragraphs += [self.fill(" ".join(sentences[:2])), ""]
        if sentences[2:]:
            paragraphs += [self.fill(" ".join(sentences[2:])), ""]
        return "\n".join(paragraphs)

    # -- messages -------------------------------------------------------------

    def next_message(self, round_no: int) -> tuple[bytes, dict[str, Any]]:
        """One email's bytes and what the intake must make of it."""
        self.index += 1
        rng = self.rng
        when = START + timedelta(seconds=90 * self.index)
        if self.threads and rng.random() < REPLY_SHARE / 0.97:
            return self._reply(when)
        return self._new(when, round_no)

    def _new(self, when: datetime, round_no: int) -> tuple[bytes, dict[str, Any]]:
        rng = self.rng
        customer = self.new_customer()
        language = customer.language
        subject = self.fill(rng.choice(SUBJECTS[language]))
        text = self.complaint(language)
        colleague = (
            self.person(rng.randrange(self.customer_pool), colleague=True)
            if rng.random() < 0.08
            else None
        )
        msg = self._headers(customer, when, subject, to=INBOX_ADDRESS, cc=colleague)
        message_id = self.message_id(customer)
        msg["Message-ID"] = message_id
        attachments = self._body(msg, customer, text)
        self.threads.append(
            Thread(
                root_id=message_id,
                subject=subject,
                customer=customer,
                colleague=colleague,
                references=[message_id],
                last_id=message_id,
                last_text=text,
                last_sender=customer,
                last_date=when,
                round=round_no,
            )
        )
        self.stats.new += 1
        return self._finish(msg, customer, message_id, message_id, attachments, False)

    def _reply(self, when: datetime) -> tuple[bytes, dict[str, Any]]:
        rng = self.rng
        # Mostly recent conversations, sometimes older ones.
        thread = self.threads[-1 - int(len(self.threads) * rng.random() ** 3)]
        sender = thread.customer
        if thread.colleague and rng.random() < 0.4:
            sender = thread.colleague
        language = thread.customer.language
        text = self.fill(rng.choice(FOLLOW_UP[language]))
        to = INBOX_ADDRESS
        if thread.ack and rng.random() < 0.6:
            # Answering our acknowledgement: In-Reply-To is our Message-ID.
            token, ack_id, ack_subject, ack_body = thread.ack
            local, domain = INBOX_ADDRESS.split("@")
            to = f"{local}+{token}@{domain}"
            subject, quoted_id, quoted_text = ack_subject, ack_id, ack_body
            quoted_from = f"Support <{to}>"
            references = [thread.root_id, ack_id]
            self.stats.replies_to_us += 1
        else:
            subject, quoted_id, quoted_text = (
                thread.subject,
                thread.last_id,
                (thread.last_text),
            )
            quoted_from = f"{thread.last_sender.name} <{thread.last_sender.email}>"
            references = list(thread.references)
        prefix = "AW: " if language == "de" and sender.client == "outlook" else "Re: "
        msg = self._headers(sender, when, prefix + subject, to=to, cc=None)
        message_id = self.message_id(sender)
        msg["Message-ID"] = message_id
        msg["In-Reply-To"] = quoted_id
        if sender.client != "outlook" or rng.random() < 0.5:
            # Older Outlook versions send In-Reply-To only.
            msg["References"] = " ".join(references[-10:])
        quote = self._quote(sender, quoted_from, quoted_text, thread.last_date)
        attachments = self._body(msg, sender, text, quote=quote)
        thread.references = [*thread.references[-9:], message_id]
        thread.last_id, thread.last_text = message_id, text
        thread.last_sender, thread.last_date = sender, when
        self.stats.replies += 1
        return self._finish(msg, sender, message_id, thread.root_id, attachments, True)

    def _quote(
        self, sender: Person, quoted_from: str, text: str, date: datetime
    ) -> str:
        """The quoted history in the sender's client's style and language."""
        when = format_datetime(date)
        lines = text.strip().splitlines()
        if sender.client == "outlook":
            head = (
                "-----Ursprüngliche Nachricht-----\nVon: {f}\nGesendet: {w}\n"
                if sender.language == "de"
                else "-----Original Message-----\nFrom: {f}\nSent: {w}\n"
            ).format(f=quoted_from, w=when)
            return head + "\n" + "\n".join(lines)
        if sender.language == "de":
            head = f"Am {date:%d.%m.%Y} um {date:%H:%M} schrieb {quoted_from}:"
        else:
            head = f"On {when}, {quoted_from} wrote:"
        return head + "\n" + "\n".join(f"> {line}" if line else ">" for line in lines)

    def _headers(
        self,
        sender: Person,
        when: datetime,
        subject: str,
        *,
        to: str,
        cc: Person | None,
    ) -> EmailMessage:
        rng = self.rng
        domain = sender.email.rsplit("@", 1)[1]
        msg = EmailMessage()
        msg["Return-Path"] = f"<{sender.email}>"
        msg["Delivered-To"] = INBOX_ADDRESS
        stamp = format_datetime(when)
        msg["Received"] = (
            f"from mx.{domain} (mx.{domain} [203.0.113.{rng.randint(1, 254)}]) "
            f"by mx.amends.example (Postfix) with ESMTPS id {rng.getrandbits(40):X} "
            f"for <{INBOX_ADDRESS}>; {stamp}"
        )
        msg["Received"] = (
            f"by smtp.{domain} with SMTP id {rng.getrandbits(64):x}; {stamp}"
        )
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        signature = "".join(rng.choices(alphabet, k=344))
        # Folded the way signers do: whitespace inside b= is ignored.
        chunks = " ".join(signature[i : i + 64] for i in range(0, 344, 64))
        msg["DKIM-Signature"] = (
            f"v=1; a=rsa-sha256; c=relaxed/relaxed; d={domain}; s=20230601; "
            f"t={int(when.timestamp())}; h=from:to:subject:date:message-id:"
            f"mime-version; bh={signature[:43]}=; b={chunks}"
        )
        msg["MIME-Version"] = "1.0"
        msg["From"] = f"{sender.name} <{sender.email}>"
        msg["To"] = to
        if cc:
            msg["Cc"] = f"{cc.name} <{cc.email}>"
        msg["Subject"] = subject
        msg["Date"] = stamp
        if sender.client == "outlook":
            msg["Thread-Index"] = f"AQH{rng.getrandbits(96):024x}"
            msg["Content-Language"] = "de-DE" if sender.language == "de" else "en-GB"
        elif sender.client == "apple":
            msg["X-Mailer"] = "Apple Mail (2.3774.300.61.1.2)"
        elif sender.client == "thunderbird":
            msg["User-Agent"] = "Mozilla Thunderbird"
        return msg

    def _body(
        self, msg: EmailMessage, sender: Person, text: str, *, quote: str = ""
    ) -> list[tuple[str, int]]:
        """Plain, HTML with a text part, HTML only; German sometimes in Latin-1;
        about one in five with attachments. Returns (filename, size) kept."""
        rng = self.rng
        closing = f"{rng.choice(CLOSING[sender.language])}\n{sender.name.split()[0]}"
        text = f"{text.rstrip()}\n\n{closing}\n"
        if quote:
            text = f"{text}\n{quote}\n"
        attachments: list[tuple[str, int]] = []
        style = rng.random()
        if sender.language == "de":
            self.stats.german += 1
        if style < 0.55:
            if sender.language == "de" and rng.random() < 0.3 and _latin1(text):
                msg.set_content(text, charset="iso-8859-1", cte="quoted-printable")
            else:
                msg.set_content(text)
        else:
            self.stats.html += 1
            html = self._html(text)
            if style < 0.88:
                msg.set_content(text)
                msg.add_alternative(html, subtype="html")
            else:
                msg.set_content(html, subtype="html")
            if rng.random() < 0.15:
                # Outlook-style inline logo in the signature (multipart/related).
                html_part = msg.get_body(("html",))
                logo = b"\x89PNG\r\n\x1a\n" + rng.randbytes(rng.randint(2_000, 9_000))
                html_part.add_related(
                    logo, "image", "png", cid=f"<logo{self.index}@client>",
                    filename="image001.png",
                )  # fmt: skip
                attachments.append(("image001.png", len(logo)))
        if rng.random() < ATTACHMENT_SHARE:
            for n in range(1 if rng.random() < 0.7 else rng.randint(2, 3)):
                pattern, mime, magic, low, high = rng.choice(ATTACHMENTS)
                size = int(low * (high / low) ** rng.random())
                payload = magic + rng.randbytes(size - len(magic))
                name = pattern.format(n=1000 + self.index * 3 + n)
                maintype, subtype = mime.split("/")
                msg.add_attachment(payload, maintype, subtype, filename=name)
                attachments.append((name, len(payload)))
        return attachments

    def _html(self, text: str) -> str:
        paragraphs = []
        quoted: list[str] = []
        for block in text.split("\n\n"):
            lines = block.splitlines()
            if lines and all(line.startswith(">") for line in lines):
                quoted += [line.lstrip("> ") for line in lines]
                continue
            escaped = "<br>".join(
                line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                for line in lines
            )
            paragraphs.append(f'<div dir="ltr">{escaped}</div>')
        quote = (
            '<blockquote class="gmail_quote" style="margin:0 0 0 .8ex;'
            f'border-left:1px #ccc solid;padding-left:1ex">{"<br>".join(quoted)}'
            "</blockquote>"
            if quoted
            else ""
        )
        return (
            "<html><head><style>p{margin:0}</style></head><body>"
            + "<div><br></div>".join(paragraphs)
            + quote
            + '<img src="https://tracker.example/open.gif" width="1" height="1">'
            "</body></html>"
        )

    def _finish(
        self,
        msg: EmailMessage,
        sender: Person,
        message_id: str,
        root_id: str,
        attachments: list[tuple[str, int]],
        is_reply: bool,
    ) -> tuple[bytes, dict[str, Any]]:
        # Boundaries from the seed (the email package would draw them at random).
        for part in msg.walk():
            if part.is_multipart():
                part.set_boundary(f"==_{self.rng.getrandbits(96):024x}")
        # A few clients send raw UTF-8 headers (RFC 6532) instead of encoded words.
        utf8 = self.rng.random() < 0.03
        raw = msg.as_bytes(policy=policy.default.clone(utf8=utf8))
        self.stats.bytes += len(raw)
        self.stats.attachments += len(attachments)
        self.stats.attachment_bytes += sum(size for _n, size in attachments)
        return raw, {
            "message_id": message_id,
            "root_id": root_id,
            "attachments": len(attachments),
            "attachment_bytes": sum(size for _n, size in attachments),
            "is_reply": is_reply,
        }

    # -- acknowledgements the customers received --------------------------------

    def learn_acknowledgements(self, round_no: int) -> None:
        """Read our acknowledgements of earlier rounds' tickets from the database,
        as the customers' mailboxes would have them (not timed)."""
        from django.db import connection

        pending = {
            t.root_id: t
            for t in self.threads
            if t.round < round_no and not t.ack_checked
        }
        if not pending:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT e.message_id, t.reply_token, m.message_id, m.subject,
                       m.body_text
                FROM tickets_inboundemail e
                JOIN tickets_inbox i ON i.id = e.inbox_id AND i.slug = %s
                JOIN tickets_ticket t ON t.id = e.ticket_id
                JOIN tickets_message m ON m.ticket_id = t.id
                    AND m.kind = 'reply' AND m.is_auto
                WHERE e.message_id = ANY(%s)
                """,
                [INBOX_SLUG, list(pending)],
            )
            for root_id, token, ack_id, subject, body in cursor.fetchall():
                pending[root_id].ack = (token, ack_id, subject, body)
        for thread in pending.values():
            thread.ack_checked = True


def _latin1(text: str) -> bool:
    try:
        text.encode("iso-8859-1")
    except UnicodeEncodeError:
        return False
    return True


def write_maildir(
    folder: Path,
    messages: Iterator[tuple[bytes, dict[str, Any]]],
    expect: io.TextIOBase,
) -> int:
    """Deliver messages into a Maildir (file names sort in delivery order) and
    note what each must become; returns the number written."""
    for sub in ("cur", "new", "tmp"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    written = 0
    for raw, expected in messages:
        written += 1
        name = f"{1_772_000_000 + written:010d}.M{written:07d}P{os.getpid()}.bench"
        (folder / "new" / name).write_bytes(raw)
        expect.write(
            "{message_id}\t{root_id}\t{attachments}\t{attachment_bytes}\t{r}\n".format(
                r="t" if expected["is_reply"] else "f", **expected
            )
        )
    return written


# --- database ----------------------------------------------------------------------


def setup_inbox(preload: int) -> None:
    """The inbox mail arrives in: automatic assignment among a few agents."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from tickets.models import Inbox, Membership

    if preload:
        # bench/inbox.py's seed made the inboxes, agents and memberships.
        Inbox.objects.filter(slug=INBOX_SLUG).update(auto_assign=True)
        return
    user_model = get_user_model()
    password = make_password("bench-pass-123")
    agents = user_model.objects.bulk_create(
        user_model(
            username=f"agent{i:02d}",
            first_name=f"Agent{i:02d}",
            email=f"agent{i:02d}@staff.example",
            password=password,
            is_staff=True,
        )
        for i in range(AGENTS)
    )
    inbox = Inbox.objects.create(
        name="Support",
        slug=INBOX_SLUG,
        email_address=INBOX_ADDRESS,
        reference_prefix="SUP",
        auto_assign=True,
    )
    Membership.objects.bulk_create(
        Membership(
            user=agent,
            inbox=inbox,
            role=Membership.Role.MANAGER if i == 0 else Membership.Role.AGENT,
            # One agent works part time: the cap makes assignment count.
            open_ticket_cap=25 if i == 1 else None,
        )
        for i, agent in enumerate(agents)
    )


def prepare_database(args: argparse.Namespace) -> None:
    """A fresh database; with --preload-tickets a copy of a seeded template."""
    url = bench.database_url(args.db)
    if not args.preload_tickets:
        with bench.step(f"create database {args.db}"):
            bench.recreate_database(url)
        bench.use_database(url)
        bench.setup_django()
        with bench.step("migrate"):
            bench.migrate()
        setup_inbox(0)
        return
    template = f"{args.db}_t{args.preload_tickets}"
    template_url = bench.database_url(template)
    bench.use_database(template_url)
    bench.setup_django()
    from django.db import connections

    if not (bench.database_exists(template_url) and _template_ready(args)):
        connections.close_all()
        from bench import inbox as inbox_bench

        with bench.step(f"create template database {template}"):
            bench.recreate_database(template_url)
        with bench.step("migrate"):
            bench.migrate()
        started = time.perf_counter()
        inbox_bench.seed(args.preload_tickets)
        bench.execute(
            "CREATE TABLE bench_meta (key text PRIMARY KEY, value jsonb);"
            " INSERT INTO bench_meta VALUES ('ingest_preload', %s)",
            [json.dumps(args.preload_tickets)],
        )
        bench.log(
            f"seeded {args.preload_tickets:,} tickets in "
            f"{time.perf_counter() - started:.0f} s (kept as {template})"
        )
    else:
        # A kept template picks up new migrations (and their indexes) once.
        with bench.step(f"migrate template {template}"):
            bench.migrate()
    connections.close_all()
    with bench.step(f"copy {template} to {args.db}"):
        bench.clone_database(template_url, url)
    connections["default"].settings_dict["NAME"] = args.db
    os.environ["DATABASE_URL"] = url
    setup_inbox(args.preload_tickets)


def _template_ready(args: argparse.Namespace) -> bool:
    if not bench.scalar("SELECT to_regclass('bench_meta') IS NOT NULL"):
        return False
    value = bench.scalar(
        "SELECT value::text FROM bench_meta WHERE key = 'ingest_preload'"
    )
    return value is not None and json.loads(value) == args.preload_tickets


# --- checking ----------------------------------------------------------------------


def check(expect_path: Path) -> dict[str, Any]:
    """Compare what was generated with what is stored, in SQL."""
    from django.db import transaction

    with transaction.atomic():
        bench.execute(
            "CREATE TEMP TABLE expect (message_id text, root_id text, attachments int,"
            " attachment_bytes bigint, is_reply bool) ON COMMIT DROP"
        )
        with expect_path.open() as handle:
            bench.copy_rows(
                "expect",
                [
                    "message_id",
                    "root_id",
                    "attachments",
                    "attachment_bytes",
                    "is_reply",
                ],
                (line.rstrip("\n").split("\t") for line in handle),
            )
        bench.execute("CREATE INDEX ON expect (message_id)")
        bench.execute("ANALYZE expect")
        inbox_id = bench.scalar(
            "SELECT id FROM tickets_inbox WHERE slug = %s", [INBOX_SLUG]
        )
        lost = bench.scalar(
            """
            SELECT count(*) FROM expect x
            WHERE NOT EXISTS (
                SELECT 1 FROM tickets_inboundemail e
                WHERE e.inbox_id = %s AND e.message_id = x.message_id
                  AND e.status IN ('processed', 'duplicate')
                  AND e.result_message_id IS NOT NULL)
            """,
            [inbox_id],
        )
        threaded, misthreaded = _threading(inbox_id)
        kept, kept_bytes, attachment_mismatch = _attachments(inbox_id)
        row = bench.row(
            """
            SELECT count(*) FILTER (WHERE NOT is_reply),
                   count(*) FILTER (WHERE is_reply),
                   coalesce(sum(attachments), 0)::bigint,
                   coalesce(sum(attachment_bytes), 0)::bigint
            FROM expect
            """
        )
        acknowledged = bench.row(
            """
            SELECT count(*), count(o.id)
            FROM tickets_message m
            JOIN tickets_ticket t ON t.id = m.ticket_id
            LEFT JOIN tickets_outboundemail o ON o.message_id = m.id
            WHERE m.kind = 'reply' AND m.is_auto
              AND t.id IN (SELECT ticket_id FROM tickets_inboundemail)
            """
        )
        outcomes = dict(
            bench.rows(
                "SELECT status || ':' || outcome, count(*) FROM tickets_inboundemail"
                " GROUP BY 1"
            )
        )
    return {
        "generated_new": row[0],
        "generated_replies": row[1],
        "tickets_created": outcomes.get("processed:ticket_created", 0),
        "replies_threaded": threaded,
        "misthreaded": misthreaded,
        "lost": lost,
        "quarantined": sum(v for k, v in outcomes.items() if k.startswith("quar")),
        "attachments": row[2],
        "attachments_kept": int(kept),
        "attachment_bytes_kept": int(kept_bytes) == int(row[3]),
        "attachment_mismatches": attachment_mismatch,
        "acknowledgements": acknowledged[0],
        "outbox_rows": acknowledged[1],
    }


def _threading(inbox_id: int) -> tuple[int, int]:
    """Replies on the ticket their conversation's first message opened."""
    ok, bad = bench.row(
        """
        SELECT count(*) FILTER (WHERE e.outcome = 'reply_threaded'
                                  AND e.ticket_id = root.ticket_id),
               count(*) FILTER (WHERE e.outcome IS DISTINCT FROM 'reply_threaded'
                                  OR e.ticket_id IS DISTINCT FROM root.ticket_id)
        FROM expect x
        LEFT JOIN tickets_inboundemail e
            ON e.message_id = x.message_id AND e.inbox_id = %s
        LEFT JOIN tickets_inboundemail root
            ON root.message_id = x.root_id AND root.inbox_id = e.inbox_id
        WHERE x.is_reply
        """,
        [inbox_id],
    )
    return ok, bad


def _attachments(inbox_id: int) -> tuple[int, int, int]:
    kept, kept_bytes, mismatched = bench.row(
        """
        SELECT coalesce(sum(a.n), 0)::bigint, coalesce(sum(a.bytes), 0)::bigint,
               count(*) FILTER (WHERE coalesce(a.n, 0) <> x.attachments
                                   OR coalesce(a.bytes, 0) <> x.attachment_bytes)
        FROM expect x
        LEFT JOIN tickets_inboundemail e
            ON e.message_id = x.message_id AND e.inbox_id = %s
        LEFT JOIN LATERAL (
            SELECT count(*) AS n, sum(size) AS bytes FROM tickets_attachment
            WHERE message_id = e.result_message_id
        ) a ON true
        """,
        [inbox_id],
    )
    return kept, kept_bytes, mismatched


# --- running -------------------------------------------------------------------------


class QueryCounter:
    """Counts SQL statements run through Django and the time they take."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


class ChildPeakRss:
    """The peak resident memory (VmHWM) of this process's children, i.e. the
    ingest command's parser worker, sampled every half second while running.
    (getrusage's figure for children counts the parent's pages they start
    with before exec.)"""

    def __init__(self) -> None:
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> "ChildPeakRss":
        self._stop.clear()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        me = os.getpid()
        while not self._stop.wait(0.5):
            for entry in os.scandir("/proc"):
                if entry.name.isdigit():
                    self.peak_kb = max(self.peak_kb, _peak_of_child(entry.name, me))


def _peak_of_child(pid: str, parent: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            if int(handle.read().rsplit(")", 1)[1].split()[1]) != parent:
                return 0
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def configure_sending(mode: str) -> dict[str, int]:
    """Eager: the send task runs after each commit against Django's locmem
    backend. Capture: the enqueue after commit is counted, nothing is sent."""
    from helpdesk.celery import app
    from tickets import tasks

    sent = {"enqueued": 0}
    if mode == "eager":
        app.conf.task_always_eager = True
    else:

        def capture(**kwargs: Any) -> None:
            sent["enqueued"] += 1

        tasks.outbound_send_task.delay = capture
    return sent


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    from django.core import mail
    from django.core.management import call_command
    from django.db import connection

    sent = configure_sending(args.send)
    if args.without_promises:
        # Diagnostic only: shows the share of the follow-ups app's hook.
        from followups.services import hooks

        hooks.tickets_acknowledged = lambda acknowledged: []
    generator = Generator(
        seed=args.seed,
        count=args.count,
        preloaded_customers=50_000 if args.preload_tickets else 0,
    )
    expect_path = workdir / "expected.tsv"
    rounds = args.rounds or max(2, min(10, args.count // ROUND_SIZE))
    rounds = max(1, min(rounds, args.count))
    counts: dict[str, int] = {}
    elapsed = cpu = 0.0
    queries = QueryCounter()
    children = ChildPeakRss()
    profiler = cProfile.Profile() if args.profile else None
    load_before = os.getloadavg()[0]
    with expect_path.open("w") as expect:
        done = 0
        for round_no in range(1, rounds + 1):
            size = args.count * round_no // rounds - done
            generator.learn_acknowledgements(round_no)
            maildir = workdir / f"Maildir-{round_no:02d}"
            messages = (generator.next_message(round_no) for _ in range(size))
            write_maildir(maildir, messages, expect)
            out = io.StringIO()
            started, cpu_started = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            with connection.execute_wrapper(queries), children:
                call_command(
                    "ingest_email", "--inbox", INBOX_SLUG, "--json", str(maildir),
                    stdout=out,
                )  # fmt: skip
            if profiler:
                profiler.disable()
            elapsed += time.perf_counter() - started
            cpu += time.process_time() - cpu_started
            for key, value in json.loads(out.getvalue()).items():
                counts[key] = counts.get(key, 0) + value
            done += size
            shutil.rmtree(maildir)
            if hasattr(mail, "outbox"):
                mail.outbox.clear()
            bench.log(
                f"round {round_no}/{rounds}: {done:,} messages, "
                f"{done / elapsed:.0f}/s so far"
            )
    load_after = os.getloadavg()[0]
    if profiler:
        profiler.dump_stats(args.profile)
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)
    with bench.step("check every message, reply and attachment"):
        checked = check(expect_path)
    total = counts.get("total", 0)
    result: dict[str, Any] = {
        "count": args.count,
        "preload_tickets": args.preload_tickets,
        "messages_per_second": round(total / elapsed, 1),
        "seconds": round(elapsed, 2),
        "cpu_seconds": round(cpu, 2),
        "queries_per_message": round(queries.count / max(total, 1), 1),
        "sql_seconds": round(queries.seconds, 2),
        "peak_rss_mb": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
        ),
        # The parser worker process, at its peak.
        "peak_rss_reader_mb": round(children.peak_kb / 1024, 1),
        **checked,
        "command_summary": counts,
        "send": args.send,
        "promises": not args.without_promises,
        "sends_enqueued" if args.send == "capture" else "sent": (
            sent["enqueued"]
            if args.send == "capture"
            else bench.scalar(
                "SELECT count(*) FROM tickets_outboundemail WHERE status = 'sent'"
            )
        ),
        "corpus": {
            "html": generator.stats.html,
            "german": generator.stats.german,
            "replies_to_our_mail": generator.stats.replies_to_us,
            "mb": round(generator.stats.bytes / 1e6, 1),
        },
        "load_avg": [round(load_before, 2), round(load_after, 2)],
    }
    result["target_ok"] = (
        not args.without_promises
        and result["messages_per_second"] >= TARGET_PER_SECOND
        and result["lost"] == 0
        and result["misthreaded"] == 0
        and result["attachment_mismatches"] == 0
        and result["replies_threaded"] == result["generated_replies"]
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000, help="messages to ingest")
    parser.add_argument(
        "--preload-tickets",
        type=int,
        default=0,
        metavar="M",
        help="seed M tickets first (bench/inbox.py's data, kept as a template)",
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--rounds",
        type=int,
        help="Maildirs ingested one after another, as mail arrives over time "
        "(default: one per 500 messages, 2 to 10)",
    )
    parser.add_argument(
        "--send",
        choices=["capture", "eager"],
        default="capture",
        help="capture the send enqueue (default) or send eagerly to locmem",
    )
    parser.add_argument(
        "--without-promises",
        action="store_true",
        help="diagnostic: skip the follow-ups app's promise per acknowledgement",
    )
    parser.add_argument("--db", default=DB_NAME, help="benchmark database name")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the ingest")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="amends-ingest-"))
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ["EMAIL_URL"] = "memorymail://"
    try:
        prepare_database(args)
        result = run(args, workdir)
        print(json.dumps(result), flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if not args.keep:
            from django.db import connections

            connections.close_all()
            bench.drop_database(bench.database_url(args.db))


if __name__ == "__main__":
    main()
