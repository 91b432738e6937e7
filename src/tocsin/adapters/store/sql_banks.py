"""SQL for banks of known content, campaign clusters, and console users and sessions, mixed into the shared SQL
unit of work."""
from __future__ import annotations

import json
from typing import Any

from ...ports import Bank, BankEntry, CampaignItem, CampaignRow, ClusterStats, SessionRecord, UserRecord

_ENTRY_COLS = "bank, id, text, category, action, source, lang, labels, disabled, rev, removed"
_BANK_COLS = ("name, kind, category, action, suggest, auto, matchers, encoder, enabled, description, revision, "
              "created_at, updated_at")
_CAMP_COLS = "id, cluster, first_seen, last_seen, members, accounts, langs, created_at"


def _entry(r: tuple) -> BankEntry:
    return BankEntry(r[0], r[1], r[2], r[3], r[4], r[5], r[6], json.loads(r[7]), bool(r[8]), int(r[9]), bool(r[10]))


def _bank(r: tuple) -> Bank:
    return Bank(r[0], r[1], r[2], r[3], float(r[4]), None if r[5] is None else float(r[5]),
                tuple(m for m in r[6].split(",") if m), r[7], bool(r[8]), r[9], int(r[10]))


def _camp(r: tuple) -> CampaignRow:
    return CampaignRow(r[0], r[1], r[2], r[3], int(r[4]), int(r[5]), tuple(json.loads(r[6])), r[7])


class BankSqlMixin:
    _x: Any

    # banks ----------------------------------------------------------------------------------------
    def get_bank(self, name: str) -> Bank | None:
        r = self._x(f"SELECT {_BANK_COLS} FROM banks WHERE name = ?", (name,)).fetchone()
        return _bank(r) if r else None

    def list_banks(self) -> list[Bank]:
        return [_bank(r) for r in self._x(f"SELECT {_BANK_COLS} FROM banks ORDER BY name").fetchall()]

    def save_bank(self, b: Bank, at: str) -> None:
        values = (b.kind, b.category, b.action, b.suggest, b.auto, ",".join(b.matchers), b.encoder, int(b.enabled),
                  b.description)
        if self._x("SELECT 1 FROM banks WHERE name = ?", (b.name,)).fetchone() is None:
            self._x(f"INSERT INTO banks ({_BANK_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
                    (b.name,) + values + (at, at))
        else:
            self._x("UPDATE banks SET kind = ?, category = ?, action = ?, suggest = ?, auto = ?, matchers = ?, "
                    "encoder = ?, enabled = ?, description = ?, revision = revision + 1, updated_at = ? "
                    "WHERE name = ?", values + (at, b.name))

    def bump_bank(self, name: str, at: str) -> int:
        self._x("UPDATE banks SET revision = revision + 1, updated_at = ? WHERE name = ?", (at, name))
        r = self._x("SELECT revision FROM banks WHERE name = ?", (name,)).fetchone()
        return int(r[0]) if r else 0

    # entries --------------------------------------------------------------------------------------
    def upsert_bank_entry(self, e: BankEntry, at: str) -> bool:
        labels = json.dumps(e.labels, sort_keys=True)
        row = self._x("SELECT text, category, action, source, lang, labels, disabled, removed FROM bank_entries "
                      "WHERE bank = ? AND id = ?", (e.bank, e.id)).fetchone()
        values = (e.text, e.category, e.action, e.source, e.lang, labels, int(e.disabled))
        if row is not None and tuple(row) == values + (0,):
            return False
        next_rev = "(SELECT revision + 1 FROM banks WHERE name = ?)"
        if row is None:
            self._x(f"INSERT INTO bank_entries ({_ENTRY_COLS}, added_at) "
                    f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, COALESCE({next_rev}, 1), 0, ?)",
                    (e.bank, e.id) + values + (e.bank, at))
        else:
            self._x("UPDATE bank_entries SET text = ?, category = ?, action = ?, source = ?, lang = ?, labels = ?, "
                    f"disabled = ?, removed = 0, rev = COALESCE({next_rev}, 1) WHERE bank = ? AND id = ?",
                    values + (e.bank, e.bank, e.id))
        return True

    def remove_bank_entry(self, bank: str, entry_id: str) -> bool:
        cur = self._x("UPDATE bank_entries SET removed = 1, rev = COALESCE((SELECT revision + 1 FROM banks "
                      "WHERE name = ?), 1) WHERE bank = ? AND id = ? AND removed = 0", (bank, bank, entry_id))
        return cur.rowcount > 0

    def bank_entries(self, bank: str, include_disabled: bool = False, since_rev: int | None = None,
                     limit: int | None = None, after: str = "") -> list[BankEntry]:
        where, params = ["bank = ?", "id > ?"], [bank, after]
        if since_rev is not None:
            where.append("rev > ?")
            params.append(since_rev)
        else:
            where.append("removed = 0")
            if not include_disabled:
                where.append("disabled = 0")
        sql = f"SELECT {_ENTRY_COLS} FROM bank_entries WHERE {' AND '.join(where)} ORDER BY id"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [_entry(r) for r in self._x(sql, tuple(params)).fetchall()]

    def bank_entry(self, bank: str, entry_id: str) -> BankEntry | None:
        r = self._x(f"SELECT {_ENTRY_COLS} FROM bank_entries WHERE bank = ? AND id = ?", (bank, entry_id)).fetchone()
        return _entry(r) if r else None

    def count_bank_entries(self, bank: str) -> int:
        r = self._x("SELECT COUNT(*) FROM bank_entries WHERE bank = ? AND removed = 0", (bank,)).fetchone()
        return int(r[0])

    # campaigns ------------------------------------------------------------------------------------
    def add_campaign_item(self, c: CampaignItem) -> None:
        self._x("INSERT INTO campaign_items (item_id, author_id, lang, at, cluster, vec) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (item_id) DO NOTHING", (c.item_id, c.author_id, c.lang, c.at, c.cluster, c.vec))

    def campaign_items(self, since: str) -> list[CampaignItem]:
        rows = self._x("SELECT item_id, author_id, lang, at, cluster, vec FROM campaign_items WHERE at >= ? "
                       "ORDER BY at, item_id", (since,)).fetchall()
        return [CampaignItem(*r) for r in rows]

    def prune_campaign_items(self, before: str) -> int:
        cur = self._x("DELETE FROM campaign_items WHERE at < ? AND cluster NOT IN (SELECT cluster FROM campaigns)",
                      (before,))
        return cur.rowcount

    def campaign_members(self, cluster: str, limit: int = 10_000) -> list[CampaignItem]:
        rows = self._x("SELECT item_id, author_id, lang, at, cluster, vec FROM campaign_items WHERE cluster = ? "
                       "ORDER BY at, item_id LIMIT ?", (cluster, limit)).fetchall()
        return [CampaignItem(*r) for r in rows]

    def cluster_stats(self, cluster: str, since: str) -> ClusterStats:
        r = self._x("SELECT COUNT(*), COUNT(DISTINCT COALESCE(author_id, item_id)), "
                    "COUNT(DISTINCT CASE WHEN at >= ? THEN COALESCE(author_id, item_id) END), MIN(at), MAX(at) "
                    "FROM campaign_items WHERE cluster = ?", (since, cluster)).fetchone()
        langs = [row[0] or "und" for row in self._x("SELECT DISTINCT lang FROM campaign_items WHERE cluster = ?",
                                                    (cluster,)).fetchall()]
        return ClusterStats(int(r[0]), int(r[1]), int(r[2]), tuple(sorted(set(langs))), r[3], r[4])

    def get_campaign(self, campaign_id: str) -> CampaignRow | None:
        r = self._x(f"SELECT {_CAMP_COLS} FROM campaigns WHERE id = ?", (campaign_id,)).fetchone()
        return _camp(r) if r else None

    def campaign_for_cluster(self, cluster: str) -> CampaignRow | None:
        r = self._x(f"SELECT {_CAMP_COLS} FROM campaigns WHERE cluster = ?", (cluster,)).fetchone()
        return _camp(r) if r else None

    def save_campaign(self, c: CampaignRow) -> None:
        values = (c.first_seen, c.last_seen, c.members, c.accounts, json.dumps(list(c.langs)))
        if self._x("SELECT 1 FROM campaigns WHERE id = ?", (c.id,)).fetchone() is None:
            self._x(f"INSERT INTO campaigns ({_CAMP_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (c.id, c.cluster) + values + (c.created_at,))
        else:
            self._x("UPDATE campaigns SET first_seen = ?, last_seen = ?, members = ?, accounts = ?, langs = ? "
                    "WHERE id = ?", values + (c.id,))

    def list_campaigns(self, limit: int = 100) -> list[CampaignRow]:
        rows = self._x(f"SELECT {_CAMP_COLS} FROM campaigns ORDER BY last_seen DESC, id LIMIT ?", (limit,)).fetchall()
        return [_camp(r) for r in rows]

    # console users and sessions ------------------------------------------------------------------
    def add_user(self, u: UserRecord) -> bool:
        if self._x("SELECT 1 FROM users WHERE name = ?", (u.name,)).fetchone() is not None:
            return False
        self._x("INSERT INTO users (id, name, role, team, password_hash, created_at, disabled) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (u.id, u.name, u.role, u.team, u.password_hash, u.created_at, int(u.disabled)))
        return True

    def find_user(self, name: str) -> UserRecord | None:
        r = self._x("SELECT id, name, role, team, password_hash, created_at, disabled FROM users WHERE name = ?",
                    (name,)).fetchone()
        return UserRecord(*r[:6], bool(r[6])) if r else None

    def list_users(self) -> list[UserRecord]:
        rows = self._x("SELECT id, name, role, team, password_hash, created_at, disabled FROM users ORDER BY name")
        return [UserRecord(*r[:6], bool(r[6])) for r in rows.fetchall()]

    def add_session(self, s: SessionRecord) -> None:
        self._x("INSERT INTO sessions (token_hash, principal, role, team, csrf, created_at, expires_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)", (s.token_hash, s.principal, s.role, s.team, s.csrf, s.created_at,
                                                 s.expires_at))

    def get_session(self, token_hash: str) -> SessionRecord | None:
        r = self._x("SELECT token_hash, principal, role, team, csrf, created_at, expires_at FROM sessions "
                    "WHERE token_hash = ?", (token_hash,)).fetchone()
        return SessionRecord(*r) if r else None

    def delete_session(self, token_hash: str) -> None:
        self._x("DELETE FROM sessions WHERE token_hash = ?", (token_hash,))

    def delete_expired_sessions(self, now: str) -> int:
        return self._x("DELETE FROM sessions WHERE expires_at <= ?", (now,)).rowcount
