from django.urls import path

from tickets import mail_views, views

app_name = "tickets"
urlpatterns = [
    path("", views.ticket_list, name="ticket-list"),
    path("nav/counts/", views.nav_counts, name="nav-counts"),
    path("t/<str:reference>/", views.ticket_detail, name="ticket-detail"),
    path("t/<str:reference>/history/", views.ticket_history, name="ticket-history"),
    path("t/<str:reference>/reply/", views.ticket_reply, name="ticket-reply"),
    path("t/<str:reference>/note/", views.ticket_note, name="ticket-note"),
    path("t/<str:reference>/claim/", views.ticket_claim, name="ticket-claim"),
    path("t/<str:reference>/assign/", views.ticket_assign, name="ticket-assign"),
    path("t/<str:reference>/status/", views.ticket_status, name="ticket-status"),
    path(
        "t/<str:reference>/properties/",
        views.ticket_properties,
        name="ticket-properties",
    ),
    path(
        "t/<str:reference>/messages/<int:message_id>/retry/",
        views.message_retry,
        name="message-retry",
    ),
    path(
        "t/<str:reference>/attachments/<int:attachment_id>/",
        views.attachment_download,
        name="attachment-download",
    ),
    path("customers/", views.customer_list, name="customer-list"),
    path(
        "customers/<int:customer_id>/",
        views.customer_detail,
        name="customer-detail",
    ),
    path("me/", views.profile, name="profile"),
    path(
        "me/memberships/<int:membership_id>/away/",
        views.membership_away,
        name="membership-away",
    ),
    path("mail/quarantine/", mail_views.quarantine_list, name="quarantine-list"),
    path(
        "mail/quarantine/<int:inbound_id>/raw/",
        mail_views.inbound_raw,
        name="quarantine-raw",
    ),
    path(
        "mail/quarantine/<int:inbound_id>/reprocess/",
        mail_views.inbound_reprocess,
        name="quarantine-reprocess",
    ),
]
