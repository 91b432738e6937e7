"""Coordinated campaigns: items that share near-identical or translated text, posted by many distinct accounts
within a short window, form a cluster; a cluster that reaches the policy's `min_accounts` becomes a campaign, a
subject of its own (`campaign:<id>`) with an event log and a review case. A reviewer's verdict on the campaign case
applies to every member item.

Clustering is online and single-pass: each new item joins the cluster of its most similar recent item (cosine of
sentence embeddings at or above `campaigns.similarity`), or starts its own. The window lives in the store, so
several processes share it and a restart loses nothing.
"""
from __future__ import annotations

import base64
import hashlib
from typing import Callable, Sequence

import numpy as np

from ..domain import status as ev
from ..domain.cases import Case
from ..domain.clock import plus
from ..domain.model import ContentItem, Decision
from ..domain.policy import Policy
from ..ports import CampaignItem, CampaignRow, UnitOfWork
from .apply import apply_decision

MIN_CHARS = 20  # "lol" from a thousand accounts is not a campaign
Embed = Callable[[Sequence[str]], np.ndarray]


def _pack(v: np.ndarray) -> str:
    return base64.b64encode(v.astype(np.float16).tobytes()).decode("ascii")


def _unpack(s: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(s), dtype=np.float16).astype(np.float32)


def campaign_subject(campaign_id: str) -> str:
    return f"campaign:{campaign_id}"


class CampaignWindow:
    """The recent items' vectors, kept in memory and synchronised from the store (rows other processes wrote are
    loaded too); capped at `max_items`, the most recent kept, so that clustering stays a single matrix product."""

    def __init__(self, max_items: int = 20_000):
        self.max_items = max_items
        self.ids: list[str] = []
        self.ats: list[str] = []
        self.clusters: list[str] = []
        self.mat = np.zeros((0, 0), np.float32)
        self._known: set[str] = set()
        self._last = ""

    def sync(self, uow: UnitOfWork, since: str) -> None:
        rows = [r for r in uow.campaign_items(max(since, self._last)) if r.item_id not in self._known]
        if rows:
            self._append([r.item_id for r in rows], [r.at for r in rows], [r.cluster for r in rows],
                         np.stack([_unpack(r.vec) for r in rows]))
        keep = [k for k, at in enumerate(self.ats) if at >= since][-self.max_items:]
        if len(keep) < len(self.ids):
            self.ids, self.ats, self.clusters = ([x[k] for k in keep] for x in (self.ids, self.ats, self.clusters))
            self.mat = self.mat[keep]
            self._known = set(self.ids)

    def _append(self, ids: list[str], ats: list[str], clusters: list[str], vecs: np.ndarray) -> None:
        if self.mat.shape[1] != vecs.shape[1]:
            self.ids, self.ats, self.clusters, self.mat = [], [], [], np.zeros((0, vecs.shape[1]), np.float32)
        self.ids += ids
        self.ats += ats
        self.clusters += clusters
        self.mat = np.vstack([self.mat, vecs.astype(np.float32)])
        self._known.update(ids)
        self._last = max([self._last] + ats)


def observe(uow: UnitOfWork, items: Sequence[ContentItem], embed: Embed, policy: Policy, now: str,
            new_id: Callable[[], str], window: CampaignWindow | None = None) -> list[CampaignRow]:
    """Cluster newly accepted items; open or update the campaigns whose clusters they grew. Returns those."""
    cfg = policy.campaigns
    items = [i for i in items if len(i.full_text().strip()) >= MIN_CHARS]
    if not cfg.enabled or not items:
        return []
    since = plus(now, -cfg.window_s)
    window = window or CampaignWindow()
    window.sync(uow, since)
    vecs = embed([i.full_text() for i in items])
    vecs = (vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9)).astype(np.float32)
    if window.mat.shape[1] != vecs.shape[1]:
        window.mat = np.zeros((0, vecs.shape[1]), np.float32)
        window.ids, window.ats, window.clusters = [], [], []
    base = len(window.ids)
    prior = vecs @ window.mat.T if base else np.zeros((len(items), 0), np.float32)  # one product against the window
    clusters: list[str] = []
    touched: set[str] = set()
    for k, (item, v) in enumerate(zip(items, vecs)):
        best, at = -1.0, -1
        if base:
            at = int(prior[k].argmax())
            best = float(prior[k][at])
        if k:  # this batch's earlier items
            inb = vecs[:k] @ v
            j = int(inb.argmax())
            if inb[j] > best:
                best, at = float(inb[j]), base + j
        cluster = item.id
        if best >= cfg.similarity:
            cluster = window.clusters[at] if at < base else clusters[at - base]
        clusters.append(cluster)
        uow.add_campaign_item(CampaignItem(item.id, item.author.id if item.author else None, item.lang, now,
                                           cluster, _pack(v)))
        if cluster != item.id:
            touched.add(cluster)
    window._append([i.id for i in items], [now] * len(items), clusters, vecs)
    uow.prune_campaign_items(plus(since, -cfg.window_s))
    return [c for c in (_grow(uow, cluster, policy, since, now, new_id) for cluster in sorted(touched)) if c]


def _grow(uow: UnitOfWork, cluster: str, policy: Policy, since: str, now: str,
          new_id: Callable[[], str]) -> CampaignRow | None:
    stats = uow.cluster_stats(cluster, since)
    existing = uow.campaign_for_cluster(cluster)
    if existing is None and stats.recent_accounts < policy.campaigns.min_accounts:
        return None
    langs = stats.langs
    cid = existing.id if existing else "c" + hashlib.sha256(cluster.encode()).hexdigest()[:16]
    row = CampaignRow(cid, cluster, stats.first_seen or now, stats.last_seen or now, stats.members, stats.accounts,
                      langs, existing.created_at if existing else now)
    uow.save_campaign(row)
    subject = campaign_subject(cid)
    facts = {"campaign_id": cid, "members": row.members, "accounts": row.accounts, "langs": list(langs),
             "first_seen": row.first_seen, "last_seen": row.last_seen}
    uow.append_event(subject, "campaign.detected" if existing is None else "campaign.grew", facts, now)
    case = uow.open_case(subject)
    if case is None and existing is None:
        risk = min(100.0, 40.0 + 10 * np.log2(max(1, stats.accounts)))
        priority = "P1" if risk >= policy.review.p1 else "P2"
        case = Case(new_id(), subject, "open", policy.campaigns.queue, priority, round(float(risk), 2),
                    {"accounts": round(float(risk), 2)},
                    [f"{stats.accounts} accounts posted the same or translated text in {len(langs)} language(s) "
                     f"within {policy.campaigns.window_s // 60} min"], None, None, now, now,
                    plus(now, policy.review.sla_s[priority]))
        uow.save_case(case)
        uow.append_event(subject, "case.opened", {"case_id": case.id, "trigger": "campaign", "priority": priority,
                                                  "queue": case.queue, "risk": case.risk, "reasons": case.reasons}, now)
    elif case is not None:
        case.updated_at = now
        uow.save_case(case)
    return row


def decide_members(uow: UnitOfWork, case: Case, verdict: str, reason: str, rule: str | None, reviewer_id: str,
                   policy: Policy, now: str, new_id: Callable[[], str]) -> list[Decision]:
    """A reviewer's verdict on a campaign case, applied to every member item (each gets its own decision)."""
    campaign = uow.get_campaign(case.subject_id.split(":", 1)[1])
    if campaign is None:
        return []
    spec = policy.verdicts[verdict]
    out = []
    for m in uow.campaign_members(campaign.cluster):
        item = uow.get_item(m.item_id)
        if item is None:
            continue
        d = Decision(new_id(), item.id, item.version, verdict, case.category, rule, policy.name, policy.version,
                     False, (f"{reason} (campaign {campaign.id})",), spec.effects, reviewer_id, now)
        recorded = uow.append_event(item.id, ev.DECISION_MADE, {
            "decision_id": d.id, "version": item.version, "verdict": verdict, "category": case.category,
            "rule": rule, "policy": policy.name, "policy_version": policy.version, "automated": False,
            "reviewer": reviewer_id, "reasons": list(d.reasons), "case_id": case.id, "campaign_id": campaign.id}, now)
        uow.add_decision(d, recorded.seq)
        apply_decision(uow, d, item, now, new_id, policy)
        out.append(d)
    return out
