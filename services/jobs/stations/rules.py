"""Which station a photovoltaic post (光伏公益岗位) may name: one that jobs knows (projects registered it),
in the caller's area, whose village the post's area lies in. 篇1's 199 光伏 posts are in the villages
whose stations pay them (村级光伏扶贫电站: a village's revenue for its own people's posts), so a post
in the station's village (or below it) is the rule; a town-level post names no single village's station."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from services.common.area_codes import is_within
from services.common.errors import ValidationFailed
from services.jobs.shared.checks import invalid
from services.jobs.stations.models import KnownStation


def station_refusal(
    station_id: uuid.UUID, station: KnownStation | None, post_area: str, at: Sequence[str | int]
) -> ValidationFailed | None:
    """Why the post in ``post_area`` may not name the station (None: it may). ``station``: as found in
    the caller's area (None: unknown, or outside it: the same answer)."""
    if station is None:
        return invalid(
            "station_id",
            f"No photovoltaic station {station_id} in your area (projects registers stations; jobs learns "
            "them moments later)",
            "station_not_found",
            at,
        )
    if not is_within(post_area, station.area_code):
        return invalid(
            "station_id",
            f"{station.name} pays the posts of its village ({station.area_code}); "
            f"this post is in {post_area}",
            "post_outside_station_village",
            at,
        )
    return None
