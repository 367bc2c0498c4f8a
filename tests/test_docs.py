"""The OpenAPI document and a Swagger UI that works offline."""

import re


def test_openapi_document_lists_the_api_and_both_auth_schemes(client):
    spec = client.get("/api/schema/").json
    assert spec["openapi"].startswith("3.")
    assert {
        "/api/tickets/",
        "/api/tickets/{ticket_id}/",
        "/api/tickets/{ticket_id}/transition/",
        "/api/auth/tokens/",
        "/api/users/me/",
    } <= set(spec["paths"])
    assert set(spec["components"]["securitySchemes"]) == {"basicAuth", "bearerAuth"}
    assert spec["paths"]["/api/tickets/"]["get"]["summary"] == "List tickets, filtered, ordered and paginated"


def test_swagger_ui_assets_are_served_by_the_app(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/api/schema/" in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(assets) == 3
    for url in assets:
        assert url.startswith("/api/docs/assets/"), f"{url} would need the internet"
        r = client.get(url)
        assert r.status_code == 200 and len(r.data) > 1000
