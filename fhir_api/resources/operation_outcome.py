"""OperationOutcome: every error the FHIR API answers, with a sentence a developer can act on."""

from __future__ import annotations

from typing import Any

# HTTP status -> FHIR IssueType (http://hl7.org/fhir/R4/valueset-issue-type.html)
ISSUE_CODES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    415: "not-supported",
    429: "throttled",
}


def operation_outcome(status: int, diagnostics: str, *, code: str = "") -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "error" if status < 500 else "fatal",
                "code": code or ISSUE_CODES.get(status, "processing"),
                "diagnostics": diagnostics,
            }
        ],
    }
