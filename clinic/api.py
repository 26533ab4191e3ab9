"""API plumbing shared by every app: errors become 4xx with a message, never a 500."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict) -> Response | None:
    # Services validate with model.full_clean(); their errors are the client's, not the server's.
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    # An authenticator that declined a credential it recognised leaves its reason on the request
    # (accounts.api.authentication: a staff session without its two-factor code); "credentials
    # were not provided" would mislead the person, who is signed in, so the reason is answered.
    refusal = getattr(context.get("request"), "authentication_refusal", None)
    if isinstance(exc, exceptions.NotAuthenticated) and isinstance(refusal, exceptions.APIException):
        exc = refusal
    return drf_exception_handler(exc, context)
