"""Raw RFC 822 bytes to plain data: addresses, threading headers, text with
quoted history stripped, sanitised HTML and attachments.

Pure functions without database access. Whatever is unreadable degrades to a
best effort (unknown charsets, broken encodings, missing headers); deciding
what to refuse is left to the caller."""

import base64
import binascii
import codecs
import contextlib
import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from email import policy
from email.message import Message as MimePart
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses

import html2text
import nh3
from mailparser_reply import EmailReplyParser

MAX_ID_LENGTH = 998
MAX_ADDRESS_LENGTH = 320
MAX_ADDRESSES = 50
# Longer texts skip quote stripping: the reply parser's regexes grow slow.
MAX_QUOTE_SCAN = 100_000
MAX_DEPTH = 30


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str
    content_type: str
    payload: bytes


@dataclass
class ParsedEmail:
    mime: MimePart
    message_id: str = ""
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    subject: str = ""
    from_name: str = ""
    from_address: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    # Envelope recipients (Delivered-To and friends), where reply tokens hide.
    delivered_to: list[str] = field(default_factory=list)
    body_text: str = ""
    body_quoted: str = ""
    body_html: str = ""
    attachments: list[ParsedAttachment] = field(default_factory=list)
    skipped: list[tuple[str, int]] = field(default_factory=list)

    @property
    def thread_ids(self) -> list[str]:
        """In-Reply-To first, then References from the newest back."""
        ids = [self.in_reply_to] if self.in_reply_to else []
        return list(dict.fromkeys([*ids, *reversed(self.references)]))


# --- identity ----------------------------------------------------------------


def content_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def message_id_of(raw: bytes) -> str:
    """The Message-ID header, or <sha256@hash> of the bytes when it has none."""
    try:
        found = normalise_id(decode_header_value(_first_message_id_header(raw)))
    except Exception:
        try:
            headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
            found = normalise_id(header(headers, "Message-ID"))
        except Exception:
            found = ""
    return found or f"<{content_hash(raw)}@hash>"


# The header block as email.feedparser reads it: lines end in CRLF, CR or LF;
# it ends at the first line that is neither a header nor a continuation.
_RAW_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_RAW_HEADER_LINE = re.compile(rb"From |[\041-\071\073-\176]*:|[\t ]")


def _first_message_id_header(raw: bytes) -> str:
    """The raw value of the first Message-ID header, read the way the stdlib
    parser (compat32) reads headers, without building a message: about ten
    times faster, for the key every received email is stored under."""
    value: list[bytes] | None = None  # lines of the header being read
    is_message_id = False
    for match in _RAW_LINE.finditer(raw):
        line = match.group()
        if not _RAW_HEADER_LINE.match(line):
            break
        if line[:1] in (b" ", b"\t"):
            if value is not None:
                value.append(line)
            continue
        if value is not None and is_message_id:
            break
        value, is_message_id = None, False
        if line.startswith(b"From "):
            # An envelope line (first), a body line (last) or a misplaced one.
            continue
        name, _colon, rest = line.partition(b":")
        if not name:
            continue
        value = [rest]
        is_message_id = name.lower() == b"message-id"
    if value is None or not is_message_id:
        return ""
    text = (value[0].lstrip(b" \t") + b"".join(value[1:])).rstrip(b"\r\n")
    return text.decode("ascii", "surrogateescape")


_ID = re.compile(r"<[^<>\s]+>")


def normalise_id(value: str) -> str:
    """The first <...> token of a header (or its bare value), printable ASCII."""
    found = _ID.search(value)
    token = found.group() if found else value.strip()
    if not (token.isascii() and token.isprintable() and " " not in token):
        token = "".join(ch for ch in token if 32 < ord(ch) < 127)
    return token[:MAX_ID_LENGTH]


def ids_in(value: str) -> list[str]:
    tokens = _ID.findall(value) or [t for t in value.split() if "@" in t][:1]
    ids = (normalise_id(token) for token in tokens[-100:])
    return list(dict.fromkeys(i for i in ids if i))


# --- text --------------------------------------------------------------------


def clean(text: str) -> str:
    """Text PostgreSQL accepts: no NUL characters, no lone surrogates."""
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")


def _codec(charset: str | None) -> str | None:
    try:
        return codecs.lookup(charset.strip()).name if charset else None
    except (LookupError, ValueError, TypeError, AttributeError):
        return None


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode with the declared charset, else UTF-8, else Windows-1252.

    Latin-1 labels are read as Windows-1252 first, as browsers do: mail
    programs label Windows text that way."""
    codec = _codec(charset)
    candidates = ["cp1252", "latin-1"] if codec == "iso8859-1" else [codec]
    for candidate in [*candidates, "utf-8"]:
        if not candidate:
            continue
        # Unknown, binary-only and failing codecs alike fall through.
        with contextlib.suppress(Exception):
            return clean(data.decode(candidate))
    return clean(data.decode("cp1252", "replace"))


_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([QqBb])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"(\?=)\s+(?==\?)")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_QP_BYTE = re.compile(rb"=([0-9A-Fa-f]{2})")
_HIDDEN_WORD = re.compile(r"ENCODEDWORD(\d+)X")


def _decode_word(match: re.Match) -> str:
    charset, encoding, text = match.groups()
    charset = charset.split("*")[0]  # RFC 2231 language suffix
    try:
        if encoding in "Bb":
            data = base64.b64decode(text + "=" * (-len(text) % 4))
        else:
            data = _QP_BYTE.sub(
                lambda m: bytes([int(m.group(1), 16)]),
                text.replace("_", " ").encode("ascii", "replace"),
            )
    except (binascii.Error, ValueError):
        return match.group()
    return decode_bytes(data, charset)


def decode_header_value(value: str) -> str:
    """Unfold and decode RFC 2047 words; raw 8-bit text is read as UTF-8."""
    if value.isascii() and "=?" not in value and not ("\n" in value or "\0" in value):
        return value.strip()  # nothing to unfold, decode or clean
    value = _FOLD.sub("", value)
    # The parser keeps undecodable bytes as surrogates: recover them first.
    value = decode_bytes(value.encode("utf-8", "surrogateescape"), "utf-8")
    value = _BETWEEN_WORDS.sub(r"\1", value)
    return _ENCODED_WORD.sub(_decode_word, value).strip()


def _raw_headers(msg: MimePart, name: str) -> list[str]:
    """The raw values of a header, in order. The index of all headers is built
    once per (parsed, never changed) message: loop guard and parser ask for
    twenty headers each."""
    index = msg.__dict__.get("_raw_header_index")
    if index is None:
        index = {}
        for key, value in msg.raw_items():
            index.setdefault(key.lower(), []).append(str(value))
        msg._raw_header_index = index
    return index.get(name.lower(), [])


def header(msg: MimePart, name: str) -> str:
    """The first such header, decoded; "" when absent. Reads the raw value, so
    a malformed header never raises."""
    values = _raw_headers(msg, name)
    return decode_header_value(values[0]) if values else ""


def addresses(msg: MimePart, *names: str) -> list[tuple[str, str]]:
    """(name, address) pairs that contain an @, from the given headers."""
    words: list[str] = []

    def hide(match: re.Match) -> str:
        # An encoded word may hide a comma or quote that would split the list.
        words.append(match.group())
        return f"ENCODEDWORD{len(words) - 1}X"

    def unhide(text: str) -> str:
        if "ENCODEDWORD" in text:
            text = _HIDDEN_WORD.sub(lambda m: words[int(m.group(1))], text)
        return decode_header_value(text)

    values = [
        _ENCODED_WORD.sub(hide, _FOLD.sub("", value))
        for name in names
        for value in _raw_headers(msg, name)
    ]
    try:
        pairs = getaddresses(values)
    except Exception:
        pairs = []
    found = [(unhide(n), unhide(a)[:MAX_ADDRESS_LENGTH]) for n, a in pairs if "@" in a]
    return found[:MAX_ADDRESSES]


# --- HTML ----------------------------------------------------------------------

_SAFE_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "div", "dl",
    "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol",
    "p", "pre", "q", "s", "small", "span", "strong", "sub", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
_SAFE_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}


def _drop_remote_images(tag: str, attribute: str, value: str) -> str | None:
    # Remote images are tracking pixels; only inline cid: parts may show.
    if tag == "img" and attribute == "src" and not value.startswith("cid:"):
        return None
    return value


def sanitise_html(html: str) -> str:
    """Only harmless tags and attributes; no scripts, styles or handlers."""
    return nh3.clean(
        html,
        tags=_SAFE_TAGS,
        clean_content_tags={"script", "style", "title", "head"},
        attributes=_SAFE_ATTRIBUTES,
        attribute_filter=_drop_remote_images,
        url_schemes={"http", "https", "mailto", "cid"},
        link_rel="noopener noreferrer nofollow",
        set_tag_attribute_values={"a": {"target": "_blank"}},
    )


def html_to_text(html: str) -> str:
    converter = html2text.HTML2Text()
    converter.body_width = 0
    converter.ignore_images = True
    converter.ignore_emphasis = True
    try:
        return converter.handle(html).strip()
    except Exception:
        return nh3.clean(html, tags=set()).strip()


# --- quoted history ----------------------------------------------------------

_REPLY_PARSER = EmailReplyParser(languages=["en", "de"])
_TRAILING_NOISE = re.compile(
    r"(?:\n[ \t]*(?:>.*|-{3,}[^\n]*-{3,}|_{10,}|))+\Z", flags=re.IGNORECASE
)


def strip_quoted(text: str) -> tuple[str, str]:
    """(latest reply, full text); full text is "" when nothing was quoted."""
    if not text.strip() or len(text) > MAX_QUOTE_SCAN:
        return text.strip(), ""
    try:
        latest = _REPLY_PARSER.parse_reply(text) or ""
    except Exception:
        return text.strip(), ""
    latest = _TRAILING_NOISE.sub("", "\n" + latest).strip()
    if not latest or latest.split() == text.split():
        return text.strip(), ""
    return latest, text.strip()


# --- structure ---------------------------------------------------------------


def content_type(part: MimePart) -> str:
    """The part's MIME type; text/plain when its header cannot be read."""
    try:
        return part.get_content_type()
    except Exception:
        return "text/plain"


def leaf_parts(msg: MimePart):
    """Non-multipart parts, depth first; message/rfc822 parts stay whole."""
    stack = [(msg, 0)]
    while stack:
        part, depth = stack.pop()
        if (
            part.is_multipart()
            and content_type(part).startswith("multipart/")
            and depth < MAX_DEPTH
        ):
            stack.extend((sub, depth + 1) for sub in reversed(part.get_payload()))
        else:
            yield part


def part_bytes(part: MimePart) -> bytes:
    """A part's decoded body; message/* containers as their RFC 822 bytes."""
    data = part.get_payload(decode=True)
    if isinstance(data, bytes):
        return data
    chunks = part.get_payload() if part.is_multipart() else []
    return b"\n".join(_message_bytes(chunk) for chunk in chunks)


def _message_bytes(msg: MimePart) -> bytes:
    # policy.default first, whichever policy parsed the message.
    for chosen in (policy.default, policy.compat32):
        with contextlib.suppress(Exception):
            return msg.as_bytes(policy=chosen)
    return b""


def _charset(part: MimePart) -> str | None:
    try:
        charset = part.get_content_charset()
    except Exception:
        return None
    return charset if isinstance(charset, str) else None


_UNSAFE_IN_NAME = re.compile(r"[\x00-\x1f/\\]+")


def _filename(part: MimePart) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    if not isinstance(name, str):
        name = ""
    name = decode_header_value(name) if "=?" in name else clean(name)
    name = _UNSAFE_IN_NAME.sub("_", name.rsplit("/", 1)[-1]).strip(" .")
    return name[:200]


def _disposition(part: MimePart) -> str:
    try:
        return part.get_content_disposition() or ""
    except Exception:
        return ""


def _default_name(mime_type: str, index: int) -> str:
    if mime_type == "message/rfc822":
        return f"message-{index}.eml"
    extension = mimetypes.guess_extension(mime_type) or ".bin"
    return f"part-{index}{extension}"


def _read_structure(msg: MimePart, parsed: ParsedEmail, limit: int) -> None:
    texts: list[str] = []
    htmls: list[str] = []
    for index, part in enumerate(leaf_parts(msg), start=1):
        mime_type = content_type(part)
        if mime_type.startswith("multipart/"):
            mime_type = "text/plain"  # a multipart without parts is just text
        name = _filename(part)
        if (
            mime_type in ("text/plain", "text/html")
            and _disposition(part) != "attachment"
            and not name
        ):
            text = decode_bytes(part_bytes(part), _charset(part))
            (texts if mime_type == "text/plain" else htmls).append(text)
            continue
        payload = part_bytes(part)
        name = name or _default_name(mime_type, index)
        if len(payload) > limit:
            parsed.skipped.append((name, len(payload)))
        else:
            parsed.attachments.append(ParsedAttachment(name, clean(mime_type), payload))
    html = sanitise_html("\n".join(htmls)).strip() if htmls else ""
    text = "\n\n".join(t.strip() for t in texts if t.strip())
    if not text and html:
        text = html_to_text(html)
    parsed.body_html = html
    parsed.body_text, parsed.body_quoted = strip_quoted(text)


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} kB"


def skipped_note(skipped: list[tuple[str, int]], limit: int) -> str:
    """The note added to a message whose attachments were too large."""
    return "\n".join(
        f"[Attachment “{name}” ({_size(size)}) was not kept: it is larger than "
        f"this inbox's limit of {_size(limit)}.]"
        for name, size in skipped
    )


_MIME_WORD = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_PARAMETER = (
    r"\s*;\s*(?:"
    rf"[!#$%&'+\-.^_`|~0-9A-Za-z]+\s*=\s*(?:{_MIME_WORD}|\"[\x20\x21\x23-\x5b\x5d-\x7e]*\")"
    # RFC 2231 in one piece, in a charset both policies read alike.
    r"|[!#$%&+\-.^_`|~0-9A-Za-z]+\*=(?:utf-8|us-ascii|iso-8859-\d{1,2})'[A-Za-z-]*'"
    r"[!#$&+\-.^_`|~0-9A-Za-z%]*"
    r")"
)
_PLAIN_HEADERS = {
    "content-type": re.compile(
        rf"\s*{_MIME_WORD}/{_MIME_WORD}(?:{_PARAMETER})*\s*;?\s*"
    ),
    "content-disposition": re.compile(rf"\s*{_MIME_WORD}(?:{_PARAMETER})*\s*;?\s*"),
    "content-transfer-encoding": re.compile(r"[A-Za-z0-9-]+"),
}


def _plain_mime_headers(msg: MimePart) -> bool:
    """True when every part's MIME headers are well-formed ASCII, so that the
    compat32 and policy.default readings of them are the same."""
    for part in msg.walk():
        for name, value in part.raw_items():
            pattern = _PLAIN_HEADERS.get(name.lower())
            if pattern and ("=?" in value or not pattern.fullmatch(value)):
                return False
    return True


def parse_email(raw: bytes, *, max_attachment_bytes: int) -> ParsedEmail:
    """Everything intake needs from one message; never loses the text."""
    # compat32 keeps headers as strings, several times faster than
    # policy.default's header objects; every header is decoded here anyway.
    # Unusual MIME headers are read by policy.default, as they always were.
    msg = BytesParser(policy=policy.compat32).parsebytes(raw)
    parsed = ParsedEmail(mime=msg)
    try:
        if not _plain_mime_headers(msg):
            raise ValueError("unusual MIME headers")
        _read_structure(msg, parsed, max_attachment_bytes)
    except Exception:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        parsed = ParsedEmail(mime=msg)
        try:
            _read_structure(msg, parsed, max_attachment_bytes)
        except Exception:
            # policy.default trips over some malformed headers; compat32 does not.
            msg = BytesParser(policy=policy.compat32).parsebytes(raw)
            parsed = ParsedEmail(mime=msg)
            _read_structure(msg, parsed, max_attachment_bytes)
    if parsed.skipped:
        note = skipped_note(parsed.skipped, max_attachment_bytes)
        parsed.body_text = f"{parsed.body_text}\n\n{note}".strip()
        if parsed.body_quoted:
            parsed.body_quoted = f"{parsed.body_quoted}\n\n{note}"
    parsed.message_id = normalise_id(header(msg, "Message-ID"))
    parsed.in_reply_to = (ids_in(header(msg, "In-Reply-To")) or [""])[0]
    parsed.references = ids_in(header(msg, "References"))
    parsed.subject = " ".join(header(msg, "Subject").split())[:300]
    sender = addresses(msg, "From")
    if sender:
        parsed.from_name, parsed.from_address = sender[0]
        parsed.from_name = parsed.from_name[:200]
    parsed.to = [a for _n, a in addresses(msg, "To")]
    parsed.cc = [a for _n, a in addresses(msg, "Cc")]
    parsed.delivered_to = [
        a
        for _n, a in addresses(
            msg, "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To"
        )
    ]
    return parsed
