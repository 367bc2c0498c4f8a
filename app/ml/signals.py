"""Events the ML package announces so other packages can react without importing it."""

from __future__ import annotations

from typing import Any

from blinker import Namespace
from flask import current_app

_signals = Namespace()

# Sent after the champion alias moved; receivers get sender=app and data={model_name, version, ...}.
model_promoted = _signals.signal("model-promoted")


def announce_promotion(*, version: str, **details: Any) -> None:
    """Tell subscribers (webhooks) that `version` is now the champion."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    model_promoted.send(
        app, data={"model_name": app.config["MODEL_NAME"], "version": str(version), **details}
    )
