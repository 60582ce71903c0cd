"""Classify what a sentence says an agency does with a technology: uses, acquires, pilots, proposes, ends,
bans or rejects, from verbs and phrases, with modal, negation and past-tense handling."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Most decisive first: when one clause carries several cues, the earlier action in this list wins
# ("began a pilot ... but put the program on hold" is an end; "voted to terminate the contract" too).
PRECEDENCE = ["bans", "rejects", "ends", "pilots", "proposes", "acquires", "uses"]

_CUES: dict[str, str] = {
    "bans": r"\bban(s|ned|ning)?\b|\boutlaw(s|ed|ing)?\b|\bprohibit|\bforbid|\bmoratorium\b|"
            r"\bbar(s|red|ring)?\b[\w\s,]{0,40}\bfrom\b",
    "rejects": r"\breject|\bvoted? down\b|\bturned down\b|\bturn down\b|\blet\b[\w\s,.$-]{0,80}\bdie\b|"
               r"\bdie[sd]? for lack of\b|\bvoted? against\b|\bdenied\b|\bkilled\b|\bsaid no\b|\bsays no\b",
    "ends": r"\bend(s|ed|ing)? (its|the|their|a|his|her)\b|\bdiscontinu|\bstop(s|ped|ping)? (using|the)\b|\bto stop\b|"
            r"\bwill stop\b|\bterminat|\bcancel|\bpull(ed|s|ing)? the plug\b|\bpull plug\b|\bdecommission|"
            r"\bshelv|\bpulled them\b|\btak(e|en|es|ing) [\w\s-]{0,30}\boff\b|\bscrap|\bphas(e|ed|ing) out\b|"
            r"\bcut(s|ting)? ties\b|\bdrop(s|ped|ping)?\b|\babandon|\bnot renew|\bwon't renew|\bexpire|"
            r"\blapse|\bsuspend|\bhalt|\bshut(s|ting)? down\b|\bshutdown\b|\bswitch(ed|es)? off\b|"
            r"\breturned\b|\bgrounded\b|\bpaused\b|\bwent dark\b|\bgo dark\b|\bdismantl|\bno longer\b|\bon hold\b|\bquit\b",
    "pilots": r"\bpilot|\btrial\b|\btryout\b|\btry out\b|\btest(s|ed|ing)?\b|\bevaluat|\bfree (year|month)|"
              r"\bdemonstration\b|\bday lease\b|\btrial period\b",
    "proposes": r"\bpropos|\bwants? to\b|(?<!no )\bplans? to\b|\bplanning\b|\bask(s|ed|ing)?\b[\w\s]{0,30}\bfor\b|"
                r"(?<!records )\brequest|\bseek(s|ing)?\b|\bsought\b|\bconsidering\b|\b(will|to) consider\b|\bbudget request\b|\btabled?\b|"
                r"\bmade the case\b|\bpitch(ed|es|ing)?\b|\bhopes? to\b|\bwould (buy|purchase|add|install|acquire)\b",
    "acquires": r"\bpurchas|\bbought\b|\bbuy(s|ing)?\b|\bacquir|\bcontract\b|\bagreement\b|\bdeal\b|\bapprov|"
                r"\baccept|\bdonat|\binstall|\bdeploy|\broll(ed|ing|s)? out\b|\brollout\b|"
                r"\bsign(ed|s|ing)? (up|on)\b|\bpartner|\bjoin(s|ed|ing)?\b|\badds?\b|\badded\b|\badding\b|"
                r"\blaunch(ed|es|ing)? (a|an|the|its|their) (new )?(program|pilot|system|service|initiative)\b|"
                r"\border(s|ed)?\b|\baward|\bgo(es)? live\b|\bwent live\b|\bnew\b|\bbuilt\b|\bobtain|"
                r"\bgrant\b|\bequip|\bswitch(ing)? to\b|\ballow(s|ed|ing)?\b|\bauthoriz|\breplace|\bupgrad|\bupdate|\bprocure|\bgave\b",
    "uses": r"\buse[sd]?\b|\busing\b|\brel(y|ies|ied) on\b|\boperat|\bruns?\b|\brunning\b|\bcontinues\b|"
            r"\balready\b|\bin use\b|\bemploy|\butiliz|\bowned\b|\bhas had\b|\bwork(s|ed)? with\b",
}
_CUE_RE = {action: re.compile(rx, re.I) for action, rx in _CUES.items()}
_MODAL = re.compile(r"\b(can|could|may|might|should)\s+(\w+\s+)?$", re.I)
_NEGATION = re.compile(r"\b(never|not|n't|no one|nobody|no plans?|no intention)\b", re.I)
_PROPOSAL_NEAR = re.compile(r"\b(propos|agreement|item|vote|request|plan|purchase)", re.I)
# A fronted time clause ("Three years after city leaders approved them, ...") is background.
_DATELINE = re.compile(r"^[A-Z][A-Z.'\- ]{1,40}(,\s*[A-Z][A-Za-z. ]{1,20}?)?\s*(\([\w .-]{1,20}\)\s*)?(\u2014|\u2013|--)\s*")
_FRONTED = re.compile(r"^([\w-]+\s+){0,3}(after|since|before|when|until)\b[^,]{0,120},\s*", re.I)
_SPLIT = re.compile(r";|:|\s[\u2014\u2013]\s|\s--\s|,\s+and\s+(?=(wants|is|are|was|were|has|have|had|will|would|said|says|plans)\b)|,?\s+\b(?:but|then|while|whereas|which|that|because|"
                    r"although|though|when|after|before|until|unless)\b\s+", re.I)
_UNDONE = re.compile(r"\b(revers|lift|repeal|overturn|weaken|roll(ed|ing)? back|exempt|loosen)", re.I)
_NAMES = re.compile(r"(\w[\s,]+)([A-Z][a-z]+)")
_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")


@dataclass(frozen=True)
class Segment:
    """A clause of a sentence, by character offsets into the sentence."""

    start: int
    end: int
    text: str
    background: bool = False  # opened by after/before/when/since/until: its cues are not the news


_TEMPORAL = {"after", "before", "when", "until", "since"}


def segments(sentence: str) -> list[Segment]:
    """Split a sentence into clauses at semicolons, dashes and clause-opening conjunctions."""
    out: list[Segment] = []
    pos, background = 0, False
    for m in _SPLIT.finditer(sentence):
        if m.start() > pos:
            out.append(Segment(pos, m.start(), sentence[pos:m.start()], background))
        pos = m.end()
        background = m.group(0).strip(" ,").lower() in _TEMPORAL
    if pos < len(sentence):
        out.append(Segment(pos, len(sentence), sentence[pos:], background))
    return out or [Segment(0, len(sentence), sentence)]


def dateline_end(sentence: str) -> int:
    """Length of a leading dateline ("SPRINGFIELD, Ill. -"), or 0."""
    d = _DATELINE.match(sentence)
    return d.end() if d else 0


def fronted_clause_end(sentence: str) -> int:
    """Length of a dateline plus a fronted time clause whose cues describe the past, or 0."""
    d = _DATELINE.match(sentence)
    start = d.end() if d else 0
    m = _FRONTED.match(sentence[start:])
    return start + (m.end() if m else 0)


def _cues(text: str) -> dict[str, int]:
    """Each action's first cue position in a clause, skipping hypothetical ("could suspend") and undone
    ("reversing a ban") cues."""
    found: dict[str, int] = {}
    for action in PRECEDENCE:
        for m in _CUE_RE[action].finditer(text):
            if _MODAL.search(text[:m.start()]):
                continue
            if action == "bans" and _UNDONE.search(text[max(0, m.start() - 40):m.start()]):
                continue
            if action == "ends" and m.group(0).lower() == "on hold" and _PROPOSAL_NEAR.search(text):
                found.setdefault("proposes", m.start())
                continue
            found.setdefault(action, m.start())
            break
    return found


def classify(text: str, published_year: int | None) -> tuple[str, bool] | None:
    """(action, explicit) for a clause, or None when it is negated or hypothetical.

    explicit is False when no cue matched and "uses" is only the default."""
    text = _NAMES.sub(lambda m: m.group(1) + "_" * len(m.group(2)), text)  # "Commissioner Danielle Outlaw"
    found = _cues(text)
    decisive: list[str] = [a for a in ("bans", "rejects", "ends", "pilots") if a in found]
    best: str
    if decisive:
        best = decisive[0]
    elif "proposes" in found or "acquires" in found:
        # Between asking and getting, the main verb comes first: "asked the council to approve a
        # contract" is a proposal, "approved the department's request" an acquisition.
        best = min(["proposes", "acquires"], key=lambda a: found.get(a, len(text) + 1))
    else:
        best = "uses"
    # Negation counts just before the deciding cue ("has never used", "no plans to acquire"), or
    # anywhere when no cue decided.
    at = found.get(best)
    scope = text if at is None else text[max(0, at - 30):at + 12]
    if best in ("uses", "acquires", "pilots") and _NEGATION.search(scope):
        return None
    if best == "acquires" and published_year and _past(text, published_year, found["acquires"]):
        best = "uses"  # "The department bought Clearview licenses in 2020": background, not news
    return best, bool(found)


def _past(text: str, published_year: int, cue: int) -> bool:
    """Whether the acquisition cue at `cue` is dated before the article ("bought ... in August 2020")."""
    near = text[cue:cue + 45]
    years = [int(y) for y in _YEAR.findall(near)]
    return bool(years) and max(years) < published_year or bool(re.search(r"\bago\b", near))
