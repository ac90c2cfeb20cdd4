"""What the settlements part does: set up a settlement on its project with its unit types, change its
plan (with ``base_version``), sign households up for a unit (asked of the registry) and take their
down-payments, each kept once by the client's UUID."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import is_village, is_within
from services.common.auth import Principal
from services.common.calendar import china_today
from services.common.concurrency import check_version
from services.common.errors import Conflict, NotFound, ValidationFailed
from services.common.ids import new_id
from services.common.retries import request_digest
from services.common.scope import area_to_create_in
from services.projects.codes import ProjectState, Sector
from services.projects.registry import KnownHouseholds
from services.projects.relocation.models import DownPayment, Relocatee, Settlement
from services.projects.relocation.repository import SettlementRepository
from services.projects.relocation.schemas import DownPaymentCreate, SettlementCreate, SettlementUpdate, SignUp
from services.projects.repository import ProjectRepository


def settlement_not_found(settlement_id: uuid.UUID) -> NotFound:
    return NotFound(f"No settlement {settlement_id}", code="settlement_not_found")


def not_in_future(day: object, field: list[str | int]) -> None:
    if day is not None and day > china_today():  # type: ignore[operator]
        raise ValidationFailed.field(field, f"{day} is in the future", "date_in_future")


class SettlementService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = SettlementRepository(session)

    async def create(self, body: SettlementCreate, principal: Principal) -> tuple[Settlement, bool]:
        """The settlement, and whether this request made it (False: a retry of the one that did)."""
        area_to_create_in(body.area_code, principal)
        if not is_village(body.area_code):
            raise ValidationFailed.field(
                ["body", "area_code"], "A settlement stands in a village (行政村)", "area_not_village"
            )
        settlement_id, digest = body.id or new_id(), request_digest(body.model_copy(update={"id": None}))
        if (earlier := await self.repository.get_anywhere(settlement_id)) is not None:
            return self._repeated(earlier, digest, principal), False
        await self._on_project(body, principal)
        values = body.model_dump(exclude={"id", "unit_types"}) | {
            "id": settlement_id,
            "request_sha256": digest,
            "created_by": principal.id,
        }
        types = [u.model_dump() | {"id": new_id(), "settlement_id": settlement_id} for u in body.unit_types]
        if not await self.repository.insert(values, types):  # a concurrent copy, or the project's settlement
            earlier = await self.repository.get_anywhere(settlement_id)
            if earlier is None:
                raise Conflict(
                    f"Project {body.project_id} has a settlement already", code="project_has_settlement"
                )
            return self._repeated(earlier, digest, principal), False
        settlement = await self.repository.get_anywhere(settlement_id)
        assert settlement is not None
        return settlement, True

    @staticmethod
    def _repeated(earlier: Settlement, digest: bytes, principal: Principal) -> Settlement:
        if earlier.request_sha256 == digest and principal.covers(earlier.area_code):
            return earlier
        raise Conflict(f"Settlement {earlier.id} exists already", code="settlement_id_in_use")

    async def _on_project(self, body: SettlementCreate, principal: Principal) -> None:
        project = await ProjectRepository(self.session).get(body.project_id, principal.scope_prefix)
        if project is None:  # outside the caller's area is the same as unknown
            raise ValidationFailed.field(
                ["body", "project_id"], f"No project {body.project_id}", "project_not_found"
            )
        if project.sector != Sector.settlement_housing.value or project.state == ProjectState.cancelled.value:
            raise Conflict(
                "A settlement's project is of sector settlement_housing (定居/危旧房改造), not cancelled",
                code="project_not_settlement",
            )
        if await self.repository.of_project(project.id) is not None:
            raise Conflict(f"Project {project.id} has a settlement already", code="project_has_settlement")
        if not is_within(body.area_code, project.area_code):
            raise ValidationFailed.field(
                ["body", "area_code"], "A settlement stands in its project's area", "area_not_projects"
            )

    async def locked(self, settlement_id: uuid.UUID, principal: Principal) -> Settlement:
        settlement = await self.repository.get(settlement_id, principal.scope_prefix, lock=True)
        if settlement is None:
            raise settlement_not_found(settlement_id)
        return settlement

    async def update(
        self, settlement_id: uuid.UUID, body: SettlementUpdate, principal: Principal
    ) -> Settlement:
        settlement = await self.locked(settlement_id, principal)
        check_version(settlement.version, None, body.base_version)
        not_in_future(body.main_structure_done_on, ["body", "main_structure_done_on"])
        for name, value in body.model_dump(exclude={"base_version"}, exclude_none=True).items():
            setattr(settlement, name, value)
        settlement.version += 1
        settlement.updated_at = datetime.now(UTC)
        await self.session.flush()
        await self.session.refresh(settlement)
        return settlement

    # Households ----------------------------------------------------------------------------------

    async def sign_up(
        self, settlement_id: uuid.UUID, body: SignUp, principal: Principal, households: KnownHouseholds
    ) -> tuple[Relocatee, bool]:
        """The household signed up, and whether this request did it (False: a retry)."""
        settlement = await self.repository.get(settlement_id, principal.scope_prefix)
        if settlement is None:
            raise settlement_not_found(settlement_id)
        client_id = body.id or new_id()
        digest = request_digest(body.model_copy(update={"id": None}), settlement_id)
        if (earlier := await self.repository.relocatee_anywhere(client_id)) is not None:
            return self._repeated_signup(earlier, digest, principal), False
        not_in_future(body.signed_on, ["body", "signed_on"])
        types = {t.id: t for t in await self.repository.unit_types([settlement.id])}
        unit = types.get(body.unit_type_id)
        if unit is None:
            raise ValidationFailed.field(
                ["body", "unit_type_id"],
                f"No unit type {body.unit_type_id} of this settlement",
                "unit_type_not_found",
            )
        due = 0 if unit.turnkey else body.down_payment_due_fen
        if due is None:
            due = settlement.min_down_payment_fen
        if not unit.turnkey and due < settlement.min_down_payment_fen:
            raise ValidationFailed.field(
                ["body", "down_payment_due_fen"],
                f"{due} fen is below the settlement's minimum of {settlement.min_down_payment_fen} fen",
                "down_payment_below_minimum",
            )
        village = (await households([body.household_id])).get(body.household_id)
        if village is None:
            raise ValidationFailed.field(
                ["body", "household_id"],
                f"No household {body.household_id} in your area",
                "household_not_found",
            )
        if await self.repository.of_household(body.household_id) is not None:
            raise Conflict("The household is signed up for a settlement already", code="household_signed_up")
        values = {
            "id": client_id,
            "settlement_id": settlement.id,
            "unit_type_id": unit.id,
            "household_id": body.household_id,
            "area_code": village,
            "signed_on": body.signed_on,
            "down_payment_due_fen": due,
            "request_sha256": digest,
            "created_by": principal.id,
        }
        if not await self.repository.insert_relocatee(values):  # a racing copy, or the household's
            earlier = await self.repository.relocatee_anywhere(client_id)
            if earlier is None:
                raise Conflict(
                    "The household is signed up for a settlement already", code="household_signed_up"
                )
            return self._repeated_signup(earlier, digest, principal), False
        made = await self.repository.relocatee_anywhere(client_id)
        assert made is not None
        return made, True

    @staticmethod
    def _repeated_signup(earlier: Relocatee, digest: bytes, principal: Principal) -> Relocatee:
        if earlier.request_sha256 == digest and principal.covers(earlier.area_code):
            return earlier
        raise Conflict(f"Sign-up {earlier.id} exists with other details", code="signup_id_in_use")

    async def pay(
        self, settlement_id: uuid.UUID, body: DownPaymentCreate, principal: Principal
    ) -> tuple[DownPayment, Relocatee, bool]:
        """The down-payment, its household, and whether this request made it (False: a retry)."""
        if await self.repository.get(settlement_id, principal.scope_prefix) is None:
            raise settlement_not_found(settlement_id)
        payment_id = body.id or new_id()
        digest = request_digest(body.model_copy(update={"id": None}), settlement_id)
        if (earlier := await self.repository.payment(payment_id)) is not None:
            return await self._repeated_payment(earlier, digest, principal)
        relocatee = await self.repository.relocatee(
            settlement_id, body.household_id, principal.scope_prefix, lock=True
        )
        if relocatee is None:
            raise ValidationFailed.field(
                ["body", "household_id"],
                f"No household {body.household_id} signed up for this settlement in your area",
                "household_not_found",
            )
        not_in_future(body.paid_on, ["body", "paid_on"])
        if body.paid_on < relocatee.signed_on:
            raise ValidationFailed.field(
                ["body", "paid_on"],
                f"paid_on is before the sign-up ({relocatee.signed_on})",
                "date_too_early",
            )
        values = body.model_dump(exclude={"id", "household_id"}) | {
            "id": payment_id,
            "settlement_id": settlement_id,
            "relocatee_id": relocatee.id,
            "area_code": relocatee.area_code,
            "request_sha256": digest,
            "created_by": principal.id,
        }
        if not await self.repository.insert_payment(values):
            earlier = await self.repository.payment(payment_id)
            assert earlier is not None
            return await self._repeated_payment(earlier, digest, principal)
        payment = await self.repository.payment(payment_id)
        assert payment is not None
        await self.session.refresh(relocatee)
        return payment, relocatee, True

    async def _repeated_payment(
        self, earlier: DownPayment, digest: bytes, principal: Principal
    ) -> tuple[DownPayment, Relocatee, bool]:
        if earlier.request_sha256 != digest or not principal.covers(earlier.area_code):
            raise Conflict(f"Payment {earlier.id} exists with other details", code="payment_id_in_use")
        relocatee = await self.repository.relocatee_anywhere(earlier.relocatee_id)
        assert relocatee is not None
        return earlier, relocatee, False
