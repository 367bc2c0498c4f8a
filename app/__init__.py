"""The Ticket Intelligence API: create_app builds the Flask app from register_* steps."""

from __future__ import annotations

import os

from flask import Flask

from app.config import API_SETTINGS, Config, load_env


def create_app(config: Config | None = None) -> Flask:
    """Build the app; without a config (gunicorn, flask), settings come from the environment and .env."""
    config = config or Config(load_env())
    config.validate()
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(API_SETTINGS)
    app.config.from_object(config)
    app.url_map.strict_slashes = False
    register_logging(app)
    register_extensions(app)
    register_security(app)
    register_converters(app)
    register_errorhandlers(app)
    register_request_guards(app)
    register_blueprints(app)
    register_commands(app)
    register_features(app)
    return app


def register_logging(app: Flask) -> None:
    """Request ids, one log line per request and the root log handler (first, so it sees every request)."""
    from app.request_log import register_logging as register

    register(app)


def register_security(app: Flask) -> None:
    """Security headers, throttling and the /metrics endpoint."""
    from app.metrics import register_metrics
    from app.security_headers import register_security_headers
    from app.throttling import register_throttling

    register_security_headers(app)
    register_throttling(app)
    register_metrics(app)


def register_extensions(app: Flask) -> None:
    """Bind db, migrations and the OpenAPI layer to the app."""
    from app.auth import token_cache
    from app.database import register_connection_checks
    from app.extensions import api, db, migrate

    db.init_app(app)
    token_cache.init_app(app)
    with app.app_context():
        register_connection_checks(db.engine)
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


def register_request_guards(app: Flask) -> None:
    """Refuse oversized and too deeply nested bodies before anything parses them."""
    from app.request_guards import register_request_guards as register

    register(app)


def register_blueprints(app: Flask) -> None:
    """Mount the API blueprints and the docs assets."""
    from app import health
    from app.analytics.routes import blp as analytics_blp
    from app.audit.routes import blp as audit_blp
    from app.auth.routes import blp as auth_blp
    from app.docs import register_docs
    from app.extensions import api
    from app.ml.routes import blp as ml_blp
    from app.ml.routes import tickets_blp as ml_tickets_blp
    from app.sla.routes import blp as sla_blp
    from app.tickets.routes import blp as tickets_blp
    from app.webhooks.routes import blp as webhooks_blp

    register_docs(app)  # before the blueprints: it adjusts how their schemas are documented
    blueprints = (
        health.blp,
        auth_blp,
        tickets_blp,
        ml_tickets_blp,
        ml_blp,
        analytics_blp,
        audit_blp,
        sla_blp,
    )
    for blp in (*blueprints, webhooks_blp):
        api.register_blueprint(blp)


def register_commands(app: Flask) -> None:
    """Add the operator CLI commands to `flask`."""
    from app.analytics.commands import analytics_group
    from app.auth.commands import create_demo_users_command, create_user_command
    from app.demo.commands import seed_tickets_command
    from app.jobs.commands import jobs_cli
    from app.ml.commands import init_tracking_store_command, ml_group, promote_command, train_command

    app.cli.add_command(create_user_command)
    app.cli.add_command(create_demo_users_command)
    app.cli.add_command(seed_tickets_command)
    app.cli.add_command(train_command)
    app.cli.add_command(promote_command)
    app.cli.add_command(init_tracking_store_command)
    app.cli.add_command(analytics_group)
    app.cli.add_command(ml_group)
    app.cli.add_command(jobs_cli)


def register_features(app: Flask) -> None:
    """Wire packages that react to others (ML, admin) once the core app exists."""
    from app import ml, sla, webhooks
    from app.admin import register_admin
    from app.analytics import maintain

    sla.init_app(app)
    maintain.init_app(app)
    ml.init_app(app)
    webhooks.init_app(app)  # after ML: a created ticket's event carries its auto-triaged category
    register_admin(app)
