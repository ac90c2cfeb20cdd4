"""Which writes the API declares: only those take an Idempotency-Key. A method a path does not have is
the service's to refuse (405), whatever key it carries — not a key "reused" for another request."""

from __future__ import annotations

import re
from typing import Any

WRITES = ("post", "put", "patch", "delete")
_PARAMETER = re.compile(r"\\\{[^}]+\\\}")


class DeclaredWrites:
    """The (method, path) pairs of the merged OpenAPI document, matched against a request: a path the
    document names literally (``/households/batch``) is that operation's, as routing takes it, before
    any template with a parameter (``/households/{household_id}``) is tried."""

    def __init__(self) -> None:
        self._source: dict[str, Any] | None = None
        self._literal: dict[str, set[str]] = {}
        self._templates: dict[str, list[re.Pattern[str]]] = {}

    def declares(self, document: dict[str, Any], method: str, path: str) -> bool:
        if document is not self._source:  # built once per document (the gateway caches it)
            self._build(document)
        if path in self._literal:
            return method.lower() in self._literal[path]
        return any(p.match(path) for p in self._templates.get(method.lower(), ()))

    def _build(self, document: dict[str, Any]) -> None:
        self._literal, self._templates = {}, {m: [] for m in WRITES}
        for template, item in document.get("paths", {}).items():
            if "{" not in template:
                self._literal[template] = {m for m in item if m in WRITES or m == "get"}
                continue
            regex = _PARAMETER.sub("[^/]+", re.escape(template))
            for method in WRITES:
                if method in item:
                    self._templates[method].append(re.compile(f"^{regex}$"))
        self._source = document
