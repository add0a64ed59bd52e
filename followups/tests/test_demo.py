"""The demo shows promises in every state and follow-ups due now, and sends
no email."""

import pytest
from django.utils import timezone

from followups.demo import seed_followups_demo
from followups.models import FollowUp, Notification, Promise, SatisfactionAnswer
from tickets.demo.setup import demo_tickets, seed_demo
from tickets.models import OutboundEmail

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(mailoutbox):
    seed_demo()
    return demo_tickets()


def test_demo_has_promises_in_every_state_and_due_followups(demo, mailoutbox):
    # then
    states = set(Promise.objects.values_list("state", flat=True))
    assert states == set(Promise.State.values)
    assert FollowUp.objects.filter(state=FollowUp.State.DUE).exists()
    assert FollowUp.objects.filter(
        state=FollowUp.State.SCHEDULED, due_at__lte=timezone.now()
    ).exists(), "one overdue row for the dispatcher to pick up"
    assert FollowUp.objects.filter(state=FollowUp.State.DONE).exists()
    assert SatisfactionAnswer.objects.exists()
    assert Notification.objects.filter(read_at__isnull=True).exists()
    # and nothing the system would email is already due
    assert not FollowUp.objects.filter(
        state=FollowUp.State.SCHEDULED,
        kind__in=FollowUp.TEMPLATE_KINDS,
        channel=FollowUp.Channel.EMAIL,
        due_at__lte=timezone.now(),
    ).exists()
    assert not OutboundEmail.objects.exclude(status=OutboundEmail.Status.SENT)
    assert mailoutbox == []


def test_seeding_the_followups_again_gives_the_same_picture(demo):
    # given
    before = (Promise.objects.count(), FollowUp.objects.count())
    # when
    from django.contrib.auth import get_user_model

    staff = {u.username: u for u in get_user_model().objects.all()}
    seed_followups_demo(tickets=demo, staff=staff)
    # then
    assert (Promise.objects.count(), FollowUp.objects.count()) == before
