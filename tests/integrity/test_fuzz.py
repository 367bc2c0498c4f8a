"""A bounded schema-driven fuzz run over the OpenAPI document: never a 5xx, errors always in the one shape."""

from __future__ import annotations

import base64

import pytest

from app.auth import service as auth_service
from tests.factories import PASSWORD
from tests.helpers.fuzz import fuzz_failures

# ML routes are fuzzed with a served model in tests/ml/test_fuzz_ml.py; without one they answer 503 by design.
EXCLUDED = r"^/api/ml/|/ml_predict/|/similar/|/category/confirm/|^/health/"


@pytest.mark.slow
def test_fuzzed_requests_get_no_5xx_and_errors_in_the_one_shape(app, make_user, make_ticket, auth):
    admin = make_user(role="admin")  # admins reach every endpoint
    token, _ = auth_service.issue_token(user=admin, name="fuzzed")
    known = {"ticket_id": make_ticket(created_by=admin).id, "token_id": token.id}
    basic = "Basic " + base64.b64encode(f"{admin.username}:{PASSWORD}".encode()).decode()

    def credentials(case) -> dict[str, str]:
        if case.path == "/api/auth/tokens/" and case.method == "POST":  # issuing a token takes the password
            return {"Authorization": basic}
        return auth(admin)

    operations, failures = fuzz_failures(app, credentials, exclude=EXCLUDED, known=known)
    assert len(operations) >= 10
    assert failures == []
