"""The FHIR R4 read API (/fhir/r4/): thin DRF views over fhir/selectors (which resources a user
may read, scoped by the clinic's own selectors) and fhir/resources (the JSON of each type).

Authentication, throttling and the staff two-factor rule are the REST API's (REST_FRAMEWORK
in clinic/settings.py; accounts/middleware.py). Every read and search is audited. Errors are
OperationOutcomes; an id the user may not see answers exactly as an id that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import AuditAction
from audit.services import audit_record
from clinic.api import exception_handler as clinic_exception_handler
from fhir_api.everything import patient_everything
from fhir_api.renderers import FHIRContentNegotiation, FHIRJSONRenderer
from fhir_api.resources.bundle import searchset
from fhir_api.resources.capability import ResourceInfo, capability_statement
from fhir_api.resources.common import Links
from fhir_api.resources.operation_outcome import operation_outcome
from fhir_api.search import IGNORED, SearchError, parse
from fhir_api.selectors.base import Kind, Reader
from fhir_api.selectors.registry import KINDS
from patients.models import Patient

EVERYTHING = "http://hl7.org/fhir/OperationDefinition/Patient-everything"


def fhir_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """The REST API's handler (its statuses and headers: WWW-Authenticate, Retry-After), with
    the body as an OperationOutcome."""
    response = clinic_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data.get("detail", response.data) if isinstance(response.data, dict) else response.data
    response.data = operation_outcome(response.status_code, str(detail))
    return response


# FHIR describes itself (GET metadata): the site's OpenAPI schema leaves these views out.
@extend_schema(exclude=True)
class FHIRView(APIView):
    renderer_classes = [FHIRJSONRenderer]
    content_negotiation_class = FHIRContentNegotiation

    def get_exception_handler(self):
        return fhir_exception_handler

    def links(self) -> Links:
        base = self.request.build_absolute_uri(reverse("fhir:metadata")).removesuffix("/metadata")
        return Links(base=base, site=self.request.build_absolute_uri)

    def reader(self) -> Reader:
        return Reader(user=self.request.user, links=self.links())

    def kind_for(self, resource_type: str) -> Kind:
        kind = KINDS[resource_type]
        if not kind.can_read(self.request.user):
            raise exceptions.PermissionDenied(f"Your role cannot read {resource_type} resources.")
        return kind


class MetadataView(FHIRView):
    """The CapabilityStatement: public, as FHIR servers' are (it describes the API, not data)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        resources = [
            ResourceInfo(
                type=kind.type,
                search_params=tuple(param.info for param in kind.params.values()),
                operations=(("everything", EVERYTHING),) if kind.type == "Patient" else (),
            )
            for kind in KINDS.values()
        ]
        published = timezone.localdate()
        return Response(
            capability_statement(resources, base=self.links().base, software=settings.CLINIC_NAME, published=published)
        )


class ReadView(FHIRView):
    resource_type = ""

    def get(self, request: Request, resource_id: str) -> Response:
        kind = self.kind_for(self.resource_type)
        found = kind.read(self.reader(), resource_id)
        if found is None:
            # One answer for "no such id" and "not yours": existence is not disclosed.
            raise exceptions.NotFound(f"{self.resource_type}/{resource_id} is not known.")
        audit_record(
            actor=request.user,
            action=AuditAction.VIEW,
            target=found.target,
            patient_id=found.patient_id,
            summary=f"FHIR read {self.resource_type}/{resource_id}",
        )
        return Response(found.resource)


class SearchView(FHIRView):
    resource_type = ""

    def get(self, request: Request) -> Response:
        kind = self.kind_for(self.resource_type)
        try:
            search = parse(request.query_params, kind.params, self.resource_type)
        except SearchError as exc:
            raise exceptions.ParseError(str(exc)) from exc
        reader = self.reader()
        page = kind.search(reader, search)
        ids = ",".join(resource["id"] for resource in page.resources)
        audit_record(
            actor=request.user,
            action=AuditAction.LIST,
            target=page.model,
            patient_id=next(iter(page.patient_ids)) if len(page.patient_ids) == 1 else None,
            summary=f"FHIR search {self.resource_type}?{request.META.get('QUERY_STRING', '')} -> {ids}",
        )
        return Response(
            searchset(
                page.resources,
                total=page.total,
                links=reader.links,
                self_url=request.build_absolute_uri(),
                next_url=self._page_url(search.offset + search.count)
                if search.offset + search.count < page.total
                else "",
                previous_url=self._page_url(max(0, search.offset - search.count)) if search.offset else "",
            )
        )

    def _page_url(self, offset: int) -> str:
        query = self.request.query_params.copy()
        query["_offset"] = str(offset)
        return self.request.build_absolute_uri(f"{self.request.path}?{query.urlencode()}")


class EverythingView(FHIRView):
    """Patient/$everything: every resource of the patient the reader's role may read."""

    def get(self, request: Request, resource_id: str) -> Response:
        unsupported = sorted(set(request.query_params) - set(IGNORED))
        if unsupported:  # start, end, _since, _type, _count: not applied, so not silently ignored
            raise exceptions.ParseError(f"Patient/$everything takes no parameters here (got {', '.join(unsupported)}).")
        reader = self.reader()
        self.kind_for("Patient")
        resources = patient_everything(reader, resource_id)
        if resources is None:
            raise exceptions.NotFound(f"Patient/{resource_id} is not known.")
        patient_id = int(resources[0]["id"])
        audit_record(
            actor=request.user,
            action=AuditAction.EXPORT,
            target=Patient(pk=patient_id),
            patient_id=patient_id,
            summary=f"FHIR Patient/{resource_id}/$everything: {len(resources)} resources",
        )
        return Response(
            searchset(resources, total=len(resources), links=reader.links, self_url=request.build_absolute_uri())
        )


class UnknownView(FHIRView):
    """Anything else under the base: a FHIR 404, not the site's HTML page."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    def get(self, request: Request, unknown: str) -> Response:
        supported = ", ".join(["metadata", *KINDS, "Patient/<id>/$everything"])
        raise exceptions.NotFound(f"'{unknown}' is not an endpoint of this server. It serves: {supported}.")
