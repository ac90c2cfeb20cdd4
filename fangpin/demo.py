"""Demo data drawn from the seed work summaries, loaded through the public API (so every rule applies).

Loading is idempotent: each create answers 200 when the same thing already exists. The county and town
names follow 篇5 (紫阳县蒿坪镇黄金村, 龙泉村); 篇1 does not name its town, so the demo calls it 双丰镇
after its 双丰村. The codes are illustrative, not the official ones.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import string
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from fangpin.demo_beneficiaries import load_beneficiaries
from fangpin.demo_cases import load_cases
from fangpin.demo_credit import load_credit
from fangpin.demo_drops import load_figures
from fangpin.demo_households import load_households
from fangpin.demo_jobs import load_jobs
from fangpin.demo_monitoring import load_monitoring
from fangpin.demo_oversight import load_oversight
from fangpin.demo_plans import load_plans
from fangpin.demo_projects import load_projects
from fangpin.demo_relocation import load_relocation
from fangpin.demo_schools import load_schools

logger = logging.getLogger("fangpin.demo")

COUNTY = "610924000000"
DEMO_AREAS: list[tuple[str, str]] = [
    ("610000000000", "陕西省"),
    ("610900000000", "安康市"),
    (COUNTY, "紫阳县"),
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
# One user per role, each scoped as that role works. "admin" (national scope) is the bootstrap account.
DEMO_ADMIN = ("admin", "系统管理员", "county_admin", "000000000000")
DEMO_USERS: list[tuple[str, str, str, str]] = [
    ("county", "紫阳县管理员", "county_admin", COUNTY),
    ("reviewer", "蒿坪镇审核员", "town_reviewer", "610924105000"),
    ("cadre", "黄金村村干部", "village_cadre", "610924105201"),
    ("partner", "县医保局接口", "bureau_partner", COUNTY),
    ("auditor", "县纪委审计员", "auditor", COUNTY),
    ("ops", "运维值班", "ops", "000000000000"),
]


class DemoLoadError(RuntimeError):
    pass


class PatientTransport(httpx.AsyncBaseTransport):
    """Waits out a 429 for as long as the server asks (Retry-After), then sends again: the demo is one
    caller making thousands of requests, and on a restart, where most are answered "already there" at
    once, it outruns the gateway's rate limit. A 429 means nothing was done, so sending again is safe."""

    PATIENCE = 50  # attempts; the limit refills within seconds

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        for _ in range(self.PATIENCE):
            response = await self.inner.handle_async_request(request)
            if response.status_code != 429:
                return response
            await response.aclose()
            await asyncio.sleep(min(float(response.headers.get("retry-after", "1") or 1), 10.0))
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def demo_passwords(data_dir: Path) -> dict[str, str]:
    """The demo accounts' passwords: made once per data directory, kept there (0600), printed at start."""
    path = data_dir / "demo-passwords.json"
    if path.exists():
        return json.loads(path.read_text())
    alphabet = string.ascii_letters + string.digits
    passwords = {
        username: "".join(secrets.choice(alphabet) for _ in range(12))
        for username, *_ in [DEMO_ADMIN, *DEMO_USERS]
    }
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(passwords, handle, indent=2)
    return passwords


def _ok(response: httpx.Response, what: str) -> httpx.Response:
    if response.status_code not in (200, 201):
        raise DemoLoadError(f"{what}: {response.status_code} {response.text}")
    return response


def _created(response: httpx.Response, what: str) -> bool:
    """True if made now; False if it was already there, even if someone has changed it since (409)."""
    if response.status_code == 409:
        logger.info("demo %s exists and was changed since; left as it is", what)
        return False
    return _ok(response, what).status_code == 201


async def _cadre_auth(client: httpx.AsyncClient, passwords: dict[str, str]) -> dict[str, str] | None:
    """黄金村's cadre, who reports the demo's rectification progress; None where the account cannot sign
    in (say, its password was changed since the demo made it)."""
    username = "cadre"
    if username not in passwords:
        return None
    response = await client.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": username, "password": passwords[username]},
    )
    if response.status_code != 200:
        logger.warning("demo: %s cannot sign in; the rectification items stay open", username)
        return None
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _oversight(
    client: httpx.AsyncClient, admin_auth: dict[str, str], passwords: dict[str, str]
) -> dict[str, int]:
    return await load_oversight(client, admin_auth, await _cadre_auth(client, passwords))


async def sign_in(client: httpx.AsyncClient, username: str, password: str) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/token", data={"grant_type": "password", "username": username, "password": password}
    )
    token = _ok(response, f"sign in as {username}").json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


async def load_demo(
    client: httpx.AsyncClient,
    admin_auth: dict[str, str],
    passwords: dict[str, str],
    with_accounts: bool = True,
) -> dict[str, int]:
    """Create the demo areas, households and people (and, with ``with_accounts``, the accounts an
    administrator may grant) through the API, as the bootstrap administrator."""
    created = {"areas": 0, "users": 0}
    for code, name in DEMO_AREAS:
        response = await client.post("/api/v1/areas", json={"code": code, "name": name}, headers=admin_auth)
        created["areas"] += _created(response, f"area {code}")
    for username, display_name, role, area_code in DEMO_USERS if with_accounts else []:
        if role == "auditor":
            logger.warning("demo: create the auditor with `fangpin users create %s --role auditor`", username)
            continue
        body = {
            "username": username,
            "display_name": display_name,
            "password": passwords[username],
            "role": role,
            "area_code": area_code,
        }
        response = await client.post("/api/v1/users", json=body, headers=admin_auth)
        created["users"] += _created(response, f"user {username}")
    steps: list[tuple[str, Callable[[], Awaitable[dict[str, int]]]]] = [
        ("households", lambda: load_households(client, admin_auth)),
        ("projects", lambda: load_projects(client, admin_auth)),  # its stations, which 光伏 posts name
        ("jobs", lambda: load_jobs(client, admin_auth)),
        ("monitoring", lambda: load_monitoring(client, admin_auth)),
        ("cases", lambda: load_cases(client, admin_auth)),
        ("plans", lambda: load_plans(client, admin_auth)),
        ("figures", lambda: load_figures(client, admin_auth)),  # after the cases: 边缘易致贫 by type
        ("beneficiaries", lambda: load_beneficiaries(client, admin_auth)),
        ("credit", lambda: load_credit(client, admin_auth)),  # 篇1's 408.7万元 of micro-credit
        ("relocation", lambda: load_relocation(client, admin_auth)),  # 篇5's settlement at 显月寺
        ("oversight", lambda: _oversight(client, admin_auth, passwords)),
        ("schools", lambda: load_schools(client, admin_auth)),  # 篇2's children and student aid
    ]
    for number, (name, step) in enumerate(steps, start=1):
        started = time.monotonic()
        created |= await step()
        # A minute or more in all: say how far it is, step by step.
        logger.info("demo %d/%d: %s in %.1f s", number, len(steps), name, time.monotonic() - started)
    logger.info("demo data loaded", extra=created)
    return created


def accounts_table(passwords: dict[str, str]) -> str:
    lines = ["demo accounts (username / password / role / area):"]
    for username, _, role, area_code in [DEMO_ADMIN, *DEMO_USERS]:
        lines.append(f"  {username:<9} {passwords[username]:<14} {role:<15} {area_code}")
    return "\n".join(lines)
