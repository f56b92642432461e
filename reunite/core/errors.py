"""The small hierarchy of domain errors. Services raise them; only the interface layer
(views, API, CLI) turns them into an HTTP status or a form message."""


class ReuniteError(Exception):
    """Base of every domain error; `code` is stable and machine-readable."""

    code = "error"

    def __init__(self, message: str = "", *, code: str | None = None) -> None:
        super().__init__(message or self.__class__.__doc__ or self.code)
        self.message = message or (self.__class__.__doc__ or self.code).strip()
        if code:
            self.code = code


class NotFound(ReuniteError):
    """Not found."""

    code = "not_found"


class Forbidden(ReuniteError):
    """You may not do this."""

    code = "forbidden"


class Invalid(ReuniteError):
    """The input is not valid."""

    code = "invalid"


class Conflict(ReuniteError):
    """The record changed or is in a state that does not allow this."""

    code = "conflict"


class Throttled(ReuniteError):
    """Too many attempts; try again later."""

    code = "throttled"

    def __init__(self, message: str = "", *, retry_after: int = 60, code: str | None = None):
        super().__init__(message, code=code)
        self.retry_after = retry_after


class Unavailable(ReuniteError):
    """A service the portal depends on is unavailable; the portal fails closed."""

    code = "unavailable"
