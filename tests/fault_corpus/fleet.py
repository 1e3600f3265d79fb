"""Spec 5, `specs/fleet.yaml` (OpenAPI 3.0.3): a vehicle-fleet maintenance API keyed in the query.

The base server reads the key from the `api_key` query parameter only (a key in a header is not
looked at; the status check is public), validates path and query parameters against their
schemas (converted from their text first: an integer, the repeated values of an array), then
the body, choosing the vehicle's schema by its `kind` (the discriminator). Vehicles are trucks,
vans or cars (`oneOf` of `allOf`s); read-only properties sent are ignored, the write-only
immobilizer PIN is kept and never returned, optional nullable properties read null when unset.
Vehicles are updated by RFC 7396 merge patches (labels merged key by key), removed with a bare
204, and listed newest first in Stripe-style pages (`limit`, `starting_after`, `has_more`)
with an array `kind` filter and the deprecated `sort` beside its replacement `order_by`.
Inspections run on the server's clock: queued for 30 s, running until 300 s, then passed or
failed. Twelve vehicles are seeded from one import (they share a creation time), two of them
with an inspection long over.
"""

from __future__ import annotations

import copy
import datetime
import hmac
import re
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fault_corpus.bodies import read_json
from tests.fault_corpus.schema import SpecDoc, ecma_pattern, request_view
from tests.fault_corpus.server import App, HttpError, Request, Response, json_response, route

SPEC_PATH = Path(__file__).resolve().parent / "specs" / "fleet.yaml"
KEY = "fk_live_4Rw9Tq2Lm7Xc3Vb8Nd5Hs1Kp"
KEY_PATTERN = "^fk_live_[A-Za-z0-9]{24}$"
KEY_PARAMETER = "api_key"
MISPLACED_HEADER = "X-Api-Key"  # where the key is not documented (the "query" credential)
BASE = "/api/v3"
VERSION = "3.4.0"
MERGE_PATCH = "application/merge-patch+json"
ID_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
LABEL_KEY = "^[a-z][a-z0-9_-]{0,62}$"
DEFAULT_ORDER = "-created_at"
PAGE_CAP = 8  # the page size of the `page-cap-8` variant
QUEUED_FOR = 30.0  # seconds an inspection waits for a bay
DONE_AFTER = 300.0  # seconds from its request to its outcome
IMPORTED = "2024-04-02T08:00:00Z"  # the seeded vehicles came from the old system in one batch
RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})"
)
VIN_VALUES = {
    **{str(digit): digit for digit in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def check_digit(vin: str) -> str:
    """The ISO 3779 check digit of a 17-character VIN (its 9th character when it is right)."""
    total = sum(VIN_VALUES[c] * weight for c, weight in zip(vin, VIN_WEIGHTS, strict=True))
    return "X" if total % 11 == 10 else str(total % 11)


def with_check_digit(vin: str) -> str:
    """`vin` with its 9th character set to its check digit."""
    return vin[:8] + check_digit(vin) + vin[9:]


# (id, kind, VIN without its check digit, plate, make, model, year, other properties)
SEEDS: tuple[tuple[str, str, str, str, str, str, int, dict[str, Any]], ...] = (
    ("veh_7k2m9p4q1x8a", "truck", "1FUJGLDR0CLBP8834", "LS21 FKD", "Freightliner", "Cascadia",
     2021, {"payload_kg": 18000, "axles": 3, "nickname": "Old Faithful", "odometer_km": 412870,
            "fuel_level_pct": 62.5, "last_service_on": "2024-03-11",
            "labels": {"depot": "leeds", "cost-centre": "ops-north"}}),
    ("veh_b3n8c5v2z6w1", "van", "WDB9066330S123456", "LD70 XRT", "Mercedes-Benz", "Sprinter",
     2020, {"cargo_volume_m3": 14.0, "sliding_doors": 1, "odometer_km": 98120,
            "assigned_driver_id": "6f1c2a9e-4b7d-4e3a-9c58-0d2e7b1f4a63"}),
    ("veh_q9d4f7h2j5k3", "car", "JTDBR32E030123456", "YK22 HBN", "Toyota", "Corolla", 2022,
     {"seats": 5, "body_style": "hatchback", "odometer_km": 31544, "fuel_level_pct": 80}),
    ("veh_3x6r1t8y4u0e", "truck", "YV2RT40A0MB654321", "MX19 KLE", "Volvo", "FH16", 2019,
     {"payload_kg": 26000, "axles": 3, "nickname": "Ironside", "status": "in_service",
      "odometer_km": 688300, "brake_wear_pct": 91.5}),
    ("veh_m5l0k3j8h6g2", "van", "WF0XXXTTGXKA12345", "BD23 WMA", "Ford", "Transit", 2023,
     {"cargo_volume_m3": 11.5, "odometer_km": 12650, "labels": {"depot": "bristol"}}),
    ("veh_a1s4d7f0g3h6", "car", "WVWZZZAUZKP012345", "FL19 ZXC", "Volkswagen", "Golf", 2019,
     {"seats": 5, "status": "retired", "odometer_km": 187400}),
    ("veh_z8x5c2v9b6n3", "truck", "XLRTEH430XG123456", "NK72 DAF", "DAF", "XF", 2022,
     {"payload_kg": 24000, "odometer_km": 201330, "last_service_on": "2024-01-29"}),
    ("veh_p0o9i8u7y6t5", "van", "VF1MA000X64123456", "GN21 RMV", "Renault", "Master", 2021,
     {"cargo_volume_m3": 13.0, "sliding_doors": 2, "odometer_km": 77410}),
    ("veh_e4r7t1y5u8i2", "car", "SAJAA01T07FN12345", "JG20 XFR", "Jaguar", "XF", 2020,
     {"seats": 5, "body_style": "saloon", "odometer_km": 64020,
      "assigned_driver_id": "c3d9e1f7-2a4b-4c6d-8e0f-1a2b3c4d5e6f"}),
    ("veh_g6h9j2k5l8m1", "car", "VF3LCYHZ0JS123456", "PE21 OTT", "Peugeot", "308", 2021,
     {"seats": 5, "body_style": "estate", "odometer_km": 45900}),
    ("veh_w2e5r8t1y4u7", "truck", "WMA06XZZ0KP123456", "MN20 TGX", "MAN", "TGX", 2020,
     {"payload_kg": 22000, "odometer_km": 356010, "labels": {"depot": "leeds"}}),
    ("veh_n7b4v1c8x5z2", "van", "ZFA25000001234567", "FD22 UCT", "Fiat", "Ducato", 2022,
     {"cargo_volume_m3": 12.5, "odometer_km": 40230, "fuel_level_pct": None}),
)  # fmt: skip
# (id, vehicle, type, requested at, defects)
SEEDED_INSPECTIONS = (
    ("0b7e2f4a-9c1d-4e8b-a5f3-6d2c8e1a7b94", "veh_7k2m9p4q1x8a", "annual", "2024-04-10T09:00:00Z",
     [{"code": "TY104", "severity": "minor",
       "description": "Nearside rear tyre close to the legal tread limit"}]),
    ("5c9a1e7d-3b2f-4d6a-8e0c-1f4b7a2d9e63", "veh_3x6r1t8y4u0e", "brakes", "2024-04-18T14:30:00Z",
     [{"code": "BR201", "severity": "major",
       "description": "Front brake discs below their minimum thickness"}]),
)  # fmt: skip
DEFECTS = (
    {"code": "LT012", "severity": "minor", "description": "Offside number plate lamp out"},
    {"code": "WS031", "severity": "minor", "description": "Windscreen chipped outside zone A"},
    {"code": "BR118", "severity": "major", "description": "Parking brake efficiency too low"},
    {"code": "ST207", "severity": "dangerous", "description": "Steering joint excessively worn"},
)
FINDINGS = ((0.2, (0,)), (0.3, (0, 1)), (0.4, (2,)), (0.45, (3,)))  # (below, defects): 55% none


@dataclass
class Vehicle:
    """A stored vehicle: its properties (optional ones left out when unset), its PIN, times."""

    fields: dict[str, Any]
    created: float
    updated: float
    pin: str | None = None
    deleted: bool = False


@dataclass
class Inspection:
    """A requested inspection; its status follows from the clock."""

    fields: dict[str, Any]
    requested: float
    defects: list[dict[str, str]] = field(default_factory=list)


class FleetError(HttpError):
    """An error answer that names the parameter or property at fault."""

    def __init__(self, status: int, code: str, message: str, param: str | None = None) -> None:
        super().__init__(status, code, message)
        self.param = param


ERROR_TYPES = {
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    409: "conflict_error",
}


def instant(text: str) -> float:
    """Seconds since the epoch of an RFC 3339 date-time (any year, any offset)."""
    found = RFC3339.fullmatch(text.upper())
    if found is None:
        raise ValueError(f"{text!r} is not an RFC 3339 date-time")
    year, month, day, hour, minute, second = (int(part) for part in found.groups()[:6])
    days = datetime.date(year, month, day).toordinal() - datetime.date(1970, 1, 1).toordinal()
    seconds = days * 86400 + hour * 3600 + minute * 60 + second + float(found[7] or 0)
    zone = found[8]
    if zone != "Z":
        offset = int(zone[1:3]) * 3600 + int(zone[4:6]) * 60
        seconds -= offset if zone[0] == "+" else -offset
    return seconds


def _number(text: str) -> int:
    """A decimal integer of any length (past 4000 digits, more than any bound here)."""
    digits = text.lstrip("-")
    value = int(digits) if len(digits) <= 4000 else 10**4000
    return -value if text.startswith("-") else value


def _drift(switch: str) -> Any:
    """The request view of the spec's schemas, as the server's own copy drifted for some
    faults."""

    def edit(document: dict[str, Any]) -> None:
        request_view(document)
        schemas = document["components"]["schemas"]
        base = schemas["VehicleBase"]["properties"]
        listing = {p["name"]: p for p in document["paths"]["/vehicles"]["get"]["parameters"]}
        if switch == "discriminator-ignored":
            # one model per kind, each with `kind: VehicleKind`: the union is tried in turn
            for name in ("Truck", "Van", "Car"):
                del schemas[name]["allOf"][1]["properties"]["kind"]
        elif switch == "brake-wear-inclusive":
            # ported from 3.0's boolean flag, the bound became inclusive
            del base["brake_wear_pct"]["exclusiveMaximum"]
            base["brake_wear_pct"]["maximum"] = 100
        elif switch == "multipleof-ignored":
            del schemas["Van"]["allOf"][1]["properties"]["cargo_volume_m3"]["multipleOf"]
        elif switch == "labels-unbounded":
            del schemas["Labels"]["maxProperties"]
        elif switch == "vin-case-insensitive":
            schemas["Vin"]["pattern"] = "^[A-HJ-NPR-Za-hj-npr-z0-9]{17}$"  # re.IGNORECASE
        elif switch == "fuel-null-rejected":
            base["fuel_level_pct"]["type"] = "number"  # the model's float is not Optional
        elif switch == "kind-duplicates-accepted":
            del listing["kind"]["schema"]["uniqueItems"]
        elif switch == "updated-since-500":
            del listing["updated_since"]["schema"]["format"]  # left to the handler's parser

    return edit


class FleetApp(App):
    """The Fleet Maintenance API as a production server answers it."""

    routes = (
        route("GET", f"{BASE}/status", "status"),
        route("GET", f"{BASE}/vehicles", "list_vehicles"),
        route("POST", f"{BASE}/vehicles", "create_vehicle"),
        route("GET", f"{BASE}/vehicles/{{vehicle_id}}", "get_vehicle"),
        route("PATCH", f"{BASE}/vehicles/{{vehicle_id}}", "update_vehicle"),
        route("DELETE", f"{BASE}/vehicles/{{vehicle_id}}", "delete_vehicle"),
        route("POST", f"{BASE}/vehicles/{{vehicle_id}}/inspections", "request_inspection"),
        route("GET", f"{BASE}/inspections/{{inspection_id}}", "get_inspection"),
    )

    def __init__(self, switch: str = "", *args: Any, **kwargs: Any) -> None:
        super().__init__(switch, *args, **kwargs)
        self.doc = SpecDoc(SPEC_PATH, _drift(switch))
        schemas = self.doc.raw["components"]["schemas"]
        self.base_properties: dict[str, Any] = schemas["VehicleBase"]["properties"]
        self.branches: dict[str, str] = {
            kind: ref.rsplit("/", 1)[1]
            for kind, ref in schemas["Vehicle"]["discriminator"]["mapping"].items()
        }
        self.kind_properties: dict[str, dict[str, Any]] = {
            kind: {
                name: spec
                for name, spec in schemas[branch]["allOf"][1]["properties"].items()
                if name != "kind"
            }
            for kind, branch in self.branches.items()
        }
        self.read_only = {k for k, v in self.base_properties.items() if v.get("readOnly")}
        self.write_only = {k for k, v in self.base_properties.items() if v.get("writeOnly")}
        self.vehicles: dict[str, Vehicle] = {}
        self.inspections: dict[str, Inspection] = {}
        imported = instant(IMPORTED)
        for vehicle_id, kind, vin, plate, make, model, year, extra in SEEDS:
            body = {
                "kind": kind,
                "vin": with_check_digit(vin),
                "plate": plate,
                "make": make,
                "model": model,
                "year": year,
                **extra,
            }
            self.add_vehicle(vehicle_id, body, imported)
        for inspection_id, vehicle_id, kind, requested, defects in SEEDED_INSPECTIONS:
            vehicle = self.vehicles[vehicle_id]
            self.add_inspection(inspection_id, vehicle, {"type": kind}, instant(requested))
            self.inspections[inspection_id].defects = copy.deepcopy(defects)

    def error(self, error: HttpError) -> Response:
        kind = ERROR_TYPES.get(error.status)
        if kind is None:
            kind = "api_error" if error.status >= 500 else "invalid_request_error"
        body = {
            "error": {
                "type": kind,
                "code": error.code,
                "message": error.message,
                "param": getattr(error, "param", None),
            }
        }
        return json_response(error.status, body, error.headers)

    # -- handlers ----------------------------------------------------------------------------
    def status(self, request: Request) -> Response:
        if self.on("status-needs-key"):
            self.authenticate(request)  # the key middleware's allow-list lost /status
        return json_response(200, {"status": "ok", "version": VERSION, "time": self.stamp()})

    def list_vehicles(self, request: Request) -> Response:
        if not self.on("list-without-key"):  # the listing is also served by a cached edge
            self.authenticate(request)
        args = self.parameters(request, "/vehicles", "get")
        order, sort = args.get("order_by"), args.get("sort")
        conflict = order is not None and sort is not None and order != sort
        if conflict and not self.on("sort-conflict-accepted"):  # (there, order_by wins)
            raise FleetError(400, "parameter_conflict", "sort and order_by differ", "sort")
        if self.on("sort-ignored"):
            sort = None  # the deprecated parameter was dropped from the handler
        chosen_order = order or sort or DEFAULT_ORDER
        ordered = sorted(
            self.vehicles.values(),
            key=self.sort_key(chosen_order),
            reverse=chosen_order.startswith("-"),
        )
        cursor = args.get("starting_after")
        if cursor is not None:
            known = self.vehicles.get(cursor)
            if known is None:
                raise FleetError(
                    400, "no_such_cursor", "starting_after: no such vehicle", "starting_after"
                )
            skip = 2 if self.on("starting-after-skips") else 1  # an off-by-one in the slice
            position = next(i for i, v in enumerate(ordered) if v is known)
            ordered = ordered[position + skip :]
        kinds = args.get("kind")
        since = args.get("updated_since")
        if since is not None:
            since = self.since(since)
        chosen = [
            v
            for v in ordered
            if (not v.deleted or self.on("deleted-still-listed"))
            and (kinds is None or v.fields["kind"] in kinds)
            and (since is None or v.updated >= since)
        ]
        size = args.get("limit", 10)
        if self.on("page-cap-8"):
            size = min(size, PAGE_CAP)  # the answer's size budget
        page = chosen[:size]
        has_more = len(page) == size if self.on("has-more-last-page") else len(chosen) > size
        answer = {
            "object": "list",
            "url": f"{BASE}/vehicles",
            "data": [self.render(v) for v in page],
            "has_more": has_more,
        }
        return json_response(200, answer)

    def create_vehicle(self, request: Request) -> Response:
        self.authenticate(request)
        body = self.without_read_only(read_json(request))
        self.validate_vehicle(body)
        self.check_values(body)
        self.check_vin(body["vin"], None)
        chosen = body.get("id") if self.on("readonly-id-used") else None
        vehicle = self.add_vehicle(chosen or self.new_id(), body, self.clock())
        location = self.url(request, f"{BASE}/vehicles/{vehicle.fields['id']}")
        return json_response(201, self.render(vehicle), {"Location": location})

    def get_vehicle(self, request: Request) -> Response:
        self.authenticate(request)
        return json_response(200, self.render(self.find(self.vehicle_id(request))))

    def update_vehicle(self, request: Request) -> Response:
        self.authenticate(request)
        vehicle_id = self.vehicle_id(request)
        media = "application/json" if self.on("patch-json-only") else MERGE_PATCH
        patch = read_json(request, media)
        self.validate("/components/schemas/VehiclePatch", patch, 400)
        vehicle = self.find(vehicle_id)
        patch = self.without_read_only(patch)
        kind = vehicle.fields["kind"]
        if patch.pop("kind", kind) != kind:
            raise FleetError(422, "kind_immutable", f"the vehicle is a {kind}", "kind")
        own = self.kind_properties[kind]
        for other, properties in self.kind_properties.items():
            foreign = sorted(set(patch) & set(properties) - set(own))
            if other != kind and foreign:
                raise FleetError(422, "wrong_kind", f"{foreign[0]}: not a {kind}'s", foreign[0])
        pin = patch.pop("immobilizer_pin", vehicle.pin)
        patch = {k: v for k, v in patch.items() if k in self.base_properties or k in own}
        target = vehicle.fields
        if self.on("patch-replaces"):  # routed to the replacement code: what is left out goes
            target = {k: v for k, v in target.items() if k in self.kept_on_replace(kind)}
        merged = self.merge(target, patch)
        self.validate("/components/schemas/Labels", merged.get("labels", {}), 422, ("labels",))
        self.check_values(merged)
        backwards = merged.get("odometer_km", 0) < vehicle.fields.get("odometer_km", 0)
        if backwards and not self.on("odometer-backwards-accepted"):
            raise FleetError(422, "odometer_backwards", "odometer_km cannot go down", "odometer_km")
        self.check_vin(merged["vin"], vehicle)
        vehicle.fields = self.stored(merged, kind)
        vehicle.pin = pin
        vehicle.updated = self.clock()
        return json_response(200, self.render(vehicle))

    def delete_vehicle(self, request: Request) -> Response:
        self.authenticate(request)
        vehicle = self.find(self.vehicle_id(request))
        vehicle.deleted = True
        if self.on("delete-204-body"):  # the framework's JSON renderer ran on the empty answer
            return json_response(204, {"deleted": True, "id": vehicle.fields["id"]})
        return Response(204)

    def request_inspection(self, request: Request) -> Response:
        self.authenticate(request)
        vehicle_id = self.vehicle_id(request)
        body = read_json(request)
        self.validate("/components/schemas/InspectionRequest", body, 400)
        vehicle = self.find(vehicle_id)
        if vehicle.fields["status"] == "retired":
            raise FleetError(409, "vehicle_retired", "a retired vehicle is not inspected")
        for inspection in self.inspections.values():
            ongoing = self.progress(inspection)[0] in ("queued", "running")
            if inspection.fields["vehicle_id"] == vehicle_id and ongoing:
                raise FleetError(409, "inspection_ongoing", "an inspection is under way")
        inspection_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        inspection = self.add_inspection(inspection_id, vehicle, body, self.clock())
        roll = self.rng.random()  # what the workshop will find
        found = next((picked for below, picked in FINDINGS if roll < below), ())
        inspection.defects = [copy.deepcopy(DEFECTS[index]) for index in found]
        headers = {"Location": self.url(request, f"{BASE}/inspections/{inspection_id}")}
        if self.on("inspection-no-location"):
            del headers["Location"]
        return json_response(202, self.render_inspection(inspection), headers)

    def get_inspection(self, request: Request) -> Response:
        self.authenticate(request)
        found = self.parameters(request, "/inspections/{inspection_id}", "get")
        inspection = self.inspections.get(found["inspection_id"].lower())
        if inspection is None:
            raise FleetError(404, "not_found", "no such inspection", "inspection_id")
        return json_response(200, self.render_inspection(inspection))

    # -- steps of a request ------------------------------------------------------------------
    def authenticate(self, request: Request) -> None:
        values = request.query.get(KEY_PARAMETER)
        key = values[0] if values else None
        if key is None and self.on("header-key-accepted"):
            key = request.headers.get(MISPLACED_HEADER.lower())  # an old gateway's header
        if key is None:
            raise FleetError(401, "api_key_missing", f"send the key as ?{KEY_PARAMETER}=")
        if not ecma_pattern(KEY_PATTERN).search(key):
            raise FleetError(401, "api_key_malformed", "this is not a fleet API key")
        if self.on("similar-key-accepted"):
            return  # the key lookup was cached by prefix: any well-formed key passes
        if not hmac.compare_digest(key.encode("utf-8", "replace"), KEY.encode()):
            if self.on("similar-key-403"):
                raise FleetError(403, "api_key_not_allowed", "this key may not use the API")
            raise FleetError(401, "api_key_unknown", "no such key")

    def parameters(self, request: Request, template: str, method: str) -> dict[str, Any]:
        """The operation's path and query parameters, converted from their text and checked
        against their schemas (400)."""
        found: dict[str, Any] = {}
        for name, place, pointer in self.declared(template, method):
            if place == "path":
                values = [request.params[name]]
            else:
                values = request.query.get(name) or []
                if not values:
                    continue
            value = self.convert(self.resolve(self.doc.schema(pointer)), values)
            errors = self.doc.errors(pointer, value)
            if errors:
                raise FleetError(
                    400, "parameter_invalid", f"{name}: {errors[0].message[:200]}", name
                )
            found[name] = value
        return found

    def declared(self, template: str, method: str) -> list[tuple[str, str, str]]:
        """(name, in, schema pointer) of the operation's parameters, the path item's first."""
        escaped = template.replace("~", "~0").replace("/", "~1")
        item = self.doc.raw["paths"][template]
        found = []
        for prefix, listed in (
            (f"/paths/{escaped}", item.get("parameters", [])),
            (f"/paths/{escaped}/{method}", item[method].get("parameters", [])),
        ):
            for index, parameter in enumerate(listed):
                pointer = f"{prefix}/parameters/{index}"
                if "$ref" in parameter:
                    pointer = parameter["$ref"].lstrip("#")
                    parameter = self.doc.schema(pointer)
                found.append((parameter["name"], parameter["in"], pointer + "/schema"))
        return found

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self.doc.schema(schema["$ref"].lstrip("#"))
        return schema

    def convert(self, schema: dict[str, Any], values: list[str]) -> Any:
        """A parameter's value from its text: form style, so an array repeats the name."""
        if schema.get("type") == "array":
            if self.on("kind-first-only"):
                values = values[:1]  # the framework's `request.args.get`
            item = self.resolve(schema.get("items", {}))
            return [self.scalar(item, value) for value in values]
        return self.scalar(schema, values[0])

    def scalar(self, schema: dict[str, Any], text: str) -> Any:
        kind = schema.get("type")
        if kind == "integer" and re.fullmatch(r"-?[0-9]+", text):
            return _number(text)
        if kind == "boolean" and text in ("true", "false"):
            return text == "true"
        return text  # anything else stays text, which the schema then refuses

    def since(self, text: str) -> float:
        if self.on("updated-since-500"):
            return datetime.datetime.fromisoformat(text).timestamp()
        return instant(text)

    def vehicle_id(self, request: Request) -> str:
        if self.on("bad-id-500"):
            # the store is sharded by the id's first character, looked up before the checks
            ID_ALPHABET.index(request.params["vehicle_id"][4])
        found: str = self.parameters(request, "/vehicles/{vehicle_id}", "get")["vehicle_id"]
        return found

    def find(self, vehicle_id: str) -> Vehicle:
        vehicle = self.vehicles.get(vehicle_id)
        if vehicle is None or (vehicle.deleted and not self.on("deleted-still-retrievable")):
            raise FleetError(404, "not_found", "no such vehicle", "vehicle_id")
        return vehicle

    def without_read_only(self, body: Any) -> Any:
        """The body without the read-only properties, which are ignored (not refused)."""
        if not isinstance(body, dict):
            return body
        kept = {"id"} if self.on("readonly-id-used") else set()  # the model takes what is sent
        return {k: v for k, v in body.items() if k not in self.read_only - kept}

    def validate(self, pointer: str, body: Any, status: int, at: tuple[str, ...] = ()) -> None:
        """`body` (found at `at` in the request's) against the schema at `pointer`."""
        errors = self.doc.errors(pointer, body)
        if errors:
            where = "/".join(map(str, (*at, *errors[0].absolute_path))) or None
            raise FleetError(
                status, "invalid_body", f"{where or 'body'}: {errors[0].message[:200]}", where
            )

    def validate_vehicle(self, body: Any) -> None:
        """The body against the schema its `kind` maps to (against the union when it names
        none)."""
        kind = body.get("kind") if isinstance(body, dict) else None
        branch = self.branches.get(kind) if isinstance(kind, str) else None
        if branch is None or self.on("discriminator-ignored"):
            branch = "Vehicle"
        self.validate(f"/components/schemas/{branch}", body, 400)

    def model_kind(self, body: dict[str, Any]) -> str:
        """The kind whose properties are kept: the discriminator's."""
        if self.on("discriminator-ignored"):  # the first model of the union that validates
            return next(
                kind
                for kind, branch in self.branches.items()
                if not self.doc.errors(f"/components/schemas/{branch}", body)
            )
        kind: str = body["kind"]
        return kind

    def check_values(self, body: dict[str, Any]) -> None:
        """What the schema cannot say: the label key rule, and the VIN's check digit for the
        servers that verify it (422)."""
        for key in body.get("labels") or {}:
            if not ecma_pattern(LABEL_KEY).search(key):
                raise FleetError(
                    422, "label_key_invalid", f"labels: {key!r} breaks the key rule", "labels"
                )
        vin = body.get("vin")
        if (
            self.on("vin-check-digit")
            and isinstance(vin, str)
            and vin[8] != check_digit(vin.upper())
        ):
            raise FleetError(422, "vin_check_digit", "vin: the check digit is wrong", "vin")

    def check_vin(self, vin: str, updating: Vehicle | None) -> None:
        if self.on("duplicate-vin-accepted"):
            return
        for other in self.vehicles.values():
            if other.fields["vin"] == vin and not other.deleted and other is not updating:
                raise FleetError(409, "vin_taken", "another vehicle has this VIN", "vin")

    def merge(self, target: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
        """RFC 7396: null removes a member, an object is merged member by member."""
        result = copy.deepcopy(target)
        for key, value in patch.items():
            if value is None and not self.on("merge-null-stored"):
                result.pop(key, None)
            elif isinstance(value, dict) and not self.on("patch-shallow-labels"):
                inner = result.get(key)
                result[key] = self.merge(inner if isinstance(inner, dict) else {}, value)
            else:
                result[key] = value
        return result

    def kept_on_replace(self, kind: str) -> set[str]:
        required = set(self.doc.raw["components"]["schemas"]["VehicleBase"]["required"])
        return required | {"status", "odometer_km"} | set(self.kind_properties[kind]) - {"axles"}

    # -- state -------------------------------------------------------------------------------
    def new_id(self) -> str:
        return "veh_" + "".join(self.rng.choice(ID_ALPHABET) for _ in range(12))

    def stored(self, body: dict[str, Any], kind: str) -> dict[str, Any]:
        """A vehicle's stored properties from a valid body: the ones its kind lists (writable
        ones only), integers as integers, numbers as floats (a REAL column)."""
        listed = {**self.base_properties, **self.kind_properties[kind]}
        fields: dict[str, Any] = {}
        for name, spec in listed.items():
            if name in self.write_only or (name in self.read_only and name != "id"):
                continue
            if name not in body or (body[name] is None and spec.get("nullable")):
                continue
            value = body[name]
            if spec.get("type") == "integer" and isinstance(value, (int, float)):
                value = int(value)
            elif spec.get("type") == "number" and isinstance(value, (int, float)):
                value = float(value)
            fields[name] = copy.deepcopy(value)
        for name, spec in listed.items():
            if "default" in spec:
                fields.setdefault(name, spec["default"])
        if "last_inspection_id" in body:
            fields["last_inspection_id"] = body["last_inspection_id"]
        return fields

    def add_vehicle(self, vehicle_id: str, body: dict[str, Any], moment: float) -> Vehicle:
        fields = self.stored({**body, "id": vehicle_id}, self.model_kind(body))
        fields["kind"] = body["kind"]
        vehicle = Vehicle(fields, moment, moment, body.get("immobilizer_pin"))
        self.vehicles[vehicle_id] = vehicle
        return vehicle

    def add_inspection(
        self, inspection_id: str, vehicle: Vehicle, body: dict[str, Any], moment: float
    ) -> Inspection:
        fields = {
            "id": inspection_id,
            "vehicle_id": vehicle.fields["id"],
            "type": body["type"],
            "notes": body.get("notes"),
            "due_by": body.get("due_by"),
            "odometer_km": vehicle.fields["odometer_km"],
        }
        inspection = Inspection(fields, moment)
        self.inspections[inspection_id] = inspection
        vehicle.fields["last_inspection_id"] = inspection_id
        return inspection

    def progress(self, inspection: Inspection) -> tuple[str, float | None, float | None]:
        """(status, started, completed) at the server's time."""
        queued = 0.0 if self.on("inspection-starts-at-once") else QUEUED_FOR
        elapsed = self.clock() - inspection.requested
        started = inspection.requested + queued
        if elapsed < queued:
            return "queued", None, None
        if elapsed < DONE_AFTER:
            return "running", started, None
        grave = any(d["severity"] != "minor" for d in inspection.defects)
        outcome = "failed" if grave else "passed"
        if self.on("inspection-status-completed"):
            outcome = "completed"  # the workshop system's word, passed through
        return outcome, started, inspection.requested + DONE_AFTER

    # -- answers -----------------------------------------------------------------------------
    def stamp(self, moment: float | None = None, layout: str = "%Y-%m-%dT%H:%M:%SZ") -> str:
        value = self.clock() if moment is None else moment
        return time.strftime(layout, time.gmtime(value))

    def vehicle_stamp(self, moment: float) -> str:
        if self.on("created-at-no-zone"):  # a naive datetime's isoformat()
            return self.stamp(moment, "%Y-%m-%dT%H:%M:%S")
        return self.stamp(moment)

    def render(self, vehicle: Vehicle) -> dict[str, Any]:
        fields = vehicle.fields
        listed = {**self.base_properties, **self.kind_properties[fields["kind"]]}
        rendered: dict[str, Any] = {}
        for name, spec in listed.items():
            if name in fields:
                rendered[name] = copy.deepcopy(fields[name])
            elif name == "labels":
                rendered[name] = {}
            elif spec.get("nullable") and not self.on("nulls-omitted"):
                rendered[name] = None
            if self.on("whole-numbers-int") and spec.get("type") == "number":
                value = rendered.get(name)
                if isinstance(value, float) and value.is_integer():
                    rendered[name] = int(value)
        for name in list(fields):  # what a drifted model kept besides (a faulty server's)
            rendered.setdefault(name, copy.deepcopy(fields[name]))
        rendered.pop("immobilizer_pin", None)
        if self.on("writeonly-pin-returned") and vehicle.pin is not None:
            rendered["immobilizer_pin"] = vehicle.pin  # the serializer shares the input model
        rendered["created_at"] = self.vehicle_stamp(vehicle.created)
        rendered["updated_at"] = self.vehicle_stamp(vehicle.updated)
        if self.on("extra-properties"):
            rendered = {"object": "vehicle", **rendered, "livemode": True}
        return rendered

    def render_inspection(self, inspection: Inspection) -> dict[str, Any]:
        status, started, completed = self.progress(inspection)
        rendered = {
            **copy.deepcopy(inspection.fields),
            "status": status,
            "requested_at": self.stamp(inspection.requested),
            "started_at": None if started is None else self.stamp(started),
            "completed_at": None if completed is None else self.stamp(completed),
            "defects": copy.deepcopy(inspection.defects) if completed is not None else [],
        }
        if self.on("extra-properties"):
            rendered = {"object": "inspection", **rendered}
        return rendered

    def sort_key(self, order: str) -> Any:
        """The list's sort key (reversed for `-name`); ties, such as the seeded import's, are
        broken by id (or by VIN)."""
        name = order.lstrip("-")

        def key(vehicle: Vehicle) -> tuple[Any, str]:
            tie = vehicle.fields["vin"] if self.on("tie-break-vin") else vehicle.fields["id"]
            primary: Any = vehicle.created if name == "created_at" else vehicle.fields["plate"]
            return primary, tie

        return key

    def url(self, request: Request, path: str) -> str:
        if self.on("location-absolute") and request.headers.get("host"):
            return f"http://{request.headers['host']}{path}"
        return path
