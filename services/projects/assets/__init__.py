"""Poverty-alleviation assets (扶贫资产): formed when a project is handed over or registered directly,
titled (确权), checked yearly (核查清算), earning income whose distribution, like the asset's operation
and disposal, goes through a public notice (公告公示) before it takes effect."""
