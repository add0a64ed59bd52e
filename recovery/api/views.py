"""Thin API views for recovery cases: parse input, read through selectors,
write through services.

A user reaches a case when they are a member of its ticket's inbox (else
404); approvals and the log need the manager role (else 403). Refused
transitions are 409, other refused rules 400."""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk.api import PageMixin
from recovery import selectors, services
from recovery.api.serializers import (
    AGENT_CHANNELS,
    ApprovalOutputSerializer,
    CaseEventOutputSerializer,
    OfferOutputSerializer,
    RecoveryCaseDetailOutputSerializer,
    RecoveryCaseOutputSerializer,
    enum,
)
from recovery.models import (
    Attribution,
    ChoiceRequest,
    FailureType,
    Offer,
    PostMortem,
    PromiseCheck,
    RecoveryCase,
    Severity,
)
from tickets import selectors as ticket_selectors
from tickets.api.pagination import ApiPagination, ThreadPagination
from tickets.api.schema import Api
from tickets.api.serializers import ErrorOutputSerializer
from tickets.models import Component

Status = RecoveryCase.Status

NOT_FOUND = OpenApiResponse(ErrorOutputSerializer, description="Not visible to you.")
INVALID = OpenApiResponse(
    ErrorOutputSerializer,
    description="Invalid input, or a rule of the step refused it.",
)
CONFLICT = OpenApiResponse(
    ErrorOutputSerializer,
    description="The case is not in the step this move starts from, or someone "
    "else changed it first.",
)
FORBIDDEN = OpenApiResponse(ErrorOutputSerializer, description="Managers only.")
# A check or the options added to a case.
CASE_RECORDED = {201: RecoveryCaseDetailOutputSerializer, 400: INVALID, 404: NOT_FOUND}
# A manager's decision on an offer.
OFFER_DECIDED = {
    200: OfferOutputSerializer,
    400: INVALID,
    403: FORBIDDEN,
    404: NOT_FOUND,
    409: OpenApiResponse(
        ErrorOutputSerializer, description="Already decided by someone."
    ),
}
TAGS = ["recovery"]

Input = type[serializers.Serializer]
Call = Callable[..., Any]


class CasePagination(ApiPagination):
    ordering = ("-opened_at", "-id")


class OfferPagination(ApiPagination):
    ordering = ("created_at", "id")


def _detail(user: AbstractBaseUser, case_id: int, code: int = 200) -> Response:
    case = selectors.case_get_for_user(user=user, case_id=case_id)
    return Response(RecoveryCaseDetailOutputSerializer(case).data, status=code)


class TransitionInput(serializers.Serializer):
    expected_status = enum(
        Status,
        "RecoveryCaseStatus",
        required=False,
        help_text="The status you saw; if the case has moved since, 409.",
    )


def _case_for_move(request: Request, case_id: int, data: dict) -> RecoveryCase:
    """The visible case, with the status the caller saw (for the 409 check)."""
    case = selectors.case_get_for_user(user=request.user, case_id=case_id)
    expected = data.pop("expected_status", None)
    if expected:
        case.status = expected
    return case


def _move(request: Request, case_id: int, serializer: Input, call: Call) -> Response:
    payload = serializer(data=request.data)
    payload.is_valid(raise_exception=True)
    data = dict(payload.validated_data)
    case = _case_for_move(request, case_id, data)
    call(case=case, actor=request.user, **data)
    return _detail(request.user, case_id)


def _record(request: Request, case_id: int, serializer: Input, call: Call) -> Response:
    """Add a record (a check, the options) to a case the user may see: 404
    before 400, unlike a move; answers 201 with the case."""
    case = selectors.case_get_for_user(user=request.user, case_id=case_id)
    payload = serializer(data=request.data)
    payload.is_valid(raise_exception=True)
    call(case=case, actor=request.user, **payload.validated_data)
    return _detail(request.user, case_id, status.HTTP_201_CREATED)


def _move_schema(summary: str, input_serializer: type, description: str = "") -> Any:
    return extend_schema(
        tags=TAGS,
        summary=summary,
        description=description,
        request=input_serializer,
        responses={
            200: RecoveryCaseDetailOutputSerializer,
            400: INVALID,
            404: NOT_FOUND,
            409: CONFLICT,
        },
    )


# --- cases -------------------------------------------------------------------


class CaseListCreateApi(PageMixin, Api):
    pagination_class = CasePagination

    class FilterSerializer(serializers.Serializer):
        inbox = serializers.SlugField(required=False, help_text="Inbox slug.")
        agent = serializers.IntegerField(required=False, help_text="Owner's user id.")
        failure_type = enum(FailureType, "RecoveryFailureType", required=False)
        severity = enum(Severity, "RecoverySeverity", required=False)
        status = enum(
            [*Status.choices, ("open", "open")],
            "RecoveryCaseStatusFilter",
            required=False,
            help_text="A status, or `open` for every status but closed.",
        )
        opened_from = serializers.DateField(required=False)
        opened_to = serializers.DateField(required=False)

    class InputSerializer(serializers.Serializer):
        ticket = serializers.CharField(help_text="Reference of a ticket you can see.")
        failure_type = enum(FailureType, "RecoveryFailureType")
        severity = enum(Severity, "RecoverySeverity")
        attribution = enum(Attribution, "RecoveryAttribution")
        is_preventable = serializers.BooleanField(
            help_text="Could we have prevented it?"
        )
        is_foreseeable = serializers.BooleanField(
            help_text="Could the customer have foreseen it?"
        )
        summary = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(
        tags=TAGS,
        summary="Recovery cases in your inboxes, newest first",
        parameters=[FilterSerializer],
        responses={200: RecoveryCaseOutputSerializer(many=True), 400: INVALID},
    )
    def get(self, request: Request) -> Response:
        self.FilterSerializer(data=request.query_params).is_valid(raise_exception=True)
        cases = selectors.case_list_for_user(
            user=request.user,
            filters=selectors.CaseFilters.from_params(request.query_params),
        )
        return self.paginated(cases, RecoveryCaseOutputSerializer)

    @extend_schema(
        tags=TAGS,
        summary="Open a recovery case on a ticket",
        description="One open case per ticket. The outlook is computed from the "
        "customer's cases of the last 12 months and the assessment.",
        request=InputSerializer,
        responses={201: RecoveryCaseDetailOutputSerializer, 400: INVALID},
    )
    def post(self, request: Request) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        try:
            ticket = ticket_selectors.ticket_get_for_user(
                user=request.user, reference=data.pop("ticket")
            )
        except Http404:
            raise serializers.ValidationError(
                {"ticket": [_("No ticket with this reference in your inboxes.")]}
            ) from None
        case = services.case_open(ticket=ticket, actor=request.user, **data)
        return _detail(request.user, case.pk, status.HTTP_201_CREATED)


class CaseDetailApi(Api):
    @extend_schema(
        tags=TAGS,
        summary="A recovery case with its outlook, offers, choices and post-mortem",
        responses={200: RecoveryCaseDetailOutputSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, case_id: int) -> Response:
        return _detail(request.user, case_id)


class CaseEventListApi(PageMixin, Api):
    pagination_class = ThreadPagination

    @extend_schema(
        tags=TAGS,
        summary="The audit trail of a case, oldest first",
        responses={200: CaseEventOutputSerializer(many=True), 404: NOT_FOUND},
    )
    def get(self, request: Request, case_id: int) -> Response:
        case = selectors.case_get_for_user(user=request.user, case_id=case_id)
        return self.paginated(
            selectors.case_event_list(case=case), CaseEventOutputSerializer
        )


# --- the steps ---------------------------------------------------------------


class CaseAcknowledgeApi(Api):
    class InputSerializer(TransitionInput):
        channel = enum(AGENT_CHANNELS, "AgentChannel")
        text = serializers.CharField(
            help_text="In the first person. By email it is sent as a reply on the "
            "ticket; by phone it records what was said."
        )

    @_move_schema("Apologise: opened → acknowledged", InputSerializer)
    def post(self, request: Request, case_id: int) -> Response:
        return _move(request, case_id, self.InputSerializer, services.case_acknowledge)


class CaseUnderstandApi(Api):
    class InputSerializer(TransitionInput):
        customer_account = serializers.CharField()
        chain_of_events = serializers.CharField()
        cause = serializers.CharField()
        fair_outcome = serializers.CharField(
            help_text="What the customer would consider fair."
        )

    @_move_schema(
        "Record the understanding: acknowledged → understood", InputSerializer
    )
    def post(self, request: Request, case_id: int) -> Response:
        return _move(request, case_id, self.InputSerializer, services.case_understand)


class CaseResolveApi(Api):
    class InputSerializer(TransitionInput):
        solution = serializers.CharField()
        no_compensation_reason = serializers.CharField(
            required=False,
            allow_blank=True,
            default="",
            help_text="Required unless the customer accepted an offer.",
        )

    @_move_schema(
        "Resolve: understood → resolved",
        InputSerializer,
        "Needs an accepted offer or a reason for none, no offer pending, and for "
        "a broken promise the customer's recorded choice.",
    )
    def post(self, request: Request, case_id: int) -> Response:
        return _move(request, case_id, self.InputSerializer, services.case_resolve)


class CaseSatisfactionApi(Api):
    class InputSerializer(TransitionInput):
        score = serializers.IntegerField(min_value=1, max_value=5)
        comment = serializers.CharField(required=False, allow_blank=True, default="")
        channel = enum(AGENT_CHANNELS, "AgentChannel")

    @_move_schema(
        "Record the satisfaction answer: resolved → followed_up", InputSerializer
    )
    def post(self, request: Request, case_id: int) -> Response:
        return _move(
            request, case_id, self.InputSerializer, services.case_record_satisfaction
        )


class CaseDocumentApi(Api):
    class InputSerializer(TransitionInput):
        chain_of_events = serializers.CharField()
        root_cause = enum(PostMortem.RootCause, "RootCause")
        component_id = serializers.PrimaryKeyRelatedField(
            queryset=Component.objects.all(), help_text="Product component id."
        )
        is_preventable = serializers.BooleanField()
        prevention_action = serializers.CharField()
        prevention_owner_id = serializers.IntegerField(
            help_text="User id of a member of the ticket's inbox."
        )
        prevention_due_date = serializers.DateField()

    @_move_schema("Write the post-mortem: followed_up → documented", InputSerializer)
    def post(self, request: Request, case_id: int) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        case = _case_for_move(request, case_id, data)
        owner = (
            ticket_selectors.members_of_inbox(inbox=case.ticket.inbox)
            .filter(user_id=data.pop("prevention_owner_id"))
            .first()
        )
        services.case_document(
            case=case,
            actor=request.user,
            component=data.pop("component_id"),
            prevention_owner=owner.user if owner else None,
            **data,
        )
        return _detail(request.user, case_id)


class NoteInput(TransitionInput):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CaseCloseApi(Api):
    @_move_schema("Close: documented → closed", NoteInput)
    def post(self, request: Request, case_id: int) -> Response:
        return _move(request, case_id, NoteInput, services.case_close)


class CaseEscalateApi(Api):
    class InputSerializer(TransitionInput):
        target = serializers.CharField(
            max_length=200, help_text="A specialist group or a manager."
        )
        reason = serializers.CharField()

    @_move_schema("Escalate to a specialist group or a manager", InputSerializer)
    def post(self, request: Request, case_id: int) -> Response:
        return _move(request, case_id, self.InputSerializer, services.case_escalate)


class CaseReturnApi(Api):
    @_move_schema("Take an escalated case back to where it was", NoteInput)
    def post(self, request: Request, case_id: int) -> Response:
        return _move(request, case_id, NoteInput, services.case_return)


# --- offers ------------------------------------------------------------------


class CaseOfferListCreateApi(PageMixin, Api):
    pagination_class = OfferPagination

    class InputSerializer(serializers.Serializer):
        kind = enum(Offer.Kind, "OfferKind")
        amount = serializers.DecimalField(
            max_digits=12,
            decimal_places=2,
            min_value=0,
            help_text="0 for something without a price.",
        )
        currency = serializers.CharField(min_length=3, max_length=3)
        description = serializers.CharField(
            required=False, allow_blank=True, default=""
        )

    @extend_schema(
        tags=TAGS,
        summary="The offers of a case",
        responses={200: OfferOutputSerializer(many=True), 404: NOT_FOUND},
    )
    def get(self, request: Request, case_id: int) -> Response:
        case = selectors.case_get_for_user(user=request.user, case_id=case_id)
        return self.paginated(
            selectors.offer_list_for_case(case=case), OfferOutputSerializer
        )

    @extend_schema(
        tags=TAGS,
        summary="Make an offer",
        description="Approved at once within your per-offer and per-month "
        "authority in the inbox (and its currency); otherwise `pending` until a "
        "manager of the inbox decides. Never added across currencies.",
        request=InputSerializer,
        responses={201: OfferOutputSerializer, 400: INVALID, 404: NOT_FOUND},
    )
    def post(self, request: Request, case_id: int) -> Response:
        case = selectors.case_get_for_user(user=request.user, case_id=case_id)
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        offer = services.offer_create(
            case=case, actor=request.user, **payload.validated_data
        )
        return Response(
            OfferOutputSerializer(offer).data, status=status.HTTP_201_CREATED
        )


class OfferAnswerApi(Api):
    class InputSerializer(serializers.Serializer):
        answer = enum(Offer.Answer, "OfferAnswer")

    @extend_schema(
        tags=TAGS,
        summary="Record the customer's answer to an approved offer",
        request=InputSerializer,
        responses={200: OfferOutputSerializer, 400: INVALID, 404: NOT_FOUND},
    )
    def post(self, request: Request, offer_id: int) -> Response:
        offer = selectors.offer_get_for_user(user=request.user, offer_id=offer_id)
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        offer = services.offer_answer(
            offer=offer, actor=request.user, answer=payload.validated_data["answer"]
        )
        return Response(OfferOutputSerializer(offer).data)


class OfferWithdrawApi(Api):
    @extend_schema(
        tags=TAGS,
        summary="Withdraw a pending or unanswered offer",
        request=None,
        responses={200: OfferOutputSerializer, 400: INVALID, 404: NOT_FOUND},
    )
    def post(self, request: Request, offer_id: int) -> Response:
        offer = selectors.offer_get_for_user(user=request.user, offer_id=offer_id)
        offer = services.offer_withdraw(offer=offer, actor=request.user)
        return Response(OfferOutputSerializer(offer).data)


# --- approvals (managers) ----------------------------------------------------


class ApprovalListApi(Api):
    @extend_schema(
        tags=TAGS,
        summary="Offers waiting for your approval, oldest first",
        description="Pending offers in the inboxes you manage, except your own.",
        responses={200: ApprovalOutputSerializer(many=True), 403: FORBIDDEN},
    )
    def get(self, request: Request) -> Response:
        selectors.require_manager(user=request.user)
        offers = selectors.approval_queue_for_user(user=request.user)[:500]
        return Response(ApprovalOutputSerializer(offers, many=True).data)


def _decide(request: Request, offer_id: int, serializer: Input, call: Call) -> Response:
    """A manager's decision on a pending offer of an inbox they manage (404
    first, then 400); answers with the offer."""
    offer = selectors.offer_get_for_manager(user=request.user, offer_id=offer_id)
    payload = serializer(data=request.data)
    payload.is_valid(raise_exception=True)
    offer = call(offer=offer, actor=request.user, **payload.validated_data)
    return Response(OfferOutputSerializer(offer).data)


class ApprovalApproveApi(Api):
    class InputSerializer(serializers.Serializer):
        amount = serializers.DecimalField(
            max_digits=12,
            decimal_places=2,
            min_value=0,
            required=False,
            allow_null=True,
            help_text="Approve a different amount (same currency).",
        )
        note = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(
        tags=TAGS,
        summary="Approve a pending offer, optionally for another amount",
        request=InputSerializer,
        responses=OFFER_DECIDED,
    )
    def post(self, request: Request, offer_id: int) -> Response:
        return _decide(request, offer_id, self.InputSerializer, services.offer_approve)


class ApprovalRejectApi(Api):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(help_text="The agent sees it.")

    @extend_schema(
        tags=TAGS,
        summary="Reject a pending offer with a reason",
        request=InputSerializer,
        responses=OFFER_DECIDED,
    )
    def post(self, request: Request, offer_id: int) -> Response:
        return _decide(request, offer_id, self.InputSerializer, services.offer_reject)


# --- broken promises ---------------------------------------------------------


class CaseCheckCreateApi(Api):
    class InputSerializer(serializers.Serializer):
        kind = enum(PromiseCheck.Kind, "PromiseCheckKind")
        outcome = serializers.CharField()
        can_keep = serializers.BooleanField(
            help_text="Whether the promise can be kept this way."
        )

    @extend_schema(
        tags=TAGS,
        summary="Record what was checked to keep a broken promise anyway",
        request=InputSerializer,
        responses=CASE_RECORDED,
    )
    def post(self, request: Request, case_id: int) -> Response:
        return _record(
            request, case_id, self.InputSerializer, services.case_record_check
        )


class CaseOptionsPrepareApi(Api):
    class InputSerializer(serializers.Serializer):
        new_date = serializers.DateField(help_text="Wait: the new date.")
        alternative = serializers.CharField(
            help_text="An alternative of better value to the customer."
        )
        incentive_kind = enum(Offer.Kind, "OfferKind", required=False, allow_blank=True)
        incentive_amount = serializers.DecimalField(
            max_digits=12, decimal_places=2, min_value=0, required=False
        )
        incentive_description = serializers.CharField(
            required=False, allow_blank=True, default=""
        )
        refund_amount = serializers.DecimalField(
            max_digits=12,
            decimal_places=2,
            min_value=0,
            help_text="Cancel: the full refund (not compensation).",
        )
        currency = serializers.CharField(min_length=3, max_length=3)

    @extend_schema(
        tags=TAGS,
        summary="Build the options for the customer of a broken promise",
        description="Needs a recorded check. The incentive is an offer under "
        "the usual authority rule; the options go out once it is approved.",
        request=InputSerializer,
        responses=CASE_RECORDED,
    )
    def post(self, request: Request, case_id: int) -> Response:
        return _record(
            request, case_id, self.InputSerializer, services.case_prepare_options
        )


class CaseOptionsSendApi(Api):
    @_move_schema(
        "Email the options: understood → awaiting_customer",
        TransitionInput,
        "One email with a signed link that expires; the customer's page records "
        "their choice only on submit.",
    )
    def post(self, request: Request, case_id: int) -> Response:
        return _move(request, case_id, TransitionInput, services.case_send_options)


class CaseOptionsWithdrawApi(Api):
    @_move_schema(
        "Withdraw the options sent: awaiting_customer → understood", NoteInput
    )
    def post(self, request: Request, case_id: int) -> Response:
        return _move(request, case_id, NoteInput, services.case_withdraw_options)


class CaseChoiceRecordApi(Api):
    class InputSerializer(TransitionInput):
        option = enum(ChoiceRequest.Option, "ChoiceOption")
        channel = enum(AGENT_CHANNELS, "AgentChannel")
        note = serializers.CharField(required=False, allow_blank=True, default="")

    @_move_schema(
        "Record the customer's choice given by phone or email: "
        "awaiting_customer → understood",
        InputSerializer,
    )
    def post(self, request: Request, case_id: int) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        case = _case_for_move(request, case_id, data)
        sent = case.choice_requests.filter(status=ChoiceRequest.Status.SENT).first()
        if sent is None:
            raise serializers.ValidationError(
                {"detail": _("No options are waiting for the customer.")}
            )
        services.choice_record(request=sent, actor=request.user, **data)
        return _detail(request.user, case_id)


class CaseSubstituteDeliveredApi(Api):
    @extend_schema(
        tags=TAGS,
        summary="Mark the chosen alternative as delivered",
        description="Refused unless the customer chose the alternative.",
        request=None,
        responses={
            200: RecoveryCaseDetailOutputSerializer,
            400: INVALID,
            404: NOT_FOUND,
        },
    )
    def post(self, request: Request, case_id: int) -> Response:
        case = selectors.case_get_for_user(user=request.user, case_id=case_id)
        services.case_mark_substitute_delivered(case=case, actor=request.user)
        return _detail(request.user, case_id)


# --- the recovery log (managers) ---------------------------------------------


class CaseLogApi(PageMixin, Api):
    pagination_class = CasePagination

    @extend_schema(
        tags=TAGS,
        summary="The recovery log of the inboxes you manage",
        description="Same filters as the case list; each case with its outlook "
        "and step timings. As CSV: `/recovery/log.csv` (signed in).",
        parameters=[CaseListCreateApi.FilterSerializer],
        responses={
            200: RecoveryCaseOutputSerializer(many=True),
            400: INVALID,
            403: FORBIDDEN,
        },
    )
    def get(self, request: Request) -> Response:
        selectors.require_manager(user=request.user)
        CaseListCreateApi.FilterSerializer(data=request.query_params).is_valid(
            raise_exception=True
        )
        cases = selectors.case_log_for_manager(
            user=request.user,
            filters=selectors.CaseFilters.from_params(request.query_params),
        )
        return self.paginated(cases, RecoveryCaseOutputSerializer)


def api_not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    """JSON 404 for unknown paths under the recovery API prefix."""
    return JsonResponse({"detail": "No such API endpoint."}, status=404)
