from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import MeOutputSerializer
from accounts.lockout import lockout_message, retry_after_s


class MeView(APIView):
    """The signed-in user: who they are, their role, and their patient record if an athlete."""

    @extend_schema(responses=MeOutputSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeOutputSerializer(request.user).data)


class TokenObtainView(ObtainAuthToken):
    """POST username + password -> an API token; locked out like the sign-in page.

    django-axes marks a locked-out attempt on the request it was given; here that is DRF's
    Request wrapper, which AxesMiddleware never sees, so the lockout is answered here.
    """

    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError:
            if getattr(request, "axes_locked_out", False):
                response = Response({"detail": lockout_message()}, status=status.HTTP_429_TOO_MANY_REQUESTS)
                if retry_after := retry_after_s():
                    response["Retry-After"] = retry_after
                return response
            raise
