"""German interface: the browser or the agent's profile picks the language,
and the German catalogue is complete and safe to format."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tickets.models import AgentProfile, Ticket
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

Status = Ticket.Status
CATALOGUE = Path(settings.BASE_DIR) / "locale" / "de" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\([\w.]+\)[sd]|%[sd]|\{\w*\}")


@pytest.fixture(autouse=True)
def _restore_language():
    """A request leaves its language active in this thread; later tests
    expect the default again."""
    with translation.override(translation.get_language()):
        yield


@pytest.fixture
def german_browser(agent) -> Client:
    """The agent, signed in from a browser that asks for German."""
    client = Client(headers={"accept-language": "de"})
    client.force_login(agent)
    return client


def detail_url(ticket: Ticket) -> str:
    return reverse("tickets:ticket-detail", args=[ticket.reference])


# --- what agents see ---------------------------------------------------------


def test_german_browser_gets_german_status_names_on_the_ticket_list(
    german_browser, inbox
):
    # given
    TicketFactory(inbox=inbox, status=Status.WAITING_CUSTOMER)
    # when
    response = german_browser.get(reverse("tickets:ticket-list"))
    # then
    assert response.status_code == 200
    assert response["Content-Language"] == "de"
    assert "Wartet auf Kunde" in response.text
    assert "Zuständig" in response.text
    assert "Waiting on customer" not in response.text


def test_german_browser_gets_german_actions_on_the_ticket_page(german_browser, ticket):
    # when
    response = german_browser.get(detail_url(ticket))
    # then
    assert response.status_code == 200
    assert "Antwort senden" in response.text
    assert "Interne Notiz" in response.text
    assert "Ticket übernehmen" in response.text
    assert "Send reply" not in response.text


def test_profile_language_english_wins_over_a_german_browser(
    german_browser, agent, ticket
):
    # given
    AgentProfile.objects.create(user=agent, language="en")
    # when
    response = german_browser.get(detail_url(ticket))
    # then
    assert response["Content-Language"] == "en"
    assert "Send reply" in response.text
    assert "Antwort senden" not in response.text


def test_refused_status_change_is_explained_in_german(german_browser, inbox):
    # given: closed is final, but a hand-made POST asks to reopen
    ticket = TicketFactory(inbox=inbox, status=Status.CLOSED)
    url = reverse("tickets:ticket-status", args=[ticket.reference])
    # when
    response = german_browser.post(url, {"status": Status.OPEN}, follow=True)
    # then
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert (
        "Ein Ticket kann nicht von „Geschlossen“ auf „Offen“ gesetzt werden."
        in response.text
    )


# --- the catalogue -----------------------------------------------------------


def _po_entries(path: Path) -> list[dict[str, str]]:
    """Entries of a .po file as {keyword: text, "flags": ...}; header and
    obsolete entries left out."""
    entries, entry, key = [], {}, ""
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if entry.get("msgid"):
                entries.append(entry)
            entry, key = {}, ""
        elif line.startswith("#,"):
            entry["flags"] = line[2:]
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            key, _space, text = line.partition(" ")
            entry[key] = ast.literal_eval(text)
    return entries


def test_german_catalogue_is_complete_and_keeps_placeholders():
    # given
    entries = _po_entries(CATALOGUE / "django.po")
    # then
    assert entries
    for entry in entries:
        msgid = entry["msgid"]
        translations = [v for k, v in entry.items() if k.startswith("msgstr")]
        assert "fuzzy" not in entry.get("flags", ""), msgid
        assert all(translations), f"untranslated: {msgid!r}"
        if "msgid_plural" in entry:
            # A plural form may leave out the count ("once", "einmal").
            allowed = set(PLACEHOLDER.findall(msgid + entry["msgid_plural"]))
            for text in translations:
                assert set(PLACEHOLDER.findall(text)) <= allowed, msgid
        else:
            expected = sorted(PLACEHOLDER.findall(msgid))
            for text in translations:
                assert sorted(PLACEHOLDER.findall(text)) == expected, msgid


def test_no_translated_block_reads_an_attribute():
    # {% blocktranslate %} only sees plain names: "{{ ticket.reference }}"
    # inside one renders empty; bind it with `with ref=ticket.reference`.
    entries = _po_entries(CATALOGUE / "django.po")
    dotted = re.compile(r"%\(\w+\.[\w.]+\)s")
    assert [e["msgid"] for e in entries if dotted.search(e["msgid"])] == []


def test_compiled_catalogue_holds_every_translation_of_the_source():
    # given
    entries = _po_entries(CATALOGUE / "django.po")
    with (CATALOGUE / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    # then
    for entry in entries:
        if "msgid_plural" in entry:
            assert (
                compiled.ngettext(entry["msgid"], entry["msgid_plural"], 2)
                == (entry["msgstr[1]"])
            )
        elif "msgctxt" in entry:
            assert (
                compiled.pgettext(entry["msgctxt"], entry["msgid"]) == (entry["msgstr"])
            )
        else:
            assert compiled.gettext(entry["msgid"]) == entry["msgstr"], (
                "django.mo is stale: run compilemessages"
            )


def test_money_follows_the_language_convention():
    from decimal import Decimal

    from tickets.templatetags.tickets_ui import money

    with translation.override("en"):
        assert money(Decimal("1050.5"), "EUR") == "€1,050.50"
    with translation.override("de"):
        assert money(Decimal("1050.5"), "EUR") == "1.050,50 €"
        assert money("3", "CHF") == "3,00 CHF"
