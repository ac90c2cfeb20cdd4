"""The checks of deploy/check that are not a tool's own command. Run by deploy/check with the Python of
deploy/.tools/venv (jsonschema, PyYAML); each command prints its problems and exits 1 if there are any.

  checks.py compose SCHEMA     compose.yaml against the Compose Specification's JSON schema, plus a few
                               rules of ours (only the gateway publishes ports, depends_on names exist,
                               bind-mounted paths exist)
  checks.py kustomization      k8s/kustomization.yaml lists exactly the manifests in k8s/
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import jsonschema
import yaml

DEPLOY = Path(__file__).resolve().parent


def compose_problems(schema_path: Path) -> list[str]:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    schema = json.loads(schema_path.read_text())
    validator = jsonschema.Draft7Validator(schema)
    problems = [
        f"compose.yaml: {'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
        for e in sorted(validator.iter_errors(compose), key=lambda e: list(map(str, e.absolute_path)))
    ]
    services = compose.get("services", {})
    for name, service in services.items():
        if service.get("ports") and name != "gateway":
            problems.append(f"compose.yaml: {name} publishes ports; only the gateway may")
        for needed in service.get("depends_on", {}):
            if needed not in services:
                problems.append(f"compose.yaml: {name} depends on {needed}, which is not a service")
        for volume in service.get("volumes", []):
            source = volume.split(":")[0] if isinstance(volume, str) else volume.get("source", "")
            if source.startswith(".") and not (DEPLOY / source).exists():
                problems.append(f"compose.yaml: {name} mounts {source}, which does not exist")
    return problems


def kustomization_problems() -> list[str]:
    k8s = DEPLOY / "k8s"
    listed = yaml.safe_load((k8s / "kustomization.yaml").read_text()).get("resources", [])
    present = {p.name for p in k8s.glob("*.yaml")} - {"kustomization.yaml"}
    problems = [
        f"k8s/kustomization.yaml lists {name}, which is not there" for name in listed if name not in present
    ]
    problems += [f"k8s/{name} is not listed in kustomization.yaml" for name in sorted(present - set(listed))]
    return problems


def main(argv: list[str]) -> int:
    if argv[:1] == ["compose"] and len(argv) == 2:
        problems = compose_problems(Path(argv[1]))
    elif argv == ["kustomization"]:
        problems = kustomization_problems()
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
