"""the change log of created households and people names their columns instead of walking a row's JSON

``log_created`` turned every new row into JSON, split it into keys, dropped the untracked and null ones
and put the rest back together: 80 µs a row, the largest single cost of a bulk import (a batch of 5,000
people: 400 ms of 650). Each table now has its own function that builds the same object from its
columns: the logged JSON is exactly what it was (a test compares the two). A column added to either
table later must be added to its function; a test checks the lists against the tables.

It made functions only; functions live in the sql layer now (sql/020_change_log.sql), which makes them
once the schema is at head: this revision is kept, empty, so that the revision chain stays whole.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
