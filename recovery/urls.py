from django.urls import include, path

from recovery import views

app_name = "recovery"
urlpatterns = [
    path("t/<str:reference>/open/", views.case_open, name="case-open"),
    path(
        "cases/<int:case_id>/acknowledge/",
        views.case_acknowledge,
        name="case-acknowledge",
    ),
    path(
        "cases/<int:case_id>/understand/",
        views.case_understand,
        name="case-understand",
    ),
    path("cases/<int:case_id>/resolve/", views.case_resolve, name="case-resolve"),
    path(
        "cases/<int:case_id>/satisfaction/",
        views.case_satisfaction,
        name="case-satisfaction",
    ),
    path("cases/<int:case_id>/document/", views.case_document, name="case-document"),
    path("cases/<int:case_id>/close/", views.case_close, name="case-close"),
    path("cases/<int:case_id>/escalate/", views.case_escalate, name="case-escalate"),
    path("cases/<int:case_id>/return/", views.case_return, name="case-return"),
    path("cases/<int:case_id>/offers/", views.offer_create, name="offer-create"),
    path("offers/<int:offer_id>/answer/", views.offer_answer, name="offer-answer"),
    path(
        "offers/<int:offer_id>/withdraw/", views.offer_withdraw, name="offer-withdraw"
    ),
    path("cases/<int:case_id>/checks/", views.check_create, name="check-create"),
    path(
        "cases/<int:case_id>/options/",
        views.options_prepare,
        name="options-prepare",
    ),
    path("cases/<int:case_id>/options/send/", views.options_send, name="options-send"),
    path(
        "cases/<int:case_id>/options/withdraw/",
        views.options_withdraw,
        name="options-withdraw",
    ),
    path("cases/<int:case_id>/choice/", views.choice_record, name="choice-record"),
    path(
        "cases/<int:case_id>/substitute-delivered/",
        views.substitute_delivered,
        name="substitute-delivered",
    ),
    path("approvals/", views.approval_queue, name="approvals"),
    path(
        "approvals/<int:offer_id>/",
        views.approval_decide,
        name="approval-decide",
    ),
    path("log/", views.case_log, name="log"),
    path("log.csv", views.case_log_csv, name="log-csv"),
    # The customer's page behind the signed link (no login).
    path("choice/<str:token>/", views.customer_choice, name="choice"),
    path("trends/", include("recovery.trends.urls")),
]
