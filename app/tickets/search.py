"""The tickets' full-text search document: title weighted above description, English and Italian stems.

On PostgreSQL it is a generated tsvector column with a GIN index; `q=` matches it with websearch_to_tsquery in
the language asked for. Both languages' stems live in one document, so one index serves either. SQLite keeps a
plain generated text column (unused: its `q=` is a LIKE over title and description).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement

LANGUAGES = ("english", "italian")


class SearchDocument(ColumnElement[Any]):
    """The generated column's expression, rendered per dialect."""

    inherit_cache = True


def _weighted(column: str, weight: str) -> str:
    return " || ".join(
        f"setweight(to_tsvector('{lang}'::regconfig, coalesce({column}, '')), '{weight}')"
        for lang in LANGUAGES
    )


@compiles(SearchDocument, "postgresql")
def _postgresql(element: SearchDocument, compiler: Any, **kw: Any) -> str:
    return f"{_weighted('title', 'A')} || {_weighted('description', 'B')}"


@compiles(SearchDocument)
def _other(element: SearchDocument, compiler: Any, **kw: Any) -> str:
    return "title || ' ' || description"


SEARCH_DOCUMENT: Any = SearchDocument()
