"""Recognise mail that must never open a ticket nor get an answer (bounces and
auto-replies) and bulk mail (opens a ticket, gets no acknowledgement).

Pure functions over a parsed MIME message; order matters: MTAs mark their
bounces as auto-submitted too, and auto-replies often have an empty
Return-Path, so bounce evidence is read first and the null sender last."""

import re
from dataclasses import dataclass
from email.message import Message as MimePart
from email.parser import BytesHeaderParser
from enum import StrEnum

from tickets.mail.parse import (
    addresses,
    clean,
    content_type,
    header,
    ids_in,
    leaf_parts,
    part_bytes,
)


class Kind(StrEnum):
    NONE = ""
    BOUNCE = "bounce"
    AUTO_REPLY = "auto_reply"
    BULK = "bulk"


@dataclass(frozen=True)
class Verdict:
    kind: Kind
    reason: str = ""
    # For a bounce: Message-IDs of the original messages it reports.
    original_ids: tuple[str, ...] = ()
    # False for delay notices: the original is still being retried.
    failed: bool = True
    diagnostic: str = ""

    @property
    def is_loop_risk(self) -> bool:
        return self.kind in (Kind.BOUNCE, Kind.AUTO_REPLY)


_REPLY_PREFIX = r"^\s*(?:(?:re|aw|fw|fwd|wg|antw)\s*:\s*)*"
_BOUNCE_SUBJECT = re.compile(
    _REPLY_PREFIX + r"(?:undeliverable|unzustellbar|nicht zustellbar|"
    r"undelivered mail|delivery status notification|mail delivery failed|"
    r"delivery failure|returned mail|failure notice|message not delivered|"
    r"unable to deliver|delivery has failed|delayed mail|"
    r"warning: could not send message|zustellung fehlgeschlagen)",
    re.IGNORECASE,
)
_DELAY_SUBJECT = re.compile(r"\bdela(?:y|yed)\b|verzögert", re.IGNORECASE)
_AUTO_SUBJECT = re.compile(
    _REPLY_PREFIX + r"(?:out of (?:the )?office|automatic reply|auto[- ]?reply|"
    r"auto[- ]?response|abwesenheitsnotiz|automatische antwort|abwesenheit|"
    r"abwesend|i am out of|i'm out of|ich bin (?:derzeit |zurzeit )?nicht im büro)",
    re.IGNORECASE,
)
_DAEMONS = {"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"}
_ACTION = re.compile(rb"^\s*Action:\s*([A-Za-z]+)", re.MULTILINE | re.IGNORECASE)
_DIAGNOSTIC = re.compile(
    rb"^\s*Diagnostic-Code:\s*(.+(?:\r?\n[ \t]+.+)*)", re.MULTILINE | re.I
)
_INLINE_ID = re.compile(r"^\s*Message-ID:\s*(<[^<>\s]+>)", re.MULTILINE | re.I)


def classify(msg: MimePart) -> Verdict:
    """What kind of automatic mail this is, if any."""
    bounce_reason = _bounce_evidence(msg)
    if bounce_reason:
        return _bounce(msg, bounce_reason)
    auto_reason = _auto_reply_evidence(msg)
    if auto_reason:
        return Verdict(Kind.AUTO_REPLY, auto_reason)
    if header(msg, "Return-Path").replace(" ", "") == "<>":
        return _bounce(msg, "empty Return-Path")
    precedence = header(msg, "Precedence").lower()
    if precedence in ("bulk", "junk", "list"):
        return Verdict(Kind.BULK, f"Precedence: {precedence}")
    if header(msg, "List-Id"):
        return Verdict(Kind.BULK, "List-Id")
    return Verdict(Kind.NONE)


def _report_type(msg: MimePart) -> str:
    if content_type(msg) != "multipart/report":
        return ""
    try:
        return str(msg.get_param("report-type") or "").lower()
    except Exception:
        return ""


def _bounce_evidence(msg: MimePart) -> str:
    if _report_type(msg) == "delivery-status":
        return "delivery status report"
    if header(msg, "X-Failed-Recipients"):
        return "X-Failed-Recipients"
    sender = addresses(msg, "From")
    if sender and sender[0][1].split("@")[0].lower() in _DAEMONS:
        return f"sender {sender[0][1]}"
    if _BOUNCE_SUBJECT.search(header(msg, "Subject")):
        return "bounce subject"
    return ""


def _auto_reply_evidence(msg: MimePart) -> str:
    auto_submitted = header(msg, "Auto-Submitted").split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        value = header(msg, name).lower()
        if value and value != "no":
            return name
    if header(msg, "Precedence").lower() == "auto_reply":
        return "Precedence: auto_reply"
    if _report_type(msg) == "disposition-notification":
        return "read receipt"
    if _AUTO_SUBJECT.search(header(msg, "Subject")):
        return "auto-reply subject"
    return ""


def _bounce(msg: MimePart, reason: str) -> Verdict:
    original_ids: list[str] = []
    report = b""
    for part in leaf_parts(msg):
        mime_type = content_type(part)
        if mime_type in ("message/rfc822", "message/global"):
            inner = part.get_payload()
            if isinstance(inner, list) and inner:
                original_ids += ids_in(header(inner[0], "Message-ID"))
        elif mime_type in ("text/rfc822-headers", "message/rfc822-headers"):
            headers = BytesHeaderParser().parsebytes(part_bytes(part))
            original_ids += ids_in(header(headers, "Message-ID"))
        elif mime_type in (
            "message/delivery-status",
            "message/global-delivery-status",
        ):
            report += part_bytes(part)
        elif mime_type == "text/plain":
            # Exim and others quote the original's headers in the text.
            text = part_bytes(part).decode("utf-8", "replace")
            original_ids += _INLINE_ID.findall(text)
    own = ids_in(header(msg, "Message-ID"))
    threaded = ids_in(header(msg, "In-Reply-To")) + ids_in(header(msg, "References"))
    ids = [i for i in dict.fromkeys(original_ids + threaded) if i not in own]
    actions = {a.decode().lower() for a in _ACTION.findall(report)}
    if actions:
        failed = "failed" in actions
    else:
        failed = not _DELAY_SUBJECT.search(header(msg, "Subject"))
    found = _DIAGNOSTIC.search(report)
    diagnostic = clean(found.group(1).decode("utf-8", "replace")) if found else ""
    return Verdict(
        Kind.BOUNCE,
        reason,
        original_ids=tuple(ids),
        failed=failed,
        diagnostic=" ".join(diagnostic.split())[:500],
    )
