"""A short moderation history for the demo, played through the same use cases the API calls: user reports (one
from a trusted flagger), a reviewer's removal, a 24-hour freeze, a dismissed false report, and two appeals (one
upheld, one overturned). Played once per database: a marker event records that it ran."""
from __future__ import annotations

from ..act import appeals, enforce, review
from ..domain.cases import Reviewer
from ..domain.model import Report
from ..engine import Engine
from ..ports import Store

MARKER = "demo:history"
MODERATOR = Reviewer("demo:moderator", "moderator", None)
SECOND = Reviewer("demo:senior-moderator", "moderator", None)


def play(store: Store, engine: Engine) -> bool:
    policy, clock, new_id = engine.policy, engine.clock, engine.new_id
    with store.uow(write=True) as uow:
        if any(e.kind == "demo.history_played" for e in uow.events_for(MARKER)):
            return False
        if uow.get_item("post-harass-1") is None:
            return False
        now = clock.now()
        for i, (reporter, trusted) in enumerate((("user-301", False), ("user-302", False), ("flagger-ngo", True))):
            review.add_report(uow, Report("post-harass-1", reporter, "harassment", "targets one person",
                                          trusted), policy, now, new_id)
        case = uow.open_case("post-harass-1")
        if case is not None:
            review.decide(uow, case.id, MODERATOR, "remove", "targeted harassment telling a person to die",
                          "harassment.review", policy, now, new_id)
        enforce.act_directly(uow, "acct-bully", "freeze", 24 * 3600, None, "repeated harassment of other users",
                             "harassment.review", MODERATOR, policy, now, new_id)
        review.add_report(uow, Report("post-news-shooting", "user-303", "violence", "graphic"), policy, now, new_id)
        case = uow.open_case("post-news-shooting")
        if case is not None and case.priority != "P0":
            review.decide(uow, case.id, MODERATOR, "dismiss", "news reporting, no violation", None, policy, now,
                          new_id)
        removed = [d for d in uow.list_decisions(None, 0, 1000) if d.decision.verdict == "remove"]
        for n, stored in enumerate(removed[:2]):
            d = stored.decision
            item = uow.get_item(d.subject_id)
            if item is None or item.author is None:
                continue
            appeal = appeals.file_appeal(uow, d.id, item.author.id, "I was quoting someone else.", policy, now,
                                         new_id)
            outcome = "overturn" if n == 0 else "uphold"
            reviewer = SECOND if d.reviewer == MODERATOR.id else MODERATOR
            appeals.decide_appeal(uow, appeal.id, reviewer, outcome,
                                  "on a second look the post quotes in order to criticise" if n == 0
                                  else "the removal stands", policy, now, new_id)
        uow.append_event(MARKER, "demo.history_played", {}, now)
        uow.commit()
    return True
