"""Emptying the test database between tests."""

from app.extensions import db


def wipe() -> None:
    """Delete every row, children first, and commit."""
    # DELETE, children first: ~20 ms for a test's few rows, where TRUNCATE of every table costs ~0.4 s.
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()
