"""Demo data drawn from the seed work summaries, loaded through the public API (so every rule applies).

Loading is idempotent: every write is a create that answers 200 when the same thing already exists.
The county and town names follow 篇5 (紫阳县蒿坪镇黄金村, 龙泉村); 篇1 does not name its town, so the
demo calls it 双丰镇 after its 双丰村. The codes are illustrative, not the official ones.
"""

from __future__ import annotations

import logging

import httpx

logger = logging.getLogger("fangpin.demo")

DEMO_AREAS: list[tuple[str, str]] = [
    ("610000000000", "陕西省"),
    ("610900000000", "安康市"),
    ("610924000000", "紫阳县"),
    ("610924105000", "蒿坪镇"),
    ("610924105201", "黄金村"),
    ("610924105202", "龙泉村"),
    ("610924105203", "双河村"),
    ("610924108000", "双丰镇"),
    ("610924108201", "双丰村"),
    ("610924108202", "新华村"),
    ("610924108203", "红星村"),
    ("610924108204", "团结村"),
]


class DemoLoadError(RuntimeError):
    pass


async def load_demo(client: httpx.AsyncClient) -> dict[str, int]:
    """Create the demo data through the API behind ``client``; returns counts of what was created."""
    created = 0
    for code, name in DEMO_AREAS:
        response = await client.post("/api/v1/areas", json={"code": code, "name": name})
        if response.status_code not in (200, 201):
            raise DemoLoadError(f"area {code} {name}: {response.status_code} {response.text}")
        created += response.status_code == 201
    logger.info("demo data loaded", extra={"areas_created": created, "areas_total": len(DEMO_AREAS)})
    return {"areas": created}
