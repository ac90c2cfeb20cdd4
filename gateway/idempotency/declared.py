"""Which writes the API declares: only those take an Idempotency-Key. A method a path does not have is
the service's to refuse (405), whatever key it carries — not a key "reused" for another request."""

from __future__ import annotations

import re
from typing import Any

WRITES = ("post", "put", "patch", "delete")
_TEMPLATE = re.compile(r"\{[^}]+\}")


class DeclaredWrites:
    """The (method, path template) pairs of the merged OpenAPI document, matched against a request."""

    def __init__(self) -> None:
        self._source: dict[str, Any] | None = None
        self._patterns: dict[str, list[re.Pattern[str]]] = {}

    def declares(self, document: dict[str, Any], method: str, path: str) -> bool:
        if document is not self._source:  # built once per document (the gateway caches it)
            self._patterns = {m: [] for m in WRITES}
            for template, item in document.get("paths", {}).items():
                for method_name in WRITES:
                    if method_name in item:
                        regex = _TEMPLATE.sub(
                            "[^/]+", re.escape(template).replace(r"\{", "{").replace(r"\}", "}")
                        )
                        self._patterns[method_name].append(re.compile(f"^{regex}$"))
            self._source = document
        return any(p.match(path) for p in self._patterns.get(method.lower(), ()))
