"""The projects service: the money side of the work — the project library (项目库), funds by source
(budget → received 到位 → paid 支付, integer fen), and their figures by sector and source."""

SCHEMA = "projects"
