"""Field validators shared by the apps."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError

# Control characters (CR, LF, TAB, NUL, NEL ...) and the Unicode line and paragraph separators.
_NOT_IN_A_LINE = {"Cc", "Zl", "Zp"}


def validate_single_line(value: str) -> None:
    """Refuse line breaks and control characters in a one-line field (a name, a phone number).

    They are always a typing or paste accident, and they break what the value later goes into:
    a calendar line, an e-mail header, a CSV row, a log line.
    """
    if any(unicodedata.category(char) in _NOT_IN_A_LINE for char in value):
        raise ValidationError(
            "Use one line of plain text: no line breaks, tabs or control characters.", code="control_characters"
        )
