"""Security headers on every response; no-store on pages; error pages for bad addresses."""
from __future__ import annotations

from tests.factories import UserFactory


def test_pages_carry_the_security_headers(client, auth):
    auth.login(UserFactory())
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_pages_have_no_inline_script(client, auth):
    auth.login(UserFactory())
    for url in ("/", "/sign-in", "/account/password"):
        html = client.get(url).get_data(as_text=True)
        for tag in html.split("<script")[1:]:
            assert tag.split(">")[0].strip().startswith(("src=", 'type="module" src=')), url


def test_session_cookie_is_http_only(client):
    UserFactory()
    response = client.get("/sign-in")
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_unknown_address_is_a_clear_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "Page not found" in response.get_data(as_text=True)
