"""The character n-gram model: hashing, features and training."""
import numpy as np

from tocsin.models import chargrams as cg


def _grams(length: int) -> int:
    return sum(max(0, length + 2 - n + 1) for n in cg.NGRAMS)


def test_ngrams_stay_inside_words_and_are_counted():
    row, col, count = cg.sparse_rows(["Zork blim", "blim zork", "zork zork", ""])
    by_row = [dict(zip(col[row == r].tolist(), count[row == r].tolist())) for r in range(3)]
    assert by_row[0] == by_row[1]  # word order does not matter: no n-gram spans two words
    assert sum(by_row[0].values()) == 2 * _grams(4)
    assert sum(by_row[2].values()) == 2 * _grams(4) and set(by_row[2].values()) == {2.0}
    assert not (row == 3).any()  # an empty text has no n-grams
    again = cg.sparse_rows(["Zork blim", "blim zork", "zork zork", ""])
    assert all(np.array_equal(a, b) for a, b in zip((row, col, count), again))  # no salted hashing


def test_features_are_unit_rows_and_take_selects_rows():
    texts = ["the quick brown fox", "", "ünïcödé wörds ok", "fox"]
    df, n = cg.document_frequency(texts)
    x = cg.featurise(texts, cg.idf_from(df, n))
    norms = [np.sqrt(np.sum(x.vals[x.indptr[i]:x.indptr[i + 1]] ** 2)) for i in range(4)]
    assert np.allclose(norms, [1, 0, 1, 1], atol=1e-5)
    sub = x.take(np.array([3, 0]))
    direct = cg.featurise([texts[3], texts[0]], cg.idf_from(df, n))
    assert np.array_equal(sub.indptr, direct.indptr) and np.array_equal(sub.cols, direct.cols)
    w = np.random.default_rng(0).standard_normal(cg.BUCKETS).astype(np.float32)
    assert np.allclose(sub.dot(w), direct.dot(w)) and x.dot(w)[1] == 0.0


def _corpus(n, seed):
    rng = np.random.default_rng(seed)
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]
    y = rng.integers(0, 2, n)
    texts = [" ".join(rng.choice(words, 5)) + (" zorkish" if v else "") for v in y]
    return texts, y.astype(np.float64)


def test_linear_model_learns_a_word_and_is_deterministic():
    texts, y = _corpus(600, 1)
    df, n = cg.document_frequency(texts)
    idf = cg.idf_from(df, n)
    x = cg.featurise(texts, idf)
    cfg = cg.LinearConfig(epochs=4, batch=64, lr=0.05)
    coef, bias = cg.fit_linear(x, y, np.ones(len(y)), cfg)
    again, bias2 = cg.fit_linear(x, y, np.ones(len(y)), cfg)
    assert np.array_equal(coef, again) and bias == bias2
    model = cg.CharModel(idf, {"hate": coef}, {"hate": bias})
    test_texts, test_y = _corpus(200, 2)
    z = model.logits(test_texts)["hate"]
    assert ((z > 0) == test_y.astype(bool)).mean() > 0.95
