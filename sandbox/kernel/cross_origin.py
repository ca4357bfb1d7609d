"""Cross-site request forgery on the JSON interfaces of the web listener (control, Atlas and DIP portal APIs).

Pages carry the synchronizer token of their forms (sandbox.web_pages). The JSON interfaces take bearer
tokens, which a browser never adds by itself, but also the portals' session cookies, and SameSite=Lax does not
help here: every port of localhost is the *same site*, so a page served on another local port could post a
form to them. So a state-changing call is refused when

- its `Origin` (or, when a browser sends none, `Sec-Fetch-Site`) says it came from another origin, or
- it is authenticated by cookie (no `Authorization` header) and names no origin at all: it needs a same-origin
  `Origin` or `Referer`, which every browser sends with a same-origin `fetch` or form.

Calls with `Authorization: Bearer ...` and no cookie are what scripts and tests send; nothing changes for them.
"""
from __future__ import annotations

from urllib.parse import urlsplit

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def origin_of(url: str | None) -> str | None:
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[::1": no origin a browser would send
        return None
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def cross_origin_problem(method: str, headers, own_origin: str, has_cookie: bool) -> str | None:
    """Why this request is refused as possibly forged by another site, or None."""
    if method.upper() in SAFE_METHODS:
        return None
    own = own_origin.rstrip("/").lower()
    origin = headers.get("Origin")
    if origin is not None:
        if origin_of(origin) != own:
            return (f"a {method} from {origin} is refused: the sandbox's JSON interfaces accept state-changing "
                    f"calls from their own origin ({own}) only (cross-site request forgery protection)")
        return None
    if headers.get("Sec-Fetch-Site", "").lower() in ("cross-site", "same-site"):
        return (f"a {method} from another origin is refused (Sec-Fetch-Site: {headers.get('Sec-Fetch-Site')}): the "
                "sandbox's JSON interfaces accept state-changing calls from their own origin only")
    if has_cookie and not headers.get("Authorization"):
        referer = origin_of(headers.get("Referer"))
        if referer != own:
            return (f"a {method} signed in by cookie needs an Origin or Referer header of {own} (browsers send one); "
                    "a script should send 'Authorization: Bearer <token>' instead of the cookie")
    return None
