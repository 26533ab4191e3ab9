"""CapabilityStatement: what this server answers, built from the same table the views use."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SearchParamInfo:
    name: str
    type: str  # FHIR SearchParamType: string, token, date, reference
    documentation: str


@dataclass(frozen=True)
class ResourceInfo:
    type: str
    search_params: tuple[SearchParamInfo, ...]
    operations: tuple[tuple[str, str], ...] = ()  # (name, canonical definition)


def capability_statement(
    resources: Iterable[ResourceInfo], *, base: str, software: str, published: datetime.date
) -> dict[str, Any]:
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": published.isoformat(),
        "kind": "instance",
        "software": {"name": software},
        "implementation": {"description": f"{software} FHIR R4 read API", "url": base},
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "Read-only. Authenticate as for the REST API (Authorization: Token <key>, from "
                    "POST /api/v1/auth/token/); each user reads only the records their role may see."
                ),
                "security": {
                    "cors": False,
                    "description": "Token or session authentication; staff sessions need two-factor sign-in.",
                },
                "resource": [
                    {
                        "type": info.type,
                        "interaction": [{"code": "read"}, {"code": "search-type"}],
                        "searchParam": [
                            {"name": p.name, "type": p.type, "documentation": p.documentation}
                            for p in info.search_params
                        ],
                        **(
                            {"operation": [{"name": name, "definition": url} for name, url in info.operations]}
                            if info.operations
                            else {}
                        ),
                    }
                    for info in resources
                ],
            }
        ],
    }
