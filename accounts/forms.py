"""Account forms: the two-factor code."""

from django import forms


class TotpCodeForm(forms.Form):
    code = forms.CharField(
        label="6-digit code",
        max_length=12,  # room for the space some apps show in the middle
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "size": 8}
        ),
    )
