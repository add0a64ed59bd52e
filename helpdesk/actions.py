"""One action of an HTML form: validate, run one service call, and tell the
user how it went as a message, never as a 500."""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from helpdesk.exceptions import DomainError


def attempt(
    request: HttpRequest,
    form: forms.Form | None,
    call: Callable[[], object],
    success: str,
) -> bool:
    """Validate, run one service call, and report the outcome as a message;
    True when the call ran without a DomainError."""
    if form is not None and not form.is_valid():
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            text = " ".join(errors)
            messages.error(request, f"{label}: {text}" if label else text)
        return False
    try:
        call()
    except DomainError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, success)
    return True
