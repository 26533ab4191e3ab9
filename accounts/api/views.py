from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import (
    CREDENTIALS_REFUSED,
    MeOutputSerializer,
    TokenObtainInputSerializer,
    TokenObtainOutputSerializer,
)
from accounts.api_tokens import api_token_issue, token_expires_at
from accounts.lockout import lockout_message, retry_after_s
from accounts.models import User
from accounts.two_factor import totp_code_check, totp_device_of, two_factor_required
from clinic.ratelimit import ApiTokenThrottle


class MeView(APIView):
    """The signed-in user: who they are, their role, and their patient record if an athlete."""

    @extend_schema(responses=MeOutputSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeOutputSerializer(request.user).data)


class TokenObtainView(ObtainAuthToken):
    """POST username + password (+ otp_token for staff) -> an API token and when it expires.

    Locked out like the sign-in page. django-axes marks a locked-out attempt on the request it
    was given; here that is DRF's Request wrapper, which AxesMiddleware never sees, so the
    lockout is answered here. Requests per address are limited too
    (RATE_LIMIT_API_TOKEN_PER_IP). Staff tokens need a fresh TOTP code (accounts/two_factor.py),
    so API calls with a token are as verified as a signed-in session. Every other failure gets
    one answer, CREDENTIALS_REFUSED, whether the password was right or not.
    """

    serializer_class = TokenObtainInputSerializer
    # Credentials are in the body; a session cookie alongside them must not get in the way.
    authentication_classes = ()
    # ObtainAuthToken has no throttle; password guessing across usernames is limited per address.
    throttle_classes = [ApiTokenThrottle]

    @extend_schema(request=TokenObtainInputSerializer, responses=TokenObtainOutputSerializer)
    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except ValidationError:
            if getattr(request, "axes_locked_out", False):
                return _too_many_requests(lockout_message(), retry_after_s())
            raise
        user = serializer.validated_data["user"]
        if two_factor_required(user):
            refused = _second_factor_refusal(user, serializer.validated_data.get("otp_token"))
            if refused is not None:
                return refused
        token = api_token_issue(user=user)
        return Response(TokenObtainOutputSerializer({"token": token.key, "expires_at": token_expires_at(token)}).data)


def _second_factor_refusal(user: User, otp_token: str | None) -> Response | None:
    """None when the code is right; else the same answer as a wrong password (CREDENTIALS_REFUSED).

    The reasons (no code, no authenticator, a wrong or malformed code, codes paused after wrong
    ones) are not told: each of them is reached only with the right password.
    """
    device = totp_device_of(user)
    if not otp_token or device is None:
        return _credentials_refused()
    try:
        totp_code_check(device=device, code=otp_token)
    except DjangoValidationError:
        return _credentials_refused()
    return None


def _credentials_refused() -> Response:
    return Response({"non_field_errors": [CREDENTIALS_REFUSED]}, status=status.HTTP_400_BAD_REQUEST)


def _too_many_requests(detail: str, retry_after: str | None) -> Response:
    response = Response({"detail": detail}, status=status.HTTP_429_TOO_MANY_REQUESTS)
    if retry_after:
        response["Retry-After"] = retry_after
    return response
