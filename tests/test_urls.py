"""The one URL mask: every form a secret takes in a URL or DSN is masked, and what is not a secret stays readable."""

from __future__ import annotations

import pytest

from albumml.urls import MASK, REDACTED, mask_url, scrub, strip_credentials, url_secrets


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("http://u:SECRET@mlflow.example.com:5000/api", "http://u:***@mlflow.example.com:5000/api"),
        ("https://u:p%40ss%2Fw@h/", "https://u:***@h/"),
        ("http://u:p@ss@h/x", "http://u:***@h/x"),
        ("http://u:SECRET@[::1]:5000/", "http://u:***@[::1]:5000/"),
        ("http://[2001:db8::1]:8080/x?q=1", "http://[2001:db8::1]:8080/x?q=1"),
        ("http://h/x?password=SECRET&b=2", "http://h/x?password=***&b=2"),
        ("http://h/x?PASSWORD=SECRET", "http://h/x?PASSWORD=***"),
        ("http://h/?Token=SECRET&access_token=SECRET&apiKey=SECRET", "http://h/?Token=***&access_token=***&apiKey=***"),
        (
            "https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA%2F1&X-Amz-Signature=SECRET&X-Amz-Security-Token=SECRET",
            "https://b.s3.amazonaws.com/k?X-Amz-Credential=***&X-Amz-Signature=***&X-Amz-Security-Token=***",
        ),
        (
            "https://acct.blob.core.windows.net/c?sv=2020&sig=SECRET",
            "https://acct.blob.core.windows.net/c?sv=2020&sig=***",
        ),
        ("http://h/cb#access_token=SECRET&state=1", "http://h/cb#access_token=***&state=1"),
        ("http://h/page#section-2", "http://h/page#section-2"),
        ("http://h/x?client_secret=SECRET#k", "http://h/x?client_secret=***#k"),
        (
            "postgresql+psycopg2://u:SECRET@db.internal:5432/albumml?sslpassword=SECRET&sslmode=require",
            "postgresql+psycopg2://u:***@db.internal:5432/albumml?sslpassword=***&sslmode=require",
        ),
        ("postgresql://postgres@127.0.0.1/db?password=SECRET", "postgresql://postgres@127.0.0.1/db?password=***"),
        ("sqlite:////tmp/catalogue.db", "sqlite:////tmp/catalogue.db"),
        ("sqlite:///relative.db", "sqlite:///relative.db"),
        ("file:///srv/store", "file:///srv/store"),
        ("s3://bucket/prefix", "s3://bucket/prefix"),
        ("/srv/albumml/store", "/srv/albumml/store"),
        ("databricks", "databricks"),
    ],
)
def test_mask_url_hides_every_secret_and_keeps_the_rest(url: str, masked: str) -> None:
    assert mask_url(url) == masked
    assert "SECRET" not in mask_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1",
        "http://u:SECRET@[::1",
        "http://u:SECRET@h:notaport/",
        "http://u:SE/CRET@h/",
        "http://h:99999/",
        "not a url",
        "u:SECRET@host/db",
        "SECRET host",
    ],
)
def test_an_unparsable_url_is_redacted_whole(url: str) -> None:
    assert mask_url(url) == REDACTED


def test_strip_credentials_returns_the_bare_url_and_the_unquoted_credentials() -> None:
    assert strip_credentials("http://al%40ice:p%3Ass@[::1]:5000/x?q=1") == ("http://[::1]:5000/x?q=1", "al@ice", "p:ss")
    assert strip_credentials("https://alice@h/") == ("https://h/", "alice", None)
    assert strip_credentials("https://h/") == ("https://h/", None, None)


def test_url_secrets_are_the_password_and_secret_parameters() -> None:
    assert url_secrets("postgresql://u:p%2Fw@h/db?sslpassword=s%26x&sslmode=require") == ["p/w", "s&x"]
    assert url_secrets("http://[::1") == []
    assert url_secrets("/a/path") == []


def test_scrub_masks_urls_in_text_and_every_form_of_the_secrets() -> None:
    text = (
        "API request to http://u:S3cr%2Ft@h:5000/api/2.0/x?token=abc failed; "
        "auth 'u:S3cr/t' rejected (S3cr%2Ft) at https://h/cb#access_token=xyz."
    )
    scrubbed = scrub(text, ["S3cr/t", None, ""])
    assert "S3cr" not in scrubbed and "abc" not in scrubbed and "xyz" not in scrubbed
    assert "http://u:***@h:5000/api/2.0/x?token=***" in scrubbed
    assert scrubbed.count(MASK) >= 4
