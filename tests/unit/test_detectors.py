"""Tests generated from every registered detector's own example cases (as python-threatexchange does)."""
import pytest

from tocsin.detect import registry
from tocsin.detect.base import Detector
from tocsin.domain.model import CATEGORIES, ContentItem

CASES = [(name, i, ex) for name, cls in sorted(registry.available().items()) for i, ex in enumerate(cls.examples())]


def test_builtin_detectors_are_registered_through_entry_points():
    assert "lexical" in registry.available()


def test_every_detector_has_examples_and_a_stable_name():
    for name, cls in registry.available().items():
        assert issubclass(cls, Detector) and cls.get_name() == name and cls.version
        assert cls.examples(), f"detector {name} ships no example cases"
        assert set(cls.categories) <= set(CATEGORIES)


@pytest.mark.parametrize("name,index,example", CASES, ids=[f"{n}-{i}" for n, i, _ in CASES])
def test_detector_example(name, index, example):
    det = registry.load([name])[0]
    item = ContentItem(f"ex-{index}", example.type, example.text, example.title, example.lang)
    (signals,) = det.detect([item])
    scores = {s.category: s.score for s in signals}
    thresholds = det.thresholds()
    for category, flagged in example.expect.items():
        got = scores.get(category, 0.0) >= thresholds[category]
        assert got == flagged, f"{name}: {example.text!r}: {category} score {scores.get(category, 0.0)}"
    for s in signals:
        assert 0.0 <= s.score <= 1.0 and s.source == name


def test_unknown_detector_is_a_clear_error():
    with pytest.raises(registry.UnknownDetector, match="nope"):
        registry.load(["nope"])
