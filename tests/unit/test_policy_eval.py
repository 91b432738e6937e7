from tocsin.decide.loader import parse_policy
from tocsin.domain.model import Author, ContentItem, Signal
from tocsin.domain.policy import evaluate

POLICY = parse_policy("""\
name: t
version: "7"
verdicts:
  allow: {severity: 0}
  review: {severity: 1, review: true}
  remove: {severity: 3, effects: [{type: remove}]}
  freeze: {severity: 4, effects: [{type: remove}, {type: freeze, duration: 1h}]}
rules:
  - {id: hate.review, category: hate, threshold: 0.5, verdict: review}
  - {id: hate.remove, category: hate, threshold: 0.9, verdict: remove}
  - {id: vio.event, category: violence, threshold: 0.3, verdict: review, content_types: [event]}
  - {id: vio.de, category: violence, threshold: 0.6, verdict: freeze, langs: [de]}
""")


def sig(cat, score, source="d"):
    return Signal(source, cat, score, "m", "1", {"matches": ["x"]})


def item(**kw):
    base = dict(id="i1", type="post", text="t", lang="en", author=Author("a1"))
    base.update(kw)
    return ContentItem(**base)


def test_nothing_matches_gives_the_default_verdict():
    d = evaluate(POLICY, item(), [sig("hate", 0.2)], "d1", "now")
    assert d.verdict == "allow" and d.rule is None and d.effects == ()
    assert d.policy_version == "7" and d.automated


def test_most_severe_matching_rule_wins_and_reasons_name_it():
    d = evaluate(POLICY, item(), [sig("hate", 0.95)], "d1", "now")
    assert (d.verdict, d.rule, d.category) == ("remove", "hate.remove", "hate")
    assert "hate score 0.950 >= 0.90 (rule hate.remove" in d.reasons[0]
    assert [e.type for e in d.effects] == ["remove"]


def test_uncertain_band_goes_to_review_as_an_effect():
    d = evaluate(POLICY, item(), [sig("hate", 0.6)], "d1", "now")
    assert d.verdict == "review" and [e.type for e in d.effects] == ["review"]


def test_best_signal_across_detectors_counts():
    d = evaluate(POLICY, item(), [sig("hate", 0.4, "a"), sig("hate", 0.92, "b")], "d1", "now")
    assert d.verdict == "remove" and "detector b" in d.reasons[0]


def test_content_type_and_language_filters():
    assert evaluate(POLICY, item(type="event"), [sig("violence", 0.35)], "d", "now").rule == "vio.event"
    assert evaluate(POLICY, item(type="post"), [sig("violence", 0.35)], "d", "now").verdict == "allow"
    de = evaluate(POLICY, item(lang="de"), [sig("violence", 0.7)], "d", "now")
    assert de.verdict == "freeze" and [(e.type, e.target, e.duration_s) for e in de.effects] == [
        ("remove", "content", None), ("freeze", "account", 3600)]
    assert evaluate(POLICY, item(lang="fr"), [sig("violence", 0.7)], "d", "now").verdict == "allow"


def test_flag_threshold_is_the_lowest_acting_rule():
    assert POLICY.flag_threshold("hate", item()) == 0.5
    assert POLICY.flag_threshold("violence", item(type="event")) == 0.3
    assert POLICY.flag_threshold("profanity", item()) is None
