"""Which service owns which public resource: /api/v1/<resource>/… goes to ROUTES[resource]."""

from __future__ import annotations

API_PREFIX = "/api/v1"
SERVICES = ("registry", "monitoring", "jobs", "projects", "oversight")

# Served by the gateway itself (identity, audit, system status).
GATEWAY_RESOURCES = frozenset({"auth", "users", "api-keys", "audit", "system", "reports", "openapi.json"})

# Resources are added here as each service grows them; an unknown resource is a 404 at the gateway.
ROUTES: dict[str, str] = {
    "areas": "registry",
    "area-imports": "registry",
    "households": "registry",
    "people": "registry",
    "sync": "registry",
    "programmes": "registry",
    "cadres": "registry",
    "area-merges": "registry",
    "registry-stats": "registry",
    "imports": "registry",
    "registry-events": "registry",
    "thresholds": "monitoring",
    "inspections": "monitoring",
    "alerts": "monitoring",
    "cases": "monitoring",
    "case-imports": "monitoring",
    "measures": "monitoring",
    "partner-feeds": "monitoring",
    "visits": "monitoring",
    "monitoring-stats": "monitoring",
    "employment-records": "jobs",
    "employment-stats": "jobs",
    "welfare-posts": "jobs",
    "post-assignments": "jobs",
    "welfare-post-stats": "jobs",
    "training-courses": "jobs",
    "training-enrolments": "jobs",
    "training-stats": "jobs",
    "projects": "projects",
    "project-stats": "projects",
    "fund-movements": "projects",
    "support-units": "oversight",
    "work-teams": "oversight",
    "check-ins": "oversight",
    "presence-targets": "oversight",
    "leaves": "oversight",
    "presence": "oversight",
    "oversight-stats": "oversight",
    "rectifications": "oversight",
    "study-sessions": "oversight",
    "contacts": "oversight",
    "contact-rules": "oversight",
    "appraisal-schemes": "oversight",
    "appraisal-scores": "oversight",
    "project-warnings": "projects",
    "assets": "projects",
    "asset-notices": "projects",
    "asset-checks": "projects",
    "beneficiary-links": "projects",
    "asset-stats": "projects",
    "stations": "projects",
    "station-readings": "projects",
    "station-alarms": "projects",
    "station-expectations": "projects",
    "station-stats": "projects",
    "plans": "monitoring",
    "screening-rounds": "monitoring",
    "monitoring-feed": "monitoring",
    "loans": "projects",
    "loan-repayments": "projects",
    "credit-stats": "projects",
    "settlements": "projects",
    "relocation-reports": "projects",
    "relocation-stats": "projects",
    "household-requests": "monitoring",
    "school-children": "monitoring",
    "school-stats": "monitoring",
    "student-aid": "monitoring",
    "student-aid-stats": "monitoring",
}


# Resources whose service calls another on the caller's behalf (with the caller's own scope): the token
# the gateway makes names both, so the second service accepts it. Never routed from outside: /internal.
ON_BEHALF_OF: dict[str, tuple[str, ...]] = {
    "partner-feeds": ("registry",),  # records matched to households by ID number
    "inspections": ("registry",),  # the visited household must be registered in the caller's area
    "alerts": ("registry",),  # a declared household must be registered in the caller's area
    "cases": ("registry",),  # the ledger's names; a measure's member and cadre belong to the household
    "case-imports": ("registry",),  # each past case's household must be registered in the caller's area
    "visits": ("registry",),  # the cadres' pairings with households; the ledger's names
    "monitoring-stats": ("registry",),  # the same pairings, for visit compliance
    "employment-records": ("registry",),  # the person's household and village, by id or ID number
    "welfare-posts": ("registry",),  # a person given a place: household, village, alive
    "training-courses": ("registry",),  # a person enrolled: household, village, alive
    "stations": ("registry",),  # the station ledger's village names
    "projects": ("registry",),  # the project ledger's area names
    "assets": ("registry",),  # the asset ledger's area names
    "work-teams": ("registry",),  # a member's cadre id: a cadre in the caller's area
    "contacts": ("registry",),  # the household and the cadre: registered in the caller's area
    "rectifications": ("registry",),  # the ledger's names of villages and towns
    # Visit compliance and cases (monitoring, which asks the registry for the pairings) and employment.
    "appraisal-scores": ("monitoring", "jobs", "registry"),
    "post-assignments": ("registry",),  # a batch of assignments: each person's household, village, alive
    "training-enrolments": ("registry",),  # a batch of enrolments; a placement's employment record
    "beneficiary-links": ("registry",),  # a linked household: registered in the caller's area
    "plans": ("registry",),  # the households' categories on a day (coverage); a measure's references
    "screening-rounds": ("registry",),  # the households a round lists; the cadres' and villages' names
    "loans": ("registry",),  # a borrower by id or ID number; a cadre's pairings; the ledger's names
    # A household signed up: registered in the caller's area; the ledger's names; the relocated
    # people's work (后续扶持) read from jobs.
    "settlements": ("registry", "jobs"),
    "household-requests": ("registry",),  # the household, member and handler: registered in the caller's area
    "school-children": ("registry",),  # the police feed's matches by ID number; the ledger's names
    "student-aid": ("registry",),  # each student by ID number or person id, in the caller's area
}


# Sub-paths that call more services than the rest of their resource: a support unit's report reads
# projects, monitoring (which asks the registry for the pairings) and jobs; creating a unit reads none.
REPORTS_ON_BEHALF_OF: dict[str, tuple[str, ...]] = {
    "support-units": ("projects", "monitoring", "jobs", "registry"),
}


def audiences(path: str, service: str) -> str | list[str]:
    resource = resource_of(path) or ""
    also = ON_BEHALF_OF.get(resource, ())
    if path.rstrip("/").endswith("/report"):
        also = REPORTS_ON_BEHALF_OF.get(resource, also)
    return [service, *also] if also else service


def resource_of(path: str) -> str | None:
    if not path.startswith(API_PREFIX + "/"):
        return None
    return path[len(API_PREFIX) + 1 :].split("/", 1)[0]


def owning_service(path: str) -> str | None:
    """The service that owns an /api/v1 path, or None."""
    return ROUTES.get(resource_of(path) or "")
