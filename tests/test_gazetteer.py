"""The shipped gazetteers: coverage of the contract's technologies, vendors, products and agencies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from oversight.extractors.gazetteers import build
from oversight.extractors.tagging.gazetteer import BUILT, load_gazetteer, name_key

SLUGS = ["face_recognition", "license_plate_readers", "gunshot_detection", "drones", "body_cameras",
         "cell_site_simulators", "predictive_policing", "social_media_monitoring", "real_time_crime_center",
         "camera_networks", "video_analytics", "phone_forensics", "biometrics", "data_analytics", "robots"]


def test_every_contract_slug_has_terms() -> None:
    gaz = load_gazetteer()
    assert sorted(gaz.tech_terms) == sorted(SLUGS)
    assert all(len(terms) >= 5 for terms in gaz.tech_terms.values())
    assert "alpr" not in gaz.tech_terms["license_plate_readers"]  # acronyms are matched case-sensitively
    assert "ALPR" in gaz.tech_acronyms["license_plate_readers"]
    assert "stingray" in gaz.tech_terms["cell_site_simulators"]
    assert "drone as first responder" in gaz.tech_terms["drones"]


def test_at_least_80_vendors_with_valid_technologies() -> None:
    vendors = json.loads((BUILT / "vendors.json").read_text())["vendors"]
    assert len(vendors) >= 80
    for v in vendors:
        assert set(v["technologies"]) <= set(SLUGS), v["name"]
        assert set(v["products"].values()) <= set(SLUGS), v["name"]
        assert set(v["implies"]) <= set(v["technologies"]), v["name"]


@pytest.mark.parametrize(("surface", "vendor", "tech"), [
    ("Rekognition", "Amazon", "face_recognition"),
    ("ShotSpotter", "SoundThinking", "gunshot_detection"),
    ("GrayKey", "Magnet Forensics", "phone_forensics"),
    ("Neighbors app", "Ring", "camera_networks"),
    ("Stingray", "L3Harris", "cell_site_simulators"),
    ("Geolitica", "PredPol", None),
    ("TASER International", "Axon", None),
])
def test_products_and_former_names_resolve(surface: str, vendor: str, tech: str | None) -> None:
    term = load_gazetteer().vendor_terms[surface]
    assert (term.vendor, term.technology) == (vendor, tech)


def test_fbi_agencies_spot_checks() -> None:
    gaz = load_gazetteer()
    orlando = gaz.us_by_name[name_key("Orlando Police Department")]
    assert [(r.state, r.ori) for r in orlando] == [("FL", "FL0480400")]
    wash = {r.state: r.ori for r in gaz.us_by_name[name_key("Washington County Sheriff's Office")]}
    assert wash["OR"] == "OR0340000"
    states = {r.state for rows in gaz.us_by_name.values() for r in rows}
    assert "NE" in states and "NB" not in states  # FBI's Nebraska code fixed


@pytest.mark.parametrize("acr", ["ICE", "CBP", "FBI", "DHS", "DEA", "ATF", "USMS", "TSA"])
def test_federal_acronyms(acr: str) -> None:
    assert acr in load_gazetteer().federal_acronyms


def test_places_know_states_and_datelines() -> None:
    gaz = load_gazetteer()
    assert gaz.state_abbrevs["Ill."] == "IL" and gaz.state_names["Oregon"] == "OR"
    assert gaz.places_by_name["cascade county"] == {"MT"}


@pytest.mark.skipif(not (build.DEFAULT_SHARED / "agencies").is_dir(), reason="needs ../shared/data")
def test_build_is_reproducible(tmp_path: Path) -> None:
    assert build.main(["--out", str(tmp_path)]) == 0
    for name in ("vendors.json", "technologies.json", "federal_agencies.json", "places.json", "us_agencies.tsv.gz"):
        assert (tmp_path / name).read_bytes() == (BUILT / name).read_bytes(), name
