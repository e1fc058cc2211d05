"""Small helpers for URLs that carry secrets."""

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
