//! Schema migrations, applied in order on open; `PRAGMA user_version` holds
//! how many have run. Never edit a shipped migration: add the next one.

use super::db::{Db, DbError};
use super::StoreError;

pub(super) const MIGRATIONS: &[&str] = &[
    // 1: items, the alert outbox, source state.
    r#"
    CREATE TABLE sources (
        name                 TEXT PRIMARY KEY,
        etag                 TEXT,
        last_modified        TEXT,
        last_success_at      INTEGER,
        last_error           TEXT,
        last_error_at        INTEGER,
        consecutive_failures INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE items (
        id           INTEGER PRIMARY KEY,
        key          BLOB NOT NULL UNIQUE,   -- XXH3-128 of the item's stable key
        source       TEXT NOT NULL,
        title        TEXT NOT NULL,
        link         TEXT,
        summary      TEXT NOT NULL,
        published_at INTEGER,                -- unix ms
        found_at     INTEGER NOT NULL,
        explanation  TEXT                    -- JSON: rules, terms, names; NULL when nothing fired
    );
    CREATE TABLE alerts (
        id              INTEGER PRIMARY KEY,
        item_id         INTEGER NOT NULL REFERENCES items(id),
        channel         TEXT NOT NULL,
        chat            TEXT NOT NULL,
        state           TEXT NOT NULL CHECK (state IN ('pending', 'sent')),
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        last_error      TEXT,
        created_at      INTEGER NOT NULL,
        sent_at         INTEGER,
        message_id      INTEGER,
        UNIQUE (item_id, channel)
    );
    CREATE INDEX alerts_pending ON alerts (next_attempt_at, id) WHERE state = 'pending';
    CREATE INDEX alerts_pending_chat ON alerts (chat, id) WHERE state = 'pending';
    "#,
    // 2: the outbox gets explicit states (sending, held, failed), admin
    // notices, per-alert rendering fallbacks; chats keep Telegram's verdicts.
    r#"
    CREATE TABLE outbox (
        id              INTEGER PRIMARY KEY,
        item_id         INTEGER REFERENCES items(id),   -- NULL for an admin notice
        notice          TEXT,                           -- an admin notice's text
        channel         TEXT NOT NULL,                  -- channel name, or "admins"
        chat            TEXT NOT NULL,
        state           TEXT NOT NULL
                        CHECK (state IN ('pending', 'sending', 'sent', 'held', 'failed')),
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        last_error      TEXT,                           -- for 'failed': why
        created_at      INTEGER NOT NULL,
        sent_at         INTEGER,
        message_id      INTEGER,
        plain           INTEGER NOT NULL DEFAULT 0,     -- Telegram could not parse its HTML
        max_len         INTEGER,                        -- Telegram found it too long
        UNIQUE (item_id, channel),
        CHECK ((item_id IS NULL) <> (notice IS NULL))
    );
    INSERT INTO outbox (id, item_id, channel, chat, state, attempts, next_attempt_at, last_error,
                        created_at, sent_at, message_id)
        SELECT id, item_id, channel, chat, state, attempts, next_attempt_at, last_error,
               created_at, sent_at, message_id FROM alerts;
    DROP TABLE alerts;
    ALTER TABLE outbox RENAME TO alerts;
    CREATE INDEX alerts_open ON alerts (chat, id) WHERE state IN ('pending', 'sending', 'held');
    CREATE INDEX alerts_state ON alerts (state);
    CREATE TABLE chats (
        chat          TEXT PRIMARY KEY,
        not_before    INTEGER,   -- unix ms: nothing is sent before (Telegram's retry_after)
        held_since    INTEGER,   -- Telegram refused the chat itself; its alerts are held
        held_reason   TEXT,
        next_probe_at INTEGER,   -- when a held chat is tried again
        migrated_to   TEXT       -- the supergroup a group became
    );
    "#,
    // 3: source health.
    r#"
    ALTER TABLE sources ADD COLUMN error_kind TEXT;          -- timeout, http-status, not-a-feed, …
    ALTER TABLE sources ADD COLUMN failing_since INTEGER;    -- first failure of the current run of failures
    ALTER TABLE sources ADD COLUMN down_notified INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sources ADD COLUMN items_seen INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sources ADD COLUMN next_poll_at INTEGER;
    "#,
    // 4: every key an item is known by (its id, and its link when that is
    // unique in its feed), so an item whose id changes on every fetch while
    // its link stays is still seen.
    r#"
    CREATE TABLE item_keys (
        key     BLOB PRIMARY KEY,
        item_id INTEGER NOT NULL REFERENCES items(id)
    ) WITHOUT ROWID;
    INSERT INTO item_keys (key, item_id) SELECT key, id FROM items;
    "#,
    // 5: muted rules; their alerts are recorded, set aside until unmuted.
    r#"
    CREATE TABLE mutes (
        rule     TEXT PRIMARY KEY,
        until    INTEGER NOT NULL,   -- unix ms; the alerts are delivered then
        muted_at INTEGER NOT NULL
    );
    ALTER TABLE alerts ADD COLUMN muted_rule TEXT;   -- set aside by this muted rule
    "#,
    r#"
    CREATE TABLE stories (
        id         INTEGER PRIMARY KEY,
        created_at INTEGER NOT NULL,
        rules      TEXT NOT NULL       -- JSON: every rule its items fired
    );
    ALTER TABLE items ADD COLUMN story_id INTEGER REFERENCES stories(id);
    ALTER TABLE items ADD COLUMN story_words TEXT;   -- stories::to_stored
    CREATE INDEX items_story ON items (story_id) WHERE story_id IS NOT NULL;
    CREATE INDEX items_found ON items (found_at);
    -- Each word of each story item: which earlier items share words with a
    -- new one, without reading every story in the window.
    CREATE TABLE story_terms (
        term     TEXT NOT NULL,
        found_at INTEGER NOT NULL,
        item_id  INTEGER NOT NULL,
        words    INTEGER NOT NULL,   -- how many words that item has
        PRIMARY KEY (term, found_at, item_id)
    ) WITHOUT ROWID;
    -- Keys outlive their items: retention deletes old items, never the key
    -- that stops them alerting again (item_id is then NULL).
    CREATE TABLE item_keys_new (
        key     BLOB PRIMARY KEY,
        item_id INTEGER
    ) WITHOUT ROWID;
    INSERT INTO item_keys_new SELECT key, item_id FROM item_keys;
    DROP TABLE item_keys;
    ALTER TABLE item_keys_new RENAME TO item_keys;
    CREATE INDEX item_keys_item ON item_keys (item_id);
    -- 'alert': a message of its own; 'edit': adds its item to the root's
    -- "Also reported by"; 'reply': a follow-up answering the root's message.
    ALTER TABLE alerts ADD COLUMN kind TEXT NOT NULL DEFAULT 'alert';
    ALTER TABLE alerts ADD COLUMN root_id INTEGER;   -- for an edit or reply: the story's first alert there
    "#,
    // 7: alerts printed on standard output while no token was set: 'sent'
    // to the terminal, and sent to Telegram once a token is there.
    r#"
    ALTER TABLE alerts ADD COLUMN printed INTEGER NOT NULL DEFAULT 0;
    -- Written by each liveness check: proves the store takes writes.
    CREATE TABLE heartbeat (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        at INTEGER NOT NULL
    );
    "#,
    // 8: entries of a feed's last poll that could not be read and were
    // skipped (the rest of the feed was read), for `/sources`.
    r#"
    ALTER TABLE sources ADD COLUMN entries_skipped INTEGER NOT NULL DEFAULT 0;
    "#,
    // 10: the words of every stored item, for the console's search, kept
    // in step with `items` by triggers; alerts by channel, newest first.
    r#"
    -- Words only (detail = none): a search asks for every word, never a
    -- phrase, and the index costs a poll least to keep up.
    CREATE VIRTUAL TABLE items_fts USING fts5(
        title, summary, content = 'items', content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2', detail = none, columnsize = 0
    );
    INSERT INTO items_fts (items_fts) VALUES ('rebuild');
    CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN
        INSERT INTO items_fts (rowid, title, summary) VALUES (new.id, new.title, new.summary);
    END;
    CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN
        INSERT INTO items_fts (items_fts, rowid, title, summary)
            VALUES ('delete', old.id, old.title, old.summary);
    END;
    CREATE TRIGGER items_fts_update AFTER UPDATE OF title, summary ON items BEGIN
        INSERT INTO items_fts (items_fts, rowid, title, summary)
            VALUES ('delete', old.id, old.title, old.summary);
        INSERT INTO items_fts (rowid, title, summary) VALUES (new.id, new.title, new.summary);
    END;
    CREATE INDEX alerts_channel ON alerts (channel, id);
    "#,
];

pub(super) fn apply(db: &mut Db, store: &str) -> Result<(), StoreError> {
    let open_err = |source: DbError| StoreError::Open {
        store: store.to_owned(),
        source,
    };
    let conn = match db {
        Db::Lite(conn) => conn,
        Db::Pg(_) => return super::pg::migrate(db, store),
    };
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| open_err(e.into()))?;
    let known = MIGRATIONS.len() as i64;
    if version > known {
        return Err(StoreError::TooNew {
            store: store.to_owned(),
            found: version,
            known,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction().map_err(|e| open_err(e.into()))?;
        tx.execute_batch(sql)
            .and_then(|()| tx.pragma_update(None, "user_version", i as i64 + 1))
            .and_then(|()| tx.commit())
            .map_err(|e| open_err(e.into()))?;
    }
    Ok(())
}
