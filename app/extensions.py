"""Flask extensions, created unbound and bound to the app by create_app."""

from enum import StrEnum
from typing import TYPE_CHECKING

from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Enum, MetaData

from app.database import RequestSession

# Named constraints keep Alembic migrations deterministic across databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(
    metadata=MetaData(naming_convention=NAMING_CONVENTION), session_options={"class_": RequestSession}
)
# Batch mode lets later ALTER TABLE migrations run on SQLite too.
migrate = Migrate(render_as_batch=True, compare_type=True)
api = Api()

if TYPE_CHECKING:
    # Flask-SQLAlchemy builds db.Model at run time, which type checkers cannot follow.
    from sqlalchemy.orm import DeclarativeBase

    class Model(DeclarativeBase):
        """What db.Model is, as far as the type checker needs to know."""

else:
    Model = db.Model


def enum_column_type(enum: type[StrEnum], *, name: str, length: int) -> Enum:
    """A VARCHAR holding the enum's values, with a CHECK constraint named `name` (no native database enum)."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=False,  # unknown strings reach the CHECK constraint; filters just match nothing
        length=length,
        values_callable=lambda members: [member.value for member in members],
    )


def is_postgresql() -> bool:
    """Whether the session talks to PostgreSQL (else the embedded SQLite): the one dialect check."""
    return db.session.get_bind().dialect.name == "postgresql"


def commit_keeping_state() -> None:
    """Commit without expiring the session's objects: a response then serialises them as just written.

    With the default expire_on_commit, dumping a ticket after its write reloads it with one more SELECT;
    its attributes are what this transaction wrote (the version included), so the reload reads nothing new.
    """
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire
