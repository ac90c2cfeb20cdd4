"""Micro-credit (扶贫小额信贷): loans from banks to households' members, their repayments, extensions
(展期) and write-offs, the banks' feed, due-date warnings (到期预警), the overdue event monitoring turns
into an alert, the figures by area and date and the ledger (小额信贷台账)."""
