"""Site-wide page parts every page carries: head boilerplate, header with the discover menu, footer.

The discover menu has the same structure and the same 14 mood and 14 theme links as the real pages
(`#discover-moods`, `.mood-column`; in 2023 `.moodColumn`): it is never an album's moods, and parsers must
select inside the album's own sections. The markup is in `templates/chrome/`; it is rendered once, here.
"""

from __future__ import annotations

from markupsafe import Markup

from sample_site.rendering import render

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


def _menu(links: tuple[tuple[str, str], ...], all_label: str, all_href: str) -> list[tuple[str, str]]:
    """(href, name) of a discover menu's links, ending with its 'All …' link."""
    return [(href, name) for name, href in links] + [(all_href, all_label)]


def _pre2023_menu(links: tuple[tuple[str, str], ...], all_label: str, all_href: str) -> list[tuple[str, str, str]]:
    """(class, href, name) of a pre-2023 menu's links: `individual`, and `last` for the 'All …' link."""
    return [("individual", href, name) for name, href in links] + [("last", all_href, all_label)]


PRE2023_NAV = Markup(
    render(
        "chrome/pre2023_nav.html.j2",
        genres=_pre2023_menu(DISCOVER_GENRES, "All Genres", "/genres"),
        moods=_pre2023_menu(DISCOVER_MOODS, "All Moods", "/moods"),
        themes=_pre2023_menu(DISCOVER_THEMES, "All Themes", "/themes"),
    )
)
V2023_HEADER = Markup(
    render(
        "chrome/v2023_header.html.j2",
        genres=_menu(DISCOVER_GENRES, "All Genres", "/genres"),
        moods=_menu(DISCOVER_MOODS, "All Moods", "/moods"),
        themes=_menu(DISCOVER_THEMES, "All Themes", "/themes"),
    )
)
HEAD_COMMON = Markup(render("chrome/head.html.j2"))
FOOTER = Markup(render("chrome/footer.html.j2"))
