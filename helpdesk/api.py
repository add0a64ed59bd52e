"""Shared API plumbing: JSON errors for domain errors and 404s, and one page
of a list."""

from typing import Any

from django.db.models import QuerySet
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import exception_handler as drf_exception_handler

from helpdesk.exceptions import DomainError
from tickets.api.pagination import ApiPagination, paginated_response


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Map DomainError to JSON with its status (409 for transitions)."""
    if isinstance(exc, DomainError):
        return Response({"detail": exc.message}, status=exc.status_code)
    return drf_exception_handler(exc, context)


# For list views. No docstring: OpenAPI would show it on every operation of
# the views that mix it in.
class PageMixin:
    request: Request
    pagination_class: type[ApiPagination]

    def paginated(
        self,
        queryset: QuerySet,
        serializer_class: type[Serializer],
        *,
        pagination_class: type[ApiPagination] | None = None,
    ) -> Response:
        # The view's own pagination unless another is given: OpenAPI documents
        # a list as paginated only where the view sets `pagination_class`.
        return paginated_response(
            pagination_class=pagination_class or self.pagination_class,
            serializer_class=serializer_class,
            queryset=queryset,
            request=self.request,
            view=self,
        )
