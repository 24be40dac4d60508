"""A small hand-made corpus for the serve and watch tests: two formulas that every story
uses, a sentence that two stories share (a third makes it a formula), and arrivals that
make a new template, drift a formula's wording, or say something new."""

from __future__ import annotations

from pathlib import Path

from protocol_match.records import Article

WREATHS = (
    "The guests laid wreaths at the Alley of Honor and paid tribute to the memory of the heroes."
)
VIEWS = (
    "The sides exchanged views on military, military-technical cooperation and regional security."
)
NAVAL = "Joint naval exercises in the Caspian Sea were discussed in detail by the two delegations."
DRIFTED = (
    "The guests solemnly laid wreaths and fresh flowers at the Alley of Honor and paid tribute "
    "to the memory of the fallen heroes."
)
HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'

_VISITS = [
    ("2024-01-05", "Kazakhstan", "General Ruslan Zhaksylykov", "a training centre in Almaty"),
    ("2024-02-11", "Pakistan", "General Asim Munir", "a drone factory in Kamra"),
    ("2024-03-20", "Turkey", "General Metin Gurak", "the shipyard in Izmit"),
    ("2024-04-28", "Georgia", "General Giorgi Matiashvili", "a mountain school in Sachkhere"),
]


def _visit(i: int, date: str, country: str, guest: str, place: str, naval: bool) -> Article:
    text = (
        f"BAKU, {date}. Defense Minister Zakir Hasanov met a delegation from {country} led by "
        f"{guest}.\n\n{WREATHS} The delegation from {country} presented {place} to the hosts."
        f"\n\n{VIEWS}" + (f" {NAVAL}" if naval else "")
    )
    return Article(f"visit-{i}", text, date, f"source-{i % 2}", f"Visit from {country}")


def base_articles() -> list[Article]:
    """Four stories: both formulas in all, the naval sentence in the first two."""
    return [_visit(i, *v, naval=i < 2) for i, v in enumerate(_VISITS)]


def arrivals() -> list[tuple[str, str]]:
    """(file name, text) of three arriving articles, in order: one making the naval sentence a
    formula (third story), one with a drifted wreath formula, one with nothing seen before."""
    return [
        (
            "a1-italy.txt",
            " date 2024-05-30 BAKU. Defense Minister Zakir Hasanov met a delegation from Italy "
            f"led by General Luciano Portolano.\n\n{WREATHS}\n\n{VIEWS} {NAVAL}",
        ),
        (
            "a2-serbia.txt",
            " date 2024-06-30 BAKU. Defense Minister Zakir Hasanov met a delegation from Serbia "
            f"led by General Milan Mojsilovic.\n\n{DRIFTED}\n\n{VIEWS}",
        ),
        (
            "a3-weather.txt",
            " date 2024-07-31 A violent hailstorm flattened the vineyards of Shamakhi overnight, "
            "and farmers counted losses of eleven thousand hectares.\n\nVolunteers from Ganja "
            "brought tarpaulins and pumps to the flooded cellars of the old winery.",
        ),
    ]


def hostile_article() -> Article:
    text = (
        f"Breaking: {HOSTILE} appeared in a press release from Sumgait today.\n\n"
        "The editors say the markup was pasted from a web form by mistake."
    )
    return Article("hostile-1", text, "2024-08-15", "source-0", f"Markup {HOSTILE}")


def build_store(path: Path, embedder: object, *, hostile: bool = False) -> Path:
    """A static-backend store of the base articles (and the hostile one), mined with
    min_support 3."""
    from protocol_match.corpus import Corpus

    corpus = Corpus.open(path, create=True, backend="static")
    corpus._embedder = embedder  # the session's static model: same fingerprint
    corpus.add(base_articles() + ([hostile_article()] if hostile else []))
    corpus.templates(min_support=3)
    corpus.close()
    return path
