"""The Fleet spec's variants: the base server, its conformant alternatives and its faults.

The key travels in the `api_key` query parameter (`credential_in="query"`); the "query"
credential, the key where the spec does not document it, is here an `X-Api-Key` header.
"""

from __future__ import annotations

from typing import Any

from tests.fault_corpus.fleet import (
    BASE,
    KEY,
    KEY_PARAMETER,
    MERGE_PATCH,
    MISPLACED_HEADER,
    SEEDED_INSPECTIONS,
    SEEDS,
    SPEC_PATH,
    FleetApp,
    with_check_digit,
)
from tests.fault_corpus.variants import Kind, SpecInfo, Step, Variant, similar_key, step

VEHICLES = f"{BASE}/vehicles"
ONE = VEHICLES + "/{id}"
FIRST = SEEDS[0][0]  # a truck with a nickname, labels and a finished inspection
SEEDED = f"{VEHICLES}/{FIRST}"
PASSED, FAILED = (f"{BASE}/inspections/{seed[0]}" for seed in SEEDED_INSPECTIONS)
TRUCK = {
    "kind": "truck",
    "vin": with_check_digit("3AKJHHDR0NSNA4567"),
    "plate": "LS24 TRK",
    "make": "Freightliner",
    "model": "Cascadia",
    "year": 2024,
    "payload_kg": 20000,
}
VAN = {
    "kind": "van",
    "vin": with_check_digit("WV1ZZZSY0P9012345"),
    "plate": "BD24 VAN",
    "make": "Volkswagen",
    "model": "Crafter",
    "year": 2023,
    "cargo_volume_m3": 12.0,
}
CAR = {
    "kind": "car",
    "vin": with_check_digit("KMHK281G0PU123456"),
    "plate": "YK24 CAR",
    "make": "Hyundai",
    "model": "Kona",
    "year": 2023,
    "seats": 5,
}
CREATE = step("POST", VEHICLES, json=TRUCK, capture={"id": "body:id"})


def _patch(body: dict[str, Any], path: str = SEEDED) -> Step:
    return step("PATCH", path, json=body, content_type=MERGE_PATCH)


INFO = SpecInfo(
    name="fleet",
    path=SPEC_PATH,
    base_path=BASE,
    key=KEY,
    auth=lambda key: {KEY_PARAMETER: key},
    similar_key=similar_key(KEY),
    credential_in="query",
    misplaced=lambda key: {MISPLACED_HEADER: key},
    valid=(
        step("GET", f"{BASE}/status", credential="none"),
        step("GET", f"{VEHICLES}?limit=3"),
        step("GET", f"{VEHICLES}?order_by=plate&limit=2&starting_after={SEEDS[1][0]}"),
        step(
            "GET",
            f"{VEHICLES}?kind=truck&kind=van&updated_since=2024-04-01T00%3A00%3A00%2B02%3A00"
            "&limit=50",
        ),
        step("GET", f"{VEHICLES}?sort=-created_at&order_by=-created_at"),
        step(
            "POST",
            VEHICLES,
            json={
                **TRUCK,
                "id": "veh_000000000000",  # read-only: ignored
                "created_at": "2020-01-01T00:00:00Z",
                "nickname": "Blue Whale",
                "axles": 3,
                "odometer_km": 120500,
                "fuel_level_pct": None,
                "brake_wear_pct": 42.5,
                "last_service_on": "2024-04-20",
                "assigned_driver_id": "9b2f6d4e-1c3a-4f5b-8e7d-6a0c2b4d8f1e",
                "labels": {"depot": "leeds", "cost-centre": "ops-north"},
                "immobilizer_pin": "480215",
            },
            capture={"id": "body:id"},
        ),
        step("GET", ONE),
        _patch(
            {
                "nickname": None,
                "labels": {"depot": None, "team": "north"},
                "odometer_km": 125000,
                "fuel_level_pct": None,
                "immobilizer_pin": "246810",
                "created_at": "2020-01-01T00:00:00Z",
            },
            ONE,
        ),
        step(
            "POST",
            ONE + "/inspections",
            json={"type": "annual", "notes": None, "due_by": "2024-06-30"},
            capture={"inspection": "body:id"},
        ),
        step("GET", BASE + "/inspections/{inspection}"),
        step("GET", FAILED),
        step("POST", VEHICLES, json=VAN),
        step("POST", VEHICLES, json={**CAR, "body_style": "suv"}, capture={"id": "body:id"}),
        step("DELETE", ONE),
    ),
)


def _create(**body: Any) -> tuple[Step, ...]:
    return (step("POST", VEHICLES, json={**TRUCK, **body}),)


def _list(query: str, **options: Any) -> tuple[Step, ...]:
    return (step("GET", f"{VEHICLES}?{query}" if query else VEHICLES, **options),)


def _variant(name: str, kind: Kind, description: str, trigger: tuple[Step, ...] = ()) -> Variant:
    switch = "" if name == "base" else name
    return Variant(f"fleet/{name}", INFO, kind, description, switch, FleetApp, trigger)


VARIANTS = [
    _variant("base", "conformant", "the base server"),
    _variant(
        "similar-key-403",
        "conformant",
        "a well-formed unknown key gets 403, not 401 (the spec allows either)",
    ),
    _variant(
        "extra-properties",
        "conformant",
        "vehicles and inspections carry extra properties (the schemas are open)",
    ),
    _variant(
        "tie-break-vin", "conformant", "vehicles created together are ordered by VIN, not by id"
    ),
    _variant(
        "page-cap-8",
        "conformant",
        "pages hold at most 8 vehicles whatever the limit; has_more stays truthful",
    ),
    _variant(
        "whole-numbers-int",
        "conformant",
        "whole numbers are answered as integers (cargo volume 12, not 12.0)",
    ),
    _variant(
        "vin-check-digit",
        "conformant",
        "a VIN whose check digit is wrong is refused with 422 (documented as allowed)",
    ),
    _variant("location-absolute", "conformant", "Location headers are absolute URLs"),
    _variant(
        "inspection-starts-at-once",
        "conformant",
        "inspections skip the queue: the 202 already says running",
    ),
    _variant(
        "nulls-omitted",
        "conformant",
        "unset optional nullable properties are left out instead of null",
    ),
    # faults in the answer
    _variant(
        "writeonly-pin-returned",
        "fault",
        "the write-only immobilizer_pin is returned",
        _create(immobilizer_pin="480215"),
    ),
    _variant(
        "created-at-no-zone",
        "fault",
        "created_at and updated_at have no time zone (not RFC 3339)",
        _create(),
    ),
    _variant(
        "delete-204-body",
        "fault",
        "the 204 of a delete carries a JSON body",
        (step("DELETE", f"{VEHICLES}/{SEEDS[9][0]}"),),
    ),
    _variant(
        "inspection-no-location",
        "fault",
        "202 without the required Location header",
        (step("POST", SEEDED + "/inspections", json={"type": "brakes"}),),
    ),
    _variant(
        "inspection-status-completed",
        "fault",
        "a finished inspection's status is 'completed', outside the enum",
        (step("GET", PASSED),),
    ),
    _variant(
        "has-more-last-page",
        "fault",
        "has_more is true on a last page that is full",
        _list(f"limit={len(SEEDS)}"),
    ),
    # invalid input accepted
    _variant(
        "discriminator-ignored",
        "fault",
        "a truck with a car's seats and no payload accepted (kind does not pick the schema)",
        (
            step(
                "POST",
                VEHICLES,
                json={k: v for k, v in {**TRUCK, "seats": 5}.items() if k != "payload_kg"},
            ),
        ),
    ),
    _variant(
        "brake-wear-inclusive",
        "fault",
        "brake_wear_pct 100 accepted (3.0's exclusiveMaximum read as inclusive)",
        _create(brake_wear_pct=100),
    ),
    _variant(
        "multipleof-ignored",
        "fault",
        "a cargo volume of 12.3 m3 accepted (multipleOf 0.5)",
        (step("POST", VEHICLES, json={**VAN, "cargo_volume_m3": 12.3}),),
    ),
    _variant(
        "labels-unbounded",
        "fault",
        "more than 10 labels accepted (maxProperties)",
        _create(labels={f"label-{n}": "x" for n in range(11)}),
    ),
    _variant(
        "vin-case-insensitive",
        "fault",
        "a lowercase VIN accepted and stored",
        _create(vin=TRUCK["vin"].lower()),
    ),
    _variant(
        "duplicate-vin-accepted",
        "fault",
        "a second vehicle with a VIN already in the fleet accepted (no 409)",
        _create(vin=with_check_digit(SEEDS[3][2])),
    ),
    _variant(
        "kind-duplicates-accepted",
        "fault",
        "a repeated kind filter accepted (uniqueItems)",
        _list("kind=truck&kind=truck"),
    ),
    _variant(
        "sort-conflict-accepted",
        "fault",
        "sort and order_by that differ accepted (order_by wins) instead of 400",
        _list("sort=plate&order_by=-plate"),
    ),
    _variant(
        "odometer-backwards-accepted",
        "fault",
        "a patch that lowers the odometer accepted (no 422)",
        (_patch({"odometer_km": 1000}),),
    ),
    # valid input refused
    _variant(
        "fuel-null-rejected",
        "fault",
        "a null fuel_level_pct (nullable) refused",
        _create(fuel_level_pct=None),
    ),
    _variant(
        "patch-json-only",
        "fault",
        "a merge patch sent as application/merge-patch+json refused with 415",
        (_patch({"nickname": "Old Reliable"}),),
    ),
    _variant(
        "status-needs-key",
        "fault",
        "the public status check demands a key (401)",
        (step("GET", f"{BASE}/status", credential="none"),),
    ),
    # auth
    _variant("list-without-key", "fault", "the listing needs no key", _list("", credential="none")),
    _variant(
        "similar-key-accepted",
        "fault",
        "any well-formed key accepted",
        _list("", credential="similar"),
    ),
    _variant(
        "header-key-accepted",
        "fault",
        "the key accepted in an X-Api-Key header (the spec reads only the query)",
        _list("", credential="query"),
    ),
    # semantics and state
    _variant(
        "readonly-id-used",
        "fault",
        "a read-only id sent on create is used instead of ignored",
        _create(id="veh_aaaabbbbcccc"),
    ),
    _variant(
        "merge-null-stored",
        "fault",
        "a merge patch's null is stored (nickname null) instead of removing the property",
        (_patch({"nickname": None}),),
    ),
    _variant(
        "patch-shallow-labels",
        "fault",
        "a patch's labels replace the vehicle's instead of merging key by key",
        (_patch({"labels": {"team": "north"}}),),
    ),
    _variant(
        "patch-replaces",
        "fault",
        "a patch clears the optional properties it leaves out (nickname, labels)",
        (_patch({"odometer_km": 413000}),),
    ),
    _variant(
        "kind-first-only",
        "fault",
        "the kind filter reads only its first value (?kind=truck&kind=van lists trucks)",
        _list("kind=truck&kind=van&limit=100"),
    ),
    _variant(
        "sort-ignored",
        "fault",
        "the deprecated sort parameter is ignored",
        _list("sort=plate&limit=100"),
    ),
    _variant(
        "starting-after-skips",
        "fault",
        "the page after starting_after skips a vehicle",
        _list(f"limit=3&starting_after={SEEDS[4][0]}"),
    ),
    _variant(
        "deleted-still-listed",
        "fault",
        "a deleted vehicle is still listed",
        (step("DELETE", SEEDED), *_list("limit=100")),
    ),
    _variant(
        "deleted-still-retrievable",
        "fault",
        "a deleted vehicle is still retrievable (200, not 404)",
        (CREATE, step("DELETE", ONE), step("GET", ONE)),
    ),
    # server errors
    _variant(
        "bad-id-500",
        "fault",
        "500 on a vehicle id too short to match the id pattern",
        (step("GET", f"{VEHICLES}/42"),),
    ),
    _variant(
        "updated-since-500",
        "fault",
        "500 on an updated_since that is not a date-time",
        _list("updated_since=yesterday"),
    ),
]
