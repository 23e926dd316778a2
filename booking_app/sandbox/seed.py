"""The demo seed: a small hair studio with two branches, staff, services and a course.

The business is data, in `demo_seed.toml` next to this module: `load_seed` reads and
checks it, `seed_demo` writes it into a fresh database. Ids are derived from the
file's keys (`stable_id`), so they are the same in every fresh database and the
README and tests can name them.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal, NoReturn

from booking_app.sandbox import ids
from booking_app.sandbox.store import Store, dumps

DATA_FILE: Final = "demo_seed.toml"

# Each public document's fields, in the order the API shows them. The loader fills
# the derived ones (`id`, `customId`, ...); NULL_FIELDS are null (TOML has no null);
# the rest come from the entity's table or else from `[defaults.<kind>]`, with the
# default's type. A `...I18nList` field is a table of language = text.
FIELDS: Final[dict[str, tuple[str, ...]]] = {
    kind: tuple(names.split())
    for kind, names in {
        "organization": """id customId name address telephone email description logo
            imageList openingHours timeZone currency language sector""",
        "address": "name extra street zip city country geoCoordinates",
        "resource": """id customId type name nameI18nList gender title firstName lastName
            description descriptionI18nList image additionalData""",
        "step": """name nameI18nList description descriptionI18nList selectionQuantity
            selectionDisplay""",
        "template": """id customId name nameI18nList publicName publicNameI18nList image
            duration showPrice priceGross currency taxRate description descriptionI18nList
            appointmentAddressRequired customerAddressRequired customerEmailRequired
            customerMobileRequired bookingDayEarliest bookingDayLatest bookingLeadTime
            address additionalData""",
        "custom_entity": """id customId type name nameI18nList description
            descriptionI18nList image additionalData""",
        "module_config": """id customId name organizationId language bookingTemplateIdList
            preselectedBookingTemplateId additionalData""",
    }.items()
}
NULL_FIELDS: Final = frozenset({"logo", "geoCoordinates", "image", "address"})
SECTIONS: Final = (
    *("module", "module_config", "defaults", "organizations", "roles"),
    *("resources", "steps", "templates", "custom_entities"),
)

Kind = Literal["text", "count", "day", "time", "list", "table"]
_HH_MM: Final = r"([01]\d|2[0-3]):[0-5]\d"
_KINDS: Final[dict[str, tuple[Callable[[Any], bool], str]]] = {
    "text": (lambda v: isinstance(v, str), "a string"),
    "count": (lambda v: type(v) is int and v >= 0, "an integer >= 0"),
    "day": (lambda v: type(v) is int and 0 <= v <= 6, "a weekday from 0 (Monday) to 6"),
    "time": (lambda v: isinstance(v, str) and bool(re.fullmatch(_HH_MM, v)), 'a "HH:MM" time'),
    "list": (lambda v: isinstance(v, list), "an array"),
    "table": (lambda v: isinstance(v, dict), "a table"),
}
_MISSING: Final[Any] = object()
ORG_LINK: Final = "organization_rowid"
RESOURCE: Final = "booking_resource"
TEMPLATE: Final = "booking_template"
ENTITY: Final = "custom_entity"


class SeedDataError(ValueError):
    """A malformed seed file; the message names the file and the key."""


@dataclass(frozen=True)
class _Table:
    """A TOML table and where it is (file and dotted key), to name both in errors."""

    source: str
    where: str
    data: Mapping[str, Any]

    def fail(self, key: str, problem: str) -> NoReturn:
        """Refuse `key` of this table, naming the file and the full dotted key."""
        raise SeedDataError(
            f"{self.source}: {self.where}{'.' if self.where else ''}{key}: {problem}"
        )

    def get(self, key: str, kind: Kind, default: Any = _MISSING) -> Any:
        """The value of `key`, which must be of `kind`."""
        if key not in self.data:
            if default is _MISSING:
                self.fail(key, "missing")
            return default
        return self.check(key, self.data[key], kind)

    def check(self, key: str, value: Any, kind: Kind) -> Any:
        """`value` (found at `key`) when it is of `kind`."""
        valid, expected = _KINDS[kind]
        if not valid(value):
            self.fail(key, f"expected {expected}, got {dumps(value)}")
        return value

    def text(self, key: str) -> str:
        """A string value."""
        return str(self.get(key, "text"))

    def sub(self, key: str, default: Any = _MISSING) -> _Table:
        """A nested table."""
        where = f"{self.where}.{key}" if self.where else key
        return _Table(self.source, where, self.get(key, "table", default))

    def entries(self, key: str) -> list[tuple[str, _Table]]:
        """The named tables of the section `key`, in file order."""
        section = self.sub(key, {})
        return [(name, section.sub(name)) for name in section.data]

    def items(self, key: str, kind: Kind, default: Any = _MISSING) -> list[Any]:
        """An array whose every element is of `kind`."""
        values = self.get(key, "list", default)
        return [self.check(f"{key}[{i}]", value, kind) for i, value in enumerate(values)]

    def rows(self, key: str, *kinds: Kind, default: Any = _MISSING) -> list[list[Any]]:
        """An array of arrays of `len(kinds)` elements of those kinds."""
        rows = self.items(key, "list", default)
        for i, row in enumerate(rows):
            if len(row) != len(kinds):
                self.fail(f"{key}[{i}]", f"expected {len(kinds)} elements, got {len(row)}")
            for j, (value, kind) in enumerate(zip(row, kinds, strict=True)):
                self.check(f"{key}[{i}][{j}]", value, kind)
        return rows

    def refs(self, key: str, known: Collection[str], what: str) -> tuple[str, ...]:
        """An array of strings, each naming one of `known`."""
        values = self.items(key, "text")
        for i, value in enumerate(values):
            if value not in known:
                self.fail(f"{key}[{i}]", f"no {what} named {dumps(value)}")
        return tuple(values)

    def ref(self, key: str, known: Collection[str], what: str) -> str:
        """A string naming one of `known`."""
        value = self.text(key)
        if value not in known:
            self.fail(key, f"no {what} named {dumps(value)}")
        return value

    def only(self, allowed: Collection[str]) -> None:
        """Refuse any key not in `allowed`."""
        for key in self.data:
            if key not in allowed:
                self.fail(key, f"unknown key (expected one of: {', '.join(allowed)})")


def _document(
    kind: str, table: _Table, defaults: _Table, derived: Mapping[str, Any], own: Collection[str]
) -> dict[str, Any]:
    """The public document of one `kind` of entity, in the API's field order."""
    settable = [f for f in FIELDS[kind] if f not in derived and f not in NULL_FIELDS]
    for origin in (table, defaults):
        for name in origin.data:
            if name in FIELDS[kind] and name not in settable and name not in own:
                origin.fail(name, "set by the loader (an id, a copy or null): leave it out")
    table.only([*settable, *own])
    defaults.only(settable)
    document: dict[str, Any] = {}
    for name in FIELDS[kind]:
        if name in derived or name in NULL_FIELDS:
            document[name] = derived.get(name)
            continue
        origin = table if name in table.data else defaults
        value = origin.data.get(name, _MISSING)
        if value is _MISSING:
            table.fail(name, f"missing (and not in {defaults.where})")
        if name.endswith("I18nList"):
            value = _i18n(origin, name)
        elif name in defaults.data and not _same_type(value, defaults.data[name]):
            like = f"{defaults.where}.{name} = {dumps(defaults.data[name])}"
            table.fail(name, f"expected a value like {like}, got {dumps(value)}")
        document[name] = value
    return document


def _same_type(value: Any, default: Any) -> bool:
    numbers = (int, float)
    return type(value) is type(default) or (type(value) in numbers and type(default) in numbers)


def _i18n(table: _Table, key: str) -> list[dict[str, str]]:
    """A table of language = text as the API's I18n list."""
    texts = table.sub(key)
    return [{"key": language, "value": texts.text(language)} for language in texts.data]


def _ids(prefix: str, key: str) -> dict[str, str]:
    return {"id": ids.stable_id(prefix, key), "customId": key}


@dataclass(frozen=True)
class Row:
    """A row to insert: its table, its key (unique per table), its column values, and
    the columns that take the rowid of another row, named by `(table, key)`."""

    table: str
    key: str
    columns: dict[str, Any]
    links: dict[str, tuple[str, str]] = field(default_factory=dict)

    def link(self, column: str) -> str:
        """The key of the row that `column` points to."""
        return self.links[column][1]


@dataclass(frozen=True)
class DemoSeed:
    """The rows a seed file describes, checked, in the order they are inserted."""

    rows: tuple[Row, ...]

    def of(self, table: str) -> list[Row]:
        """The rows of one table."""
        return [row for row in self.rows if row.table == table]


def _entity(table: str, document: dict[str, Any], org: str, **columns: Any) -> Row:
    """The row of an entity with a public document, owned by the organization `org`."""
    key = str(document["customId"])
    columns = {"id": document["id"], "custom_id": key, **columns, "data": dumps(document)}
    return Row(table, key, columns, {ORG_LINK: ("organization", org)})


def load_seed(path: Path | None = None) -> DemoSeed:
    """Read and check a seed file (by default the packaged `demo_seed.toml`).

    Raises `SeedDataError`, naming the file and the key, when it is malformed."""
    source = resources.files("booking_app.sandbox") / DATA_FILE if path is None else path
    try:
        root = _Table(str(source), "", tomllib.loads(source.read_text(encoding="utf-8")))
    except tomllib.TOMLDecodeError as error:
        raise SeedDataError(f"{source}: not valid TOML: {error}") from None
    root.only(SECTIONS)
    root.sub("defaults", {}).only(FIELDS)
    rows = _organizations(root)
    orgs = [row.key for row in rows]
    module = root.sub("module")
    module.only(("key", "name", "organization"))
    module_id = ids.stable_id(ids.MODULE, module.text("key"))
    columns = {
        "id": module_id,
        "name": module.text("name"),
        "client_id": ids.client_id_for(module_id),
    }
    links = {ORG_LINK: ("organization", module.ref("organization", orgs, "organization"))}
    rows.append(Row("module", module.text("key"), columns, links))
    rows += _resources(root, orgs)
    rows += _templates(root, orgs, rows)
    rows += _custom_entities(root, orgs, rows)
    rows.append(_module_config(root, orgs, [row.key for row in rows if row.table == TEMPLATE]))
    return DemoSeed(tuple(rows))


def _defaults(root: _Table, kind: str) -> _Table:
    return root.sub("defaults", {}).sub(kind, {})


def _organizations(root: _Table) -> list[Row]:
    rows: list[Row] = []
    for key, table in root.entries("organizations"):
        name = {"name": table.text("name")}
        address = _document("address", table.sub("address"), _defaults(root, "address"), name, ())
        derived = {**_ids(ids.ORGANIZATION, key), "address": address}
        defaults = _defaults(root, "organization")
        document = _document("organization", table, defaults, derived, ("parent", "address"))
        columns = {"id": document["id"], "custom_id": key, "parent_rowid": None}
        columns |= {"time_zone": document["timeZone"], "data": dumps(document)}
        links: dict[str, tuple[str, str]] = {}
        if "parent" in table.data:
            parent = table.ref("parent", [row.key for row in rows], "earlier organization")
            links["parent_rowid"] = ("organization", parent)
        rows.append(Row("organization", key, columns, links))
    return rows


def _resources(root: _Table, orgs: list[str]) -> list[Row]:
    roles, rows = root.sub("roles", {}), list[Row]()
    for key, table in root.entries("resources"):
        role = table.ref("role", roles.data, "role in [roles]")
        derived = {
            **_ids(ids.BOOKING_RESOURCE, key),
            "description": roles.sub(role).text("en"),
            "descriptionI18nList": _i18n(roles, role),
        }
        own = ("organization", "hours", "role")
        document = _document("resource", table, _defaults(root, "resource"), derived, own)
        org = table.ref("organization", orgs, "organization")
        rows.append(_entity(RESOURCE, document, org, hours=dumps(_hours(table))))
    return rows


def _hours(table: _Table) -> list[list[Any]]:
    """Weekly working intervals: every day of a group gets each of its spans."""
    weekly: list[list[Any]] = []
    for i, value in enumerate(table.items("hours", "table")):
        group = _Table(table.source, f"{table.where}.hours[{i}]", value)
        group.only(("days", "spans"))
        spans = group.rows("spans", "time", "time")
        weekly += [[day, start, end] for day in group.items("days", "day") for start, end in spans]
    return weekly


def _templates(root: _Table, orgs: list[str], loaded: list[Row]) -> list[Row]:
    steps = {
        key: _document("step", table, _defaults(root, "step"), {}, ())
        for key, table in root.entries("steps")
    }
    staff = [row.key for row in loaded if row.table == RESOURCE]
    rows: list[Row] = []
    for key, table in root.entries("templates"):
        org = table.ref("organization", orgs, "organization")
        derived = {
            **_ids(ids.BOOKING_TEMPLATE, key),
            "publicName": table.text("name"),
            "publicNameI18nList": _i18n(table, "nameI18nList"),
        }
        own = ("organization", "slot_step", "seats", "course_times", "steps")
        document = _document("template", table, _defaults(root, "template"), derived, own)
        position = sum(row.table == TEMPLATE and row.link(ORG_LINK) == org for row in rows)
        columns = {
            "position": position,
            "slot_step": table.get("slot_step", "count"),
            "seats": table.get("seats", "count", 1),
            "course_times": dumps(table.rows("course_times", "day", "time", default=[])),
        }
        rows.append(_entity(TEMPLATE, document, org, **columns))
        rows += _steps(table, key, steps, staff)
    return rows


def _steps(
    table: _Table, template: str, steps: Mapping[str, dict[str, Any]], staff: list[str]
) -> list[Row]:
    """The booking steps of `template` and the resources each offers."""
    rows: list[Row] = []
    for index, value in enumerate(table.items("steps", "table")):
        step = _Table(table.source, f"{table.where}.steps[{index}]", value)
        step.only(("step", "resources"))
        document = steps[step.ref("step", steps, "step in [steps]")]
        columns = {"position": index, "data": dumps(document)}
        rows.append(
            Row("booking_step", step.where, columns, {"template_rowid": (TEMPLATE, template)})
        )
        for position, resource in enumerate(step.refs("resources", staff, "resource")):
            links = {
                "step_rowid": ("booking_step", step.where),
                "resource_rowid": (RESOURCE, resource),
            }
            rows.append(
                Row("step_resource", f"{step.where}:{resource}", {"position": position}, links)
            )
    return rows


def _custom_entities(root: _Table, orgs: list[str], loaded: list[Row]) -> list[Row]:
    rows: list[Row] = []
    for key, table in root.entries("custom_entities"):
        org = table.ref("organization", orgs, "organization")
        own, defaults = ("organization", "templates", "resources"), _defaults(root, "custom_entity")
        document = _document("custom_entity", table, defaults, _ids(ids.CUSTOM_ENTITY, key), own)
        position = sum(row.table == ENTITY and row.link(ORG_LINK) == org for row in rows)
        if not ids.is_entity_type(document["type"]):
            origin = table if "type" in table.data else defaults
            origin.fail("type", f'expected a name like "rentalCar", got {dumps(document["type"])}')
        columns = {"position": position, "type": document["type"], "parent_rowid": None}
        rows.append(_entity(ENTITY, document, org, **columns))
        for section, target, link_table, column in (
            ("templates", TEMPLATE, "custom_entity_template", "template_rowid"),
            ("resources", RESOURCE, "custom_entity_resource", "resource_rowid"),
        ):
            known = [r.key for r in loaded if r.table == target and r.link(ORG_LINK) == org]
            for linked in table.refs(section, known, f"{section[:-1]} of {org}"):
                links = {"entity_rowid": (ENTITY, key), column: (target, linked)}
                rows.append(Row(link_table, f"{key}:{linked}", {}, links))
    return rows


def _module_config(root: _Table, orgs: list[str], templates: list[str]) -> Row:
    table = root.sub("module_config")
    org = table.ref("organization", orgs, "organization")
    chosen = table.refs("templates", templates, "template")
    preselected = table.ref("preselected", chosen, "template in module_config.templates")
    derived = {
        "id": ids.stable_id(ids.MODULE_CONFIG, table.text("key")),
        "organizationId": ids.stable_id(ids.ORGANIZATION, org),
        "bookingTemplateIdList": [ids.stable_id(ids.BOOKING_TEMPLATE, key) for key in chosen],
        "preselectedBookingTemplateId": ids.stable_id(ids.BOOKING_TEMPLATE, preselected),
    }
    own = ("key", "organization", "templates", "preselected")
    defaults = _defaults(root, "module_config")
    return _entity("module_config", _document("module_config", table, defaults, derived, own), org)


DEMO_SEED: Final = load_seed()
(_DEMO_MODULE,) = DEMO_SEED.of("module")
DEMO_MODULE_ID: Final = str(_DEMO_MODULE.columns["id"])
DEMO_CLIENT_ID: Final = str(_DEMO_MODULE.columns["client_id"])
DEMO_ORG_ID: Final = ids.stable_id(ids.ORGANIZATION, _DEMO_MODULE.link(ORG_LINK))
DEMO_BRANCH_IDS: Final = tuple(
    str(row.columns["id"])
    for row in DEMO_SEED.of("organization")
    if row.links.get("parent_rowid") == _DEMO_MODULE.links[ORG_LINK]
)
(_DEMO_CONFIG,) = DEMO_SEED.of("module_config")
DEMO_MODULE_CONFIG_ID: Final = str(_DEMO_CONFIG.columns["id"])


def seed_demo(store: Store, seed: DemoSeed = DEMO_SEED) -> None:
    """Fill an empty database with the demo business (or the rows of another `seed`).

    Table and column names are this module's, never the file's."""
    with store.transaction() as db:
        rowids: dict[tuple[str, str], int] = {}
        for row in seed.rows:
            columns = row.columns | {name: rowids[target] for name, target in row.links.items()}
            names, marks = ", ".join(columns), ", ".join("?" * len(columns))
            sql = f"INSERT INTO {row.table} ({names}) VALUES ({marks})"  # noqa: S608
            rowids[row.table, row.key] = int(
                db.execute(sql, tuple(columns.values())).lastrowid or 0
            )
