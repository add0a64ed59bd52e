"""One visibility rule: members of a ticket's inbox see it; others get 404."""

import pytest
from django.http import Http404

from tickets import selectors
from tickets.tests.factories import (
    CustomerFactory,
    InboxFactory,
    MembershipFactory,
    TicketFactory,
)


@pytest.fixture
def two_inboxes(db):
    a, b = InboxFactory(), InboxFactory()
    agent_a = MembershipFactory(inbox=a).user
    return a, b, agent_a


def test_lists_show_only_tickets_of_member_inboxes(two_inboxes):
    a, b, agent_a = two_inboxes
    mine = TicketFactory(inbox=a)
    TicketFactory(inbox=b)
    assert list(selectors.ticket_list_for_user(user=agent_a)) == [mine]


def test_detail_of_another_inbox_is_404(two_inboxes):
    _a, b, agent_a = two_inboxes
    foreign = TicketFactory(inbox=b)
    with pytest.raises(Http404):
        selectors.ticket_get_for_user(user=agent_a, reference=foreign.reference)
    with pytest.raises(Http404):
        selectors.ticket_get_by_id_for_user(user=agent_a, ticket_id=foreign.pk)


def test_customers_are_visible_through_visible_tickets_only(two_inboxes):
    a, b, agent_a = two_inboxes
    shared, foreign = CustomerFactory(), CustomerFactory()
    TicketFactory(inbox=a, customer=shared)
    TicketFactory(inbox=b, customer=shared)
    TicketFactory(inbox=b, customer=foreign)
    assert list(selectors.customer_list_for_user(user=agent_a)) == [shared]
    assert selectors.customer_ticket_list(user=agent_a, customer=shared).count() == 1
    with pytest.raises(Http404):
        selectors.customer_get_for_user(user=agent_a, customer_id=foreign.pk)


def test_filters_views_and_search(two_inboxes):
    a, _b, agent_a = two_inboxes
    mine = TicketFactory(inbox=a, assignee=agent_a, priority="high")
    free = TicketFactory(inbox=a, subject="Invoice twice charged")
    done = TicketFactory(inbox=a, status="resolved")

    def ids(**params):
        filters = selectors.TicketFilters.from_params(params)
        return {
            t.pk for t in selectors.ticket_list_for_user(user=agent_a, filters=filters)
        }

    assert ids() == {mine.pk, free.pk}, "default lists open work only"
    assert ids(view="mine") == {mine.pk}
    assert ids(view="unassigned") == {free.pk}
    assert ids(status="resolved") == {done.pk}
    assert ids(status="any") == {mine.pk, free.pk, done.pk}
    assert ids(priority="high") == {mine.pk}
    assert ids(q="invoice") == {free.pk}
    assert ids(q=mine.reference) == {mine.pk}


def test_page_of_reports_next_page_without_counting(two_inboxes):
    a, _b, agent_a = two_inboxes
    TicketFactory.create_batch(3, inbox=a)
    qs = selectors.ticket_list_for_user(user=agent_a)
    rows, has_next = selectors.page_of(qs, page=1, size=2)
    assert (len(rows), has_next) == (2, True)
    rows, has_next = selectors.page_of(qs, page=2, size=2)
    assert (len(rows), has_next) == (1, False)


def test_customer_without_tickets_is_visible_to_staff_and_searchable(two_inboxes):
    _a, _b, agent_a = two_inboxes
    new = CustomerFactory(email="nora@beispiel.de", name="Nora Graf")
    assert list(selectors.customer_list_for_user(user=agent_a, q="graf")) == [new]
    assert list(selectors.customer_list_for_user(user=agent_a, q="nobody")) == []


def test_long_thread_opens_at_its_latest_messages(two_inboxes):
    from tickets.tests.factories import MessageFactory

    a, _b, _agent = two_inboxes
    ticket = TicketFactory(inbox=a)
    messages = MessageFactory.create_batch(selectors.THREAD_WINDOW + 5, ticket=ticket)
    window, has_earlier = selectors.message_window_for_ticket(ticket=ticket)
    assert has_earlier
    assert [m.pk for m in window] == [
        m.pk for m in messages[-selectors.THREAD_WINDOW :]
    ]
    everything, has_earlier = selectors.message_window_for_ticket(
        ticket=ticket, show_all=True
    )
    assert (len(everything), has_earlier) == (len(messages), False)


def test_inbox_filter_ignores_inboxes_the_user_is_not_in(two_inboxes):
    _a, b, agent_a = two_inboxes
    TicketFactory(inbox=b)
    filters = selectors.TicketFilters(inbox=b.slug)
    assert not selectors.ticket_list_for_user(user=agent_a, filters=filters).exists()


def test_assignee_choices_span_all_inboxes_of_the_user(two_inboxes):
    a, b, agent_a = two_inboxes
    colleague = MembershipFactory(inbox=a).user
    MembershipFactory(inbox=b)  # visible once agent_a joins inbox b
    MembershipFactory(inbox=b, user=agent_a)
    choices = selectors.assignee_choices_for_user(user=agent_a)
    assert set(choices) == {agent_a, colleague} | {m.user for m in b.memberships.all()}
