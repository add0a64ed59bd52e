from django.urls import include, path, re_path

from recovery.api import views

app_name = "recovery-api"
urlpatterns = [
    path("cases/", views.CaseListCreateApi.as_view(), name="case-list"),
    path("cases/<int:case_id>/", views.CaseDetailApi.as_view(), name="case-detail"),
    path(
        "cases/<int:case_id>/events/",
        views.CaseEventListApi.as_view(),
        name="case-events",
    ),
    path(
        "cases/<int:case_id>/acknowledge/",
        views.CaseAcknowledgeApi.as_view(),
        name="case-acknowledge",
    ),
    path(
        "cases/<int:case_id>/understand/",
        views.CaseUnderstandApi.as_view(),
        name="case-understand",
    ),
    path(
        "cases/<int:case_id>/resolve/",
        views.CaseResolveApi.as_view(),
        name="case-resolve",
    ),
    path(
        "cases/<int:case_id>/satisfaction/",
        views.CaseSatisfactionApi.as_view(),
        name="case-satisfaction",
    ),
    path(
        "cases/<int:case_id>/document/",
        views.CaseDocumentApi.as_view(),
        name="case-document",
    ),
    path("cases/<int:case_id>/close/", views.CaseCloseApi.as_view(), name="case-close"),
    path(
        "cases/<int:case_id>/escalate/",
        views.CaseEscalateApi.as_view(),
        name="case-escalate",
    ),
    path(
        "cases/<int:case_id>/return/",
        views.CaseReturnApi.as_view(),
        name="case-return",
    ),
    path(
        "cases/<int:case_id>/offers/",
        views.CaseOfferListCreateApi.as_view(),
        name="case-offers",
    ),
    path(
        "cases/<int:case_id>/checks/",
        views.CaseCheckCreateApi.as_view(),
        name="case-checks",
    ),
    path(
        "cases/<int:case_id>/options/",
        views.CaseOptionsPrepareApi.as_view(),
        name="case-options",
    ),
    path(
        "cases/<int:case_id>/options/send/",
        views.CaseOptionsSendApi.as_view(),
        name="case-options-send",
    ),
    path(
        "cases/<int:case_id>/options/withdraw/",
        views.CaseOptionsWithdrawApi.as_view(),
        name="case-options-withdraw",
    ),
    path(
        "cases/<int:case_id>/choice/",
        views.CaseChoiceRecordApi.as_view(),
        name="case-choice",
    ),
    path(
        "cases/<int:case_id>/substitute-delivered/",
        views.CaseSubstituteDeliveredApi.as_view(),
        name="case-substitute-delivered",
    ),
    path(
        "offers/<int:offer_id>/answer/",
        views.OfferAnswerApi.as_view(),
        name="offer-answer",
    ),
    path(
        "offers/<int:offer_id>/withdraw/",
        views.OfferWithdrawApi.as_view(),
        name="offer-withdraw",
    ),
    path("approvals/", views.ApprovalListApi.as_view(), name="approval-list"),
    path(
        "approvals/<int:offer_id>/approve/",
        views.ApprovalApproveApi.as_view(),
        name="approval-approve",
    ),
    path(
        "approvals/<int:offer_id>/reject/",
        views.ApprovalRejectApi.as_view(),
        name="approval-reject",
    ),
    path("log/", views.CaseLogApi.as_view(), name="log"),
    path("trends/", include("recovery.trends.api_urls")),
    # Anything else under the prefix answers JSON, not the HTML error page.
    re_path(r"^(?P<path>.*)$", views.api_not_found, name="not-found"),
]
