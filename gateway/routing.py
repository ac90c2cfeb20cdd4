"""Which service owns which public resource: /api/v1/<resource>/… goes to ROUTES[resource]."""

from __future__ import annotations

API_PREFIX = "/api/v1"
SERVICES = ("registry", "monitoring", "jobs")

# Resources are added here as each service grows them; an unknown resource is a 404 at the gateway.
ROUTES: dict[str, str] = {
    "areas": "registry",
}


def owning_service(path: str) -> str | None:
    """The service that owns an /api/v1 path, or None."""
    if not path.startswith(API_PREFIX + "/"):
        return None
    resource = path[len(API_PREFIX) + 1 :].split("/", 1)[0]
    return ROUTES.get(resource)
