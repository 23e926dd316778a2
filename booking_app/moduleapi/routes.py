"""Every Module API route the client calls, each declared once as a `Route`.

A route's template names its placeholders in snake case
(`organization/{org_id}/bookingTemplate/{booking_template_id}/show`). The request
path and the label for the log are both derived from it: `path(org_id=…, …)` fills
in each value as one escaped path segment, so no id can change the route; `label`
is the template with camelCase placeholders
(`organization/{orgId}/bookingTemplate/{bookingTemplateId}/show`), which never
carries an id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

_PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(word.capitalize() for word in rest)


@dataclass(frozen=True)
class Route:
    """A request method and a path template relative to `{api}/{lang}/`."""

    method: str
    template: str

    @property
    def params(self) -> tuple[str, ...]:
        """The placeholders of the template, in order."""
        return tuple(_PLACEHOLDER.findall(self.template))

    @property
    def label(self) -> str:
        """The route for the log: the template with camelCase placeholders."""
        return _PLACEHOLDER.sub(lambda m: "{" + _camel(m.group(1)) + "}", self.template)

    def path(self, **params: object) -> str:
        """The template filled with `params` (exactly its placeholders), each value
        escaped as one path segment (`/`, `?`, `#`, `%` and the like are quoted).

        A value that is exactly `.` or `..` stays as it is, and HTTP clients collapse
        such a segment: ids never look like that, but pass no unchecked text."""
        if sorted(params) != sorted(self.params):
            raise TypeError(f"{self.template} takes {self.params}, got {tuple(params)}")
        return _PLACEHOLDER.sub(lambda m: quote(str(params[m.group(1)]), safe=""), self.template)


# Organizations
ORGANIZATION = Route("GET", "organization/{org_id}/show")
BRANCHES = Route("GET", "module/{module_id}/organization/{org_id}/organization/list")
ORGANIZATION_SEARCH = Route("GET", "module/{module_id}/organization/filter")

# Module configs
MODULE_CONFIG = Route("GET", "organization/{org_id}/moduleConfig/{module_config_id}/show")
MODULE_CONFIG_IDENTIFY = Route("GET", "organization/{org_id}/moduleConfig/{custom_id}/identify")

# Templates, resources and custom entities
BOOKING_TEMPLATES = Route("GET", "organization/{org_id}/bookingTemplate/list")
BOOKING_TEMPLATE = Route("GET", "organization/{org_id}/bookingTemplate/{booking_template_id}/show")
BOOKING_TEMPLATE_IDENTIFY = Route(
    "GET", "organization/{org_id}/bookingTemplate/{custom_id}/identify"
)
RESOURCE_TEMPLATES = Route(
    "GET", "organization/{org_id}/bookingResource/{booking_resource_id}/bookingTemplate/list"
)
BOOKING_RESOURCES = Route("GET", "organization/{org_id}/bookingResource/list")
BOOKING_RESOURCE = Route("GET", "organization/{org_id}/bookingResource/{booking_resource_id}/show")
CUSTOM_ENTITIES = Route("GET", "organization/{org_id}/customEntity/{custom_entity_type}/list")
CUSTOM_ENTITY = Route(
    "GET", "organization/{org_id}/customEntity/{custom_entity_type}/{custom_entity_id}/show"
)
CUSTOM_ENTITY_TEMPLATES = Route(
    "GET",
    "organization/{org_id}/customEntity/{custom_entity_type}/{custom_entity_id}/bookingTemplate/list",
)
CUSTOM_ENTITY_RESOURCES = Route(
    "GET",
    "organization/{org_id}/customEntity/{custom_entity_type}/{custom_entity_id}/bookingResource/list",
)

# Slots
SLOTS_DAY = Route(
    "GET",
    "organization/{org_id}/bookingTemplate/{booking_template_id}/bookingSlot/year/{yyyy}/month/{m}/day/{d}/listDay",
)
SLOTS_WEEK = Route(
    "GET",
    "organization/{org_id}/bookingTemplate/{booking_template_id}/bookingSlot/year/{yyyy}/week/{w}/listWeek",
)
SLOTS_MONTH = Route(
    "GET",
    "organization/{org_id}/bookingTemplate/{booking_template_id}/bookingSlot/year/{yyyy}/month/{m}/listMonth",
)
EARLIEST_SLOT = Route(
    "GET", "organization/{org_id}/bookingTemplate/{booking_template_id}/bookingSlot/earliest"
)

# Appointments and files
APPOINTMENT_ADD = Route("POST", "organization/{org_id}/appointment/add")
APPOINTMENT = Route("GET", "organization/{org_id}/appointment/{appointment_id}/show")
APPOINTMENT_PROTECTED = Route(
    "GET", "organization/{org_id}/appointment/{appointment_id}/showProtected"
)
APPOINTMENT_IDENTIFY = Route("GET", "organization/{org_id}/appointment/{custom_id}/identify")
APPOINTMENT_MOVE = Route("PUT", "organization/{org_id}/appointment/{appointment_id}/move")
APPOINTMENT_CANCEL = Route("PUT", "organization/{org_id}/appointment/{appointment_id}/cancel")
FILE_ADD = Route("POST", "organization/{org_id}/file/add")

# Static lists: one route per list, so that the label names the list.
STATIC_LIST = {
    kind: Route("GET", f"static/{kind}/list")
    for kind in ("timeZone", "language", "country", "currency")
}
