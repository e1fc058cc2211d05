"""The offline stand-in for the album-review site: generate it, serve it over HTTP, change it, check against it.

    from sample_site import Faults, change_site, generate_site, load_manifest, serving

    manifest = generate_site(Path("site"), albums=500, seed=7, faults=Faults.typical())
    with serving(Path("site")) as server:
        ...  # crawl server.url("/robots.txt") with FAST_CRAWL_SETTINGS; compare with manifest.good_albums()
    change_site(Path("site"), albums=10)

The recipe (moods, covers, faults, layout) is documented in docs/sample-site.md.
"""

from sample_site.change import ChangedAlbum, ChangeReport, change_site
from sample_site.crawl_settings import FAST_CRAWL_SETTINGS
from sample_site.errors import SampleSiteError
from sample_site.faults import CONTENT_FAULTS, TRANSIENT_FAULTS, Faults
from sample_site.generate import generate_site
from sample_site.manifest import Manifest, load_manifest
from sample_site.model import BASE_PLACEHOLDER, SITE_CLOCK, Cover, SiteAlbum, Tag, UnknownMood
from sample_site.plan import plan_albums
from sample_site.server import RequestRecord, SiteServer, serving

__all__ = [
    "BASE_PLACEHOLDER",
    "CONTENT_FAULTS",
    "FAST_CRAWL_SETTINGS",
    "SITE_CLOCK",
    "TRANSIENT_FAULTS",
    "ChangeReport",
    "ChangedAlbum",
    "Cover",
    "Faults",
    "Manifest",
    "RequestRecord",
    "SampleSiteError",
    "SiteAlbum",
    "SiteServer",
    "Tag",
    "UnknownMood",
    "change_site",
    "generate_site",
    "load_manifest",
    "plan_albums",
    "serving",
]
