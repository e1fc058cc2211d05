"""Site-wide page parts every page carries: head boilerplate, header with the discover menu, footer.

The discover menu has the same structure and the same 14 mood and 14 theme links as the real pages
(`#discover-moods`, `.mood-column`; in 2023 `.moodColumn`): it is never an album's moods, and parsers must
select inside the album's own sections.
"""

from __future__ import annotations

from html import escape

from sample_site.model import BASE_PLACEHOLDER

DISCOVER_GENRES = (
    ("Blues", "/genre/blues-ma0000002467"),
    ("Classical", "/genre/classical-ma0000002521"),
    ("Country", "/genre/country-ma0000002532"),
    ("Electronic", "/genre/electronic-ma0000002572"),
    ("Folk", "/genre/folk-ma0000002592"),
    ("International", "/genre/international-ma0000002660"),
    ("Jazz", "/genre/jazz-ma0000002674"),
    ("Latin", "/genre/latin-ma0000002692"),
    ("New Age", "/genre/new-age-ma0000002745"),
    ("Pop/Rock", "/genre/pop-rock-ma0000002613"),
    ("Rap", "/genre/rap-ma0000002816"),
    ("R&B", "/genre/r-b-ma0000002809"),
    ("Reggae", "/genre/reggae-ma0000002820"),
    ("Stage & Screen", "/genre/stage-screen-ma0000004432"),
)
DISCOVER_MOODS = (
    ("Aggressive", "/mood/aggressive-xa0000000694"),
    ("Bittersweet", "/mood/bittersweet-xa0000000946"),
    ("Druggy", "/mood/druggy-xa0000000979"),
    ("Energetic", "/mood/energetic-xa0000000990"),
    ("Happy", "/mood/happy-xa0000001016"),
    ("Hypnotic", "/mood/hypnotic-xa0000000719"),
    ("Laid Back/Mellow", "/mood/laid-back-mellow-xa0000001032"),
    ("Melancholy", "/mood/melancholy-xa0000000734"),
    ("Passionate", "/mood/passionate-xa0000001062"),
    ("Romantic", "/mood/romantic-xa0000000758"),
    ("Sad", "/mood/sad-xa0000000761"),
    ("Sentimental", "/mood/sentimental-xa0000000765"),
    ("Sexy", "/mood/sexy-xa0000000770"),
    ("Trippy", "/mood/trippy-xa0000000749"),
)
DISCOVER_THEMES = (
    ("Background Music", "/theme/background-music-ma0000006329"),
    ("Celebration", "/theme/celebration-ma0000005042"),
    ("Cool & Cocky", "/theme/cool-cocky-ma0000006328"),
    ("Drinking", "/theme/drinking-ma0000004252"),
    ("Hanging Out", "/theme/hanging-out-ma0000006297"),
    ("In Love", "/theme/in-love-ma0000005076"),
    ("Introspection", "/theme/introspection-ma0000006318"),
    ("Late Night", "/theme/late-night-ma0000006321"),
    ("Partying", "/theme/partying-ma0000004272"),
    ("Rainy Day", "/theme/rainy-day-ma0000005096"),
    ("Relaxation", "/theme/relaxation-ma0000006314"),
    ("Road Trip", "/theme/road-trip-ma0000006287"),
    ("Romantic Evening", "/theme/romantic-evening-ma0000006312"),
    ("Sex", "/theme/sex-ma0000005107"),
)


def _columns(kind: str, links: tuple[tuple[str, str], ...], all_label: str, all_href: str) -> str:
    """The pre-2023 menu columns: a spacer column, then columns of three `<li>` links, the last one 'All …'."""
    items = [
        f'<li class="individual">\n                <a href="{href}">{escape(name)}</a>\n            </li>'
        for name, href in links
    ]
    items.append(f'<li class="last">\n                <a href="{all_href}">{all_label}</a>\n            </li>')
    columns = [f'<div class="{kind}-column">\n        <!-- spacer to prevent hover weirdness -->\n    </div>']
    for start in range(0, len(items), 3):
        rows = "\n            ".join(items[start : start + 3])
        columns.append(f'<div class="{kind}-column">\n        <ul>\n            {rows}\n        </ul>\n    </div>')
    return "\n    ".join(columns)


def _pre2023_nav() -> str:
    genres = _columns("genre", DISCOVER_GENRES, "All Genres", "/genres")
    moods = _columns("mood", DISCOVER_MOODS, "All Moods", "/moods")
    themes = _columns("theme", DISCOVER_THEMES, "All Themes", "/themes")
    return f"""    <div class="stripe-container header-main-nav clearfix">
        <div class="max-header">
            <div class="main-nav">
    <div class="logo-container">
        <a class="logo no-snap" href="/">
            <p class="logo-img">AllMusic</p>
        </a>
    </div>
    <div class="search-container">
        <form class="site-search" method="post" name="site-search" action="/search">
            <input type="search" class="site-search-input" name="term" aria-label="Search" placeholder="Search">
        </form>
    </div>
    <nav class="site-nav">
        <div class="nav-contain">
            <div class="new-releases top-nav-item">
                <a href="/newreleases">New Releases</a>
            </div>
            <div class="discover top-nav-item">
                <a href="/discover">Discover</a>
                <div class="sub-nav-outer-container">
    <div class="sub-nav-container">
        <div class="sub-nav-columns left">
            <ul class="discover-nav">
                <li id="discover-genres" class="discover-drop-trigger active"><a href="/genres">Genres</a></li>
                <li id="discover-moods" class="discover-drop-trigger"><a href="/moods">Moods</a></li>
                <li id="discover-themes" class="discover-drop-trigger"><a href="/themes">Themes</a></li>
            </ul>
        </div>
        <div class="sub-nav-columns right">
            <div class="discover-genre-secondary">
    {genres}
</div>            <div class="discover-mood-secondary" style="display:none;">
    {moods}
</div>            <div class="discover-theme-secondary" style="display:none;">
    {themes}
</div>        </div>
    </div>
</div>            </div>
            <div class="blog top-nav-item">
                <a href="/blog">Articles</a>
            </div>
        </div>
    </nav>
    <nav class="user-nav"></nav>
</div>
        </div>
    </div>
"""


def _v2023_columns(kind: str, links: tuple[tuple[str, str], ...], all_label: str, all_href: str) -> str:
    anchors = [f'<a href="{href}" title="{escape(name)}">{escape(name)}</a>' for name, href in links]
    anchors.append(f'<a href="{all_href}" title="{all_label}">{all_label}</a>')
    size = -(-len(anchors) // 4)
    columns = []
    for number, start in enumerate(range(0, len(anchors), size), start=1):
        rows = "\n        ".join(anchors[start : start + size])
        columns.append(f'<div class="{kind}Column" id="{kind}Col{number}">\n        {rows}\n    </div>')
    return "\n    ".join(columns)


def _v2023_header() -> str:
    genres = _v2023_columns("genre", DISCOVER_GENRES, "All Genres", "/genres")
    moods = _v2023_columns("mood", DISCOVER_MOODS, "All Moods", "/moods")
    themes = _v2023_columns("theme", DISCOVER_THEMES, "All Themes", "/themes")
    return f"""<header id="siteHeader" class="fixed">
    <div id="siteHeaderInnerContain">
        <div id="headerTopRow">
            <div id="logoMainNavContainer">
                <div id="logoContainer"><a href="/" title="AllMusic"></a></div>
                <div id="mainNavContainer">
                    <div class="new-releases">
                        <a href="/newreleases" title="New Releases" class="dropdownItem">New Releases<span></span></a>
                    </div>
                    <div class="discover">
                        <a href="/discover" title="Discover" class="dropdownItem">Discover<span></span></a>
                        <div class="subnavContainer" id="discoverSubnavContainer">
    <div class="subContain">
        <div id="discoverSubnavLeft">
            <div class="discoverSubnavLeftInnerContainer">
                <a href="/genres" title="Genres" class="discoverDropTrigger active" id="discoverGenres">Genres</a>
                <a href="/moods" title="Moods" class="discoverDropTrigger" id="discoverMoods">Moods</a>
                <a href="/themes" title="Themes" class="discoverDropTrigger" id="discoverThemes">Themes</a>
            </div>
        </div>
        <div id="discoverSubnavRight">
            <div class="discoverGenreSecondary">
    {genres}
</div>            <div class="discoverMoodSecondary" style="display:none;">
    {moods}
</div>            <div class="discoverThemeSecondary" style="display:none;">
    {themes}
</div>        </div>
    </div>
</div>
                    </div>
                </div>
            </div>
            <div id="searchNavContainer">
                <form id="searchForm" method="get" action="/search"><input type="text" name="term"></form>
            </div>
        </div>
    </div>
</header>
"""


PRE2023_NAV = _pre2023_nav()
V2023_HEADER = _v2023_header()

HEAD_COMMON = """    <meta charset="utf-8">
    <meta http-equiv="X-UA-Compatible" content="IE=Edge,chrome=1">
    <meta name="viewport" content="width=device-width">
    <meta name="application-name" content="AllMusic">
    <meta property="og:site_name" content="AllMusic">
    <link rel="alternate" type="application/rss+xml" title="RSS" href="/rss"/>
"""

FOOTER = f"""<footer>
    <div id="footer-wrapper">
        <div id="footer-grid">
            <div id="site-overview" class="footer-column">
                <h3>Site Overview</h3>
                <ul>
                    <li><p><a href="/newreleases" title="New Releases">New Releases</a></p></li>
                    <li><p><a href="/discover" title="Discover">Discover</a></p></li>
                    <li><p><a href="{BASE_PLACEHOLDER}/sitemap.xml" title="Sitemap">Sitemap</a></p></li>
                </ul>
            </div>
            <div id="copyright">
                <h3>albumml sample site: made-up albums, generated offline for tests and demos</h3>
            </div>
        </div>
    </div>
</footer>
"""
