"""Slot fills of the synthetic corpus: the names, titles and places of an event, and the
numbers, systems and units drawn fresh for each sentence."""

from __future__ import annotations

import random

from . import _bank as B


def ordinal(n: int) -> str:
    """1 -> '1st', 12 -> '12th', 23 -> '23rd'."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _initials(first: str, last: str) -> str:
    return "".join(f[0] + "." for f in first.split()) + " " + last


def story_ctx(rng: random.Random) -> dict[str, str]:
    """Names, titles and places of one event, shared by all its sentences."""
    country, long, nat, cities, firsts, lasts = rng.choice(B.COUNTRIES)
    gfirst = " ".join(rng.sample(firsts, 2)) if rng.random() < 0.2 else rng.choice(firsts)
    glast = rng.choice(lasts)
    grank = "" if rng.random() < 0.15 else rng.choice(B.FOREIGN_RANKS) + " "
    hfirst, hlast = rng.choice(B.AZ_FIRST), rng.choice(B.AZ_LAST)
    host_title = rng.choice(B.HOST_TITLES)
    day = rng.randint(1, 28)
    return {
        "country": country,
        "long": long,
        "nat": nat,
        "pair": f"Azerbaijani-{nat}",
        "city": rng.choice(cities),
        "guest": f"{gfirst} {glast}",
        "guest_full": f"{grank}{gfirst} {glast}",
        "guest_short": _initials(gfirst, glast),
        "guest_title": rng.choice(B.GUEST_TITLES).replace("{long}", long),
        "host": f"{hfirst} {hlast}",
        "host_short": _initials(hfirst, hlast),
        "host_rank": rng.choice(B.AZ_RANKS),
        "host_title": host_title,
        "host_title_c": host_title[0].upper() + host_title[1:],
        "host2": f"{rng.choice(B.AZ_FIRST)} {rng.choice(B.AZ_LAST)}",
        "host2_rank": rng.choice(B.AZ_RANKS),
        "facility": rng.choice(B.FACILITIES),
        "ordinal": ordinal(rng.randint(10, 110)),
        "date_text": f"{day} {rng.choice(B.MONTHS)}",
        "disaster": rng.choice(
            (
                "the earthquake in the {c} region",
                "the helicopter crash near {c}",
                "the floods in the {c} province",
                "the explosion at an ammunition depot near {c}",
                "the plane crash near {c}",
            )
        ).replace("{c}", rng.choice(cities)),
        "exercise": f"{rng.choice(B.EXERCISE_WORDS)}-{rng.randint(2019, 2025)}",
    }


def random_slots(rng: random.Random) -> dict:
    """Per-sentence slot fills drawn fresh each time (numbers, systems, units ...)."""
    ri, ch = rng.randint, rng.choice

    def unit() -> str:
        return (
            ch(B.UNIT_FORMS).replace("{o}", ordinal(ri(1, 40))).replace("{n}", str(ri(1000, 99999)))
        )

    def dm() -> str:
        return f"{ri(1, 28)} {ch(B.MONTHS)}"

    return {
        "n1": lambda: str(ri(2, 40)),
        "n2": lambda: str(ri(10, 950)),
        "n3": lambda: f"{ri(1000, 25000):,}",
        "n4": lambda: str(ri(2, 24)),
        "pct": lambda: str(ri(5, 95)),
        "km": lambda: str(ri(5, 900)),
        "money": lambda: f"{ri(2, 900)} million {ch(('manats', 'US dollars', 'euros'))}",
        "system": lambda: f"{ch(B.SYS_PREFIX)}-{ri(1, 400)}{ch(('', '', 'M', 'K', 'A'))}",
        "sys_kind": lambda: ch(B.SYS_KINDS),
        "company": lambda: f"{ch(B.COMPANY_ROOTS)} {ch(B.COMPANY_SUFFIX)}",
        "unit": unit,
        "place": lambda: ch(B.AZ_PLACES),
        "range": lambda: ch(B.RANGES),
        "month": lambda: ch(B.MONTHS),
        "year": lambda: str(ri(2010, 2024)),
        "year_fut": lambda: str(ri(2025, 2032)),
        "acad_year": lambda: (lambda y: f"{y}-{y + 1}")(ri(2024, 2030)),
        "dm": dm,
        "hhmm": lambda: f"{ri(0, 23):02d}:{ri(0, 59):02d}",
        "person": lambda: (
            f"{ch(B.PERSON_ROLES)}, {ch(B.AZ_RANKS)} {ch(B.AZ_FIRST)} {ch(B.AZ_LAST)}"
        ),
        "topic": lambda: ch(B.TOPICS),
        "freq": lambda: ch(B.FREQS),
        "expo": lambda: ch(B.EXPOS),
        "vehicle": lambda: ch(B.VEHICLES),
        "course": lambda: ch(B.COURSES),
        "academy": lambda: ch(B.ACADEMIES),
    }
