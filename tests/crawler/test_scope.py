"""The crawl's scope as a pure policy: schemes, hosts, ports, address literals and the start-host exception."""

from __future__ import annotations

import pytest

from albumml.config import PRODUCTION_IMAGE_HOSTS, Settings, load_settings
from crawler.scope import ScopePolicy, policy_for

SITE = "https://www.allmusic.com"


@pytest.fixture
def production(settings: Settings) -> ScopePolicy:
    """The real site's scope with the documented defaults."""
    return policy_for(settings, [SITE])


@pytest.fixture
def local_site(settings: Settings) -> ScopePolicy:
    """Our sample site on a loopback port, as tests and the demo serve it."""
    return policy_for(settings, ["http://127.0.0.1:8123"])


def reason(policy: ScopePolicy, url: str) -> str | None:
    refusal = policy.refusal(url)
    return refusal.reason if refusal is not None else None


def test_the_default_image_hosts_are_the_real_sites_cover_cdns(settings: Settings) -> None:
    assert settings.crawl_image_hosts == list(PRODUCTION_IMAGE_HOSTS)
    assert {"rovimusic.rovicorp.com", "cps-static.rovicorp.com"} <= set(settings.crawl_image_hosts)
    assert settings.crawl_allowed_hosts == []


@pytest.mark.parametrize(
    "url",
    [
        "https://www.allmusic.com/album/big-pink-mw0000191207",
        "http://www.allmusic.com/album/big-pink-mw0000191207",  # the 2016 pages link over http
        "https://WWW.AllMusic.com./album/x-mw0000000001",
        "https://www.allmusic.com:443/sitemap.xml",
        "https://rovimusic.rovicorp.com/image.jpg?c=abc&f=4",
        "http://cps-static.rovicorp.com/3/JPG_500/MI0003/201/MI0003201028.jpg",
        "https://fastly-gce.allmusic.com/images/no_image/album_300x300.png",
    ],
)
def test_the_site_and_its_image_hosts_are_in_scope(production: ScopePolicy, url: str) -> None:
    assert production.refusal(url) is None


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "s3://bucket/key",
        "ftp://www.allmusic.com/pub",
        "data:text/html,<h1>hi</h1>",
        "javascript:alert(1)",
        "//www.allmusic.com/album/x",
        "www.allmusic.com/album/x",
    ],
)
def test_other_schemes_are_forbidden(production: ScopePolicy, url: str) -> None:
    assert reason(production, url) == "forbidden_scheme"


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/album/x-mw0000000001",
        "https://allmusic.com.evil.example/",
        "https://notallmusic.com/",
        "https://allmusic.com/",  # only the hosts named: no parent domain, no sibling
        "https://www.allmusic.com:8443/",  # a named host on another port
        "https://rovimusic.rovicorp.com:8080/image.jpg",
        "http://127.0.0.1@evil.example/",  # userinfo: the host is what follows the @
        "http://www.allmusic.com@evil.example/",
        "http://8.8.8.8/",  # a public address literal is just another host
        "http://[2001:4860:4860::8888]/",
        "http://www.allmusic.com:99999/",  # no such port
    ],
)
def test_other_hosts_and_ports_are_offsite(production: ScopePolicy, url: str) -> None:
    assert reason(production, url) == "offsite_url"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://127.0.0.2:8000/",
        "http://localhost/",
        "http://LOCALHOST./",
        "http://api.localhost/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5/",
        "http://172.16.3.4/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://[::1]/",
        "http://[fe80::1]/",
        "http://[fd00::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:169.254.169.254]/",
        "http://2130706433/",  # 127.0.0.1 as one number
        "http://0x7f.0.0.1/",
        "http://127.1/",
        "http://0251.0376.0251.0376/",  # 169.254.169.254 in octal
        "http://evil.example@169.254.169.254/",
        "http://224.0.0.1/",
    ],
)
def test_loopback_private_and_link_local_addresses_are_forbidden(production: ScopePolicy, url: str) -> None:
    assert reason(production, url) == "forbidden_address"


def test_the_start_host_may_be_local_but_only_on_its_own_port(local_site: ScopePolicy) -> None:
    assert local_site.refusal("http://127.0.0.1:8123/robots.txt") is None
    assert local_site.refusal("http://127.0.0.1:8123/images/cover/1.jpg") is None
    assert reason(local_site, "http://127.0.0.1:5432/") == "forbidden_address"
    assert reason(local_site, "http://127.0.0.1/") == "forbidden_address"
    assert reason(local_site, "http://127.0.0.2:8123/") == "forbidden_address"
    assert reason(local_site, "http://localhost:8123/") == "forbidden_address"
    assert reason(local_site, "file:///etc/passwd") == "forbidden_scheme"
    assert local_site.refusal("https://rovimusic.rovicorp.com/image.jpg") is None


def test_configured_hosts_widen_the_scope_but_never_to_local_addresses() -> None:
    settings = load_settings(
        crawl_allowed_hosts="allmusic.com, m.allmusic.com:8080", crawl_image_hosts="img.example,127.0.0.1,localhost"
    )
    policy = policy_for(settings, [SITE])
    assert policy.refusal("https://allmusic.com/album/x") is None
    assert policy.refusal("http://m.allmusic.com:8080/album/x") is None
    assert reason(policy, "http://m.allmusic.com/album/x") == "offsite_url"
    assert policy.refusal("https://img.example/cover.jpg") is None
    assert reason(policy, "https://rovimusic.rovicorp.com/image.jpg") == "offsite_url"
    assert reason(policy, "http://127.0.0.1/") == "forbidden_address"
    assert reason(policy, "http://localhost/") == "forbidden_address"


def test_a_list_of_album_urls_trusts_its_own_hosts(settings: Settings) -> None:
    policy = policy_for(settings, ["http://127.0.0.1:9000/album/a-mw1", "file:///etc/passwd", "not a url"])
    assert policy.refusal("http://127.0.0.1:9000/album/b-mw2") is None
    assert reason(policy, "http://127.0.0.1:9001/album/b-mw2") == "forbidden_address"


def test_a_crawl_without_a_usable_start_url_fetches_nothing_local(settings: Settings) -> None:
    policy = policy_for(settings, ["file:///etc/passwd"])
    assert reason(policy, "file:///etc/passwd") == "forbidden_scheme"
    assert reason(policy, "http://127.0.0.1/") == "forbidden_address"


def test_host_settings_must_be_bare_hosts() -> None:
    from albumml.errors import ConfigError

    for bad in ("https://img.example", "img.example/covers", "user@img.example"):
        with pytest.raises(ConfigError, match="CRAWL_IMAGE_HOSTS"):
            load_settings(crawl_image_hosts=bad)


def test_host_lists_reach_the_crawl_process_intact(monkeypatch: pytest.MonkeyPatch) -> None:
    from albumml.pipeline import settings_environment

    given = load_settings(crawl_allowed_hosts="allmusic.com,m.allmusic.com:8080")
    for name, value in settings_environment(given).items():
        if name.startswith("ALBUMML_"):
            monkeypatch.setenv(name, value)
    again = load_settings()
    assert again.crawl_allowed_hosts == ["allmusic.com", "m.allmusic.com:8080"]
    assert again.crawl_image_hosts == list(PRODUCTION_IMAGE_HOSTS)


def test_the_middleware_refuses_counts_and_names_the_reason(settings: Settings) -> None:
    from scrapy import Request
    from scrapy.utils.test import get_crawler
    from twisted.python.failure import Failure

    from crawler.middlewares import OutOfScopeError, ScopeMiddleware
    from crawler.spiders.albums import AlbumsSpider, _describe_failure

    crawler = get_crawler(AlbumsSpider)
    crawler.spider = AlbumsSpider()
    crawler.spider.scope = policy_for(settings, ["http://127.0.0.1:8123"])
    crawler.stats.open_spider()
    middleware = ScopeMiddleware.from_crawler(crawler)
    assert middleware.process_request(Request("http://127.0.0.1:8123/album/a-mw0000000001")) is None
    for url, reason in [
        ("http://169.254.169.254/latest/meta-data/", "forbidden_address"),
        ("http://127.0.0.1:5432/", "forbidden_address"),
        ("https://evil.example/cover.jpg", "offsite_url"),
        ("file:///etc/passwd", "forbidden_scheme"),
    ]:
        with pytest.raises(OutOfScopeError) as refused:
            middleware.process_request(Request(url))
        assert refused.value.reason == reason
        assert _describe_failure(Failure(refused.value), prefix="cover")[0] == reason
    assert crawler.stats.get_value("albumml/refused/forbidden_address") == 2
    assert crawler.stats.get_value("albumml/refused/offsite_url") == 1
    assert crawler.stats.get_value("albumml/refused/forbidden_scheme") == 1
