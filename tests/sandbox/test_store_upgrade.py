"""A database made by an earlier sandbox (`--db FILE` reuses it) gets the columns added
since: a module's own client id, an entity's type and parent."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

from booking_app.sandbox import ids
from booking_app.sandbox.seed import DEMO_CLIENT_ID, DEMO_MODULE_ID
from booking_app.sandbox.store import Store

# The tables as the sandbox made them before modules had a client id and entities a
# type column (only those the test fills).
EARLIER = """
CREATE TABLE organization (
    rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, custom_id TEXT,
    parent_rowid INTEGER REFERENCES organization(rowid), time_zone TEXT NOT NULL,
    data TEXT NOT NULL);
CREATE TABLE module (
    rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL,
    organization_rowid INTEGER NOT NULL REFERENCES organization(rowid), name TEXT NOT NULL);
CREATE TABLE custom_entity (
    rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, custom_id TEXT,
    organization_rowid INTEGER NOT NULL REFERENCES organization(rowid),
    position INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE file (
    rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL,
    organization_rowid INTEGER NOT NULL REFERENCES organization(rowid),
    appointment_rowid INTEGER, name TEXT NOT NULL, file_name TEXT NOT NULL,
    size INTEGER NOT NULL, content BLOB NOT NULL, created INTEGER NOT NULL);
"""


def earlier_database(path: Path) -> None:
    org = ids.stable_id(ids.ORGANIZATION, "demo-main")
    entities = [("hair-short", "HAIR_LENGTH"), ("garage", "rentalCar")]
    with closing(sqlite3.connect(path)) as db, db:
        db.executescript(EARLIER)
        db.execute(
            "INSERT INTO organization (id, time_zone, data) VALUES (?, 'Europe/Berlin', '{}')",
            (org,),
        )
        db.execute(
            "INSERT INTO module (id, organization_rowid, name) VALUES (?, 1, 'Demo')",
            (DEMO_MODULE_ID,),
        )
        for position, (key, kind) in enumerate(entities):
            document = {"id": ids.stable_id(ids.CUSTOM_ENTITY, key), "customId": key, "type": kind}
            db.execute(
                "INSERT INTO custom_entity (id, custom_id, organization_rowid, position, data)"
                " VALUES (?, ?, 1, ?, ?)",
                (document["id"], key, position, json.dumps(document)),
            )


def test_an_earlier_database_is_upgraded_on_open(tmp_path: Path) -> None:
    path = tmp_path / "earlier.db"
    earlier_database(path)
    for _ in range(2):  # and opening it again changes nothing
        db = Store(path).connection()
        (module,) = db.execute("SELECT id, client_id FROM module").fetchall()
        assert tuple(module) == (DEMO_MODULE_ID, DEMO_CLIENT_ID), "the demo's client id"
        rows = db.execute("SELECT custom_id, type, parent_rowid, data FROM custom_entity")
        found = [(r[0], r[1], r[2], json.loads(r[3])["type"]) for r in rows]
        assert found == [
            ("hair-short", "hairLength", None, "hairLength"),  # the demo's type, renamed
            ("garage", "rentalCar", None, "rentalCar"),
        ]
        assert {r["name"] for r in db.execute("PRAGMA table_info(file)")} >= {"custom_id"}
        db.close()


def test_a_new_database_has_the_columns(tmp_path: Path) -> None:
    db = Store(tmp_path / "new.db").connection()
    columns = {r["name"] for r in db.execute("PRAGMA table_info(custom_entity)")}
    assert {"type", "parent_rowid"} <= columns
    assert "client_id" in {r["name"] for r in db.execute("PRAGMA table_info(module)")}
    indexes = {r["name"] for r in db.execute("PRAGMA index_list(module)")}
    assert "module_client_id" in indexes
