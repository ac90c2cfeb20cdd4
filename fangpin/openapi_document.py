"""The merged OpenAPI document, built in-process (no server, no database): what client generators read.

``python -m fangpin.openapi_document > openapi.json`` writes the same document that
``GET /api/v1/openapi.json`` serves once every service has answered.
"""

from __future__ import annotations

import base64
import json
import secrets
import sys
from typing import Any

from fangpin.parts import GATEWAY, SERVICE_PARTS
from gateway.openapi import merge_documents, with_security
from services.common.auth import generate_keypair

# Nothing connects while a document is built; the apps only need settings that validate.
_NOWHERE = "postgresql://fangpin@127.0.0.1:1/fangpin"


def merged_document() -> dict[str, Any]:
    private, public = generate_keypair()
    common: dict[str, Any] = {
        "database_url": _NOWHERE,
        "migrate_on_start": False,
        "internal_token_public_key": public,
        "service_token_secret": secrets.token_urlsafe(48),
    }
    national_id_key = base64.b64encode(secrets.token_bytes(32)).decode()
    documents = {}
    for name, part in SERVICE_PARTS.items():
        extra: dict[str, Any] = {"national_id_key": national_id_key} if name == "registry" else {}
        documents[name] = part.create_app(part.settings_cls(**common, **extra)).openapi()
    gateway_settings = GATEWAY.settings_cls(
        **common,
        internal_token_private_key=private,
        token_secret=secrets.token_urlsafe(48),
        registry_url="http://127.0.0.1:1",
        monitoring_url="http://127.0.0.1:1",
        jobs_url="http://127.0.0.1:1",
    )
    return merge_documents(with_security(GATEWAY.create_app(gateway_settings).openapi()), documents)


if __name__ == "__main__":
    json.dump(merged_document(), sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
