"""OpenAPI component names for the API's serializers."""

from typing import Any

from drf_spectacular.openapi import AutoSchema
from rest_framework.views import APIView


class ApiAutoSchema(AutoSchema):
    """Names `TicketTransitionApi.InputSerializer` "TicketTransitionInput", so
    every view may call its serializer `InputSerializer` without collisions,
    and `TicketOutputSerializer` plainly "Ticket"."""

    def get_serializer_name(self, serializer: Any, direction: str) -> str:
        outer, _, inner = type(serializer).__qualname__.rpartition(".")
        if outer.endswith("Api"):
            return outer.removesuffix("Api") + inner
        return inner.removesuffix("OutputSerializer") or inner


# Base of the API views. No docstring: OpenAPI would show it on every operation.
class Api(APIView):
    # drf-spectacular combines this with each method's @extend_schema.
    schema = ApiAutoSchema()
