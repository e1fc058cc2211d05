"""Small helpers for URLs: masking the secrets they carry, and telling whether one can start a crawl."""

from urllib.parse import urlsplit, urlunsplit

MASK = "***"


def mask_url_password(url: str) -> str:
    """Return `url` with any password replaced by ``***`` so it can be logged or printed."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    netloc = f"{user}:{MASK}@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def web_url_problem(url: str) -> str | None:
    """Why `url` cannot be fetched over the web (unparsable, not http or https, no host), or None when it can."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (parsing the port is what checks it)
    except ValueError as error:
        return f"{url!r} is not a URL ({error})"
    if parts.scheme not in ("http", "https"):
        return f"{url!r} is not an http:// or https:// URL"
    if not parts.hostname:
        return f"{url!r} names no host"
    if any(character.isspace() for character in url):
        return f"{url!r} contains white space"
    return None
