"""Claim retrieval helpers: BM25, the fused ranking, and a re-ranker that learns from labelled candidates."""
import numpy as np

from tocsin.models.claims import (BM25, CharGrams, Reranker, average_precision, candidate_features,
                                  hybrid_rank, load_clef2020, tokens)

CLAIMS = ["Drinking bleach cures the flu", "The moon landing was filmed in a studio", "Vaccines contain microchips",
          "The election was moved to Wednesday", "Windmills cause cancer"]


def test_bm25_prefers_the_claim_that_shares_rare_words():
    s = BM25(CLAIMS).scores(["they say vaccines have microchips inside", "windmills and cancer"])
    assert s[0].argmax() == 2 and s[1].argmax() == 4 and (s >= 0).all()


def test_hybrid_rank_breaks_a_semantic_tie_with_bm25():
    semantic = np.array([[0.5, 0.5, 0.1]])
    lexical = np.array([[0.0, 3.0, 0.0]])
    assert hybrid_rank(semantic, lexical, 0.05, 2).tolist() == [[1, 0]]


def test_reranker_learns_which_candidate_features_matter():
    rng = np.random.default_rng(0)
    n_q, n_c = 60, len(CLAIMS)
    truth = rng.integers(0, n_c, n_q)
    semantic = rng.uniform(0.3, 0.6, (n_q, n_c))
    lexical = rng.uniform(0, 1, (n_q, n_c))
    lexical[np.arange(n_q), truth] += 2.0  # the right claim shares words; the embedding does not know it
    queries = [CLAIMS[t] for t in truth]
    words = [set(tokens(c)) for c in CLAIMS]
    cand, x = candidate_features(semantic, [semantic], lexical, queries, words, weight=0.0, depth=n_c)
    y = cand == truth[:, None]
    before = np.mean([average_precision([str(i) for i in row], {str(t)}, 5) for row, t in zip(cand, truth)])
    order = Reranker().fit(x[:40], y[:40]).order(cand[40:], x[40:])
    after = np.mean([average_precision([str(i) for i in row], {str(t)}, 5) for row, t in zip(order, truth[40:])])
    assert after > 0.95 > before


def test_char_grams_prefer_the_misspelt_name_to_a_shared_word_alone():
    grams = CharGrams(["Nikolas Cruz registered to vote", "The mayor opened a bridge", "Cruz ships sail at noon",
                       "Nikolas went home"], min_df=1)
    sims = grams.similarity("Police named the suspect Nicholas Cruz", np.arange(4))
    assert sims.argmax() == 0 and sims[0] > sims[2] > 0 and sims.max() <= 1.0


def test_clef_loader_joins_title_and_claim(tmp_path):
    (tmp_path / "dev").mkdir()
    (tmp_path / "verified_claims.docs.tsv").write_text(
        "\tvclaim\ttitle\n7\tU.S. Rep. Omar said it.\tDid U.S. Rep. Omar Say It?\n", encoding="utf-8")
    (tmp_path / "dev" / "tweets.queries.tsv").write_text("\ttweet_content\n1\tOmar said it\n", encoding="utf-8")
    (tmp_path / "dev" / "tweet-vclaim-pairs.qrels").write_text("1 0 7 1\n", encoding="utf-8")
    claims, queries, qrels = load_clef2020(tmp_path, "dev")
    assert claims == [("7", "Did U.S. Rep. Omar Say It?. U.S. Rep. Omar said it.")] and qrels == {"1": {"7"}}


def test_reranker_round_trips_and_its_probabilities_are_calibrated():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(400, 10, 3))
    logit = 2.5 * x[..., 0] - 4.0  # few positives: class-balanced scores alone would overstate them
    y = rng.uniform(size=logit.shape) < 1 / (1 + np.exp(-logit))
    r = Reranker().fit(x[:300], y[:300])
    p = r.probability(x[300:])
    assert abs(p.mean() - y[300:].mean()) < 0.03  # calibrated in the mean, not pushed towards 0.5
    again = Reranker.from_dict(r.to_dict())
    assert np.allclose(again.probability(x[300:]), p)
    assert (np.argsort(-r.scores(x[300:]), axis=1) == np.argsort(-p, axis=1)).all()


def test_a_claims_bank_finds_retellings_with_the_claims_matcher_and_translations_with_the_semantic_one():
    from tocsin.detect.banks import BankIndex
    from tocsin.detect.claim_match import ClaimMatcher
    from tocsin.ports import BankEntry

    bank = ClaimMatcher.examples()[0].bank
    index = BankIndex([BankEntry("fc", eid, text) for eid, text in bank], ["exact", "semantic", "claims"])
    retold, translated, unrelated = index.match(["so soros pays the kavanaugh protesters now?? who is surprised",
                                                 "Trinkt heißes Wasser, das tötet das Coronavirus!",
                                                 "Anyone know a good plumber near the station?"], 1)
    assert retold[0]["entry_id"] == "c1" and retold[0]["matcher"] == "claims" and retold[0]["score"] >= 0.6
    assert translated[0]["entry_id"] == "c2" and translated[0]["matcher"] == "semantic"
    assert translated[0]["score"] >= 0.6 and unrelated[0]["score"] < 0.5


def test_multiclaim_loader_keeps_the_original_language_and_the_image_text(tmp_path):
    from tocsin.models.claims import load_multiclaim_sample

    (tmp_path / "trial_fact_checks.csv").write_text(
        'fact_check_id,claim,instances,title\n'
        '3,"(\'Ballots were burnt\', \'Ballots were burnt\', [(\'eng\', 1.0)])",[],'
        '"(\'No ballots burnt\', \'No ballots burnt\', [(\'eng\', 1.0)])"\n', encoding="utf-8")
    (tmp_path / "trial_posts.csv").write_text(
        'post_id,instances,ocr,verdicts,text\n'
        '7,[],"[(\'STIMMZETTEL VERBRANNT\', \'BALLOTS BURNT\', [(\'deu\', 1.0)])]",[],'
        '"(\'Sie haben die Stimmzettel verbrannt\', \'They burnt the ballots\', [(\'deu\', 1.0)])"\n'
        '8,[],[],[],broken(\n', encoding="utf-8")
    (tmp_path / "trial_data_mapping.csv").write_text("post_id,fact_check_id,pair_lang\n7,3,deu-eng\n9,3,eng-eng\n",
                                                      encoding="utf-8")
    checks, pairs = load_multiclaim_sample(tmp_path)
    assert checks == [("fc3", "No ballots burnt. Ballots were burnt")]
    assert pairs == [("Sie haben die Stimmzettel verbrannt STIMMZETTEL VERBRANNT", "fc3", "deu-eng")]


def test_a_claims_match_across_languages_goes_to_a_person_whatever_its_score():
    from tocsin.detect.bank_match import _signal
    from tocsin.ports import Bank, BankEntry

    bank = Bank("fc", kind="claims", suggest=0.6, auto=0.9)
    entry = BankEntry("fc", "c1", "Vaccines contain microchips", lang="en", labels={"rating": "False"})
    match = {"entry_id": "c1", "score": 0.97, "matcher": "claims"}
    assert _signal(bank, entry, match, 1, "en-GB").evidence["level"] == "auto"
    assert _signal(bank, entry, match, 1, "und").evidence["level"] == "auto"  # unknown language: no evidence of a gap
    across = _signal(bank, entry, match, 1, "ko").evidence
    assert across["level"] == "suggest" and across["across_languages"] == "ko->en"
    assert _signal(bank, entry, {**match, "matcher": "semantic"}, 1, "ko").evidence["level"] == "auto"
