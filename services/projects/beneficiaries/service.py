"""Payments to households through their links: stored once by the client's UUID, each published in the
same transaction as ``beneficiary.paid`` (the projects outbox) so monitoring's income rules see it.

A retry (same id, same request, in the caller's area) answers the first payment and publishes nothing;
the same id with another request is a conflict that names only the id.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.calendar import china_today
from services.common.errors import Conflict, NotFound, ValidationFailed
from services.common.events.outbox import publish
from services.common.ids import new_id
from services.common.retries import request_digest
from services.projects import SCHEMA
from services.projects.beneficiaries.codes import PAID_EVENT, income_kind
from services.projects.beneficiaries.models import BeneficiaryLink, BeneficiaryPayment
from services.projects.beneficiaries.repository import BeneficiaryRepository
from services.projects.beneficiaries.schemas import PaymentCreate


def link_not_found(link_id: uuid.UUID) -> NotFound:
    return NotFound(f"No beneficiary link {link_id}", code="link_not_found")


class PaymentService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = BeneficiaryRepository(session)

    async def pay(
        self, link_id: uuid.UUID, body: PaymentCreate, principal: Principal
    ) -> tuple[BeneficiaryPayment, bool]:
        """The payment, and whether this request made it (False: a retry of the one that did)."""
        link = await self.repository.link(link_id, principal.scope_prefix)
        if link is None:
            raise link_not_found(link_id)
        payment_id = body.id or new_id()
        digest = request_digest(body.model_copy(update={"id": None}), link_id)
        if (earlier := await self.repository.payment(payment_id)) is not None:
            return self._repeated(earlier, digest, principal), False
        await self._check(link, body)
        values = {
            "id": payment_id,
            "link_id": link.id,
            "household_id": link.household_id,
            "area_code": link.area_code,
            "amount_fen": body.amount_fen,
            "paid_on": body.paid_on,
            "voucher": body.voucher,
            "notice_id": body.notice_id,
            "request_sha256": digest,
            "created_by": principal.id,
        }
        if not await self.repository.insert_payment(values):  # a racing copy committed first
            earlier = await self.repository.payment(payment_id)
            assert earlier is not None
            return self._repeated(earlier, digest, principal), False
        payment = await self.repository.payment(payment_id)
        assert payment is not None
        await publish(
            self.session,
            SCHEMA,
            PAID_EVENT,
            area_code=link.area_code,
            subject_id=link.household_id,
            payload={
                "payment_id": str(payment.id),
                "household_id": str(link.household_id),
                "year": payment.paid_on.year,
                "kind": income_kind(link.kind),
                "link_kind": link.kind,
                "amount_fen": payment.amount_fen,
                "paid_on": payment.paid_on.isoformat(),
                "project_id": str(link.project_id) if link.project_id else None,
                "asset_id": str(link.asset_id) if link.asset_id else None,
            },
        )
        return payment, True

    async def _check(self, link: BeneficiaryLink, body: PaymentCreate) -> None:
        if body.paid_on > china_today():
            raise ValidationFailed.field(["body", "paid_on"], "paid_on is in the future", "date_in_future")
        if body.paid_on < link.starts_on:
            raise ValidationFailed.field(
                ["body", "paid_on"],
                f"paid_on {body.paid_on} is before the link starts ({link.starts_on})",
                "date_before_link",
            )
        if body.notice_id is not None:
            notice = (
                await self.repository.distribution_notice(body.notice_id, link.asset_id)
                if link.asset_id is not None
                else None
            )
            if notice is None:
                raise ValidationFailed.field(
                    ["body", "notice_id"],
                    f"No income distribution notice {body.notice_id} of this link's asset",
                    "notice_not_found",
                )

    @staticmethod
    def _repeated(earlier: BeneficiaryPayment, digest: bytes, principal: Principal) -> BeneficiaryPayment:
        if earlier.request_sha256 == digest and principal.covers(earlier.area_code):
            return earlier
        raise Conflict(f"Payment {earlier.id} exists with other details", code="payment_id_in_use")
