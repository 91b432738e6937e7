"""Backtest: re-run a policy over stored content and its stored signals, and say what would change."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..domain.policy import Policy, evaluate
from ..ports import Store


@dataclass
class BacktestReport:
    items: int = 0
    changed: int = 0
    transitions: Counter = field(default_factory=Counter)
    examples: list[tuple[str, str, str]] = field(default_factory=list)  # (item id, old verdict, new verdict)

    def lines(self, show: int = 20) -> list[str]:
        out = [f"backtest: {self.items} items, {self.changed} would change"]
        for (old, new), n in sorted(self.transitions.items(), key=lambda kv: -kv[1]):
            out.append(f"  {old} -> {new}: {n}")
        for item_id, old, new in self.examples[:show]:
            out.append(f"  {item_id}: {old} -> {new}")
        return out


def backtest(store: Store, policy: Policy, now: str, page: int = 500) -> BacktestReport:
    report, after = BacktestReport(), ""
    while True:
        with store.uow() as uow:
            items = uow.latest_items(after, page)
            rows = [(i, uow.signals_for(i.id, i.version), uow.decision_for(i.id, i.version)) for i in items]
        for item, signals, old in rows:
            report.items += 1
            new = evaluate(policy, item, signals, "backtest", now)
            old_verdict = old.verdict if old else "none"
            if new.verdict != old_verdict:
                report.changed += 1
                report.transitions[(old_verdict, new.verdict)] += 1
                if len(report.examples) < 1000:
                    report.examples.append((item.id, old_verdict, new.verdict))
        if len(items) < page:
            return report
        after = items[-1].id
