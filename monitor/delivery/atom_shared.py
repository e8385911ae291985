"""Atom feeds kept in a state shared by several daemons: whichever node holds the Atom
notifier writes each feed into the state as well as into its folder, reads back what another
node wrote before writing, and every node's HTTP server serves the feeds from the state.

Keys: `atom:<file name>` holds {"xml", "stamp" (unique per write), "at" (unix time)};
`atom:index` lists the file names written so far.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from email.utils import formatdate
from pathlib import Path
from typing import Any, Protocol

from monitor.web import ATOM_TYPE, FEED_NAME, Handler, Request, Response, not_modified, serve_feed

PREFIX = "atom:"
INDEX = "atom:index"


class SharedState(Protocol):
    """The part of the store this needs (thread-safe for the PostgreSQL store)."""

    def get_state(self, key: str) -> dict[str, Any]: ...

    def set_state(self, key: str, state: dict[str, Any]) -> None: ...


def save_feed(state: SharedState, name: str, data: bytes) -> str:
    """Keep a feed file's bytes in the state; return the write's stamp."""
    stamp = uuid.uuid4().hex
    state.set_state(PREFIX + name, {"xml": data.decode("utf-8"), "stamp": stamp,
                                    "at": time.time()})
    files = list(state.get_state(INDEX).get("files") or [])
    if name not in files:
        state.set_state(INDEX, {"files": sorted([*files, name])})
    return stamp


def changed_feeds(state: SharedState, known: dict[str, str]) -> dict[str, bytes]:
    """The feeds (file name -> bytes) written since their stamps in `known` (which is
    updated), i.e. by another node."""
    out: dict[str, bytes] = {}
    for name in state.get_state(INDEX).get("files") or []:
        saved = state.get_state(PREFIX + name)
        stamp = str(saved.get("stamp") or "")
        if stamp and known.get(name) != stamp and saved.get("xml"):
            out[name] = str(saved["xml"]).encode("utf-8")
            known[name] = stamp
    return out


def serve_saved_feed(state: SharedState, request: Request) -> Response | None:
    """Answer `/feeds/<name>.atom` from the state (None when the state has no such feed)."""
    name = request.path.removeprefix("/feeds/")
    if not FEED_NAME.match(name) or ".." in name:
        return None
    saved = state.get_state(PREFIX + name)
    if not saved.get("xml"):
        return None
    body = str(saved["xml"]).encode("utf-8")
    at = float(saved.get("at") or 0.0)
    etag = '"' + hashlib.sha256(body).hexdigest()[:24] + '"'
    headers = {"ETag": etag, "Last-Modified": formatdate(at, usegmt=True),
               "Cache-Control": "no-cache", "Content-Type": ATOM_TYPE}
    if not_modified(request.headers, etag, at):
        return Response(status=304, headers=headers)
    return Response(status=200, body=body, headers=headers)


def shared_feeds(state: SharedState, folder: Path) -> Handler:
    """The `/feeds/` handler of a node: the feeds kept in the state, else the folder's."""
    return lambda request: serve_saved_feed(state, request) or serve_feed(folder, request)
