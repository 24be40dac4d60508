"""Screenshots of the web app for the README (docs/serve-*.png), taken with the headless
system Chromium through Playwright.

A generated corpus (``protocol_match.synth``, static backend) is indexed and mined, a few
more articles arrive through ``watch``'s ``Arrivals`` (so "what came in" has entries), and
the app is served in a thread.

    python scripts/serve_screenshots.py [--out docs] [--work /tmp/pm-shots]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


def build(store: Path) -> list[str]:
    from protocol_match.corpus import Corpus
    from protocol_match.synth import generate_corpus
    from protocol_match.watch import Arrivals, WatchSettings

    shutil.rmtree(store, ignore_errors=True)
    articles = list(generate_corpus(160, seed=4).articles)
    corpus = Corpus.open(store, create=True, backend="static")
    corpus.add(articles[:150])
    corpus.templates(min_support=3)
    arrivals = Arrivals(corpus, WatchSettings(mine_every=0))
    arrived = []
    for article in articles[150:]:
        events = arrivals.take(article)
        arrivals.delivered(events)
        arrived += [(e["novelty"], e["article"]["id"]) for e in events if e["event"] == "article"]
    arrivals.save()
    # The article shown: the bundled seed 003 (formulas of seed 000 and new facts).
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    corpus.add([seeds / "000_f20aa96fecda98fa.txt", seeds / "003_2a0c25d3f043716a.txt"])
    shown = next(a.id for a in corpus.store.articles() if a.origin and "003_" in a.origin)
    corpus.close()
    return [shown]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "docs")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "pm-shots")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from protocol_match.serve import ServerThread, ServeSettings

    store = args.work / "store"
    shown = build(store)
    settings = ServeSettings.make(store, port=0, backfill=False, workers=1)
    with ServerThread(settings) as url, sync_playwright() as p:
        profile = tempfile.mkdtemp(prefix="pm-chromium-")
        browser = p.chromium.launch_persistent_context(
            profile, executable_path="/usr/bin/chromium", headless=True, args=FLAGS,
            viewport={"width": 1400, "height": 900},
        )  # fmt: skip
        page = browser.new_page()
        page.goto(url + "/")
        page.screenshot(path=str(args.out / "serve-articles.png"))
        page.goto(url + f"/articles/{shown[0]}")
        page.wait_for_selector(".sent")
        sentences = page.locator(".sent[data-status=novel]")
        (sentences.first if sentences.count() else page.locator(".sent").nth(3)).click()
        page.evaluate("() => window.scrollTo(0, 0)")
        page.screenshot(path=str(args.out / "serve-article.png"))
        page.goto(url + "/templates/3")
        page.screenshot(path=str(args.out / "serve-template.png"))
        browser.close()
        shutil.rmtree(profile, ignore_errors=True)
    print(f"wrote {args.out}/serve-articles.png, serve-article.png, serve-template.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
