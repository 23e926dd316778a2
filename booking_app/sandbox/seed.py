"""The demo seed: a small hair studio with two branches, staff, services and a course.

Ids are derived from names (`stable_id`), so they are the same in every fresh
database and the README and tests can name them.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from booking_app.sandbox import ids
from booking_app.sandbox.store import Store, dumps

DEMO_MODULE_ID = ids.stable_id(ids.MODULE, "demo-module")
DEMO_ORG_ID = ids.stable_id(ids.ORGANIZATION, "demo-main")
DEMO_BRANCH_IDS = (
    ids.stable_id(ids.ORGANIZATION, "demo-branch-mitte"),
    ids.stable_id(ids.ORGANIZATION, "demo-branch-wien"),
)
DEMO_MODULE_CONFIG_ID = ids.stable_id(ids.MODULE_CONFIG, "demo-config")

MON_FRI = (0, 1, 2, 3, 4)


def i18n(**texts: str) -> list[dict[str, str]]:
    """An I18n list from keyword arguments; `de_AT` becomes the key `de-AT`."""
    return [{"key": k.replace("_", "-"), "value": v} for k, v in texts.items()]


def hours(days: tuple[int, ...], *spans: tuple[str, str]) -> list[list[Any]]:
    """Weekly working intervals: each day in `days` gets every span (gaps are breaks)."""
    return [[d, start, end] for d in days for start, end in spans]


def _org(key: str, name: str, city: str, street: str, zip_code: str, tz: str) -> dict[str, Any]:
    return {
        "id": ids.stable_id(ids.ORGANIZATION, key),
        "customId": key,
        "name": name,
        "address": {
            "name": name,
            "extra": "",
            "street": street,
            "zip": zip_code,
            "city": city,
            "country": "AT" if tz == "Europe/Vienna" else "DE",
            "geoCoordinates": None,
        },
        "telephone": "+49 30 1234567",
        "email": f"{key}@example.com",
        "description": "Haircuts, colour and styling since 1998.",
        "logo": None,
        "imageList": [],
        "openingHours": "Mo–Fr 09:00–18:00, Sa 09:00–15:00",
        "timeZone": tz,
        "currency": "EUR",
        "language": "de",
        "sector": "HAIRDRESSER",
    }


def _resource(key: str, first: str, last: str, gender: str, role: dict[str, str]) -> dict[str, Any]:
    return {
        "id": ids.stable_id(ids.BOOKING_RESOURCE, key),
        "customId": key,
        "type": "EMPLOYEE",
        "name": f"{first} {last}",
        "nameI18nList": [],
        "gender": gender,
        "title": "",
        "firstName": first,
        "lastName": last,
        "description": role["en"],
        "descriptionI18nList": i18n(**role),
        "image": None,
        "additionalData": {},
    }


def _template(key: str, name: str, names: list[dict[str, str]], **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": ids.stable_id(ids.BOOKING_TEMPLATE, key),
        "customId": key,
        "name": name,
        "nameI18nList": names,
        "publicName": name,
        "publicNameI18nList": names,
        "image": None,
        "duration": 30,
        "showPrice": True,
        "priceGross": 0,
        "currency": "EUR",
        "taxRate": 19,
        "description": "",
        "descriptionI18nList": [],
        "appointmentAddressRequired": False,
        "customerAddressRequired": False,
        "customerEmailRequired": True,
        "customerMobileRequired": False,
        "bookingDayEarliest": 0,
        "bookingDayLatest": 0,
        "bookingLeadTime": 60,
        "address": None,
        "additionalData": {},
    }
    data.update(fields)
    return data


STAFF_STEP = {
    "name": "Staff",
    "nameI18nList": i18n(en="Who?", de="Bei wem?", fr="Avec qui ?", es="¿Con quién?"),
    "description": "",
    "descriptionI18nList": [],
    "selectionQuantity": 1,
    "selectionDisplay": "SELECT",
}
ROOM_STEP = {
    "name": "Room",
    "nameI18nList": i18n(en="Room", de="Raum", fr="Salle", es="Sala"),
    "description": "",
    "descriptionI18nList": [],
    "selectionQuantity": 1,
    "selectionDisplay": "HIDDEN",
}


def seed_demo(store: Store) -> None:
    """Fill an empty database with the demo business."""
    with store.transaction() as db:
        main = _insert_org(
            db,
            _org(
                "demo-main", "Studio Morgenrot", "Berlin", "Torstraße 1", "10119", "Europe/Berlin"
            ),
            None,
        )
        mitte = _insert_org(
            db,
            _org(
                "demo-branch-mitte",
                "Studio Morgenrot Mitte",
                "Berlin",
                "Rosenthaler Straße 40",
                "10178",
                "Europe/Berlin",
            ),
            main,
        )
        wien = _insert_org(
            db,
            _org(
                "demo-branch-wien",
                "Studio Morgenrot Wien",
                "Wien",
                "Mariahilfer Straße 10",
                "1070",
                "Europe/Vienna",
            ),
            main,
        )
        db.execute(
            "INSERT INTO module (id, organization_rowid, name) VALUES (?, ?, ?)",
            (DEMO_MODULE_ID, main, "Demo booking widget"),
        )

        stylist = {"en": "Stylist", "de": "Stylistin", "fr": "Styliste", "es": "Estilista"}
        barber = {"en": "Barber", "de": "Barbier", "fr": "Barbier", "es": "Barbero"}
        anna = _insert_resource(
            db,
            main,
            _resource("anna", "Anna", "Schmidt", "FEMALE", stylist),
            hours(MON_FRI, ("09:00", "13:00"), ("14:00", "18:00")),
        )
        ben = _insert_resource(
            db,
            main,
            _resource("ben", "Ben", "Okafor", "MALE", barber),
            hours((1, 2, 3, 4, 5), ("10:00", "14:00"), ("14:30", "19:00")),
        )
        chloe = _insert_resource(
            db,
            main,
            _resource("chloe", "Chloé", "Dubois", "FEMALE", stylist),
            hours((0, 2, 3), ("08:00", "12:00"), ("13:00", "16:00"))
            + hours((5,), ("09:00", "15:00")),
        )
        room = _insert_resource(
            db,
            main,
            {
                **_resource(
                    "studio-room", "Studio", "room", "NOT_SPECIFIED", {"en": "Private room"}
                ),
                "type": "ROOM",
                "name": "Studio room",
                "firstName": "",
                "lastName": "",
            },
            hours((0, 1, 2, 3, 4, 5), ("08:00", "20:00")),
        )
        dana = _insert_resource(
            db,
            mitte,
            _resource("dana", "Dana", "Novak", "FEMALE", stylist),
            hours(MON_FRI, ("10:00", "19:00")),
        )
        emil = _insert_resource(
            db,
            wien,
            _resource("emil", "Emil", "Huber", "MALE", barber),
            hours((0, 1, 2, 3), ("08:00", "12:00"), ("12:30", "17:00")),
        )

        haircut = i18n(en="Haircut", de="Haarschnitt", fr="Coupe de cheveux", es="Corte de pelo")
        t_haircut = _insert_template(
            db,
            main,
            0,
            _template(
                "haircut",
                "Haircut",
                haircut,
                duration=30,
                priceGross=35.0,
                bookingLeadTime=120,
                description="Wash, cut and blow-dry.",
                descriptionI18nList=i18n(
                    en="Wash, cut and blow-dry.",
                    de="Waschen, schneiden, föhnen.",
                    fr="Shampooing, coupe et brushing.",
                    es="Lavado, corte y secado.",
                ),
            ),
            [[anna, ben, chloe]],
            slot_step=15,
        )
        _insert_template(
            db,
            main,
            1,
            _template(
                "colouring",
                "Colouring",
                i18n(en="Colouring", de="Färben", fr="Coloration", es="Coloración"),
                duration=90,
                priceGross=89.5,
                customerMobileRequired=True,
                bookingDayEarliest=1,
                bookingDayLatest=90,
                additionalData={"attachment": "optional"},  # e.g. a photo of the hair
            ),
            [[anna, chloe]],
            slot_step=30,
        )
        _insert_template(
            db,
            main,
            2,
            _template(
                "beard-trim",
                "Beard trim",
                i18n(en="Beard trim", de="Bartpflege", fr="Taille de barbe", es="Arreglo de barba"),
                duration=20,
                priceGross=18.0,
            ),
            [[ben]],
            slot_step=20,
        )
        _insert_template(
            db,
            main,
            3,
            _template(
                "consultation",
                "Consultation",
                [],
                duration=15,
                showPrice=False,
                customerEmailRequired=False,
                customerMobileRequired=True,
            ),
            [[anna, ben, chloe]],
            slot_step=15,
        )
        _insert_template(
            db,
            main,
            4,
            _template(
                "head-massage",
                "Kopfmassage",
                i18n(de_AT="Kopfmassage (Wiener Art)"),
                duration=25,
                priceGross=22.0,
            ),
            [[anna, chloe]],
            slot_step=15,
        )
        _insert_template(
            db,
            main,
            5,
            _template(
                "wedding-styling",
                "Wedding styling",
                i18n(
                    en="Wedding styling",
                    de="Brautstyling",
                    fr="Coiffure de mariage",
                    es="Peinado de novia",
                ),
                duration=120,
                priceGross=180.0,
                customerAddressRequired=True,
                bookingDayEarliest=7,
                additionalData={"attachment": "required"},  # the inspiration picture
            ),
            [[anna, chloe], [room]],
            slot_step=60,
            steps=[STAFF_STEP, ROOM_STEP],
        )
        course = _insert_template(
            db,
            main,
            6,
            _template(
                "styling-workshop",
                "Styling workshop",
                i18n(
                    en="Styling workshop",
                    de="Styling-Workshop",
                    fr="Atelier coiffure",
                    es="Taller de peinado",
                ),
                duration=120,
                priceGross=49.0,
                bookingLeadTime=24 * 60,
                additionalData={"maxSeatsPerBooking": 3},
            ),
            [[chloe]],
            slot_step=60,
            seats=5,
            course_times=[[5, "12:00"]],
        )
        _insert_template(
            db,
            mitte,
            0,
            _template(
                "mitte-haircut",
                "Haircut",
                haircut,
                duration=30,
                priceGross=32.0,
            ),
            [[dana]],
            slot_step=30,
        )
        _insert_template(
            db,
            wien,
            0,
            _template(
                "wien-haircut",
                "Herrenhaarschnitt",
                i18n(de_AT="Herrenhaarschnitt", en="Men's haircut"),
                duration=45,
                priceGross=38.0,
            ),
            [[emil]],
            slot_step=15,
        )

        _seed_custom_entities(db, main)
        row = db.execute(
            "SELECT id FROM booking_template WHERE rowid IN (?, ?) ORDER BY rowid",
            (t_haircut, course),
        ).fetchall()
        db.execute(
            "INSERT INTO module_config (id, custom_id, organization_rowid, data) VALUES (?,?,?,?)",
            (
                DEMO_MODULE_CONFIG_ID,
                "website-hair",
                main,
                dumps(
                    {
                        "id": DEMO_MODULE_CONFIG_ID,
                        "customId": "website-hair",
                        "name": "Website – hair services",
                        "organizationId": DEMO_ORG_ID,
                        "language": "en",
                        "bookingTemplateIdList": [
                            row[0]["id"],
                            ids.stable_id(ids.BOOKING_TEMPLATE, "beard-trim"),
                            row[1]["id"],
                        ],
                        "preselectedBookingTemplateId": row[0]["id"],
                        "additionalData": {},
                    }
                ),
            ),
        )


# Custom entities: the customer's hair length, tied to the services and staff for it.
HAIR_LENGTHS: list[tuple[str, list[dict[str, str]], list[str], list[str]]] = [
    (
        "hair-short",
        i18n(en="Short hair", de="Kurze Haare", fr="Cheveux courts", es="Pelo corto"),
        ["haircut", "beard-trim", "consultation", "head-massage"],
        ["anna", "ben", "chloe"],
    ),
    (
        "hair-long",
        i18n(en="Long hair", de="Lange Haare", fr="Cheveux longs", es="Pelo largo"),
        ["haircut", "colouring", "consultation", "head-massage", "wedding-styling"],
        ["anna", "chloe"],
    ),
]


def _seed_custom_entities(db: sqlite3.Connection, org: int) -> None:
    for position, (key, names, templates, resources) in enumerate(HAIR_LENGTHS):
        data = {
            "id": ids.stable_id(ids.CUSTOM_ENTITY, key),
            "customId": key,
            "type": "HAIR_LENGTH",
            "name": names[0]["value"],
            "nameI18nList": names,
            "description": "",
            "descriptionI18nList": [],
            "additionalData": {},
        }
        entity = db.execute(
            "INSERT INTO custom_entity (id, custom_id, organization_rowid, position, data)"
            " VALUES (?,?,?,?,?)",
            (data["id"], key, org, position, dumps(data)),
        ).lastrowid
        for table, kind, keys in (
            ("custom_entity_template", "booking_template", templates),
            ("custom_entity_resource", "booking_resource", resources),
        ):
            column = "template_rowid" if kind == "booking_template" else "resource_rowid"
            for custom_id in keys:
                (rowid,) = db.execute(
                    f"SELECT rowid FROM {kind} WHERE custom_id = ? AND organization_rowid = ?",  # noqa: S608
                    (custom_id, org),
                ).fetchone()
                db.execute(
                    f"INSERT INTO {table} (entity_rowid, {column}) VALUES (?, ?)",  # noqa: S608
                    (entity, rowid),
                )


def _insert_org(db: sqlite3.Connection, data: dict[str, Any], parent: int | None) -> int:
    cur = db.execute(
        "INSERT INTO organization (id, custom_id, parent_rowid, time_zone, data)"
        " VALUES (?,?,?,?,?)",
        (data["id"], data["customId"], parent, data["timeZone"], dumps(data)),
    )
    return int(cur.lastrowid or 0)


def _insert_resource(
    db: sqlite3.Connection, org: int, data: dict[str, Any], weekly: list[list[Any]]
) -> int:
    cur = db.execute(
        "INSERT INTO booking_resource (id, custom_id, organization_rowid, hours, data)"
        " VALUES (?,?,?,?,?)",
        (data["id"], data["customId"], org, dumps(weekly), dumps(data)),
    )
    return int(cur.lastrowid or 0)


def _insert_template(
    db: sqlite3.Connection,
    org: int,
    position: int,
    data: dict[str, Any],
    step_resources: list[list[int]],
    *,
    slot_step: int,
    seats: int = 1,
    course_times: list[list[Any]] | None = None,
    steps: list[dict[str, Any]] | None = None,
) -> int:
    cur = db.execute(
        "INSERT INTO booking_template (id, custom_id, organization_rowid, position, slot_step,"
        " seats, course_times, data) VALUES (?,?,?,?,?,?,?,?)",
        (
            data["id"],
            data["customId"],
            org,
            position,
            slot_step,
            seats,
            dumps(course_times or []),
            dumps(data),
        ),
    )
    template = int(cur.lastrowid or 0)
    for index, resources in enumerate(step_resources):
        step = (steps or [STAFF_STEP])[index]
        step_row = db.execute(
            "INSERT INTO booking_step (template_rowid, position, data) VALUES (?,?,?)",
            (template, index, dumps(step)),
        ).lastrowid
        db.executemany(
            "INSERT INTO step_resource (step_rowid, resource_rowid, position) VALUES (?,?,?)",
            [(step_row, r, i) for i, r in enumerate(resources)],
        )
    return template
