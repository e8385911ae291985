"""The read-only web dashboard, served by the daemon's HTTP server (`http.enabled`).

Pages (server-rendered HTML, no JavaScript, no request to any other host):
`/` overview, `/matches` (filters in the query string), `/rules` and `/rules/<id>`,
`/sources`, `/test` (the rule tester), `/feeds/` (the list of Atom feeds). Each has a JSON
twin under `/api/`: `/api/overview`, `/api/matches?...`, `/api/rules`, `/api/rules/<id>`,
`/api/sources`, `/api/test?...`, `/api/feeds`.
Every page reads the state file through its own read-only connection; nothing here
writes. Document text is escaped by jinja2's autoescaping and links are kept only when
they are http(s) URLs; the Content-Security-Policy allows nothing but this server's own
stylesheet, so even a missed escape could not run a script.

`add_dashboard(server, config, rules)` adds the routes and then puts the server behind
its password when one is required (monitor.dashboard.access).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlencode

import jinja2

from monitor.cli.display import ago, when
from monitor.config import Config
from monitor.dashboard import views
from monitor.dashboard.access import protect
from monitor.errors import StoreError
from monitor.matching import RuleSet
from monitor.web import Request, Response, WebServer

log = logging.getLogger(__name__)

CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "base-uri 'none'; frame-ancestors 'none'")
HEADERS = {"Content-Security-Policy": CSP, "X-Frame-Options": "DENY",
           "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}

View = Callable[[Mapping[str, str], str], dict[str, Any] | None]

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("monitor.dashboard", "templates"),
    autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
)
_env.globals |= {"when": when, "ago": ago}


def add_dashboard(server: WebServer, config: Config, rules: Callable[[], RuleSet]) -> None:
    """Serve the dashboard on `server`; `rules()` is the rule set in force. Call it after
    every other route is added: it also puts them behind the password when one is needed
    (ConfigError when the server is bound off 127.0.0.1 without one)."""
    desk = views.Desk(config=config, rules=rules)
    pages: dict[str, tuple[str, View]] = {
        "overview": ("overview.html", lambda p, tail: views.overview(desk)),
        "matches": ("matches.html", lambda p, tail: views.matches(desk, p)),
        "rules": ("rules.html", lambda p, tail: views.rules_list(desk)),
        "rule": ("rule.html", lambda p, tail: views.rule_page(desk, tail)),
        "sources": ("sources.html", lambda p, tail: views.sources(desk)),
        "test": ("tester.html", lambda p, tail: views.tester(desk, p)),
        "feeds": ("feeds.html", lambda p, tail: views.feeds_index(desk)),
    }
    routes = {"/": ("overview", "/api/overview"), "/matches": ("matches", "/api/matches"),
              "/rules": ("rules", "/api/rules"), "/rules/": ("rule", "/api/rules/"),
              "/sources": ("sources", "/api/sources"), "/test": ("test", "/api/test"),
              "/feeds/": ("feeds", "/api/feeds")}
    for path, (name, api) in routes.items():
        template, view = pages[name]
        page = _html(path, name, template, view)
        if path in ("/", "/feeds/"):  # exactly: "/" is no prefix, /feeds/x.atom is a feed
            server.routes[path] = page
        else:
            server.route(path, page)
        server.route(api, _api(path, view))
    server.route("/static/dashboard.css", _stylesheet)
    protect(server, config.http)


def _params(request: Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.query, keep_blank_values=True).items()}


def _tail(path: str, request: Request) -> str:
    return request.path.removeprefix("/api").removeprefix(path) if path.endswith("/") else ""


def _api(path: str, view: View) -> Callable[[Request], Response]:
    def handle(request: Request) -> Response:
        try:
            data = view(_params(request), _tail(path, request))
        except views.BadRequest as exc:
            return _json(400, {"error": str(exc)})
        except StoreError as exc:
            return _json(503, {"error": str(exc)})
        if data is None:
            return _json(404, {"error": f"no rule {_tail(path, request)!r} is in force"})
        return _json(400 if data.get("error") else 200, data)

    return handle


def _html(path: str, name: str, template: str, view: View) -> Callable[[Request], Response]:
    def handle(request: Request) -> Response:
        params, tail = _params(request), _tail(path, request)
        api = name if name != "rule" else f"rules/{tail}"
        context = {"here": path.rstrip("/") or "/", "page": name, "api": api,
                   "query": lambda **kw: urlencode({**params, **kw})}
        try:
            data = view(params, tail)
        except views.BadRequest as exc:
            return _error(400, "Bad request", str(exc), context)
        except StoreError as exc:
            return _error(503, "The state cannot be read", str(exc), context)
        if data is None:
            return _error(404, "Not found", f"no rule {tail!r} is in force", context)
        return _page(400 if data.get("error") else 200, template, context | {"d": data})

    return handle


def _page(status: int, template: str, context: dict[str, Any]) -> Response:
    body = _env.get_template(template).render(**context).encode()
    return Response(status=status, body=body,
                    headers={"Content-Type": "text/html; charset=utf-8", **HEADERS})


def _error(status: int, heading: str, error: str, context: dict[str, Any]) -> Response:
    return _page(status, "error.html", context | {"status": status, "heading": heading,
                                                  "error": error})


def _json(status: int, data: Any) -> Response:
    response = Response.json(status, data)
    return Response(status=status, body=response.body,
                    headers={**response.headers, **HEADERS})


def _stylesheet(request: Request) -> Response:
    css = resources.files("monitor.dashboard").joinpath("static/dashboard.css").read_bytes()
    return Response(body=css, headers={"Content-Type": "text/css; charset=utf-8",
                                       "Cache-Control": "max-age=3600",
                                       "X-Content-Type-Options": "nosniff"})


__all__ = ["add_dashboard"]
