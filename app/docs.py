"""The OpenAPI document's finishing touches, and Swagger UI's assets from the swagger-ui-bundle package."""

from typing import Any

from flask import Blueprint, Flask, send_from_directory
from marshmallow import fields
from swagger_ui_bundle import swagger_ui_path

from app.error_docs import register_error_docs

assets = Blueprint("docs_assets", __name__)


@assets.route("/api/docs/assets/<path:filename>")
def swagger_asset(filename: str):
    """One Swagger UI asset file."""
    return send_from_directory(swagger_ui_path, filename, max_age=86400)


def nullable_enum_lists_null(converter: Any, field: fields.Field, ret: dict, **_: Any) -> dict:
    """OpenAPI 3.0 requires an enum of a nullable property to list null, or clients reject null values."""
    enum = ret.get("enum")
    if field.allow_none and enum is not None and None not in enum:
        return {"enum": [*enum, None]}
    return {}


def register_docs(app: Flask) -> None:
    """Make the document exact for generated clients; serve Swagger UI assets locally (works offline)."""
    from app.extensions import api

    api.ma_plugin.converter.add_attribute_function(nullable_enum_lists_null)
    register_error_docs(app, api.spec)
    app.register_blueprint(assets)
