"""GeoJSON export keeps whole numbers whole (category 7, not 7.0) although permit features lack those fields."""

from __future__ import annotations

import json

from cases.cli.main import main


def test_geojson_integers_stay_integers(tmp_path):
    db = tmp_path / "s.db"
    assert main(["init-demo", "--db", str(db)]) == 0
    out = tmp_path / "all.geojson"
    assert main(["export", str(out), "--db", str(db)]) == 0
    feats = json.loads(out.read_text(encoding="utf-8"))["features"]
    cases = [f["properties"] for f in feats if f["properties"]["layer"] == "case"]
    permits = [f["properties"] for f in feats if f["properties"]["layer"] == "permit"]
    assert len(cases) == 110 and len(permits) == 20
    for key in ("category", "seq", "criminal_persons", "accountability_persons", "accept_county", "is_closed", "version"):
        assert all(type(p[key]) is int for p in cases), key
    assert {p["category"] for p in cases} == set(range(1, 11))
    assert all("category" not in p for p in permits)
