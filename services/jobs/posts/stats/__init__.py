"""Public-welfare post statistics (公益岗统计) of an area on a date: ``router`` → ``service`` → the
rollups (``services.jobs.shared.figures``), answers in ``schemas``."""
