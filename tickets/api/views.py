"""Thin API views: parse input, fetch through selectors, write through services.

A user reaches only objects of inboxes they are a member of; anything else is
a 404 raised by the selectors. Domain errors become JSON 400/409 in
helpdesk.api.exception_handler."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth.models import AbstractBaseUser
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from helpdesk.api import PageMixin
from tickets import selectors, services
from tickets.api.pagination import (
    CustomerPagination,
    ThreadPagination,
    TicketPagination,
)
from tickets.api.schema import Api, ApiAutoSchema
from tickets.api.serializers import (
    AuthTokenOutputSerializer,
    CustomerOutputSerializer,
    ErrorOutputSerializer,
    MemberOutputSerializer,
    MeOutputSerializer,
    MessageOutputSerializer,
    MyInboxOutputSerializer,
    TicketDetailOutputSerializer,
    TicketEventOutputSerializer,
    TicketOutputSerializer,
)
from tickets.models import Component, Customer, Inbox, Ticket

Status = Ticket.Status

NOT_FOUND = OpenApiResponse(ErrorOutputSerializer, description="Not visible to you.")
INVALID = OpenApiResponse(
    ErrorOutputSerializer, description="Invalid input; field errors by name."
)
CONFLICT = OpenApiResponse(
    ErrorOutputSerializer, description="The ticket's state does not allow it."
)


def _validate_time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise serializers.ValidationError(
            _("Unknown time zone “%(zone)s”.") % {"zone": value}
        ) from None
    return value


# --- auth --------------------------------------------------------------------


class AuthTokenThrottle(AnonRateThrottle):
    """Slows password guessing against the token endpoint."""

    scope = "auth-token"
    rate = "20/minute"


class AuthTokenCreateApi(ObtainAuthToken):
    # No session authentication here, so no CSRF token is needed to log in.
    authentication_classes = ()
    throttle_classes = (AuthTokenThrottle,)
    schema = ApiAutoSchema()

    @extend_schema(
        tags=["auth"],
        summary="Get your API token",
        description="Exchange a username and password for the user's token; "
        "send it as `Authorization: Token <token>`.",
        request=AuthTokenSerializer,
        responses={200: AuthTokenOutputSerializer, 400: INVALID},
        auth=[],
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        payload = self.get_serializer(data=request.data)
        payload.is_valid(raise_exception=True)
        token, _created = Token.objects.get_or_create(
            user=payload.validated_data["user"]
        )
        return Response(AuthTokenOutputSerializer({"token": token.key}).data)


# --- me and inboxes ----------------------------------------------------------


class MeDetailApi(Api):
    @extend_schema(
        tags=["me"],
        summary="You, your inboxes, roles and authority limits",
        responses=MeOutputSerializer,
    )
    def get(self, request: Request) -> Response:
        memberships = selectors.membership_list_for_user(user=request.user)
        data = {"user": request.user, "memberships": memberships}
        return Response(MeOutputSerializer(data).data)


class InboxListApi(Api):
    @extend_schema(
        tags=["inboxes"],
        summary="Your inboxes with your membership in each",
        responses=MyInboxOutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        memberships = selectors.membership_list_for_user(user=request.user).order_by(
            "inbox__name"
        )
        return Response(MyInboxOutputSerializer(memberships, many=True).data)


class InboxMemberListApi(Api):
    @extend_schema(
        tags=["inboxes"],
        summary="Members of an inbox with roles and authority limits",
        responses={200: MemberOutputSerializer(many=True), 404: NOT_FOUND},
    )
    def get(self, request: Request, slug: str) -> Response:
        inbox = selectors.inbox_get_for_user(user=request.user, slug=slug)
        members = selectors.members_of_inbox(inbox=inbox)
        return Response(MemberOutputSerializer(members, many=True).data)


# --- customers ---------------------------------------------------------------


class CustomerListCreateApi(PageMixin, Api):
    pagination_class = CustomerPagination

    class FilterSerializer(serializers.Serializer):
        q = serializers.CharField(
            required=False, help_text="Part of the name or email address."
        )

    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        name = serializers.CharField(max_length=200, required=False, allow_blank=True)
        phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
        preferred_channel = serializers.ChoiceField(
            choices=Customer.Channel.choices, required=False
        )
        language = serializers.ChoiceField(
            choices=Customer._meta.get_field("language").choices, required=False
        )
        time_zone = serializers.CharField(
            max_length=64, required=False, validators=[_validate_time_zone]
        )
        notes = serializers.CharField(required=False, allow_blank=True)

    @extend_schema(
        tags=["customers"],
        summary="Customers with a ticket in your inboxes, and those without tickets",
        parameters=[FilterSerializer],
        responses=CustomerOutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        customers = selectors.customer_list_for_user(
            user=request.user, q=filters.validated_data.get("q", "").strip()
        )
        return self.paginated(customers, CustomerOutputSerializer)

    @extend_schema(
        tags=["customers"],
        summary="Create a customer",
        description="The email address must not belong to another customer "
        "(compared case-insensitively).",
        request=InputSerializer,
        responses={201: CustomerOutputSerializer, 400: INVALID},
    )
    def post(self, request: Request) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        customer = services.customer_create(**payload.validated_data)
        return Response(
            CustomerOutputSerializer(customer).data, status=status.HTTP_201_CREATED
        )


class CustomerDetailApi(Api):
    class InputSerializer(CustomerListCreateApi.InputSerializer):
        email = serializers.EmailField(required=False)

    @extend_schema(
        tags=["customers"],
        summary="A customer",
        responses={200: CustomerOutputSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, customer_id: int) -> Response:
        customer = selectors.customer_get_for_user(
            user=request.user, customer_id=customer_id
        )
        return Response(CustomerOutputSerializer(customer).data)

    @extend_schema(
        tags=["customers"],
        summary="Change a customer's details",
        request=InputSerializer,
        responses={200: CustomerOutputSerializer, 400: INVALID, 404: NOT_FOUND},
    )
    def patch(self, request: Request, customer_id: int) -> Response:
        customer = selectors.customer_get_for_user(
            user=request.user, customer_id=customer_id
        )
        payload = self.InputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        customer = services.customer_update(customer=customer, **payload.validated_data)
        return Response(CustomerOutputSerializer(customer).data)


# --- tickets -----------------------------------------------------------------


class TicketListCreateApi(PageMixin, Api):
    pagination_class = TicketPagination

    class FilterSerializer(serializers.Serializer):
        view = serializers.ChoiceField(
            choices=selectors.VIEWS, required=False, help_text="Default: all."
        )
        inbox = serializers.SlugField(required=False, help_text="Inbox slug.")
        status = serializers.ChoiceField(
            choices=["active", "any", *Status.values],
            required=False,
            help_text="Default: active (every status that still needs work).",
        )
        assignee = serializers.IntegerField(required=False, help_text="User id.")
        priority = serializers.ChoiceField(
            choices=Ticket.Priority.choices, required=False
        )
        q = serializers.CharField(
            required=False,
            help_text="A reference (SUP-1042), part of the subject, or the "
            "customer's exact email address.",
        )

    class InputSerializer(serializers.Serializer):
        inbox = serializers.SlugField(help_text="Slug of an inbox you belong to.")
        customer_email = serializers.EmailField()
        customer_name = serializers.CharField(
            max_length=200, required=False, allow_blank=True
        )
        subject = serializers.CharField(max_length=300)
        body = serializers.CharField(help_text="The customer's message as text.")
        priority = serializers.ChoiceField(
            choices=Ticket.Priority.choices, default=Ticket.Priority.NORMAL
        )
        category = serializers.ChoiceField(
            choices=Ticket.Category.choices, required=False, allow_blank=True
        )
        tags = serializers.ListField(
            child=serializers.CharField(max_length=40), required=False, max_length=50
        )

        def validate_inbox(self, slug: str) -> Inbox:
            try:
                return selectors.inbox_get_for_user(
                    user=self.context["user"], slug=slug
                )
            except Http404:
                raise serializers.ValidationError(
                    _("You are not a member of an inbox with this slug.")
                ) from None

    @extend_schema(
        tags=["tickets"],
        summary="Tickets in your inboxes, latest activity first",
        parameters=[FilterSerializer],
        responses={200: TicketOutputSerializer(many=True), 400: INVALID},
    )
    def get(self, request: Request) -> Response:
        # Validated for clear errors; TicketFilters is the one parser of them.
        self.FilterSerializer(data=request.query_params).is_valid(raise_exception=True)
        tickets = selectors.ticket_list_for_user(
            user=request.user,
            filters=selectors.TicketFilters.from_params(request.query_params),
        )
        return self.paginated(tickets, TicketOutputSerializer)

    @extend_schema(
        tags=["tickets"],
        summary="Open a ticket on behalf of a customer",
        description="The customer is found by email (case-insensitive) or "
        "created; the body becomes the first customer message.",
        request=InputSerializer,
        responses={201: TicketDetailOutputSerializer, 400: INVALID},
    )
    def post(self, request: Request) -> Response:
        payload = self.InputSerializer(
            data=request.data, context={"user": request.user}
        )
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        customer = services.customer_get_or_create(
            email=data["customer_email"], name=data.get("customer_name", "")
        )
        ticket = services.ticket_create(
            inbox=data["inbox"],
            customer=customer,
            subject=data["subject"],
            body_text=data["body"],
            priority=data["priority"],
            category=data.get("category", ""),
            tags=data.get("tags", ()),
            actor=request.user,
        )
        ticket = selectors.ticket_get_for_user(
            user=request.user, reference=ticket.reference
        )
        return Response(
            TicketDetailOutputSerializer(ticket).data, status=status.HTTP_201_CREATED
        )


class TicketDetailApi(Api):
    class InputSerializer(serializers.Serializer):
        priority = serializers.ChoiceField(
            choices=Ticket.Priority.choices, required=False
        )
        category = serializers.ChoiceField(
            choices=Ticket.Category.choices, required=False, allow_blank=True
        )
        component_id = serializers.PrimaryKeyRelatedField(
            queryset=Component.objects.all(),
            required=False,
            allow_null=True,
            help_text="Product component id; null clears it.",
        )
        tags = serializers.ListField(
            child=serializers.CharField(max_length=40), required=False, max_length=50
        )
        assignee_id = serializers.IntegerField(
            required=False,
            allow_null=True,
            help_text="User id of a member of the ticket's inbox; null unassigns.",
        )

        def validate_assignee_id(self, user_id: int | None) -> AbstractBaseUser | None:
            if user_id is None:
                return None
            inbox = self.context["ticket"].inbox
            member = selectors.members_of_inbox(inbox=inbox).filter(user_id=user_id)
            membership = member.first()
            if membership is None:
                raise serializers.ValidationError(
                    _("No active member of this inbox has this id.")
                )
            return membership.user

    @extend_schema(
        tags=["tickets"],
        summary="A ticket",
        responses={200: TicketDetailOutputSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, reference: str) -> Response:
        ticket = selectors.ticket_get_for_user(user=request.user, reference=reference)
        return Response(TicketDetailOutputSerializer(ticket).data)

    @extend_schema(
        tags=["tickets"],
        summary="Change priority, category, component, tags or assignee",
        description="Each change is recorded in the ticket's events.",
        request=InputSerializer,
        responses={200: TicketDetailOutputSerializer, 400: INVALID, 404: NOT_FOUND},
    )
    def patch(self, request: Request, reference: str) -> Response:
        ticket = selectors.ticket_get_for_user(user=request.user, reference=reference)
        payload = self.InputSerializer(
            data=request.data, partial=True, context={"ticket": ticket}
        )
        payload.is_valid(raise_exception=True)
        changes = dict(payload.validated_data)
        if "component_id" in changes:
            changes["component"] = changes.pop("component_id")
        if "assignee_id" in changes:
            changes["assignee"] = changes.pop("assignee_id")
        services.ticket_edit(ticket=ticket, actor=request.user, **changes)
        ticket = selectors.ticket_get_for_user(user=request.user, reference=reference)
        return Response(TicketDetailOutputSerializer(ticket).data)


class TicketTransitionApi(Api):
    class InputSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=Status.choices)
        note = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(
        tags=["tickets"],
        summary="Move a ticket to another status",
        description="Allowed moves are listed in the ticket's "
        "`allowed_transitions`; any other answers 409.",
        request=InputSerializer,
        responses={
            200: TicketDetailOutputSerializer,
            400: INVALID,
            404: NOT_FOUND,
            409: CONFLICT,
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        ticket = selectors.ticket_get_for_user(user=request.user, reference=reference)
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.ticket_transition(
            ticket=ticket,
            to=payload.validated_data["status"],
            actor=request.user,
            note=payload.validated_data["note"],
        )
        ticket = selectors.ticket_get_for_user(user=request.user, reference=reference)
        return Response(TicketDetailOutputSerializer(ticket).data)


class TicketClaimApi(Api):
    @extend_schema(
        tags=["tickets"],
        summary="Assign a ticket to yourself",
        request=None,
        responses={200: TicketDetailOutputSerializer, 404: NOT_FOUND},
    )
    def post(self, request: Request, reference: str) -> Response:
        ticket = selectors.ticket_get_for_user(user=request.user, reference=reference)
        services.ticket_claim(ticket=ticket, actor=request.user)
        ticket = selectors.ticket_get_for_user(user=request.user, reference=reference)
        return Response(TicketDetailOutputSerializer(ticket).data)


# --- messages and events -----------------------------------------------------


class TicketMessageListApi(PageMixin, Api):
    pagination_class = ThreadPagination

    @extend_schema(
        tags=["messages"],
        summary="The thread of a ticket, oldest first, internal notes included",
        responses={200: MessageOutputSerializer(many=True), 404: NOT_FOUND},
    )
    def get(self, request: Request, reference: str) -> Response:
        ticket = selectors.ticket_get_for_user(user=request.user, reference=reference)
        return self.paginated(
            selectors.message_list_for_ticket(ticket=ticket), MessageOutputSerializer
        )


class TicketReplyApi(Api):
    class InputSerializer(serializers.Serializer):
        body = serializers.CharField(help_text="Plain text sent to the customer.")
        status_after = serializers.ChoiceField(
            choices=Status.choices,
            required=False,
            allow_null=True,
            help_text="Status after sending (default: waiting_customer); "
            "null keeps the current one.",
        )

    @extend_schema(
        tags=["messages"],
        summary="Reply to the customer",
        description="The email is queued in the outbox and sent after commit; "
        "its `delivery` shows the sending state.",
        request=InputSerializer,
        responses={
            201: MessageOutputSerializer,
            400: INVALID,
            404: NOT_FOUND,
            409: CONFLICT,
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        ticket = selectors.ticket_get_for_user(user=request.user, reference=reference)
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        extra = {"status_after": data["status_after"]} if "status_after" in data else {}
        message = services.ticket_reply(
            ticket=ticket, actor=request.user, body_text=data["body"], **extra
        )
        return _message_created(ticket, message.pk)


class TicketNoteCreateApi(Api):
    class InputSerializer(serializers.Serializer):
        body = serializers.CharField(help_text="Seen by agents only.")

    @extend_schema(
        tags=["messages"],
        summary="Add an internal note",
        request=InputSerializer,
        responses={201: MessageOutputSerializer, 400: INVALID, 404: NOT_FOUND},
    )
    def post(self, request: Request, reference: str) -> Response:
        ticket = selectors.ticket_get_for_user(user=request.user, reference=reference)
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        message = services.ticket_add_note(
            ticket=ticket, actor=request.user, body_text=payload.validated_data["body"]
        )
        return _message_created(ticket, message.pk)


def _message_created(ticket: Ticket, message_id: int) -> Response:
    # Re-read through the selector so authors and delivery state are joined.
    message = selectors.message_list_for_ticket(ticket=ticket).get(pk=message_id)
    return Response(
        MessageOutputSerializer(message).data, status=status.HTTP_201_CREATED
    )


class TicketEventListApi(PageMixin, Api):
    pagination_class = ThreadPagination

    @extend_schema(
        tags=["tickets"],
        summary="The audit trail of a ticket, oldest first",
        responses={200: TicketEventOutputSerializer(many=True), 404: NOT_FOUND},
    )
    def get(self, request: Request, reference: str) -> Response:
        ticket = selectors.ticket_get_for_user(user=request.user, reference=reference)
        return self.paginated(
            selectors.ticket_event_list(ticket=ticket), TicketEventOutputSerializer
        )


def api_not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    """JSON 404 for unknown paths under the API prefix."""
    return JsonResponse({"detail": "No such API endpoint."}, status=404)
