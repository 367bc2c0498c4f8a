"""URL converters: ids in paths stay within the database's integer range."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest.spec.plugins import integerconverter2paramschema
from werkzeug.routing import IntegerConverter, Map

from app.fields import MAX_ID


class IdConverter(IntegerConverter):
    """`<int:...>` matching 1..MAX_ID only, so an absurd id is a 404 rather than a database error."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def register_converters(app: Flask) -> None:
    """Make `<int:...>` in every route an IdConverter (before any route is added)."""
    from app.extensions import api

    app.url_map.converters["int"] = IdConverter
    api.register_converter(IdConverter, integerconverter2paramschema)
