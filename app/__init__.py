"""The Ticket Intelligence API: create_app builds the Flask app from register_* steps."""

from __future__ import annotations

import os

from flask import Flask

from app.config import API_SETTINGS, Config


def create_app(config: Config | None = None) -> Flask:
    """Build the app; config defaults to Config() read from the environment."""
    config = config or Config()
    config.validate()
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(API_SETTINGS)
    app.config.from_object(config)
    app.url_map.strict_slashes = False
    register_extensions(app)
    register_converters(app)
    register_errorhandlers(app)
    register_blueprints(app)
    register_commands(app)
    register_features(app)
    return app


def register_extensions(app: Flask) -> None:
    """Bind db, migrations and the OpenAPI layer to the app."""
    from app.extensions import api, db, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    api.init_app(app)


def register_converters(app: Flask) -> None:
    """Bound integer ids in URLs to what the database can hold."""
    from app.routing import register_converters as register

    register(app)


def register_errorhandlers(app: Flask) -> None:
    """Every error, expected or not, answers in the one JSON shape."""
    from app.errors import register_error_handlers

    register_error_handlers(app)


def register_blueprints(app: Flask) -> None:
    """Mount the API blueprints and the docs assets."""
    from app import health
    from app.analytics.routes import blp as analytics_blp
    from app.auth.routes import blp as auth_blp
    from app.docs import register_docs
    from app.extensions import api
    from app.ml.routes import blp as ml_blp
    from app.ml.routes import tickets_blp as ml_tickets_blp
    from app.tickets.routes import blp as tickets_blp

    for blp in (health.blp, auth_blp, tickets_blp, ml_tickets_blp, ml_blp, analytics_blp):
        api.register_blueprint(blp)
    register_docs(app)


def register_commands(app: Flask) -> None:
    """Add the operator CLI commands to `flask`."""
    from app.auth.commands import create_demo_users_command, create_user_command
    from app.jobs.commands import jobs_cli
    from app.ml.commands import promote_command, train_command
    from app.tickets.commands import seed_tickets_command

    app.cli.add_command(create_user_command)
    app.cli.add_command(create_demo_users_command)
    app.cli.add_command(seed_tickets_command)
    app.cli.add_command(train_command)
    app.cli.add_command(promote_command)
    app.cli.add_command(jobs_cli)


def register_features(app: Flask) -> None:
    """Wire packages that react to others (ML, admin) once the core app exists."""
    from app import ml
    from app.admin import register_admin

    ml.init_app(app)
    register_admin(app)
