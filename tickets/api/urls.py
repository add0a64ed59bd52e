from django.urls import path, re_path

from tickets.api import views
from tickets.api.inbound import InboundEmailApi

app_name = "api"
urlpatterns = [
    path("auth/token/", views.AuthTokenCreateApi.as_view(), name="auth-token"),
    path("me/", views.MeDetailApi.as_view(), name="me-detail"),
    path("inboxes/", views.InboxListApi.as_view(), name="inbox-list"),
    path(
        "inboxes/<slug:slug>/members/",
        views.InboxMemberListApi.as_view(),
        name="inbox-members",
    ),
    path(
        "inboxes/<slug:slug>/inbound/",
        InboundEmailApi.as_view(),
        name="inbox-inbound",
    ),
    path("customers/", views.CustomerListCreateApi.as_view(), name="customer-list"),
    path(
        "customers/<int:customer_id>/",
        views.CustomerDetailApi.as_view(),
        name="customer-detail",
    ),
    path("tickets/", views.TicketListCreateApi.as_view(), name="ticket-list"),
    path(
        "tickets/<str:reference>/",
        views.TicketDetailApi.as_view(),
        name="ticket-detail",
    ),
    path(
        "tickets/<str:reference>/transition/",
        views.TicketTransitionApi.as_view(),
        name="ticket-transition",
    ),
    path(
        "tickets/<str:reference>/claim/",
        views.TicketClaimApi.as_view(),
        name="ticket-claim",
    ),
    path(
        "tickets/<str:reference>/messages/",
        views.TicketMessageListApi.as_view(),
        name="ticket-messages",
    ),
    path(
        "tickets/<str:reference>/reply/",
        views.TicketReplyApi.as_view(),
        name="ticket-reply",
    ),
    path(
        "tickets/<str:reference>/notes/",
        views.TicketNoteCreateApi.as_view(),
        name="ticket-notes",
    ),
    path(
        "tickets/<str:reference>/events/",
        views.TicketEventListApi.as_view(),
        name="ticket-events",
    ),
    # Anything else under the prefix answers JSON, not the HTML error page.
    re_path(r"^(?P<path>.*)$", views.api_not_found, name="not-found"),
]
