"""A banked English text is found again in German, French and Dutch, translated by a person or garbled by a
machine, at the semantic matcher's threshold; 1,000 unrelated posts in those languages match nothing."""
from tests.fixtures.crosslingual import BANK, GARBLED, TRANSLATIONS, unrelated
from tocsin.detect.banks import BankIndex
from tocsin.ports import BankEntry

THRESHOLD = 0.6  # the semantic matcher's default suggest threshold


def test_translations_match_and_unrelated_posts_do_not():
    index = BankIndex([BankEntry("b", eid, text) for eid, text in BANK.items()], ["exact", "near-dup", "semantic"])
    queries = [(eid, t) for eid, ts in TRANSLATIONS.items() for _, t in ts] + [(e, t) for e, (_, t) in GARBLED.items()]
    for (eid, text), found in zip(queries, index.match([t for _, t in queries], 3)):
        assert found[0]["entry_id"] == eid and found[0]["score"] >= THRESHOLD, (text, found)
    posts = unrelated(1000)
    assert len({t for _, t in posts}) == 1000 and {lang for lang, _ in posts} == {"de", "fr", "nl"}
    hits = [(t, f[0]) for (_, t), f in zip(posts, index.match([t for _, t in posts], 1)) if f and f[0]["score"] >= THRESHOLD]
    assert hits == []
