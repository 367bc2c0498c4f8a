"""The tickets' full-text search document: title weighted above description, English and Italian stems.

On PostgreSQL it is a generated tsvector column with a GIN index; `q=` matches it with websearch_to_tsquery in
the language asked for. Both languages' stems live in one document, so one index serves either. SQLite keeps a
plain generated text column (unused: its `q=` is a LIKE over title and description).
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement

from app.extensions import db

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


def text_query(q: str, lang: str) -> sa.ColumnElement[Any]:
    """websearch_to_tsquery of q in the language (PostgreSQL): quotes, OR and -word as users type them."""
    return sa.func.websearch_to_tsquery(sa.cast(lang, postgresql.REGCONFIG), q)


def estimated_matches(*, q: str, lang: str) -> tuple[float, float]:
    """(tickets matching q, all tickets) as the planner estimates them: statistics only, no rows read."""
    plan = db.session.scalar(
        sa.text(
            "EXPLAIN (FORMAT JSON) SELECT 1 FROM tickets "
            "WHERE search_vector @@ websearch_to_tsquery(CAST(:lang AS regconfig), :q) "
            "UNION ALL SELECT 1 FROM tickets"
        ),
        {"lang": lang, "q": q},
    )
    plan = json.loads(plan) if isinstance(plan, str) else plan
    matching, every = (float(child["Plan Rows"]) for child in plan[0]["Plan"]["Plans"])
    return matching, every
