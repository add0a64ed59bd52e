"""POST /api/v1/inboxes/{slug}/inbound/: raw RFC 822 bytes from an MTA or a
mail provider's webhook, authenticated by the inbox's secret token. Answers
202 once the bytes are committed; parsing happens in a task."""

import secrets

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tickets.mail import intake
from tickets.models import InboundEmail, Inbox

DEFAULT_MAX_BYTES = 50 * 1024 * 1024


def max_inbound_bytes() -> int:
    return getattr(settings, "INBOUND_MAX_BYTES", DEFAULT_MAX_BYTES)


class MessageTooLarge(Exception):
    pass


class RawEmailParser(BaseParser):
    """The request body as bytes, refusing more than the size limit."""

    media_type = "message/rfc822"

    def parse(self, stream, media_type=None, parser_context=None) -> bytes:
        limit = max_inbound_bytes()
        declared = parser_context["request"].headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise MessageTooLarge
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise MessageTooLarge
        return raw


class InboundEmailOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    duplicate = serializers.BooleanField()


def _authorised(request: Request, inbox: Inbox) -> bool:
    """Bearer token or X-Amends-Token equal to the inbox secret (constant time)."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    token = value.strip() if scheme.lower() == "bearer" else ""
    token = token or request.headers.get("X-Amends-Token", "").strip()
    secret = inbox.inbound_secret
    return bool(token and secret) and secrets.compare_digest(
        token.encode(), secret.encode()
    )


def _error(detail: str, code: int, **headers: str) -> Response:
    return Response({"detail": detail}, status=code, headers=headers or None)


class InboundEmailApi(APIView):
    """Accept one raw email for an inbox."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [RawEmailParser]

    @extend_schema(
        request={"message/rfc822": OpenApiTypes.BINARY},
        responses={
            202: InboundEmailOutputSerializer,
            401: OpenApiResponse(description="Missing or wrong inbox token."),
            404: OpenApiResponse(description="No such inbox."),
            413: OpenApiResponse(description="Message larger than the limit."),
        },
    )
    def post(self, request: Request, slug: str) -> Response:
        inbox = Inbox.objects.filter(slug=slug).first()
        if inbox is None:
            return _error("No such inbox.", status.HTTP_404_NOT_FOUND)
        if not _authorised(request, inbox):
            return _error(
                "Missing or wrong inbox token.",
                status.HTTP_401_UNAUTHORIZED,
                **{"WWW-Authenticate": 'Bearer realm="inbound"'},
            )
        try:
            raw = request.data
        except MessageTooLarge:
            return _error(
                "Message too large.", status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
            )
        if not isinstance(raw, bytes) or not raw.strip():
            return _error("The body must be a raw email.", status.HTTP_400_BAD_REQUEST)
        row = intake.email_receive(
            inbox=inbox, raw=raw, source=InboundEmail.Source.HTTP, enqueue=True
        )
        output = InboundEmailOutputSerializer(
            {"id": row.pk, "status": row.status, "duplicate": row.is_duplicate}
        )
        return Response(output.data, status=status.HTTP_202_ACCEPTED)
