"""A flask-smorest Blueprint whose paginated responses also carry an RFC 8288 Link header."""

from __future__ import annotations

import json

import flask_smorest
from flask import request, url_for


def _page_url(page: int) -> str:
    args = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    return url_for(str(request.endpoint), **(request.view_args or {}), **args)  # type: ignore[arg-type]


class Blueprint(flask_smorest.Blueprint):
    """flask_smorest.Blueprint plus `Link: <...>; rel="next"` and friends on paginated lists."""

    def _set_pagination_metadata(self, page_params, result, headers):
        result, headers = super()._set_pagination_metadata(page_params, result, headers)
        meta = json.loads(headers[self.PAGINATION_HEADER_NAME])
        rels = {"first": "first_page", "prev": "previous_page", "next": "next_page", "last": "last_page"}
        links = [f'<{_page_url(meta[key])}>; rel="{rel}"' for rel, key in rels.items() if key in meta]
        if links:
            headers["Link"] = ", ".join(links)
        return result, headers
