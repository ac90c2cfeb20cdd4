"""What each public-welfare post contributes to the post figures: ``post_deltas_of`` in
``services/jobs/sql/041_post_deltas.sql`` (the rollups' raw-row definition).

A post counts, at its own area, on the days it is in force (``starts_on`` to ``ends_on``, inclusive):
one post and ``capacity`` places. An assignment fills one place on the days it is held while the post
is in force (the overlap of the two periods), as ``repository.recount_filled_by_kind`` counts them.
Each figure is kept twice, by funding source and by type: ``posts_by_source`` / ``posts_by_type``,
``places_by_…`` and ``filled_by_…`` (key: the source or the type code).
"""

from __future__ import annotations

BY_SOURCE, BY_TYPE = "_by_source", "_by_type"
POSTS, PLACES, FILLED = "posts", "places", "filled"
