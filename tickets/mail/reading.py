"""Parsing and loop-guard classification of raw emails as one pure step,
free of Django, so that it can run in another process: the ingest command
reads the next chunk of a mailbox there while the current one is written.

    python -m tickets.mail.reading   # the worker: jobs on stdin, answers on stdout
"""

import pickle
import struct
import sys
import traceback
from dataclasses import replace
from typing import BinaryIO

from tickets.mail import loopguard
from tickets.mail.parse import ParsedEmail, parse_email


class ReadFailure(Exception):
    """An email that could not be read in the worker process; carries the
    error text the quarantine shows (its traceback stays behind)."""

    def __init__(self, error_text: str) -> None:
        super().__init__(error_text)
        self.error_text = error_text


def read_emails(
    raws: list[bytes], max_attachment_bytes: int
) -> list[tuple[ParsedEmail | None, loopguard.Verdict | None, ReadFailure | None]]:
    """Each email parsed and classified, or why it could not be. The MIME tree
    stays behind: what follows needs only the parsed fields."""
    read = []
    for raw in raws:
        try:
            parsed = parse_email(raw, max_attachment_bytes=max_attachment_bytes)
            verdict = loopguard.classify(parsed.mime)
        except Exception as exc:
            frames = traceback.format_tb(exc.__traceback__)[-3:]
            text = "".join([*traceback.format_exception_only(exc), *frames])
            read.append((None, None, ReadFailure(text)))
        else:
            read.append((replace(parsed, mime=None), verdict, None))
    return read


# --- the worker process ---------------------------------------------------------
# Frames are a length and a pickle; both ends are this module, so the pickles
# come from a process of our own.

_LENGTH = struct.Struct("!Q")


def send(stream: BinaryIO, value: object) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)))
    stream.write(data)
    stream.flush()


def receive(stream: BinaryIO) -> object:
    """The next value; EOFError when the other end has gone."""
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        raise EOFError("the other end closed the pipe")
    (size,) = _LENGTH.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("the other end closed the pipe")
    return pickle.loads(data)  # noqa: S301 (from our own process)


def main() -> None:
    """Answer each (raws, max_attachment_bytes) job until stdin closes."""
    while True:
        try:
            raws, max_attachment_bytes = receive(sys.stdin.buffer)
        except EOFError:
            return
        send(sys.stdout.buffer, read_emails(raws, max_attachment_bytes))


if __name__ == "__main__":
    main()
