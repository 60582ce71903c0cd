"""An event's confidence: the chance that its (agency, technology) pair and action are right, from what the
deciding sentence and the article's other claims say. A logistic model over a few signals; the weights are
fitted by `bench/calibrate.py` on the annotated sets and its reliability table is in bench/results/."""

from __future__ import annotations

import math
from dataclasses import dataclass

# Events below this confidence get needs_review = true (docs/DATA_DICTIONARY.md): over the annotated sets,
# events at or above it were right (matched, right action) at least 90% of the time.
REVIEW_BELOW = 0.8


@dataclass(frozen=True)
class Signals:
    """What an event's decision rests on."""

    named_agency: bool  # the deciding clause names the agency (not "the department")
    named_tech: bool  # ... and the technology (not carried over from the article)
    explicit_cue: bool  # a cue phrase decided, not the default "uses"
    background: bool  # said in a time clause ("after the city bought ...")
    lede: bool  # the deciding sentence is among the first two of the body
    main_agency: bool  # the agency is the article's first police or sheriff agency, or a council's ban/rejection
    support: int  # sentences with a claim about the pair
    agreement: float  # share of the pair's claims that say the chosen action
    action: str
    agencies: int = 1  # agencies named in the article: more of them, more room to misattribute
    technologies: int = 1  # technologies in the article
    sentences: int = 1  # sentences in the article: long stories mix history, plans and news


# Fitted by bench/calibrate.py --fit (2026-11-30, L2 0.01) on dev, dev2 and the bundled sample; order as in FEATURES.
# Out of sample (5-fold cross-validation by document) events at >= 0.8 were right about 90% of the time:
# bench/results/calibration.md gives both tables.
WEIGHTS = (4.43, 0.22, 0.32, -0.27, 0.08, 0.51, 0.08, 0.04, 0.32, -0.33, 0.01, -0.24, 0.16, 0.42, -0.09, -0.59, -0.83)
FEATURES = ("bias", "named_agency", "named_tech", "explicit_cue", "background", "lede", "main_agency",
            "log_support", "agreement", "uses", "acquires", "pilots", "proposes", "ends_bans_rejects",
            "log_agencies", "log_technologies", "log_sentences")


def features(s: Signals) -> list[float]:
    """The model's inputs for one event, in the order of FEATURES."""
    return [1.0, float(s.named_agency), float(s.named_tech), float(s.explicit_cue), float(s.background),
            float(s.lede), float(s.main_agency), math.log(max(s.support, 1)), s.agreement,
            float(s.action == "uses"), float(s.action == "acquires"), float(s.action == "pilots"),
            float(s.action == "proposes"), float(s.action in ("ends", "bans", "rejects")),
            math.log(max(s.agencies, 1)), math.log(max(s.technologies, 1)), math.log(max(s.sentences, 1))]


def confidence(s: Signals, weights: tuple[float, ...] = WEIGHTS) -> float:
    """The calibrated probability that the event is right, rounded to two places."""
    z = sum(w * x for w, x in zip(weights, features(s), strict=True))
    return round(1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))), 2)
