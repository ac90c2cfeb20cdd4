"""Beneficiary links (利益联结): the registry's households a project or an asset benefits and how, the
payments each received through them, and the ``beneficiary.paid`` event that lets monitoring's income
rules see them."""
