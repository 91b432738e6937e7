"""The CLI contract, in-process, on both backends."""
import json

import pytest

from tocsin.adapters.cli.main import main
from tocsin.adapters.store import open_store

BAD = [
    (b"{not json", "invalid JSON"),
    (b'{"id": "x1"}', "text: is required"),
    (b'{"text": "no id"}', "id: is required"),
    (b'{"id": "x2", "text": 42}', "text: must be a string"),
    (b'{"id": "x3", "text": "' + b"a" * 20001 + b'"}', "over the limit"),
    (b'{"id": "x4", "text": "bad \xff utf8"}', "invalid UTF-8"),
    (b'["an", "array"]', "must be a JSON object"),
    (b'{"id": "x5", "text": "t", "type": "tweet"}', "type:"),
    (b'{"id": "x6", "text": "t", "author": {"followers": 1}}', "author.id"),
    (b'{"id": "x7", "text": "t", "created_at": "last tuesday"}', "created_at"),
]


def _file(tmp_path, good=990):
    lines, bad_at = [], {}
    bad = iter(BAD)
    for n in range(1, good + len(BAD) + 1):
        if n % 100 == 50 and len(bad_at) < len(BAD):
            raw, why = next(bad)
            lines.append(raw)
            bad_at[n] = why
        else:
            lines.append(json.dumps({"id": f"item-{n}", "text": f"post number {n}", "author": {"id": f"a{n % 7}"}}).encode())
    path = tmp_path / "items.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path, bad_at


def test_990_good_and_10_bad_lines(tmp_path, store_url, capsys):
    path, bad_at = _file(tmp_path)
    assert main(["ingest", str(path), "--db", store_url]) == 1
    out, err = capsys.readouterr()
    assert out.strip().splitlines()[-1] == "accepted=990 duplicates=0 rejected=10"
    reported = [line for line in err.splitlines() if ": rejected" in line]
    assert len(reported) == 10
    for (n, why), line in zip(sorted(bad_at.items()), reported):
        assert line.startswith(f"{path}:{n}: rejected") and why in line, line
    store = open_store(store_url)
    try:
        with store.uow() as uow:
            assert uow.count_items() == (990, 990)
    finally:
        store.close()
    assert main(["ingest", str(path), "--db", store_url]) == 1
    assert capsys.readouterr().out.strip().splitlines()[-1] == "accepted=0 duplicates=990 rejected=10"
    assert main(["audit", "verify", "--db", store_url]) == 0


def test_classify_contract(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in [
        {"id": "1", "text": "We will shoot them all tonight, bring your guns.", "lang": "en"},
        {"id": "2", "text": "Lovely weather for the market."},
        {"id": 3, "text": "Du bist ein Idiot.", "lang": "de"},
    ]) + "\n")
    dst = tmp_path / "out.jsonl"
    assert main(["classify", "--input", str(src), "--output", str(dst)]) == 0
    rows = [json.loads(line) for line in dst.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["1", "2", 3]
    for r in rows:
        assert set(r["scores"]) == set(r["flagged"]) == {"hate", "violence", "harassment", "profanity"}
    assert rows[0]["flagged"]["violence"] and not any(rows[1]["flagged"].values())
    assert (rows[0]["lang"], rows[1]["lang"], rows[2]["lang"]) == ("en", "en", "de")  # given, identified, given
    assert not (tmp_path / "var").exists()  # classify needs no database and creates none


def test_keys_create_prints_the_key_alone_on_the_last_line(store_url, capsys):
    assert main(["keys", "create", "--role", "moderator", "--db", store_url]) == 0
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert key.startswith("tsk_") and " " not in key
    assert main(["keys", "create", "--role", "root", "--db", store_url]) == 2
    assert "unknown role" in capsys.readouterr().err


def test_policy_check_and_backtest(tmp_path, store_url, capsys, monkeypatch):
    monkeypatch.setenv("TOCSIN_DETECTORS", "lexical")  # deterministic, transparent signals for the mechanics
    main(["demo", "load", "--db", store_url])
    strict = tmp_path / "strict.yaml"
    strict.write_text("""\
name: strict
version: "2"
verdicts:
  allow: {severity: 0}
  remove: {severity: 1, effects: [{type: remove}]}
rules:
  - {id: any-profanity, category: profanity, threshold: 0.1, verdict: remove}
""")
    assert main(["policy", "check", str(strict)]) == 0
    capsys.readouterr()
    assert main(["policy", "backtest", str(strict), "--db", store_url]) == 0
    out = capsys.readouterr().out
    assert "allow -> remove" in out and "post-profane: allow -> remove" in out
    broken = tmp_path / "broken.yaml"
    broken.write_text(strict.read_text().replace("threshold: 0.1", "threshold: lots"))
    assert main(["policy", "check", str(broken)]) == 1
    assert f"{broken}:7: rules[0].threshold" in capsys.readouterr().err


def test_clear_errors_never_tracebacks(tmp_path, store_url, capsys):
    assert main(["ingest", str(tmp_path / "missing.jsonl"), "--db", store_url]) == 2
    assert main(["ingest", "-", "--db", "mysql://x"]) == 2
    assert main(["audit", "verify", "--db", store_url, "--policy", str(tmp_path / "nope.yaml")]) == 2
    assert main(["train", "--profile", "fast", "--pair-only"]) == 2
    assert main(["train", "--profile", "fast", "--interpolate", "0.5"]) == 2
    assert main(["train", "--profile", "accurate", "--interpolate", "1.5"]) == 2
    assert main(["train", "--profile", "fast", "--pack", str(tmp_path / "p.npz")]) == 2
    assert main(["train", "--profile", "fast", "--label-smoothing", "0.1"]) == 2
    assert main(["train", "--profile", "accurate", "--label-smoothing", "1"]) == 2
    assert main(["train", "--profile", "accurate", "--pack", str(tmp_path / "p.npz"), "--tuned", str(tmp_path)]) == 2
    assert main(["train", "--profile", "accurate", "--tuned", str(tmp_path / "nowhere"), "--data", str(tmp_path),
                 "--out", str(tmp_path / "o")]) == 2
    from tocsin.detect.trained import weights_path

    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "accurate.npz").write_bytes(weights_path("accurate").read_bytes())  # without its e5t.npz
    assert main(["train", "--profile", "accurate", "--pair-only", "--data", str(tmp_path), "--out",
                 str(tmp_path / "w")]) == 2
    err = capsys.readouterr().err
    assert "cannot read" in err and "unsupported database URL" in err and "Traceback" not in err
    assert "--pair-only pairs the accurate profile" in err and "--pair-only needs the tuned e5 layers" in err
    assert "--interpolate moves the accurate profile" in err and "--interpolate 1.5: must lie between" in err
    assert "--label-smoothing changes e5's fine-tuning" in err and "--label-smoothing 1.0: must lie in [0, 1)" in err
    assert "--pack is for the accurate profile's fine-tuning" in err and "--pack and --tuned each go alone" in err
    assert f"{tmp_path / 'nowhere' / 'e5t.npz'}: a run written by `python -m tocsin.models.e5_pack`" in err
    assert not (tmp_path / "p.npz").exists() and not (tmp_path / "o").exists()
    with pytest.raises(SystemExit) as exc:
        main(["frobnicate"])
    assert exc.value.code == 2


def test_audit_verify_names_an_event_changed_by_hand(store_url, capsys):
    assert main(["demo", "load", "--db", store_url]) == 0
    assert main(["audit", "verify", "--db", store_url]) == 0
    store = open_store(store_url)
    try:
        with store.uow(write=True) as uow:  # an insider edits a decision's verdict directly in the database
            seq, subject, payload = uow._x("SELECT seq, subject_id, payload FROM events WHERE kind = ? ORDER BY seq "
                                           "LIMIT 1", ("decision.made",)).fetchone()
            uow._x("UPDATE events SET payload = ? WHERE seq = ?", (payload.replace('"remove"', '"allow"').replace(
                '"review"', '"allow"').replace('"allow"', '"label"', 1), seq))
            uow.commit()
    finally:
        store.close()
    capsys.readouterr()
    assert main(["audit", "verify", "--db", store_url]) == 1
    out = capsys.readouterr().out
    assert f"BROKEN at event seq={seq} subject={subject}" in out


def test_reports_add_and_tick(store_url, capsys, monkeypatch):
    monkeypatch.setenv("TOCSIN_DETECTORS", "lexical")
    assert main(["demo", "load", "--db", store_url]) == 0
    capsys.readouterr()
    assert main(["reports", "add", "cmt-event-rsvp", "--reporter", "u-1", "--reason", "violence", "--db", store_url]) == 0
    out = capsys.readouterr().out
    assert "evt-armed-defense: case" in out and "counted for cmt-event-rsvp, evt-armed-defense" in out
    assert main(["reports", "add", "nope", "--reporter", "u-1", "--reason", "violence", "--db", store_url]) == 1
    assert main(["tick", "--db", store_url]) == 0
    assert "case(s) escalated" in capsys.readouterr().out


def test_bank_import_and_match_contract(tmp_path, store_url, capsys):
    bank = tmp_path / "bank.jsonl"
    bank.write_text("\n".join(json.dumps(r) for r in [
        {"id": "c1", "text": "Voting machines in the county were rigged to switch votes.", "category": "misinformation",
         "url": "https://factcheck.example/c1", "rating": "false"},
        {"id": "c2", "text": "You can vote by text message on election day.", "category": "misinformation"},
        {"id": "c3", "text": "The river festival is cancelled this year because of the floods."},
    ]) + "\n" + '{"id": "bad"}\n')
    assert main(["bank", "import", "--bank", "claims", str(bank), "--db", store_url]) == 1
    out, err = capsys.readouterr()
    assert out.strip().endswith("added=3 unchanged=0 rejected=1") and ":4: rejected: text" in err
    assert main(["bank", "import", "--bank", "claims", str(bank), "--db", store_url]) == 1
    assert "added=0 unchanged=3" in capsys.readouterr().out
    queries = tmp_path / "q.jsonl"
    queries.write_text("\n".join(json.dumps(r) for r in [
        {"id": "q1", "text": "you can VOTE by text message on election day!"},
        {"id": "q2", "text": "Die Wahlmaschinen im Landkreis wurden manipuliert, um Stimmen umzuschalten."},
        {"id": "q3", "text": "My grandmother bakes the best apple pie."},
    ]) + "\n")
    result = tmp_path / "m.jsonl"
    assert main(["match", "--bank", "claims", "--input", str(queries), "--output", str(result), "--top", "2",
                 "--db", store_url]) == 0
    rows = [json.loads(line) for line in result.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["q1", "q2", "q3"]
    assert rows[0]["matches"][0] == {"entry_id": "c2", "score": 1.0, "matcher": "exact"}
    assert rows[1]["matches"][0]["entry_id"] == "c1" and rows[1]["matches"][0]["matcher"] == "semantic"
    assert rows[1]["matches"][0]["score"] > rows[2]["matches"][0]["score"]
    assert all(len(r["matches"]) <= 2 for r in rows)
    assert main(["match", "--bank", "empty", "--input", str(queries), "--output", "-", "--db", store_url]) == 2


def _mini_suite(path, lang, rows):
    """A suite file in HateCheck's format from (functionality, text, label) rows, all in one language."""
    import csv

    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["functionality", "text", "label", "lang", "disputed"])
        w.writerows([(fn, text, label, lang, "False") for fn, text, label in rows])
    return path


def test_eval_scores_a_suite_in_its_own_or_the_identified_language(tmp_path, capsys):
    """`tocsin eval` on a suite in HateCheck's format (cases written for this test): every case is scored in the
    suite's `lang` column, or with --detect-language in the language the identifier finds, as in production."""
    import json

    suite = _mini_suite(tmp_path / "mini_hi.csv", "hi", [
        ("derog_h", "Those people are vermin and should leave this country.", "hateful"),
        ("neutral_nh", "The library opens at nine on weekdays.", "non-hateful"),
        ("neutral_nh", "We planted tomatoes in the garden this spring.", "non-hateful")])
    assert main(["eval", "--suite", str(suite), "--json"]) == 0
    given = json.loads(capsys.readouterr().out)[0]
    assert given["n"] == 3 and given["scored_as"] == {"hi": 3}
    assert set(given["functionalities"]) == {"derog_h", "neutral_nh"}
    assert main(["eval", "--suite", str(suite), "--json", "--detect-language"]) == 0
    found = json.loads(capsys.readouterr().out)[0]
    assert found["scored_as"] == {"en": 3}
    assert main(["eval", "--suite", str(suite), "--detect-language", "--summary"]) == 0
    assert "mini_hi" in capsys.readouterr().out.split("languages the cases were scored in")[1]


def test_eval_garble_scores_a_damaged_copy_of_each_case_beside_the_clean_one(tmp_path, capsys):
    """`tocsin eval --garble KIND`: every case scored clean and damaged (cases written for this test). Mojibake is
    mended before the models read a post, so no flag changes; the report names the kind and the share unchanged."""
    import json

    suite = _mini_suite(tmp_path / "mini_fr.csv", "fr", [
        ("derog_h", "Ces étrangers sont des déchets, qu'ils dégagent de notre pays.", "hateful"),
        ("neutral_nh", "La bibliothèque ouvre à neuf heures en semaine.", "non-hateful"),
        ("neutral_nh", "Nous avons planté des tomates dans le jardin ce printemps.", "non-hateful")])
    assert main(["eval", "--suite", str(suite), "--json", "--garble", "mojibake"]) == 0
    result = json.loads(capsys.readouterr().out)[0]
    assert result["scored_as"] == {"fr": 3}  # the damaged copies are not counted again
    assert result["garbled"]["kind"] == "mojibake" and result["garbled"]["same_flag"] == 1.0
    assert result["garbled"]["macro_f1"] == result["macro_f1"]
    assert main(["eval", "--suite", str(suite), "--garble", "all", "--summary"]) == 0
    out = capsys.readouterr().out
    assert "garbled (all) against clean:" in out and "mini_fr" in out.split("garbled (all)")[1]
    with pytest.raises(SystemExit) as exc:  # argparse names the choices
        main(["eval", "--suite", str(suite), "--garble", "reverse"])
    assert exc.value.code == 2 and "invalid choice: 'reverse'" in capsys.readouterr().err
