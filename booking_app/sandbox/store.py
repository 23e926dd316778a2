"""The sandbox's SQLite database: schema, connections and transactions.

Entities keep their public fields as a JSON document (what the API shows) next to
the few columns the availability engine and the lookups need.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from booking_app.sandbox import ids

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS organization (
    rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, custom_id TEXT,
    parent_rowid INTEGER REFERENCES organization(rowid), time_zone TEXT NOT NULL,
    data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS module (
    rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL,
    organization_rowid INTEGER NOT NULL REFERENCES organization(rowid), name TEXT NOT NULL,
    client_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS module_config (
    rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, custom_id TEXT,
    organization_rowid INTEGER NOT NULL REFERENCES organization(rowid), data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS booking_resource (
    rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, custom_id TEXT,
    organization_rowid INTEGER NOT NULL REFERENCES organization(rowid),
    hours TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS booking_template (
    rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, custom_id TEXT,
    organization_rowid INTEGER NOT NULL REFERENCES organization(rowid),
    position INTEGER NOT NULL, slot_step INTEGER NOT NULL, seats INTEGER NOT NULL,
    course_times TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS booking_step (
    rowid INTEGER PRIMARY KEY,
    template_rowid INTEGER NOT NULL REFERENCES booking_template(rowid),
    position INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS step_resource (
    step_rowid INTEGER NOT NULL REFERENCES booking_step(rowid),
    resource_rowid INTEGER NOT NULL REFERENCES booking_resource(rowid),
    position INTEGER NOT NULL, PRIMARY KEY (step_rowid, resource_rowid));
CREATE TABLE IF NOT EXISTS appointment (
    rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, custom_id TEXT,
    organization_rowid INTEGER NOT NULL REFERENCES organization(rowid),
    template_rowid INTEGER NOT NULL REFERENCES booking_template(rowid),
    start INTEGER NOT NULL, end INTEGER NOT NULL,
    canceled INTEGER NOT NULL DEFAULT 0, moved INTEGER NOT NULL DEFAULT 0,
    data TEXT NOT NULL, created INTEGER NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS appointment_custom_id
    ON appointment (organization_rowid, custom_id) WHERE custom_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS appointment_start ON appointment (start);
CREATE TABLE IF NOT EXISTS appointment_resource (
    appointment_rowid INTEGER NOT NULL REFERENCES appointment(rowid),
    resource_rowid INTEGER NOT NULL REFERENCES booking_resource(rowid),
    position INTEGER NOT NULL, PRIMARY KEY (appointment_rowid, resource_rowid));
CREATE TABLE IF NOT EXISTS token (
    token TEXT PRIMARY KEY, kind TEXT NOT NULL, module_rowid INTEGER NOT NULL,
    organization_rowid INTEGER, expires INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS custom_entity (
    rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, custom_id TEXT,
    organization_rowid INTEGER NOT NULL REFERENCES organization(rowid),
    position INTEGER NOT NULL, data TEXT NOT NULL, type TEXT NOT NULL,
    parent_rowid INTEGER REFERENCES custom_entity(rowid));
CREATE TABLE IF NOT EXISTS custom_entity_template (
    entity_rowid INTEGER NOT NULL REFERENCES custom_entity(rowid),
    template_rowid INTEGER NOT NULL REFERENCES booking_template(rowid),
    PRIMARY KEY (entity_rowid, template_rowid));
CREATE TABLE IF NOT EXISTS custom_entity_resource (
    entity_rowid INTEGER NOT NULL REFERENCES custom_entity(rowid),
    resource_rowid INTEGER NOT NULL REFERENCES booking_resource(rowid),
    PRIMARY KEY (entity_rowid, resource_rowid));
CREATE TABLE IF NOT EXISTS file (
    rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL,
    organization_rowid INTEGER NOT NULL REFERENCES organization(rowid),
    appointment_rowid INTEGER REFERENCES appointment(rowid),
    name TEXT NOT NULL, file_name TEXT NOT NULL, size INTEGER NOT NULL,
    content BLOB NOT NULL, created INTEGER NOT NULL, custom_id TEXT);
"""

# Columns added after the first release: a database made before gets them on start.
# (table, column, declaration); the rows' values are filled in by `_fill_new_columns`.
ADDED_COLUMNS = (
    ("file", "custom_id", "TEXT"),
    ("module", "client_id", "TEXT"),
    ("custom_entity", "type", "TEXT"),
    ("custom_entity", "parent_rowid", "INTEGER REFERENCES custom_entity(rowid)"),
)
# Indexes on added columns (created once the columns exist).
LATE_INDEXES = """
CREATE UNIQUE INDEX IF NOT EXISTS module_client_id ON module (client_id);
CREATE INDEX IF NOT EXISTS custom_entity_type ON custom_entity (organization_rowid, type);
"""
LEGACY_TYPES = {"HAIR_LENGTH": "hairLength"}  # the demo seed's entity type, renamed


class Store:
    """One SQLite file; a connection per thread; writes serialised by a lock.

    The lock makes check-then-insert (is the slot still free? then book it) atomic
    inside this process; `BEGIN IMMEDIATE` makes it atomic against other processes
    sharing the file.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self.write_lock = threading.Lock()
        with self.write_lock:
            db = self.connection()
            db.executescript(SCHEMA)  # executescript manages its own commit
            _upgrade(db)
        self.slot_key = self._meta_secret("slot_key").encode()

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (created on first use)."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            self._local.db = db
        return db

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction, exclusive among threads and processes."""
        db = self.connection()
        with self.write_lock:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def is_empty(self) -> bool:
        """True when no organization exists yet (a fresh database)."""
        return self.connection().execute("SELECT 1 FROM organization LIMIT 1").fetchone() is None

    def _meta_secret(self, key: str) -> str:
        with self.transaction() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            if row:
                return str(row["value"])
            value = secrets.token_hex(32)
            db.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, value))
            return value


def _upgrade(db: sqlite3.Connection) -> None:
    """Bring a database made by an earlier sandbox up to this schema (a no-op on a new
    one); safe when another process sharing the file does it at the same time."""
    for table, column, declaration in ADDED_COLUMNS:
        columns = {r["name"] for r in db.execute(f"PRAGMA table_info({table})")}
        if column not in columns:
            # Another process sharing the file may have added it just now.
            with suppress(sqlite3.OperationalError):
                db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
    _fill_new_columns(db)
    db.executescript(LATE_INDEXES)


def _fill_new_columns(db: sqlite3.Connection) -> None:
    """Values for the rows that predate a column: a module's client id derived from its
    id (as the seed derives it), an entity's type from its document."""
    for row in db.execute("SELECT rowid, id FROM module WHERE client_id IS NULL").fetchall():
        db.execute(
            "UPDATE module SET client_id = ? WHERE rowid = ?",
            (ids.client_id_for(row["id"]), row["rowid"]),
        )
    for row in db.execute("SELECT rowid, data FROM custom_entity WHERE type IS NULL").fetchall():
        document = loads(row["data"])
        kind = LEGACY_TYPES.get(str(document.get("type")), str(document.get("type")))
        db.execute(
            "UPDATE custom_entity SET type = ?, data = ? WHERE rowid = ?",
            (kind, dumps({**document, "type": kind}), row["rowid"]),
        )


def dumps(value: Any) -> str:
    """JSON for a data column (compact, unicode kept)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def loads(text: str) -> Any:
    """Parse a data column."""
    return json.loads(text)
