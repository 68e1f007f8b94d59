"""Heatmap cells (pure): booked weeks placed by key, shared availability, utilisation, whole hours, JSON."""

from __future__ import annotations

import gc
import json
import uuid

import orjson
from tandem_capacity.views.repository import PersonRow
from tandem_capacity.views.service import _cells, _collector_paused, _each_cell, encode_heatmap

KEYS = ["2026-W52", "2026-W53", "2027-W01"]


def _person(name: str) -> PersonRow:
    return PersonRow(uuid.uuid4(), name, "Platform", 40.0, None)


def test_booked_weeks_land_by_key_and_weeks_outside_the_window_are_left_out():
    ana = _person("Ana")
    loads = json.dumps({"2026-W51": 9.0, "2026-W53": 45.0, "2027-W01": 1.25, "2027-W02": 7.5})
    [row] = _cells([(ana, loads)], KEYS, [[40.0, 40.0, 40.0]])
    assert row == {"id": str(ana.id), "name": "Ana", "team": "Platform", "booked": [0, 45.0, 1.25],
                   "available": [40, 40, 40], "utilisation": [0, 1.125, 0.0312]}
    # 1.25 / 40 = 0.03125 exactly: rounded half to even like round(), as every other utilisation.
    assert row["utilisation"][2] == round(1.25 / 40, 4)


def test_whole_hours_are_integers_and_nothing_available_means_no_utilisation():
    ben = _person("Ben")
    [row] = _cells([(ben, json.dumps({"2026-W52": 8.0, "2026-W53": 3.0}))], KEYS, [[0.0, 32.5, 24.0]])
    assert row["available"] == [0, 32.5, 24] and [type(v) for v in row["available"]] == [int, float, int]
    assert row["booked"] == [8.0, 3.0, 0] and row["utilisation"] == [0, 0.0923, 0]


def test_people_without_bookings_and_people_alike_share_arrays():
    shared = [40.0, 40.0, 40.0]
    rows = _cells([(_person("Cy"), None), (_person("Dee"), None), (_person("Eve"), "{}")], KEYS,
                  [shared, shared, [20.0, 20.0, 20.0]])
    assert rows[0]["booked"] == rows[0]["utilisation"] == [0, 0, 0]
    assert rows[0]["available"] is rows[1]["available"] and rows[0]["booked"] is rows[1]["booked"]
    assert rows[2]["available"] == [20, 20, 20] and rows[2]["booked"] == [0, 0, 0]


def test_the_encoding_is_compact_json_in_field_order():
    person = _person("Zoë")
    body = {"weeks": KEYS, "people": _cells([(person, json.dumps({"2026-W53": 20.0}))], KEYS, [[40.0, 38.4, 0.0]]),
            "next_cursor": None, "limit": 500}
    encoded = encode_heatmap(body)
    assert orjson.loads(encoded) == body
    assert list(orjson.loads(encoded)["people"][0]) == ["id", "name", "team", "booked", "available", "utilisation"]
    # The same text the standard library writes (names as UTF-8 rather than \u escapes).
    assert encoded == json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def test_rows_encoded_one_by_one_give_the_same_bytes_as_the_whole_body():
    people = [(_person("Ana"), json.dumps({"2026-W52": 8.0, "2027-W01": 50.5})), (_person("Ben"), None),
              (_person("Cy"), json.dumps({"2026-W53": 3.0}))]
    shared = [40.0, 0.0, 38.4]
    available = [shared, shared, [20.0, 20.0, 20.0]]
    body = {"weeks": KEYS, "people": _cells(people, KEYS, available), "next_cursor": "abc", "limit": 3}
    parts = b",".join(map(orjson.dumps, _each_cell(people, KEYS, available, encoded=True)))
    assert orjson.dumps({"weeks": KEYS, "people": orjson.Fragment(b"[%b]" % parts), "next_cursor": "abc",
                         "limit": 3}) == encode_heatmap(body)


def test_the_collector_is_paused_while_any_caller_builds_and_left_as_it_was():
    assert gc.isenabled()
    with _collector_paused():
        assert not gc.isenabled()
        with _collector_paused():  # an overlapping request
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    try:
        with _collector_paused():
            raise RuntimeError("the query failed")
    except RuntimeError:
        pass
    assert gc.isenabled()
    gc.disable()  # someone else turned it off: it stays off
    try:
        with _collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
