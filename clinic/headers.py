"""Response headers for every page and API answer: no caching of what a response carries
(patient data) unless its view chose a policy, and which browser features a page may use."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

# Everything the site answers may name a patient, and the answer to an anonymous request can
# too (the calendar feed's token is its credential), so nothing is cached by default: not by a
# shared proxy (private), not on the disk of a shared clinic computer (no-store; ASVS 5.0 V14.3.2).
# A view that sets Cache-Control itself keeps its own (keyframe images may become privately
# cacheable). Static files never get here: WhiteNoise, earlier in MIDDLEWARE, answers them.
PRIVATE_NO_STORE = "private, no-store"

# Features the site does not use are switched off for it and anything it embeds; the camera
# stays available to the site's own pages, for recording a treadmill video in the browser.
PERMISSIONS_POLICY = ", ".join(
    [
        "accelerometer=()",
        "camera=(self)",
        "display-capture=()",
        "geolocation=()",
        "gyroscope=()",
        "hid=()",
        "magnetometer=()",
        "microphone=()",
        "midi=()",
        "payment=()",
        "serial=()",
        "usb=()",
    ]
)


class ResponseHeadersMiddleware:
    """Sets Cache-Control (unless the view did) and Permissions-Policy on every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = PRIVATE_NO_STORE
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
