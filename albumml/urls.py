"""Masking of URLs and DSNs that may carry secrets: the one place that decides what of a URL may be shown.

`mask_url` is the only masking function: every URL or DSN that reaches a message, a log, an artifact, a Batch
job or a CloudFormation output goes through it (`scrub` applies it to free text such as a library's error).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote, unquote, urlsplit

MASK = "***"
REDACTED = "<unparsable URL, redacted>"

# Query or fragment parameters whose values are secrets (matched anywhere in the lowercased name, so
# `sslpassword`, `X-Amz-Signature`, `access_token` and `apiKey` are all caught).
SECRET_PARAMETER = re.compile(r"pass|pwd|secret|token|key|sig|credential|auth|session|cookie", re.IGNORECASE)
# A URL inside free text: a scheme, `://`, then everything up to whitespace or a quote/bracket that ends it.
URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>`]+")


def mask_url(url: str) -> str:
    """`url` with its password and secret-bearing query/fragment parameters replaced by ``***``; a value that
    cannot be read as a URL (or a path) is redacted whole, since there is no telling where its secret sits."""
    if "://" not in url:
        return REDACTED if "@" in url or any(c.isspace() for c in url) else url
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a port that is not a number makes the URL unreadable
    except ValueError:
        return REDACTED
    scheme = url[: url.index("://")]
    masked = f"{scheme}://{_mask_userinfo(parts.netloc)}{parts.path}"
    if parts.query:
        masked += f"?{_mask_parameters(parts.query)}"
    if parts.fragment:
        masked += f"#{_mask_parameters(parts.fragment) if '=' in parts.fragment else parts.fragment}"
    return masked


def strip_credentials(url: str) -> tuple[str, str | None, str | None]:
    """`url` without its `user:password@` part, and the user name and password it carried (unquoted)."""
    parts = urlsplit(url)
    userinfo, at, host = parts.netloc.rpartition("@")
    if not at:
        return url, None, None
    user, colon, password = userinfo.partition(":")
    bare = url.replace(parts.netloc, host, 1)
    return bare, unquote(user) or None, unquote(password) if colon else None


def url_secrets(url: str) -> list[str]:
    """The secret values `url` carries: its password and the values of its secret-named parameters."""
    if "://" not in url or mask_url(url) == REDACTED:
        return []
    parts = urlsplit(url)
    found = [strip_credentials(url)[2] or ""]
    for pairs in (parts.query, parts.fragment):
        for pair in pairs.split("&"):
            name, equals, value = pair.partition("=")
            if equals and SECRET_PARAMETER.search(unquote(name)):
                found.append(unquote(value))
    return [value for value in found if value]


def scrub(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` (a library's error message, say) with every URL in it masked and each of `secrets` replaced by
    ``***``, in its raw and its URL-quoted form."""
    text = URL_IN_TEXT.sub(lambda found: mask_url(found.group()), text)
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        for form in {secret, quote(secret, safe=""), quote(secret)}:
            text = text.replace(form, MASK)
    return text


def _mask_userinfo(netloc: str) -> str:
    userinfo, at, host = netloc.rpartition("@")
    if not at:
        return netloc
    user, colon, _ = userinfo.partition(":")
    return f"{user}:{MASK}@{host}" if colon else f"{userinfo}@{host}"


def _mask_parameters(query: str) -> str:
    if not query:
        return query
    return "&".join(_mask_parameter(pair) for pair in query.split("&"))


def _mask_parameter(pair: str) -> str:
    name, equals, _ = pair.partition("=")
    if equals and SECRET_PARAMETER.search(unquote(name)):
        return f"{name}={MASK}"
    return pair


def web_url_problem(url: str) -> str | None:
    """Why `url` cannot be fetched over the web (unparsable, not http or https, no host), or None when it can; the
    reason shows the URL masked."""
    shown = mask_url(url)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port is what checks it
    except ValueError as error:
        return f"{shown!r} is not a URL ({error})"
    if parts.scheme not in ("http", "https"):
        return f"{shown!r} is not an http:// or https:// URL"
    if not parts.hostname:
        return f"{shown!r} names no host"
    if any(character.isspace() for character in url):
        return f"{shown!r} contains white space"
    return None
