"""Parsing raw mail: charsets, encoded headers, bodies, HTML, attachments and
quoted history, without a database."""

import pytest

from tickets.mail.parse import (
    decode_bytes,
    decode_header_value,
    message_id_of,
    parse_email,
    sanitise_html,
    strip_quoted,
)

LIMIT = 10 * 1024 * 1024


def parse(raw: bytes, limit: int = LIMIT):
    return parse_email(raw, max_attachment_bytes=limit)


@pytest.mark.parametrize(
    ("data", "charset", "expected"),
    [
        ("Grüße".encode(), "utf-8", "Grüße"),
        ("Grüße".encode("latin-1"), "iso-8859-1", "Grüße"),
        # Windows text labelled Latin-1, as Outlook sends it
        ("\u2013 €".encode("cp1252"), "iso-8859-1", "\u2013 €"),
        ("Grüße".encode(), "x-unknown-charset", "Grüße"),
        ("Grüße".encode("latin-1"), "x-unknown-charset", "Grüße"),
        ("Grüße".encode("latin-1"), "us-ascii", "Grüße"),
        ("Grüße".encode(), None, "Grüße"),
        (b"a\x00b", "utf-8", "ab"),
    ],
)
def test_decode_bytes_never_fails_and_falls_back_sensibly(data, charset, expected):
    assert decode_bytes(data, charset) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("=?utf-8?Q?Gr=C3=BC=C3=9Fe?=", "Grüße"),
        ("=?ISO-8859-1?B?R3L832U=?=", "Grüße"),
        ("=?utf-8?q?a?= =?utf-8?q?b?=", "ab"),  # whitespace between words goes
        ("Re: =?utf-8?Q?caf=C3=A9?= now", "Re: café now"),
        ("=?x-nope?Q?caf=E9?=", "café"),
        ("=?utf-8?B?not base64?=", "=?utf-8?B?not base64?="),
        ("folded\r\n line", "folded line"),
    ],
)
def test_header_values_are_decoded(raw, expected):
    assert decode_header_value(raw) == expected


def test_message_id_comes_from_the_header_or_from_the_bytes():
    assert (
        message_id_of(b"Message-ID:  <a@b.example> (comment)\n\nx") == "<a@b.example>"
    )
    no_id = message_id_of(b"Subject: hi\n\nbody")
    assert no_id.endswith("@hash>")
    assert message_id_of(b"Subject: hi\n\nbody") == no_id
    assert message_id_of(b"Subject: hi\n\nother body") != no_id


def test_addresses_survive_encoded_commas_and_junk():
    parsed = parse(
        b"From: =?utf-8?Q?Schmidt,_Anna?= <anna@kunde.example>\n"
        b'To: "M\xc3\xbcller, Jo" <jo@x.example>, junk, <>\n'
        b"\nhi"
    )
    assert (parsed.from_name, parsed.from_address) == (
        "Schmidt, Anna",
        "anna@kunde.example",
    )
    assert parsed.to == ["jo@x.example"]


def test_threading_headers_prefer_in_reply_to_then_newest_reference():
    parsed = parse(
        b"From: a@b.example\nIn-Reply-To: <c@x>\nReferences: <a@x>\n <b@x> <c@x>\n\nhi"
    )
    assert parsed.thread_ids == ["<c@x>", "<b@x>", "<a@x>"]


def test_html_only_mail_becomes_text_and_keeps_sanitised_html():
    parsed = parse(
        b"From: a@b.example\nContent-Type: text/html; charset=utf-8\n\n"
        b"<p onclick='x()'>Hallo <b>Welt</b></p><script>alert(1)</script>"
    )
    assert parsed.body_text == "Hallo Welt"
    assert parsed.body_html == "<p>Hallo <b>Welt</b></p>"


def test_sanitiser_blocks_remote_images_and_hardens_links():
    html = sanitise_html(
        '<a href="https://shop.example/x" onmouseover="y()">link</a>'
        '<a href="javascript:alert(1)">js</a>'
        '<img src="https://tracker.example/p.gif"><img src="cid:logo@x" alt="logo">'
        '<style>p{}</style><iframe src="https://evil.example"></iframe>'
    )
    assert 'href="https://shop.example/x"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert "javascript" not in html
    assert "tracker.example" not in html
    assert '<img src="cid:logo@x" alt="logo">' in html
    for gone in ("onmouseover", "<style", "<iframe"):
        assert gone not in html


def test_plain_part_is_preferred_over_html_alternative():
    parsed = parse(
        b"From: a@b.example\nContent-Type: multipart/alternative; boundary=b\n\n"
        b"--b\nContent-Type: text/plain\n\nplain words\n"
        b"--b\nContent-Type: text/html\n\n<p>html words</p>\n--b--\n"
    )
    assert parsed.body_text == "plain words"
    assert parsed.body_html == "<p>html words</p>"


def test_oversize_attachment_is_left_out_with_a_note_and_the_text_kept():
    raw = (
        b"From: a@b.example\nContent-Type: multipart/mixed; boundary=b\n\n"
        b"--b\nContent-Type: text/plain\n\nsee attached\n"
        b"--b\nContent-Type: application/pdf\n"
        b'Content-Disposition: attachment; filename="big.pdf"\n\n'
        + b"x" * 3000
        + b"\n--b\nContent-Type: image/png\n"
        + b'Content-Disposition: attachment; filename="s.png"\n\n'
        + b"y" * 10
        + b"\n--b--\n"
    )
    parsed = parse(raw, limit=1024)
    assert [a.filename for a in parsed.attachments] == ["s.png"]
    assert parsed.body_text.startswith("see attached")
    assert "“big.pdf” (3 kB) was not kept" in parsed.body_text


def test_attachment_without_name_gets_one_and_path_parts_are_removed():
    parsed = parse(
        b"From: a@b.example\nContent-Type: multipart/mixed; boundary=b\n\n"
        b"--b\nContent-Type: text/plain\n\nhi\n"
        b"--b\nContent-Type: application/pdf\nContent-Disposition: attachment\n\n%PDF\n"
        b"--b\nContent-Type: text/plain\n"
        b'Content-Disposition: attachment; filename="../../etc/passwd"\n\nx\n'
        b"--b--\n"
    )
    assert [a.filename for a in parsed.attachments] == ["part-2.pdf", "passwd"]
    assert parsed.body_text == "hi"


def test_broken_multipart_without_boundary_still_yields_its_text():
    parsed = parse(b"From: a@b.example\nContent-Type: multipart/mixed\n\nsome text")
    assert "some text" in parsed.body_text


@pytest.mark.parametrize(
    ("text", "latest"),
    [
        (
            "Still broken.\n\nOn Tue, 11 Mar 2025 at 10:15, Shop <s@x> wrote:\n> old",
            "Still broken.",
        ),
        (
            "Immer noch kaputt.\n\nAm 11.03.25 um 10:15 schrieb Shop:\n> alt",
            "Immer noch kaputt.",
        ),
        (
            "Danke.\n\n-----Ursprüngliche Nachricht-----\nVon: Shop <s@x>\n"
            "Gesendet: Dienstag, 11. März 2025 10:15\nAn: Anna\nBetreff: AW: x\n\nalt",
            "Danke.",
        ),
        (
            "Thanks.\n\n________________________________\nFrom: Shop <s@x>\n"
            "Sent: Tuesday, March 11, 2025 10:15 AM\nTo: Bob\nSubject: Re: x\n\nold",
            "Thanks.",
        ),
        ("Thanks, that helps.\n\n> quoted line\n> another", "Thanks, that helps."),
    ],
)
def test_quoted_history_is_stripped_and_the_full_text_kept(text, latest):
    shown, full = strip_quoted(text)
    assert shown == latest
    assert full == text


def test_text_without_quotes_is_left_alone():
    assert strip_quoted("Hello,\n\nmy order is late.\n\nJohn") == (
        "Hello,\n\nmy order is late.\n\nJohn",
        "",
    )


def test_arbitrary_garbage_parses_to_something():
    parsed = parse(b"\x00\xff\xfe garbage \r\n\r\n\x80\x81")
    assert parsed.from_address == ""
    assert isinstance(parsed.body_text, str)
