"""The small hierarchy of domain errors. Services raise them; only the interface layer
(views, API, CLI) turns them into an HTTP status or a form message."""

from django.utils.translation import gettext_lazy as _


class ReuniteError(Exception):
    """Base of every domain error; `code` is stable and machine-readable."""

    code = "error"
    default_message = _("Something went wrong.")

    def __init__(self, message: str = "", *, code: str | None = None) -> None:
        self.message = str(message or self.default_message)
        super().__init__(self.message)
        if code:
            self.code = code


class NotFound(ReuniteError):
    code = "not_found"
    default_message = _("Not found.")


class Forbidden(ReuniteError):
    code = "forbidden"
    default_message = _("You may not do this.")


class Invalid(ReuniteError):
    code = "invalid"
    default_message = _("The input is not valid.")


class Conflict(ReuniteError):
    code = "conflict"
    default_message = _("The record changed or is in a state that does not allow this.")


class Throttled(ReuniteError):
    code = "throttled"
    default_message = _("Too many attempts; try again later.")

    def __init__(self, message: str = "", *, retry_after: int = 60, code: str | None = None):
        super().__init__(message, code=code)
        self.retry_after = retry_after


class Unavailable(ReuniteError):
    """A service the portal depends on is down; the portal fails closed."""

    code = "unavailable"
    default_message = _("This service is temporarily unavailable.")
