"""The project's own contract scorer (bench/eval.py): normalisation, aliases, set scoring, accuracies."""

from __future__ import annotations

from typing import Any

import pytest

from bench.eval import Aliases, normalize, score


@pytest.mark.parametrize(("a", "b"), [
    ("The Pasco Sheriff's Office", "Pasco Sheriff Office"),
    ("Tempe Police Dept.", "Tempe Police Department"),
    ("Tempe PD", "Tempe Police Department"),
    ("Flock Group Inc.", "flock group"),
    ("U.S. Marshals Service", "US Marshals Service"),
])
def test_normalize_variants(a: str, b: str) -> None:
    assert normalize(a) == normalize(b)


def test_aliases_from_gazetteers() -> None:
    al = Aliases()
    assert al.resolve("vendor", "ShotSpotter") == al.resolve("vendor", "SoundThinking")
    assert al.resolve("vendor", "GrayKey") == al.resolve("vendor", "Magnet Forensics")
    assert al.resolve("agency", "ICE") == al.resolve("agency", "U.S. Immigration and Customs Enforcement")


def _doc(**gold: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"agencies": [], "vendors": [], "technologies": [], "events": []}
    return {**base, **gold}


def test_score_counts_and_accuracies() -> None:
    ev = {"agency": "Tempe Police Department", "technology": "drones", "vendor": "DJI", "action": "uses"}
    gold = {"d1": {"id": "d1", "gold": _doc(agencies=[{"name": "Tempe Police Department", "state": "AZ"}],
                                            vendors=[{"name": "DJI"}], technologies=["drones"], events=[ev])}}
    pred = {"d1": _doc(agencies=[{"name": "Tempe PD", "state": "AZ"}, {"name": "ACLU", "state": None}],
                       vendors=[], technologies=["drones"],
                       events=[{**ev, "agency": "Tempe PD", "action": "acquires"}])}
    res = score(gold, pred, Aliases())
    assert (res["agencies"]["tp"], res["agencies"]["fp"], res["agencies"]["fn"]) == (1, 1, 0)
    assert res["vendors"]["recall"] == 0.0 and res["technologies"]["f1"] == 1.0
    assert res["events"]["f1"] == 1.0
    assert res["event_vendor_accuracy"] == 1.0 and res["event_action_accuracy"] == 0.0
    assert res["agency_state_accuracy"] == 1.0
