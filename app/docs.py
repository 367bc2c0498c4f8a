"""Serves Swagger UI's JavaScript and CSS from the installed swagger-ui-bundle package."""

from flask import Blueprint, Flask, send_from_directory
from swagger_ui_bundle import swagger_ui_path

assets = Blueprint("docs_assets", __name__)


@assets.route("/api/docs/assets/<path:filename>")
def swagger_asset(filename: str):
    """One Swagger UI asset file."""
    return send_from_directory(swagger_ui_path, filename, max_age=86400)


def register_docs(app: Flask) -> None:
    """Serve Swagger UI assets locally so the docs work offline."""
    app.register_blueprint(assets)
