"""A county's real day as a load test (issue #26): `bench/run --only day`.

county.py prepares the county on a fresh database, users.py holds the locust users (phones, offices,
the bureau, the importer), load.py runs them with locust as a library in a process of its own (gevent
patches the standard library, which the asyncio benchmarks must not share), run.py ties it together
and turns what was measured into the table's rows. Nothing here imports locust but users.py and load.py.
"""

# p95 goals of the issue, by kind of request (ms); the list goal holds for both kinds of list.
GOALS_MS = {
    "sync page": 150.0,
    "visits batch": 500.0,
    "area report": 100.0,
    "household list page": 100.0,
    "alert list page": 100.0,
}
PHONE_GOALS_MS = {name: GOALS_MS[name] for name in ("sync page", "visits batch")}
