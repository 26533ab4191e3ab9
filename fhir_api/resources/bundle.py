"""Bundle: a searchset of resources (search results, Patient/$everything)."""

from __future__ import annotations

from typing import Any

from fhir_api.resources.common import Links


def searchset(
    resources: list[dict[str, Any]],
    *,
    total: int,
    links: Links,
    self_url: str,
    next_url: str = "",
    previous_url: str = "",
) -> dict[str, Any]:
    bundle_links = [{"relation": "self", "url": self_url}]
    if next_url:
        bundle_links.append({"relation": "next", "url": next_url})
    if previous_url:
        bundle_links.append({"relation": "previous", "url": previous_url})
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": bundle_links,
        "entry": [
            {
                "fullUrl": links.full_url(resource["resourceType"], resource["id"]),
                "resource": resource,
                "search": {"mode": "match"},
            }
            for resource in resources
        ],
    }
