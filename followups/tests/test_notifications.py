"""Reminders to staff: the email digest of unread ones, each reminder once,
and the admin pages."""

from datetime import date, time, timedelta

import pytest
from django.core import mail as django_mail
from django.urls import reverse
from django.utils import timezone

from followups import services
from followups.models import InboxFollowupSettings, Notification, Promise
from followups.tests.factories import (
    FollowUpFactory,
    NotificationFactory,
    PromiseFactory,
)
from tickets.tests.factories import TicketFactory, UserFactory

pytestmark = pytest.mark.django_db


def _old(**kwargs) -> Notification:
    return NotificationFactory(
        created_at=timezone.now() - timedelta(minutes=30), **kwargs
    )


def test_digest_emails_each_colleague_their_unread_reminders_once(agent, inbox):
    # given
    ticket = TicketFactory(inbox=inbox)
    promise = PromiseFactory(ticket=ticket, what="Refund 4711")
    _old(
        recipient=agent,
        ticket=ticket,
        promise=promise,
        kind=Notification.Kind.PROMISE_AT_RISK,
    )
    _old(recipient=agent, ticket=ticket, followup=FollowUpFactory(ticket=ticket))
    _old(recipient=agent, ticket=ticket, read_at=timezone.now())  # already seen
    NotificationFactory(recipient=agent, ticket=ticket)  # too recent
    # when
    first = services.notification_digest_send()
    second = services.notification_digest_send()
    # then
    assert (first, second) == (1, 0)
    [digest] = django_mail.outbox
    assert digest.to == [agent.email]
    assert digest.subject == "Amends: 2 reminders"
    assert "promise at risk: Refund 4711" in digest.body
    assert ticket.get_absolute_url() in digest.body
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 2


def test_a_colleague_without_an_address_gets_no_digest_and_no_retry(inbox):
    # given
    user = UserFactory(email="")
    _old(recipient=user, ticket=TicketFactory(inbox=inbox))
    # when
    services.notification_digest_send()
    # then
    assert not django_mail.outbox
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_the_same_reminder_is_created_once_per_person(agent, inbox):
    # given
    ticket = TicketFactory(inbox=inbox, assignee=agent)
    promise = PromiseFactory(
        ticket=ticket,
        due_at=timezone.now() + timedelta(hours=1),
        warn_at=timezone.now() - timedelta(minutes=1),
    )
    # when: the scan runs, the promise is put back by hand, the scan runs again
    services.promise_scan()
    Promise.objects.filter(pk=promise.pk).update(state=Promise.State.OPEN)
    services.promise_scan()
    # then
    assert Notification.objects.filter(promise=promise).count() == 1


def test_admin_pages_open_and_settings_save_through_the_service(client, inbox):
    # given
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    PromiseFactory(ticket=TicketFactory(inbox=inbox))
    FollowUpFactory(ticket=TicketFactory(inbox=inbox))
    # when
    pages = [
        client.get(reverse(f"admin:followups_{name}_changelist"))
        for name in (
            "promise",
            "followup",
            "notification",
            "satisfactionanswer",
            "inboxfollowupsettings",
        )
    ]
    response = client.post(
        reverse("admin:followups_inboxfollowupsettings_add"),
        {
            "inbox": inbox.pk,
            "warning_windows": '{"delivery": {"hours": 48, "working": false}}',
            "work_starts": "08:00",
            "work_ends": "16:30",
            "workdays": ["0", "1", "2", "3", "4", "5"],
            "holidays": "2026-12-24,2026-12-25",
            "satisfaction_delay": "2 00:00:00",
            "check_back_delay": "5 00:00:00",
            "update_reminder_lead": "01:00:00",
        },
    )
    # then
    assert [p.status_code for p in pages] == [200] * 5
    assert response.status_code == 302
    config = InboxFollowupSettings.objects.get(inbox=inbox)
    assert config.warning_windows["delivery"] == {"hours": 48, "working": False}
    assert config.warning_windows["first_response"]["hours"] == 4
    assert config.check_back_delay == timedelta(days=5)
    assert (config.work_starts, config.work_ends) == (time(8, 0), time(16, 30))
    assert config.workdays == [0, 1, 2, 3, 4, 5]
    assert config.holidays == [date(2026, 12, 24), date(2026, 12, 25)]


def _add_settings(client, inbox, **changes):
    """Post the admin's add form of follow-up settings as a superuser."""
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    form = {
        "inbox": inbox.pk,
        "warning_windows": "{}",
        "work_starts": "09:00",
        "work_ends": "17:00",
        "workdays": ["0"],
        "satisfaction_delay": "1 00:00:00",
        "check_back_delay": "4 00:00:00",
        "update_reminder_lead": "01:00:00",
    }
    return client.post(
        reverse("admin:followups_inboxfollowupsettings_add"), form | changes
    )


def test_admin_refuses_a_working_day_that_ends_before_it_starts(client, inbox):
    response = _add_settings(client, inbox, work_starts="17:00", work_ends="09:00")
    assert response.status_code == 200
    assert "The working day must end after it starts." in response.text
    assert not InboxFollowupSettings.objects.exists()


def test_admin_refuses_an_unknown_kind_in_the_windows(client, inbox):
    response = _add_settings(client, inbox, warning_windows='{"moon": {"hours": 1}}')
    assert response.status_code == 200
    assert not InboxFollowupSettings.objects.exists()
