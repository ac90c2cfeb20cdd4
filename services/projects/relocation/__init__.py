"""Relocation settlements (易地扶贫搬迁): a project of kind settlement, its unit types, the households
signed up with their unit and down-payment, build progress against the plan's dates, each household's
handover, move-in and old house demolished (拆旧, reported from phones), and their figures."""
