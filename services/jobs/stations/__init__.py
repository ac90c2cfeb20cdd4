"""Photovoltaic stations (光伏扶贫电站) as jobs knows them: learned from projects' events (the inbox), named
by photovoltaic posts, with each station-month's revenue allocated to post wages."""
