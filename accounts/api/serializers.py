from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer

from accounts.models import User
from accounts.roles import role_of


class MeOutputSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()
    patient_id = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "email", "first_name", "last_name", "role", "patient_id"]
        read_only_fields = fields

    def get_role(self, user: User) -> str | None:
        role = role_of(user)
        return role.value if role else None

    def get_patient_id(self, user: User) -> int | None:
        patient = getattr(user, "patient", None)
        return patient.pk if patient else None


# The token endpoint's one answer to every failed sign-in: wrong username or password, and for
# staff a missing, wrong or paused code or no authenticator. Told apart, "code missing" would
# confirm a guessed password (issue 18); the lockout's 429 (django-axes) counts every failure alike.
CREDENTIALS_REFUSED = (
    "Unable to sign in with these details. Staff also send otp_token, the current 6-digit code from "
    "their authenticator app (after wrong codes, wait a minute; the sign-in page says how long)."
)


class TokenObtainInputSerializer(AuthTokenSerializer):
    otp_token = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="Staff only: the current 6-digit code from their authenticator app.",
    )

    def validate(self, attrs: dict) -> dict:
        try:
            return super().validate(attrs)
        except serializers.ValidationError as error:
            raise serializers.ValidationError(CREDENTIALS_REFUSED, code="authorization") from error


class TokenObtainOutputSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()
