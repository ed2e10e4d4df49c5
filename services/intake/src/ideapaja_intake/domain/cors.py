"""Which web origins may post to the intranet form endpoint and frame the embeddable form."""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import urlsplit


def normalise_origin(origin: str) -> str | None:
    """``scheme://host[:port]`` in lower case, or None for anything that is not an origin."""
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        return None
    default_port = {"http": 80, "https": 443}[parts.scheme]
    try:
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    suffix = f":{port}" if port and port != default_port else ""
    return f"{parts.scheme}://{host}{suffix}"


def origin_allowed(origin: str | None, allowed: Collection[str], *, own: str | None) -> bool:
    """A request without an Origin header (a server, curl, an old browser) is not a cross-site
    browser request and passes; a browser's Origin must be this service's own or listed."""
    if origin is None:
        return True
    candidate = normalise_origin(origin)
    if candidate is None:
        return False
    listed = {normalise_origin(o) for o in allowed}
    return candidate in listed or (own is not None and candidate == normalise_origin(own))


# Values of the Sec-Fetch-Site request header (Fetch Metadata): set by the browser, never by a
# page's script.
SAME_ORIGIN = "same-origin"


def form_post_allowed(
    origin: str | None,
    allowed: Collection[str],
    *,
    own: str | None,
    fetch_site: str | None,
    form_token: bool,
) -> bool:
    """May a browser's form post be taken? A named origin must be ours or listed
    (``origin_allowed``). ``Origin: null`` is what a browser sends when the posting page asks
    for ``Referrer-Policy: no-referrer`` (the embeddable page does; hardened intranets do) or is
    sandboxed: it names no origin, so it is taken when the browser says the page was our own
    (``Sec-Fetch-Site: same-origin``), or when the post carries a form token, a credential that
    is its own proof (signed, naming the person, short-lived, single-use) and that no other site
    can read from the page that holds it. A bearer token from an opaque origin is refused."""
    if origin is not None and origin.strip().lower() == "null":
        return (fetch_site or "").lower() == SAME_ORIGIN or form_token
    return origin_allowed(origin, allowed, own=own)
