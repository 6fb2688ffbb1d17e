"""The investigator web page: static files served from memory, the endpoints the page needs, security headers."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from fedcore.query import searchable_schema
from fedcore.vocabulary import PURPOSES
from gateway.api import Me, SchemaDescription, SchemaProperty, Schemata
from gateway.errors import NotFound
from gateway.typedefs import INVESTIGATOR, WEB_ASSETS

STATIC_DIR = Path(__file__).resolve().parent / "static"
CONTENT_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}
# The page needs its own scripts, styles and API calls, and nothing else.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# The fields the page offers per record type, most useful first (FtM property names).
PAGE_FIELDS = {
    "Person": ["name", "firstName", "lastName", "birthDate", "nationality", "gender", "passportNumber", "idNumber"],
    "Passport": ["number", "surname", "givenName", "birthDate", "country"],
    "Vehicle": ["registrationNumber", "model", "country"],
}


def load_assets() -> dict[str, tuple[bytes, str]]:
    """Every file of the page, read once at start-up: name -> (content, content type)."""
    return {
        path.name: (path.read_bytes(), CONTENT_TYPES[path.suffix])
        for path in STATIC_DIR.iterdir()
        if path.suffix in CONTENT_TYPES
    }


def _asset(request: web.Request, name: str) -> web.Response:
    found = request.app[WEB_ASSETS].get(name)
    if found is None:
        raise NotFound(f"no file {name!r}")
    content, content_type = found
    return web.Response(body=content, content_type=content_type, charset="utf-8", headers={"Cache-Control": "no-cache"})


async def page(request: web.Request) -> web.Response:
    return _asset(request, "index.html")


async def static(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name == "index.html":
        raise NotFound(f"no file {name!r}")
    return _asset(request, name)


async def me(request: web.Request) -> web.Response:
    """Who the token says the investigator is: what the page shows and which purposes it offers."""
    investigator = request[INVESTIGATOR]
    return web.json_response(
        Me(
            investigator=investigator.investigator_id,
            country=investigator.country,
            agency=investigator.agency,
            clearance=investigator.clearance,
            purposes=[purpose for purpose in PURPOSES if purpose in investigator.purposes],
            issuer=investigator.issuer,
            expires_at=investigator.expires_at,
        ).document()
    )


def schemata_description() -> Schemata:
    described = []
    for name, fields in PAGE_FIELDS.items():
        schema = searchable_schema(name)
        described.append(
            SchemaDescription(
                name=schema.name,
                label=schema.label,
                properties=[
                    SchemaProperty(
                        name=field, label=schema.properties[field].label, type=schema.properties[field].type.name
                    )
                    for field in fields
                ],
                # Labels of every property a result of this type may show.
                labels={name: prop.label for name, prop in sorted(schema.properties.items()) if not prop.stub},
            )
        )
    return Schemata(schemata=described)


SCHEMATA = schemata_description().document()


async def schemata(request: web.Request) -> web.Response:
    return web.json_response(SCHEMATA)


HSTS_MAX_AGE_S = 365 * 24 * 3600


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    for header, value in SECURITY_HEADERS.items():
        response.headers.setdefault(header, value)
    if request.secure:
        # Served over HTTPS: browsers must not come back over plain HTTP.
        response.headers.setdefault("Strict-Transport-Security", f"max-age={HSTS_MAX_AGE_S}")
