"""Classify what a sentence says an agency does with a technology: uses, acquires, pilots, proposes, ends,
bans or rejects, from verbs and phrases, with modal, negation and past-tense handling."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from oversight.extractors.tagging.places import DATELINE
from oversight.extractors.tagging.structure import Standing

# Where a cue stands in the sentence's parse, by its character span in the clause; None when unknown.
StandingOf = Callable[[int, int], Standing | None]
ADOPTIONS = ("uses", "acquires", "pilots")
# Words the parse reads (structure.py): negation, modals, conditions, demands, refusals, other actors.
_PARSE_WORDS = re.compile(
    r"\b(not|n't|never|no|longer|would|could|might|may|should|if|unless|whether|urge[ds]?|urging|demand\w*|"
    r"call(s|ed)? (on|for)|ask\w*|wants?|wanted|push(es|ed)? for|press(es|ed)? for|petition\w*|lobb\w*|"
    r"declin\w*|refus\w*|fail\w*|requir\w*|mandat\w*|den(y|ies|ied)|forgo\w*|oppos\w*|against|without|other|outside|order(s|ed)?)\b",
    re.I)
# What _classify_parsed says when the sentence has no parse.
_UNPARSED: tuple[str, bool] = ("unparsed", False)
# Cues that carry their own negation: "will not renew" is an end, not a negated one.
_NEGATIVE_CUE = re.compile(r"\b(not|no|won't|n't)\b", re.I)

# Most decisive first: when one clause carries several cues, the earlier action in this list wins
# ("began a pilot ... but put the program on hold" is an end; "voted to terminate the contract" too).
PRECEDENCE = ["bans", "rejects", "ends", "pilots", "proposes", "acquires", "uses"]

_CUES: dict[str, str] = {
    "bans": r"\bban(s|ned|ning)?\b|\boutlaw(s|ed|ing)?\b|\bprohibit|\bforbid|\bmoratorium\b|"
            r"\bbar(s|red|ring)?\b[\w\s,]{0,40}\bfrom\b",
    "rejects": r"\breject|\bvoted? down\b|\bturned down\b|\bturn down\b|\blet\b[\w\s,.$-]{0,80}\bdie\b|"
               r"\bdie[sd]? for lack of\b|\bvoted? (\d+-\d+ )?against\b(?! (extending|renewing|continuing|keeping))|\bden(y|ies|ied)\b|\bkilled\b|\bsaid no\b|\bsays no\b|"
               r"\b(halt|block|stall|shelv|paus|stopp|scuttl|sank|sink)\w*\s+(\S+\s+){0,8}?(request|proposal|bid)\b|"
               r"\b(cut|strip|remov|eliminat|zero(ed|es)? out|defund)\w*\s+(\S+\s+){0,5}?(money|funding|funds|\$[\d,.]+)",
    "ends": r"\bend(s|ed|ing)? (its|the|their|a|his|her)\b|\bdiscontinu|\bstop(s|ped|ping)? (using|the)\b|\bto stop\b|"
            r"\bwill stop\b|\bterminat|\bcancel|\bpull(ed|s|ing)? the plug\b|\bpull plug\b|\bdecommission|"
            r"\bshelv|\bpulled them\b|\btak(e|en|es|ing) [\w\s-]{0,30}\boff\b|\bscrap|\bphas(e|ed|ing) out\b|"
            r"\bcut(s|ting)? ties\b|\bdrop(s|ped|ping)?\b|\babandon|\bnot renew|\bwon't renew|\bexpire|"
            r"\blapse|\bsuspend|\bhalt|\bshut(s|ting)? down\b|\bshutdown\b|\bswitch(ed|es)? off\b|"
            r"\breturned\b|\bgrounded\b|\bpaused\b|\bwent dark\b|\bgo dark\b|\bno longer\b|\bon hold\b|\bquit\b|"
            r"\bdismantl\w*\s+(?!(people|groups|gangs|networks|rings|criminal|drug|trafficking)\b)|"
            r"\bg(ive|ives|ave|iving|iven) (it|them|(its|the|their) [\w-]+) up\b|\bg(ive|ives|ave|iving|iven) up\b|"
            r"\blet (its|the|their|a) ([\w-]+ ){0,3}?(end|expire|lapse|run out)\b|"
            r"\bvoted? (\d+-\d+ )?against (extending|renewing|continuing|keeping)\b",
    "pilots": r"\bpilot|\btrial\b|\btryout\b|\btry out\b|\btest(s|ed|ing)?\b|\bevaluat|\bfree (year|month)|"
              r"\bdemonstration\b|\bday lease\b|\btrial period\b",
    "proposes": r"\bpropos|\bwants? to\b|(?<!no )\bplans? to\b|\bplanning\b|\bask(s|ed|ing)?\b[\w\s]{0,30}\bfor\b|"
                r"\bask(s|ed|ing)? (\w+ ){0,4}?to (buy|purchase|replace|add|acquire|expand|approve|fund|use|get)\b|"
                r"(?<!records )\brequest|\bseek(s|ing)?\b|\bsought\b|\bconsidering\b|\b(will|to) consider\b|\bbudget request\b|\btabled?\b|"
                r"\bmade the case\b|\bpitch(ed|es|ing)?\b|\bhopes? to\b|\bwould (buy|purchase|add|install|acquire|pay for|fund|finance)\b|"
                r"\b(needs?|requires?|awaits?|awaiting|pending)\b( the| a)?( [\w'-]+){0,3}? (approval|vote|sign-off)\b",
    "acquires": r"\bpurchas|\bbought\b|\bbuy(s|ing)?\b|\bacquir|\bcontract\b|\bcontract(ed|s|ing) (with|for)\b|\bagreement\b|\bdeal\b|\bapprov|"
                r"\baccept|\bdonat|\binstall|\bdeploy|\broll(ed|ing|s)? out\b|\brollout\b|"
                r"\bsign(ed|s|ing)? (up|on)\b|\bpartner|\bjoin(s|ed|ing)?\b|\badds?\b|\badded\b|\badding\b|"
                r"\blaunch(ed|es|ing)? (a|an|the|its|their) ([\w-]+ ){0,2}?(program|pilot|system|service|initiative|unit|fleet|team|squad)\b|"
                r"\bspen(d|ds|t|ding) (about |roughly |nearly |more than |over |some )?\$|"
                r"\border(s|ed)?\b|\baward|\bgo(es)? live\b|\bwent live\b|\bnew\b|\bbuilt\b|\bobtain|"
                r"\bgrant\b|\bequip|\bbuild(s|ing)\b|\bexpand(s|ed|ing)? (its|the|their) (?!(use|usage|operation)\b)|\bswitch(ing)? to\b|\ballow(s|ed|ing)?\b|\bauthoriz|\breplace|\bupgrad|\bupdate|\bprocure|\bgave\b",
    "uses": r"\buse[sd]?\b|\busing\b|\brel(y|ies|ied) on\b|\boperat|\bruns?\b|\brunning\b|\bcontinues\b(?! to\b)|"
            r"\bw(ear|ears|earing|ore|orn)\b|"
            r"\balready\b|\bin use\b|\bemploy|\butiliz|\bowned\b|\bhas had\b|\bwork(s|ed)? with\b",
}
_CUE_RE = {action: re.compile(rx, re.I) for action, rx in _CUES.items()}
# "The program ended on June 30": an intransitive end, an end only when the parse shows a program, contract
# or the like as its subject (not "the year ended", "the meeting ends").
_BARE_END = re.compile(r"\b(ended|ends|will end|came to an end|wound down)\b(?!\s+(its|the|their|a|his|her|up)\b)", re.I)
_ENDING_SUBJECTS = {"program", "programme", "contract", "pilot", "trial", "agreement", "partnership", "subscription",
                    "use", "deal", "service", "lease", "test", "project", "initiative", "license", "licence",
                    "arrangement", "relationship", "authorization", "authorisation", "experiment"}
_MODALS = frozenset({"can", "could", "may", "might", "should"})
_WOULD = frozenset({"would"})
_NEGATION = re.compile(r"\b(never|not|n't|no one|nobody|no plans?|no intention)\b", re.I)
_PROPOSAL_NEAR = re.compile(r"\b(propos|agreement|item|vote|request|plan|purchase)", re.I)
# A fronted time clause ("Three years after city leaders approved them, ...") is background.
_FRONTED = re.compile(r"^([\w-]+\s+){0,3}(after|since|before|when|until)\b[^,]{0,120},\s*", re.I)
# (?<!\s): a clause break is tried only where a run of spaces starts, so a long run costs its length, not its square.
_SPLIT = re.compile(r";|:|\s[\u2014\u2013]\s|\s--\s|,\s+and\s+(?=(wants|is|are|was|were|has|have|had|will|would|said|says|plans)\b)|,?(?<!\s)\s+\b(?:but|then|while|whereas|which|that|because|"
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
    background: bool = False  # opened by after/when/since: its cues are not the news
    relative: bool = False  # opened by "which" or "that": it describes a thing ("software that assigns ...")


# Time clauses that set an earlier scene; "until" and "before" open a later event ("kept its account until
# it had to give it up"), which may well be the news.
_TEMPORAL = {"after", "when", "since"}


# Where a fronted time clause gives way to the main clause: a comma before a new subject ("after months of
# debate, the Pasadena City Council approved ..."), not a comma inside a list ("cameras, drones and robots").
_MAIN_AFTER_TIME = re.compile(r",\s+(?=(the|The|a|A|an|An|its|Its|their|Their|it|they|police|officers|[A-Z]\w+ [A-Z])\b)")


_PREPOSITION_BEFORE = re.compile(r"\b(across|in|of|at|on|for|from|to|with|by|into|over|under|about|throughout)$", re.I)


def segments(sentence: str) -> list[Segment]:
    """Split a sentence into clauses at semicolons, dashes and clause-opening conjunctions."""
    out: list[Segment] = []
    pos, background, relative = 0, False, False

    def add(start: int, end: int, background: bool) -> None:
        cut = _MAIN_AFTER_TIME.search(sentence, start, end) if background else None
        if cut is not None:
            out.append(Segment(start, cut.start(), sentence[start:cut.start()], True))
            start, background = cut.end(), False
        out.append(Segment(start, end, sentence[start:end], background, relative))

    for m in _SPLIT.finditer(sentence):
        if m.group(0).strip(" ,").lower() == "that" and _PREPOSITION_BEFORE.search(sentence, 0, m.start()):
            continue  # "barred police across that state from using it": a determiner
        if m.start() > pos:
            add(pos, m.start(), background)
        pos = m.end()
        background = m.group(0).strip(" ,").lower() in _TEMPORAL
        relative = m.group(0).strip(" ,").lower() in ("which", "that")
    if pos < len(sentence):
        add(pos, len(sentence), background)
    return out or [Segment(0, len(sentence), sentence)]


def dateline_end(sentence: str) -> int:
    """Length of a leading dateline ("SPRINGFIELD, Ill. -"), or 0."""
    d = DATELINE.match(sentence)
    return d.end() if d else 0


def fronted_clause_end(sentence: str) -> int:
    """Length of a dateline plus a fronted time clause whose cues describe the past, or 0."""
    d = DATELINE.match(sentence)
    start = d.end() if d else 0
    m = _FRONTED.match(sentence[start:])
    return start + (m.end() if m else 0)


def after_modal(text: str, end: int, modals: frozenset[str] = _MODALS) -> bool:
    """Whether `text[:end]` ends with a modal and at most one more word ("could suspend", "may soon end").

    The test of `\\b(can|could|may|might|should)\\s+(\\w+\\s+)?$` on the prefix, scanning back from `end`
    over at most two words, so a clause of many hypothetical cues costs its length, not its square."""
    gap = _back(text, end, str.isspace)
    if gap == end:
        return False
    word = _back(text, gap, _is_word)
    if text[word:gap].lower() in modals:
        return True
    before = _back(text, word, str.isspace)
    return word < gap and before < word and text[_back(text, before, _is_word):before].lower() in modals


def _back(text: str, end: int, keep: Callable[[str], bool]) -> int:
    """Start of the run of characters satisfying `keep` that ends at `end`."""
    start = end
    while start > 0 and keep(text[start - 1]):
        start -= 1
    return start


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"  # what `\w` matches


def _all_cues(text: str, bare_ends: bool = False) -> Iterator[tuple[str, re.Match[str]]]:
    """Every cue of every action in a clause, skipping hypothetical ("could suspend") and undone cues; with
    bare_ends also intransitive ends, which only a parse can confirm."""
    if bare_ends:
        for m in _BARE_END.finditer(text):
            if not after_modal(text, m.start()):
                yield "ends", m
    for action in PRECEDENCE:
        for m in _CUE_RE[action].finditer(text):
            if after_modal(text, m.start()):
                continue
            if action in ADOPTIONS and after_modal(text, m.start(), _WOULD):
                continue  # "agencies that would run such forecasts": hypothetical ("would stop" still ends)
            if action == "bans" and _UNDONE.search(text[max(0, m.start() - 40):m.start()]):
                continue
            if action == "ends" and m.group(0).lower() == "on hold" and _PROPOSAL_NEAR.search(text):
                yield "proposes", m
                continue
            yield action, m


def _cues(text: str) -> dict[str, int]:
    """Each action's first cue position in a clause."""
    found: dict[str, int] = {}
    for action, m in _all_cues(text):
        found.setdefault(action, m.start())
    return found


def _void(action: str, cue: str, st: Standing) -> bool:
    """Whether the parse voids a cue: negated, hypothetical, someone else's demand or another actor's deed.
    A negated, hypothetical or demanded adoption never counts as one."""
    if st.other_actor or st.demanded:
        return True
    if st.negated and not (action == "ends" and _NEGATIVE_CUE.search(cue)):
        return True
    return st.hypothetical and action != "proposes"


def _classify_parsed(text: str, published_year: int | None, standing: StandingOf) -> tuple[str, bool] | None:
    """The action of a clause's live cues (those the parse does not void): the governing one, highest in the
    parse ("wants to ... pay for a trial" proposes; "approved the request" acquires; "voted to end the pilot"
    ends; "now uses the app to ask residents for video" uses)."""
    live: list[tuple[str, int, Standing]] = []
    voided = unknown = False
    for action, m in _all_cues(text, bare_ends=True):
        st = standing(m.start(), m.end())
        if st is None:
            unknown = True
            continue
        if _BARE_END.fullmatch(m.group(0)) and st.subject not in _ENDING_SUBJECTS and not (
                not st.subject and set(re.findall(r"[a-z]+", text[:m.start()].lower())) & _ENDING_SUBJECTS):
            continue  # the parse found no subject: a program named before the verb in its clause will do
        if action == "acquires" and m.group(0).lower().startswith("order") and st.complement:
            continue  # "a judge ordered the department to turn over records": a command, not a purchase
        if action == "acquires" and st.participle:
            action = "uses"  # "cameras already installed downtown": a state, not a purchase
        if _void(action, m.group(0), st):
            voided = True
            continue
        live.append((action, m.start(), st))
    if not live and unknown and not voided:
        return _UNPARSED  # no parse to read (a sentence too long to parse): the caller reads the cues alone
    if not live:
        if voided or _NEGATION.search(text) or re.search(r"\bno\b", text, re.I):
            return None
        return "uses", False
    decisive = [c for c in live if c[0] in ("bans", "rejects", "ends", "pilots")]
    if decisive:
        # An end, ban, rejection or trial is what the clause reports even below the verb that enables it
        # ("ordered them to stop", "approved a free year of cameras"), unless a proposal governs a trial
        # ("wants to ... pay for a two-year trial").
        best = min(decisive, key=lambda c: (PRECEDENCE.index(c[0]), c[1]))
        if best[0] == "pilots" and any(c[0] == "proposes" and c[2].token in best[2].heads for c in live):
            best = next(c for c in live if c[0] == "proposes" and c[2].token in best[2].heads)
    else:
        # Between asking, getting and using, the governing cue decides: the one highest in the parse
        # ("approved the department's request" acquires; "now uses the app to ask residents" uses).
        best = min(live, key=lambda c: (c[2].depth, PRECEDENCE.index(c[0]), c[1]))
        fresh = next((c for c in live if c[0] == "acquires" and text[c[1]:c[1] + 4].lower() == "new "
                      and c[2].governor == best[2].token), None)
        if best[0] == "uses" and fresh is not None:
            best = fresh  # "used their new vans for the first time": a new system rolled out
    action = best[0]
    if action == "acquires" and published_year and _past(text, published_year, best[1]):
        action = "uses"
    return action, True


def _needs_parse(text: str) -> bool:
    """Whether the parse can change the reading: cues of two actions, or a word that may negate, condition,
    demand or name another actor. Otherwise the cue reading is the same and the parser's time is saved."""
    if _PARSE_WORDS.search(text) or _BARE_END.search(text):
        return True
    return len({action for action, _ in _all_cues(text)}) > 1


def classify(text: str, published_year: int | None, standing: StandingOf | None = None) -> tuple[str, bool] | None:
    """(action, explicit) for a clause, or None when it is negated or hypothetical.

    With a parse (`standing`), the governing cue decides; without one, cue precedence and nearby negation.
    explicit is False when no cue matched and "uses" is only the default."""
    text = _NAMES.sub(lambda m: m.group(1) + "_" * len(m.group(2)), text)  # "Commissioner Danielle Outlaw"
    if standing is not None and _needs_parse(text):
        parsed = _classify_parsed(text, published_year, standing)
        if parsed is not _UNPARSED:
            return parsed
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


# A date just before the verb ("in 2019 it signed a new contract") or opening the sentence ("In October 2021,").
_DATED_BEFORE = re.compile(r"\b(in|In|since|Since) ((early|late|mid-?)\s?)?([A-Z][a-z]+\.? )?(19[5-9]\d|20\d\d)\b,?"
                           r"(\s+[\w'-]+){0,4}\s*$")
DATED_OPENING = re.compile(r"^(In|By|Back in|Since) ((early|late|mid-?)\s?)?([A-Z][a-z]+\.? (\d{1,2}, )?)?(19[5-9]\d|20\d\d),")


def _past(text: str, published_year: int, cue: int) -> bool:
    """Whether the acquisition cue at `cue` is dated before the article ("bought ... in August 2020",
    "in 2019 it signed a new contract")."""
    near = text[cue:cue + 70]
    years = [int(y) for y in _YEAR.findall(near)]
    before = _DATED_BEFORE.search(text[max(0, cue - 40):cue])
    if before and int(before.group(5)) < published_year:
        return True
    return bool(years) and max(years) < published_year or bool(re.search(r"\bago\b", near))
