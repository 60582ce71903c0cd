"""Technologies and vendors of an article, from gazetteer hits filtered by context."""

from __future__ import annotations

import re
from dataclasses import dataclass

from oversight.extractors.tagging.gazetteer import Gazetteer
from oversight.extractors.tagging.spans import DocFacts, Hit

# Technology terms only mean surveillance in a story about policing or government monitoring;
# this keeps delivery drones and warehouse robots in business news out.
_CONTEXT = re.compile(r"\b(police|policing|sheriff|law enforcement|surveillance|officers|deputies|troopers|"
                      r"detectives|investigators|agenc(y|ies)|crime|criminal|immigration|homeland|jail|"
                      r"prison|privacy|public safety|warrant)\b|\b[A-Z]{1,4}PD\b", re.I)
# Terms of these technologies mean surveillance only in such a story; the others always do.
_NEEDS_CONTEXT = {"drones", "robots", "camera_networks", "video_analytics", "data_analytics", "biometrics",
                  "social_media_monitoring"}

_GENERIC_BIOMETRIC = {"biometric", "biometrics", "biometric data", "biometric information", "biometric identifiers"}

# A company the gazetteer does not know counts as a vendor only when the text presents it as one: a supply
# cue before it ("a contract with X"), a supplier noun after it ("X, a reseller"), or, for the owner of a
# supplier ("Intrado, a subsidiary of West Corporation", listed as a vendor too by ANNOTATION_NOTES.md), a
# parent cue before it (NER sometimes calls such a company a place).
_SUPPLY_CUES = (r"(contract|agreement|deal|partnership|subscription)s? (\w+ ){0,3}with|partnered with|made by|"
                r"supplied by|sold by|provided by|built by|vendor|company|firm|(software|tools?|platforms?|apps?) "
                r"(from|called|named)")
_SUPPLIER_NOUNS = ("reseller|company|firm|startup|vendor|maker|manufacturer|supplier|provider|contractor|integrator|"
                   "developer")
_PARENT_NOUNS = "subsidiary|unit|division"
_VENDOR_CUE_BEFORE = re.compile(rf"\b({_SUPPLY_CUES})( the)?\s*$", re.I)
_VENDOR_CUE_AFTER = re.compile(rf"^,? (a|an|the)( [\w-]+){{0,3}} ({_SUPPLIER_NOUNS})\b", re.I)
_PARENT_CUE_BEFORE = re.compile(rf"\b((a|the) ({_PARENT_NOUNS}) of|owned by)( the)?\s*$", re.I)
_CORPORATE = re.compile(r"\b(Corporation|Corp\.?|Inc\.?|Group|Holdings|Technologies|Labs|Systems|Solutions|LLC)$")
CUE_REACH = 60  # characters before and after an ORG searched for a cue
# Sentences that hold any of those cues: the only place statistical NER's ORG entities are used, so the only
# sentences NER runs on (tagging.pipeline). Built from the same lists, so it covers every cue.
VENDOR_CUE_SENTENCE = re.compile(rf"\b({_SUPPLY_CUES}|{_SUPPLIER_NOUNS}|({_PARENT_NOUNS}) of|owned by)", re.I)
_NOT_VENDOR = re.compile(r"\b(Police|Sheriff|County|City|Council|Department|Office|University|College|"
                         r"Times|News|Post|Journal|Tribune|Union|Foundation|Institute|Coalition|Association|"
                         r"ACLU|Court|Commission|Board|State|Agency|Bureau|Network|Press|Council|Center)\b")


@dataclass
class Entities:
    """Accepted technology and vendor hits of one article."""

    tech_hits: list[Hit]
    vendor_hits: list[Hit]
    technologies: list[str]  # slugs in order of first mention
    vendors: list[str]  # canonical vendor names in order of first mention


def _sentence_text(facts: DocFacts, pos: int) -> str:
    return facts.sentences[facts.sentence_index(pos)].text.lower() if facts.sentences else ""


def _tech_ok(hit: Hit, facts: DocFacts, gaz: Gazetteer) -> bool:
    words = set(re.findall(r"[a-z]+", _sentence_text(facts, hit.start)))
    sent = _sentence_text(facts, hit.start)
    return not any((w in words) if " " not in w else (w in sent) for w in gaz.tech_exclude.get(hit.key, ()))


def _vendor_ok(hit: Hit, named: set[str], tech_seen: set[str], gaz: Gazetteer, text: str) -> bool:
    if not hit.ambiguous:
        return True
    if _VENDOR_CUE_BEFORE.search(text[max(0, hit.start - CUE_REACH):hit.start]) or \
            _VENDOR_CUE_AFTER.search(text[hit.end:hit.end + CUE_REACH]):
        return True  # "a contract with Banjo, the Park City company": presented as a supplier
    if hit.key in named:
        return True
    return bool(set(gaz.vendor_techs.get(hit.key, [])) & tech_seen)


def find_entities(facts: DocFacts, gaz: Gazetteer) -> Entities:
    """Technology and vendor mentions that count, with the article's technology and vendor lists."""
    context = bool(_CONTEXT.search(facts.text))
    techs = [h for h in facts.hits if h.kind == "tech" and _tech_ok(h, facts, gaz)
             and (context or h.key not in _NEEDS_CONTEXT)]
    tech_seen = {h.key for h in techs}
    raw_vendors = [h for h in facts.hits if h.kind == "vendor"]
    named = {h.key for h in raw_vendors if not h.ambiguous}
    vendors = [h for h in raw_vendors if _vendor_ok(h, named, tech_seen, gaz, facts.text)]
    vendors += _unknown_vendors(facts, vendors)
    if "face_recognition" in tech_seen | {t for v in vendors for t in ([v.technology] if v.technology else
                                                                    gaz.vendor_implies.get(v.key, []))}:
        # "Biometric data" in a face recognition story is the faces (CONTRACT.md: biometrics is "other than faces").
        techs = [h for h in techs if not (h.key == "biometrics" and h.text.lower() in _GENERIC_BIOMETRIC)]
    implied: list[tuple[int, str]] = [(h.start, h.key) for h in techs]
    for v in vendors:
        for slug in [v.technology] if v.technology else gaz.vendor_implies.get(v.key, []):
            if context or slug not in _NEEDS_CONTEXT:
                implied.append((v.start, slug))
    slugs = list(dict.fromkeys(s for _, s in sorted(implied)))
    if not slugs:
        return Entities([], [], [], [])
    names = list(dict.fromkeys(h.key for h in sorted(vendors, key=lambda h: h.start)))
    return Entities(techs, sorted(vendors, key=lambda h: h.start), slugs, names)


def _unknown_vendors(facts: DocFacts, known: list[Hit]) -> list[Hit]:
    """ORG entities presented as suppliers ("a contract with Insight Public Sector, a reseller")."""
    taken = [(h.start, h.end) for h in facts.hits if h.kind in ("vendor", "agency", "federal", "acronym")]
    out: list[Hit] = []
    for h in facts.hits:
        if h.kind not in ("org", "gpe") or _NOT_VENDOR.search(h.text) or not h.text[:1].isupper():
            continue
        if any(s < h.end and h.start < e for s, e in taken):
            continue
        before, after = facts.text[max(0, h.start - CUE_REACH):h.start], facts.text[h.end:h.end + CUE_REACH]
        parent = is_parent(facts.text, h) and (h.kind == "org" or bool(_CORPORATE.search(h.text)))
        if h.kind == "org" and (_VENDOR_CUE_BEFORE.search(before) or _VENDOR_CUE_AFTER.search(after)) or parent:
            name = re.sub(r"^(the|The) |,? (Inc|LLC|Corp|Co|Ltd)\.?$", "", h.text).strip()
            out.append(Hit("vendor", h.start, h.end, h.text, name))
    return out


def is_parent(text: str, hit: Hit) -> bool:
    """Whether a vendor hit is named as another company's owner ("a subsidiary of West Corporation")."""
    return bool(_PARENT_CUE_BEFORE.search(text[max(0, hit.start - CUE_REACH):hit.start]))


def hit_technologies(hit: Hit, gaz: Gazetteer) -> list[str]:
    """Technologies a tech or vendor hit stands for in its sentence."""
    if hit.kind == "tech":
        return [hit.key]
    if hit.technology:
        return [hit.technology]
    return list(gaz.vendor_implies.get(hit.key, []))
