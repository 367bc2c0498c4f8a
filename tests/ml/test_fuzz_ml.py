"""The ML endpoints fuzzed with a champion served: never a 5xx, errors always in the one shape."""

from __future__ import annotations

import pytest

from app.auth import service as auth_service
from tests.helpers.fuzz import fuzz_failures

# Training and promotion start jobs that take seconds each; they are tested with chosen input elsewhere.
ML_PATHS = r"^/api/ml/|/ml_predict/|/similar/|/category/confirm/"
SLOW_JOBS = r"^/api/ml/(train|promote)/"


@pytest.mark.slow
def test_fuzzed_ml_requests_get_no_5xx_and_errors_in_the_one_shape(app, serving, make_user, make_ticket):
    admin = make_user(role="admin")
    ticket = make_ticket(created_by=admin, title="Charged twice", description="Two payments on my card.")
    _, secret = auth_service.issue_token(user=admin, name="fuzz")
    operations, failures = fuzz_failures(
        app,
        lambda case: {"Authorization": f"Bearer {secret}"},
        include=ML_PATHS,
        exclude=SLOW_JOBS,
        known={"ticket_id": ticket.id},
    )
    assert len(operations) >= 8
    assert failures == []
