"""application/fhir+json out, whatever JSON flavour the client asks for (``_format`` or Accept)."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer

# _format values and Accept media types that mean JSON (http://hl7.org/fhir/R4/http.html#mime-type).
JSON_FORMATS = {"json", "application/json", "application/fhir+json", "application/json+fhir"}
JSON_MEDIA_RANGES = JSON_FORMATS | {"*/*", "application/*"}
ONLY_JSON = "This server answers in JSON only: ask for application/fhir+json, or add _format=json."


class FHIRJSONRenderer(JSONRenderer):
    media_type = "application/fhir+json"
    format = "json"
    charset = "utf-8"


class FHIRContentNegotiation(BaseContentNegotiation):
    """``_format`` wins over Accept, as the specification says; anything not JSON is a 406."""

    def select_parser(self, request: Any, parsers: list[Any]) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(
        self, request: Any, renderers: list[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = renderers[0]
        wanted = request.query_params.get("_format")
        if wanted is not None:
            # An unencoded "+" (application/fhir+json) arrives as a space.
            if wanted.strip().lower().replace(" ", "+") not in JSON_FORMATS:
                raise NotAcceptable(f"_format={wanted} is not supported. {ONLY_JSON}")
            return renderer, renderer.media_type
        accept = request.headers.get("Accept", "").strip()
        ranges = {part.split(";")[0].strip().lower() for part in accept.split(",")} if accept else {"*/*"}
        if ranges & JSON_MEDIA_RANGES:
            return renderer, renderer.media_type
        raise NotAcceptable(f"Accept: {accept} cannot be served. {ONLY_JSON}")
