"""Domain errors: raised by services, mapped to 400/409 in the API and to
form errors in HTML views."""


class DomainError(Exception):
    """A business rule refused the operation; the message is user-facing."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TransitionNotAllowed(DomainError):
    """The requested state change is not in the transition table."""

    status_code = 409

    def __init__(self, current: str, target: str, message: str | None = None) -> None:
        self.current, self.target = current, target
        super().__init__(message or f"Cannot move from {current} to {target}.")


class ConcurrentUpdate(DomainError):
    """Someone else changed the object first."""

    status_code = 409
