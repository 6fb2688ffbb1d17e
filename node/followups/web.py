"""The officer's review page: the node's follow-ups listed, shown and decided in a browser, on the node's own
operator listener with the node's own officer accounts (`[operator]` in node.toml). It calls the same code as
`fedgate node follow-ups list|show|decide`; pages are rendered on the server, every value escaped, no script."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import html
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from fedcore.answers import hit_document
from fedcore.vocabulary import OFFICER_REFUSALS
from node.audit import AuditError
from node.config import NodeConfig, OperatorTable
from node.decisions import PolicyUnavailable
from node.followups.officer import DecisionError, OfficerDecision, decide_follow_up
from node.followups.queue import PENDING, FollowUp, FollowUpQueue, QueueError, follow_ups_location, now_utc
from node.store import Store, StoredRecord, StoreError

SESSION_COOKIE = "fedgate_officer"
# A working shift; the session is held in this process's memory only (a restart logs everyone out).
SESSION_TTL_S = 8 * 3600.0
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
# Guessing passwords: after this many failed logins for one officer name (known or not) within the window, that
# name is refused without a password check until the window has passed since its first failure.
MAX_FAILED_LOGINS, FAILED_LOGIN_WINDOW_S = 5, 15 * 60.0
STATIC = Path(__file__).parent / "static"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none';"
    " base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
e = html.escape


def hash_password(password: str, salt: bytes | None = None) -> str:
    """An officer's password as `[operator] officers` keeps it: scrypt, its parameters and salt beside the hash."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    encoded = (base64.b64encode(part).decode() for part in (salt, digest))
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${'$'.join(encoded)}"


def password_matches(stored: str, password: str) -> bool:
    _, n, r, p, salt, digest = stored.split("$")
    computed = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p))
    return hmac.compare_digest(computed, base64.b64decode(digest))


# Checked when the name is unknown, so that a wrong name takes as long as a wrong password.
UNKNOWN_OFFICER = hash_password(secrets.token_urlsafe(16))


@dataclass
class Session:
    officer: str
    csrf: str
    expires_at: float


class LoginThrottle:
    """Failed logins per officer name within a window; unknown names count alike (saying nothing of who exists)."""

    def __init__(self, limit: int = MAX_FAILED_LOGINS, window_s: float = FAILED_LOGIN_WINDOW_S) -> None:
        self.limit, self.window_s = limit, window_s
        self._failures: dict[str, list[float]] = {}

    def retry_after(self, officer: str, now: float) -> float:
        """Seconds until this name may try again; 0 when it may now."""
        recent = [moment for moment in self._failures.get(officer, []) if now - moment < self.window_s]
        self._failures[officer] = recent
        return self.window_s - (now - recent[0]) if len(recent) >= self.limit else 0.0

    def failed(self, officer: str, now: float) -> None:
        if len(self._failures) > 10_000:  # bounded: forget the names with no recent failure
            self._failures = {name: times for name, times in self._failures.items() if now - times[-1] < self.window_s}
        self._failures.setdefault(officer, []).append(now)

    def succeeded(self, officer: str) -> None:
        self._failures.pop(officer, None)


class Sessions:
    """Logged-in officers by a random token (the cookie's value), each with its own CSRF token."""

    def __init__(self, ttl_s: float = SESSION_TTL_S) -> None:
        self.ttl_s = ttl_s
        self._by_token: dict[str, Session] = {}

    def open(self, officer: str) -> str:
        now = time.monotonic()
        self._by_token = {token: s for token, s in self._by_token.items() if s.expires_at > now}
        token = secrets.token_urlsafe(32)
        self._by_token[token] = Session(officer, secrets.token_urlsafe(32), now + self.ttl_s)
        return token

    def find(self, token: str | None) -> Session | None:
        session = self._by_token.get(token or "")
        if session is None or session.expires_at <= time.monotonic():
            return None
        return session

    def close(self, token: str | None) -> None:
        self._by_token.pop(token or "", None)


CONFIG = web.AppKey("config", NodeConfig)
OPERATOR = web.AppKey("operator", OperatorTable)
SESSIONS = web.AppKey("sessions", Sessions)
THROTTLE = web.AppKey("throttle", LoginThrottle)


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as error:
        error.headers.update(SECURITY_HEADERS)
        raise
    response.headers.update(SECURITY_HEADERS)
    return response


def page(title: str, body: str, session: Session | None = None, status: int = 200) -> web.Response:
    header = ""
    if session is not None:
        header = (
            f'<header><a href="/">Follow-ups</a><span>{e(session.officer)}</span>'
            f'<form method="post" action="/logout"><input type="hidden" name="csrf" value="{e(session.csrf)}">'
            '<button type="submit">Log out</button></form></header>'
        )
    text = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>'
        f'<link rel="stylesheet" href="/static/officer.css"></head><body>{header}<main>{body}</main></body></html>'
    )
    return web.Response(text=text, content_type="text/html", status=status)


def current(request: web.Request) -> Session:
    """The logged-in officer's session; without one, to the login form."""
    session = request.app[SESSIONS].find(request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise web.HTTPSeeOther("/login")
    return session


async def checked_form(request: web.Request) -> tuple[Session, dict[str, list[str]]]:
    """The posted form of a logged-in officer, refused (403) unless it carries the session's CSRF token."""
    session = current(request)
    form = await request.post()
    fields: dict[str, list[str]] = {}
    for name, value in form.items():
        if isinstance(value, str):
            fields.setdefault(name, []).append(value)
    if not hmac.compare_digest(fields.get("csrf", [""])[0].encode(), session.csrf.encode()):
        raise web.HTTPForbidden(text="the form's CSRF token is missing or wrong: nothing was done")
    return session, fields


def login_form(message: str = "", status: int = 200) -> web.Response:
    shown = f'<p class="problem" role="alert">{e(message)}</p>' if message else ""
    return page(
        "Officer login",
        "<h1>Officer login</h1>" + shown + '<form method="post" action="/login" class="login">'
        '<label>Officer <input name="officer" autocomplete="username" required></label>'
        '<label>Password <input name="password" type="password" autocomplete="current-password" required></label>'
        '<button type="submit">Log in</button></form>',
        status=status,
    )


async def show_login(request: web.Request) -> web.Response:
    return login_form()


async def login(request: web.Request) -> web.Response:
    form = await request.post()
    officer, password = str(form.get("officer", ""))[:128], str(form.get("password", ""))
    throttle, now = request.app[THROTTLE], time.monotonic()
    wait_s = throttle.retry_after(officer, now)
    if wait_s > 0:
        response = login_form(f"Too many failed logins for this officer: try again in {wait_s / 60:.0f} min.", 429)
        response.headers["Retry-After"] = str(int(wait_s) + 1)
        return response
    stored = request.app[OPERATOR].officers.get(officer)
    matches = await asyncio.to_thread(password_matches, stored or UNKNOWN_OFFICER, password)
    if stored is None or not matches:
        throttle.failed(officer, now)
        return login_form("Unknown officer or wrong password.", status=401)
    throttle.succeeded(officer)
    response = web.HTTPSeeOther("/")
    response.set_cookie(SESSION_COOKIE, request.app[SESSIONS].open(officer), httponly=True, samesite="Strict", path="/")
    raise response


async def logout(request: web.Request) -> web.Response:
    await checked_form(request)
    request.app[SESSIONS].close(request.cookies.get(SESSION_COOKIE))
    response = web.HTTPSeeOther("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


def _read_queue(config: NodeConfig) -> list[FollowUp]:
    queue = FollowUpQueue(follow_ups_location(config.audit_log))
    try:
        return queue.listing()
    finally:
        queue.close()


def _read_one(config: NodeConfig, follow_up_id: str) -> tuple[FollowUp | None, StoredRecord | None]:
    queue = FollowUpQueue(follow_ups_location(config.audit_log))
    try:
        follow_up = queue.get(follow_up_id)
    finally:
        queue.close()
    if follow_up is None:
        return None, None
    store = Store(config.store, busy_timeout_ms=config.busy_timeout_ms, workers=1)
    try:
        return follow_up, store.held([follow_up.record_ref]).get(follow_up.record_ref)
    finally:
        store.close()


async def show_queue(request: web.Request) -> web.Response:
    session = current(request)
    try:
        listed = await asyncio.to_thread(_read_queue, request.app[CONFIG])
    except QueueError as error:
        return page("Follow-ups", f'<p class="problem">{e(str(error))}</p>', session, status=500)
    now = now_utc()
    # Open ones first, the soonest due (so the overdue) at the top; then the closed, the latest filed first.
    open_ones = [item for item in listed if item.state == PENDING]
    closed = sorted((item for item in listed if item.state != PENDING), key=lambda item: item.filed_at, reverse=True)
    rows = []
    for item in [*open_ones, *closed]:
        state = item.shown_state(now)
        who = item.requester
        rows.append(
            f'<tr class="{e(state)}"><td><a href="/follow-ups/{e(item.id)}">{e(item.id)}</a></td>'
            f"<td>{e(state)}</td><td>{e(item.due_at)}</td><td>{e(item.urgency)}</td>"
            f"<td>{e(who.get('country', ''))} / {e(who.get('agency', ''))}</td>"
            f"<td>{e(', '.join(item.requested))}</td></tr>"
        )
    table = (
        "<table><thead><tr><th>Follow-up</th><th>State</th><th>Due</th><th>Urgency</th><th>Requester</th>"
        f"<th>Asks for</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        if rows
        else "<p>No follow-ups.</p>"
    )
    country = request.app[CONFIG].country
    return page(f"Follow-ups filed with {country}", f"<h1>Follow-ups filed with {e(country)}</h1>{table}", session)


def facts(pairs: list[tuple[str, str]]) -> str:
    return "<dl>" + "".join(f"<dt>{e(name)}</dt><dd>{e(value)}</dd>" for name, value in pairs) + "</dl>"


def values_table(caption: str, properties: dict[str, list[str]]) -> str:
    rows = "".join(f"<tr><th>{e(name)}</th><td>{e('; '.join(values))}</td></tr>" for name, values in properties.items())
    return f"<table><caption>{e(caption)}</caption><tbody>{rows}</tbody></table>"


def decide_form(follow_up: FollowUp, session: Session) -> str:
    boxes = "".join(
        f'<label><input type="checkbox" name="approve" value="{e(name)}"> {e(name)}</label>'
        for name in follow_up.requested
    )
    reasons = "".join(f'<option value="{e(name)}">{e(name)}</option>' for name in sorted(OFFICER_REFUSALS))
    return (
        f'<form method="post" action="/follow-ups/{e(follow_up.id)}/decide" class="decide">'
        f'<input type="hidden" name="csrf" value="{e(session.csrf)}"><h2>Decide</h2>'
        f"<fieldset><legend>Approve for release (the policy then decides)</legend>{boxes}"
        '<button type="submit" name="action" value="approve">Approve the ticked properties</button></fieldset>'
        f'<fieldset><legend>Or refuse</legend><label>Refusal reason <select name="refuse">{reasons}</select></label>'
        '<button type="submit" name="action" value="refuse">Refuse</button></fieldset>'
        '<label>Note (kept on this node) <textarea name="note" maxlength="2000"></textarea></label></form>'
    )


def outcome(follow_up: FollowUp) -> str:
    if follow_up.state == PENDING:
        return ""
    decided = facts(
        [
            ("Decided", follow_up.decided_at or "—"),
            ("Officer", follow_up.officer or "—"),
            ("Approved", ", ".join(follow_up.approved) or "—"),
            ("Note", follow_up.officer_note or "—"),
        ]
    )
    if follow_up.released is not None:
        released = hit_document(follow_up.released)
        withheld = "".join(f"<li>{e(name)}: {e(why)}</li>" for name, why in released["withheld"].items())
        return (
            f'<section class="outcome released"><h2>Released</h2>{decided}'
            + values_table("What was released", released["properties"])
            + f"<h3>Withheld</h3><ul>{withheld}</ul></section>"
        )
    reason = follow_up.officer_refusal or follow_up.policy_refusal_reason or follow_up.refusal
    return (
        f'<section class="outcome refused"><h2>{e(follow_up.state.capitalize())}: {e(reason)}</h2>{decided}</section>'
    )


async def show_follow_up(request: web.Request, problem: str = "", status: int = 200) -> web.Response:
    session = current(request)
    follow_up_id = request.match_info["id"]
    try:
        follow_up, record = await asyncio.to_thread(_read_one, request.app[CONFIG], follow_up_id)
    except (QueueError, StoreError) as error:
        return page("Follow-up", f'<p class="problem">{e(str(error))}</p>', session, status=500)
    if follow_up is None:
        return page("Follow-up", f"<p>No follow-up {e(follow_up_id)} in this node's queue.</p>", session, status=404)
    who = follow_up.requester
    state = follow_up.shown_state(now_utc())
    body = (
        f"<h1>Follow-up {e(follow_up.id)}</h1>"
        + (f'<p class="problem" role="alert">{e(problem)}</p>' if problem else "")
        + facts(
            [
                ("State", state),
                ("Requester", f"{who.get('investigator', '')}, {who.get('agency', '')} ({who.get('country', '')})"),
                ("Purpose", follow_up.purpose),
                ("Legal basis", follow_up.legal_basis),
                ("Case reference", follow_up.case_reference),
                ("Urgency", follow_up.urgency),
                ("Asks for", ", ".join(follow_up.requested)),
                ("Filed", follow_up.filed_at),
                ("Due", follow_up.due_at),
                ("Expires", follow_up.expires_at),
            ]
        )
        + f'<h2>Reasons</h2><p class="reasons">{e(follow_up.reasons)}</p>'
        + (
            values_table(f"The record {follow_up.record_ref} ({record.schema.name})", record.properties)
            if record is not None
            else f"<p>The record {e(follow_up.record_ref)} is no longer held.</p>"
        )
        + (decide_form(follow_up, session) if follow_up.state == PENDING else outcome(follow_up))
    )
    return page(f"Follow-up {follow_up.id}", body, session, status=status)


async def decide(request: web.Request) -> web.Response:
    session, form = await checked_form(request)
    refusing = form.get("action", [""])[0] == "refuse"
    decision = OfficerDecision(
        officer=session.officer,
        approve=() if refusing else tuple(form.get("approve", [])),
        refuse=form.get("refuse", [""])[0] if refusing else "",
        note=form.get("note", [""])[0],
    )
    try:
        # Blocking (the queue, the store, and the policy asked in an event loop of its own): in a worker thread.
        await asyncio.to_thread(decide_follow_up, request.app[CONFIG], request.match_info["id"], decision)
    except DecisionError as error:
        return await show_follow_up(request, f"{error}; nothing decided", status=409)
    except PolicyUnavailable as error:
        problem = f"the country's policy could not be asked ({error}); nothing decided or released"
        return await show_follow_up(request, problem, status=503)
    except (AuditError, QueueError, StoreError) as error:
        return await show_follow_up(request, f"{error}; nothing decided or released", status=500)
    raise web.HTTPSeeOther(f"/follow-ups/{request.match_info['id']}")


def operator_app(config: NodeConfig, operator: OperatorTable) -> web.Application:
    app = web.Application(middlewares=[security_headers], client_max_size=64 * 1024)
    app[CONFIG], app[OPERATOR], app[SESSIONS], app[THROTTLE] = config, operator, Sessions(), LoginThrottle()
    app.router.add_get("/login", show_login)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
    app.router.add_get("/", show_queue)
    app.router.add_get("/follow-ups/{id}", show_follow_up)
    app.router.add_post("/follow-ups/{id}/decide", decide)
    app.router.add_static("/static", STATIC)
    return app


async def start_operator_page(config: NodeConfig, operator: OperatorTable) -> web.AppRunner:
    """Serves the page on `[operator] listen` (port 0: a free port) until the runner is cleaned up."""
    runner = web.AppRunner(operator_app(config, operator), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, *operator.listen).start()
    return runner
