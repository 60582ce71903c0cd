"""Events: which agency uses, acquires, pilots, proposes, ends, bans or rejects which technology, from which
vendor, with the sentence that says so."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from oversight.extractors.tagging.actions import (
    DATED_OPENING,
    PRECEDENCE,
    StandingOf,
    classify,
    dateline_end,
    fronted_clause_end,
    segments,
)
from oversight.extractors.tagging.agencies import Agency
from oversight.extractors.tagging.confidence import Signals, confidence
from oversight.extractors.tagging.entities import Entities, hit_technologies, is_parent
from oversight.extractors.tagging.gazetteer import Gazetteer
from oversight.extractors.tagging.references import (
    council_for_place,
    explicit_agencies,
    operator_for_place,
    referenced_agencies,
    speakers,
)
from oversight.extractors.tagging.spans import DocFacts, Hit, Sentence
from oversight.extractors.tagging.structure import Parse, ParseBook, Standing


@dataclass
class Claim:
    """One clause's statement about an (agency, technology) pair."""

    sentence: int
    action: str
    explicit_cue: bool
    named_agency: bool
    named_tech: bool
    vendors: list[Hit] = field(default_factory=list)
    background: bool = False  # said in a time clause ("a year after the NYPD returned its Digidog")
    at: int = 0  # where its clause starts in the text
    pending: bool = False  # the clause says it awaits approval ("the pilot still needs the council's approval")


@dataclass
class EventDraft:
    """The decided event for one (agency, technology) pair."""

    agency: Agency
    technology: str
    action: str
    vendor: str | None
    sentence: Sentence
    confidence: float
    signals: Signals


_CARRY_KINDS = ("police", "sheriff", "legislative", "federal")
# A sentence opening with "It"/"They" continues the subject of the sentence before it ("The department is
# adding 10 cameras ... It continues to expand its fleet of aerial drones"); not "It is unclear ...".
_PRONOUN_OPENING = re.compile(r"(And |But |Also )?(It|it|They|they)\s+(?!is (a|an|the|not|unclear|likely|possible)\b|"
                              r"was (a|an|the|not|unclear)\b|'s\b)[a-z]")
_SUBJECT_REF = re.compile(r"(The |the )?(police |sheriff's )?(department|office|agency|force|police|Police)\b")
SUBJECT_REACH = 50
# A trial or purchase that still awaits a vote is a proposal (ANNOTATION_NOTES.md: "item awaiting approval").
_PENDING = re.compile(r"\b(still )?(needs?|requires?|awaits?|awaiting|pending)\b( the| a)?( [\w'-]+){0,3}? "
                      r"(approval|vote|sign-off)\b", re.I)
# A state attorney general telling the state's police to stop using something prohibits it (a regulatory
# ban, ANNOTATION_NOTES.md), where a department stopping is an end.
_STATE_RULER = re.compile(r"Attorney General")
_ORDER_TO_STOP = re.compile(r"\b(told|tells|ordered|orders|directed|directs|instructed|instructs|required|requires)\b"
                            r"[^.;]{0,60}\b(police|law enforcement|agencies|departments|prosecutors)\b[^.;]{0,40}"
                            r"\b(to stop|to cease|to halt|not to use)\b", re.I)  # an agency named this near a sentence's start (after the dateline) is its subject


@dataclass
class _Clause:
    start: int
    end: int
    text: str
    cue_text: str
    background: bool = False
    relative: bool = False


def _clauses(sent: Sentence) -> list[_Clause]:
    """Clauses of a sentence: a dateline (no cues), a fronted time clause and time clauses
    (background), then the main clauses."""
    text = sent.text
    date_end, fronted = dateline_end(text), fronted_clause_end(text)
    out = [_Clause(sent.start, sent.start + date_end, text[:date_end], "")] if date_end else []
    if fronted > date_end:
        part = text[date_end:fronted]
        out.append(_Clause(sent.start + date_end, sent.start + fronted, part, part, True))
    for seg in segments(text[fronted:]):
        start = sent.start + fronted + seg.start
        out.append(_Clause(start, start + len(seg.text), seg.text, seg.text, seg.background, seg.relative))
    return out


def _mask_names(agencies: list[Agency], c: _Clause) -> str:
    """The clause with named agencies blanked, so "The Department of Commerce" is no "the department"."""
    chars = list(c.text)
    for a in agencies:
        for h in a.hits:
            for i in range(max(h.start, c.start), min(h.end, c.end)):
                chars[i - c.start] = " "
    return "".join(chars)


def _in(hits: list[Hit], start: int, end: int) -> list[Hit]:
    return [h for h in hits if start <= h.start < end]


class _SentenceReader:
    """Walks the clauses of one sentence, carrying agencies and technologies forward between clauses."""

    def __init__(self, doc: _DocContext, idx: int) -> None:
        self.doc, self.idx = doc, idx
        self.agencies: list[Agency] = []
        self.techs: list[str] = []
        self.named_agency = self.named_tech = False
        self.cue_from = 0
        self.dated_past = False

    def read(self) -> None:
        sent = self.doc.facts.sentences[self.idx]
        dated = DATED_OPENING.match(sent.text[dateline_end(sent.text):])
        self.dated_past = bool(dated and self.doc.year and int(dated.group(6)) < self.doc.year)
        clauses = _clauses(sent)
        # Vendors in a fronted time clause belong to the background, not to this sentence's news.
        self.cue_from = next((c.start for c in clauses if c.cue_text and not c.background), sent.start)
        opening = sent.start + dateline_end(sent.text)
        subject = self.doc.subject
        if _PRONOUN_OPENING.match(self.doc.facts.text, opening) and subject:
            self.agencies, self.named_agency = list(subject), False
        self.doc.subject = []
        for clause in clauses:
            self._clause(clause)
            if clause.start <= opening < clause.end:
                text = self.doc.facts.text
                near = [a for a in self.agencies if any(opening <= h.start < opening + SUBJECT_REACH for h in a.hits)]
                if not near and (_SUBJECT_REF.match(text, opening) or _PRONOUN_OPENING.match(text, opening)):
                    near = self.agencies
                self.doc.subject = [a for a in near if a.operates]

    def _clause(self, c: _Clause) -> None:
        self._update_agencies(c)
        self._update_techs(c)
        if not c.cue_text or not self.agencies or not self.techs:
            return
        d = self.doc
        verdict = classify(c.cue_text, d.year, d.standing_of(self.idx, c.start))
        if verdict is None or (not self.named_tech and not verdict[1]):
            return  # a clause that names no technology must at least say what happened
        if c.relative and not verdict[1] and not any(c.start - 30 <= h.end <= c.start for a in d.agencies for h in a.hits):
            return  # "software that assigns risk scores": a description; "the Elk Grove police, which ...": a deed
        if verdict[0] == "acquires" and self.dated_past:
            verdict = ("uses", verdict[1])  # "In October 2021, the council approved a contract": history
        if not verdict[1] and not _in(d.ents.tech_hits + d.ents.vendor_hits, c.start, c.end):
            return  # nor may a cue-less clause lean on a technology an earlier clause named (and negated)
        _, sent_end = d.sentence_span(self.idx)
        vendors = _in(d.ents.vendor_hits, c.start, c.end) or \
            _in(d.ents.vendor_hits, max(c.start, self.cue_from), sent_end)
        for agency in self.agencies:
            action = verdict[0]
            if action == "ends" and _STATE_RULER.search(agency.name) and _ORDER_TO_STOP.search(c.cue_text):
                action = "bans"
            pending = action in ("pilots", "acquires", "proposes") and bool(_PENDING.search(c.cue_text))
            action = "proposes" if pending else action
            for tech in self.techs:
                d.claim(agency, tech, Claim(self.idx, action, verdict[1], self.named_agency, self.named_tech,
                                            vendors, c.background, c.start, pending))

    def _update_agencies(self, c: _Clause) -> None:
        """The agencies this clause is about; a clause naming none keeps the previous clause's."""
        d = self.doc
        named = explicit_agencies(d.agencies, c.start, c.end, d.facts.text)
        if sum(a.operates for a in named) > 1:
            quoted = speakers(d.agencies, c.start, c.end, d.facts.text)
            named = [a for a in named if a not in quoted] or named
        refs = referenced_agencies(d.agencies, _mask_names(d.agencies, c), c.start, d.home)
        if any(a.operates for a in named):
            refs = []  # "police are asking the Common Council": the council is named, the police are not
        refs = [r for r in refs if r not in named and (not named or r.operates)]
        if named or refs:
            self.agencies, self.named_agency = named + refs, bool(named)

    def _update_techs(self, c: _Clause) -> None:
        """The technologies this clause is about, named or carried over from the article."""
        d = self.doc
        hits = _in(d.ents.tech_hits, c.start, c.end) + _in(d.ents.vendor_hits, c.start, c.end)
        techs = list(dict.fromkeys(t for h in hits for t in hit_technologies(h, d.gaz)))
        _, sent_end = d.sentence_span(self.idx)
        ahead = _in(d.ents.tech_hits, c.end, sent_end) + _in(d.ents.vendor_hits, c.end, sent_end)
        if techs:
            self.techs, self.named_tech = techs, True
        elif not self.techs and ahead and self.agencies:
            # "cutting the money that would have paid for ShotSpotter": what was cut is named after the cut.
            self.techs = list(dict.fromkeys(t for h in ahead for t in hit_technologies(h, d.gaz)))
            self.named_tech = True
        elif not self.techs and any(a.kind in _CARRY_KINDS for a in self.agencies):
            # Carrying the article's technology over to a clause that names none is only safe for the
            # agencies the story is about, not for a prosecutor or funder in passing.
            self.techs = d.fallback_techs(_in(d.ents.vendor_hits, c.start, c.end))
            self.named_tech = False


class _DocContext:
    def __init__(self, facts: DocFacts, gaz: Gazetteer, agencies: list[Agency], ents: Entities,
                 home: str, year: int | None, parser: ParseBook | None = None) -> None:
        self.facts, self.gaz, self.agencies, self.ents = facts, gaz, agencies, ents
        self.home, self.year, self.parser = home, year, parser
        self.claims: dict[tuple[str, str], list[Claim]] = {}
        self.by_key = {a.key: a for a in agencies}
        self.parses: dict[int, Parse | None] = {}
        self.subject: list[Agency] = []  # the operating agencies the last sentence opened with

    def standing_of(self, idx: int, clause_start: int) -> StandingOf | None:
        """Where a cue of the clause starting at `clause_start` stands in its sentence's parse (parsed once,
        only for sentences that tie an agency to a technology), or None without a parser."""
        book = self.parser
        if book is None:
            return None
        sentence = self.facts.sentences[idx]
        # The dateline ("AUSTIN, Texas - ") is left out of the parse: the parser takes it for the subject.
        cut = dateline_end(sentence.text)
        sent_start = sentence.start + cut
        shift = clause_start - sent_start
        hits = [(h.start - sent_start, h.end - sent_start) for a in self.agencies for h in a.hits]

        def is_agency(start: int, end: int) -> bool:
            return any(hs < end and start < he for hs, he in hits)

        def standing(start: int, end: int) -> Standing | None:
            if idx not in self.parses:  # parsed only when a clause's reading needs it
                self.parses[idx] = book.parse(sentence.text[cut:])
            parse = self.parses[idx]
            return parse.standing(start + shift, end + shift, is_agency) if parse else None

        return standing

    def sentence_span(self, idx: int) -> tuple[int, int]:
        s = self.facts.sentences[idx]
        return s.start, s.end

    def fallback_techs(self, vendor_hits: list[Hit]) -> list[str]:
        """A clause naming no technology: the article's only technology, or the only one its vendor sells."""
        if len(self.ents.technologies) == 1:
            return list(self.ents.technologies)
        for v in vendor_hits:
            techs = [t for t in self.gaz.vendor_techs.get(v.key, []) if t in self.ents.technologies]
            if len(techs) == 1:
                return techs
        return []

    def claim(self, agency: Agency, tech: str, c: Claim) -> None:
        """Record a claim, moving it from a council to the agency that operates the technology."""
        if agency.kind in ("oversight", "regulator"):
            return  # police commissions and regulators (FAA, FTC) oversee; they do not operate
        if agency.kind == "legislative":
            operator = operator_for_place(self.agencies, agency.place)
            if c.action in ("bans", "rejects"):
                self.claims.setdefault((agency.key, tech), []).append(c)
                if c.action == "rejects" and operator:
                    proposal = Claim(c.sentence, "proposes", True, False, c.named_tech, c.vendors)
                    self.claims.setdefault((operator.key, tech), []).append(proposal)
                return
            if operator is None and re.match(r"(City|Town|Village|County|Township) of ", agency.name):
                operator = agency  # "The City of Dayton signed a contract": the city is the buyer
            if operator is None or (c.action == "uses" and operator is not agency):
                return  # a council approves or ends things; it does not "use" them
            agency = operator
        elif c.action == "bans" and _STATE_RULER.search(agency.name):
            pass  # a state attorney general's order to the state's police is a ban
        elif c.action in ("bans", "rejects"):
            # Police do not ban or reject; the body that does is the jurisdiction's council, if named.
            council = council_for_place(self.agencies, agency.place)
            if council is None:
                return
            agency = council
        self.claims.setdefault((agency.key, tech), []).append(c)


def extract_events(facts: DocFacts, gaz: Gazetteer, agencies: list[Agency], ents: Entities,
                   home: str, year: int | None, parser: ParseBook | None = None) -> list[EventDraft]:
    """One event per (agency, technology) the article says something happens to; with a parser the
    action is read from the structure of the sentences that tie an agency to a technology."""
    if not ents.technologies or not agencies:
        return []
    ctx = _DocContext(facts, gaz, agencies, ents, home, year, parser)
    for idx, sent in enumerate(facts.sentences):
        if not sent.is_title:
            _SentenceReader(ctx, idx).read()
    drafts = [_decide(ctx, key, claims) for key, claims in ctx.claims.items()]
    _council_vendors(ctx, drafts)
    return sorted(drafts, key=lambda d: (d.sentence.start, d.agency.name, d.technology))


def _council_vendors(ctx: _DocContext, drafts: list[EventDraft]) -> None:
    """A council's rejection of what its police proposed names the proposal's vendor (a ban is of the
    technology in general, not of one supplier's product)."""
    for d in drafts:
        if d.vendor is None and d.agency.kind == "legislative" and d.action == "rejects":
            operator = operator_for_place(ctx.agencies, d.agency.place)
            d.vendor = next((o.vendor for o in drafts if o.agency is operator and o.technology == d.technology), None)


def _decide(ctx: _DocContext, key: tuple[str, str], claims: list[Claim]) -> EventDraft:
    """The news action, by tiers: the first sentence whose main clauses say more than 'uses' (its most
    decisive cue); else an explicit 'uses'; else what a time clause says; else 'uses'."""
    chosen = _first_news(c for c in claims if not c.background) or \
        next((c for c in claims if not c.background and c.explicit_cue), None) or \
        _first_news(claims) or claims[0]
    if chosen.action in ("pilots", "acquires"):
        chosen = next((c for c in claims if c.pending and not c.background), chosen)
    # The vendor comes first from the deciding claim, then from claims saying the same, then the rest.
    ordered = sorted(claims, key=lambda c: (c is not chosen, c.action != chosen.action, c.background))
    vendor = _vendor_for(ctx, key, ordered)
    signals = _signals(ctx, key, claims, chosen)
    return EventDraft(ctx.by_key[key[0]], key[1], chosen.action, vendor,
                      ctx.facts.sentences[chosen.sentence], confidence(signals), signals)


def _signals(ctx: _DocContext, key: tuple[str, str], claims: list[Claim], chosen: Claim) -> Signals:
    body = [i for i, s in enumerate(ctx.facts.sentences) if not s.is_title]
    main = next((a for a in ctx.agencies if a.kind in ("police", "sheriff")), None)
    agency = ctx.by_key[key[0]]
    return Signals(
        named_agency=chosen.named_agency, named_tech=chosen.named_tech, explicit_cue=chosen.explicit_cue,
        background=chosen.background, lede=chosen.sentence in body[:2],
        main_agency=agency is main or (agency.kind == "legislative" and chosen.action in ("bans", "rejects")),
        support=len({c.sentence for c in claims}),
        agreement=sum(c.action == chosen.action for c in claims) / len(claims), action=chosen.action,
        agencies=len(ctx.agencies), technologies=len(ctx.ents.technologies), sentences=len(body))


def _first_news(claims: Iterable[Claim]) -> Claim | None:
    """The most decisive non-'uses' claim of the first sentence that has one; a plan in an earlier clause
    of that sentence holds the trials and purchases after it ("wants to ... and is counting on a grant to
    pay for a two-year trial")."""
    by_sentence: dict[int, list[Claim]] = {}
    for c in claims:
        if c.action != "uses":
            by_sentence.setdefault(c.sentence, []).append(c)
    if not by_sentence:
        return None
    first = by_sentence[min(by_sentence)]
    best = min(first, key=lambda c: PRECEDENCE.index(c.action))
    plan = min((c for c in first if c.action == "proposes"), key=lambda c: c.at, default=None)
    if plan is not None and best.action in ("pilots", "acquires") and plan.at < best.at:
        return plan
    return best


def _vendor_for(ctx: _DocContext, key: tuple[str, str], claims: list[Claim]) -> str | None:
    """The vendor tied to an event: a product of that technology, then a maker of it, named in the
    event's sentences; several makers and no choice between them give None."""
    tech = key[1]
    supplier = _named_supplier(ctx, tech, claims) or _named_maker(ctx, claims)
    if supplier is not None:
        return supplier
    for c in claims:
        for rank in (_sells_product, _implies, _sells, _unknown_supplier):
            found = list(dict.fromkeys(v.key for v in c.vendors if rank(ctx.gaz, v, tech)))
            parents = {ctx.gaz.vendor_parent.get(name) for name in found}
            found = [name for name in found if name not in parents]  # "Motorola's Vigilant unit"
            if rank is _unknown_supplier:
                found = [v.key for v in c.vendors if rank(ctx.gaz, v, tech) and not is_parent(ctx.facts.text, v)]
                found = list(dict.fromkeys(found))
            if len(found) > 1 and rank is not _sells_product:
                return None  # "evaluating cameras from Getac and Axon": no supplier chosen yet
            if found:
                return found[0]
    return _main_agency_vendor(ctx, key, claims)


# "25 WatchGuard cameras from Motorola Solutions", "readers supplied by X": the company named as the supplier.
_SUPPLIER_BEFORE = re.compile(r"\b(from|supplied by|sold by|provided by|bought from|purchased from)( the)?\s*$", re.I)


def _named_supplier(ctx: _DocContext, tech: str, claims: list[Claim]) -> str | None:
    """The company a claim names as supplying the technology ("WatchGuard cameras from Motorola Solutions")
    when it owns the maker of the product named with it: the event's vendor is the maker named as supplying it."""
    text = ctx.facts.text
    for c in claims[:1]:
        makers = {v.key for v in c.vendors if _sells_product(ctx.gaz, v, tech) or _sells(ctx.gaz, v, tech)}
        for v in c.vendors:
            if not _SUPPLIER_BEFORE.search(text[max(0, v.start - 25):v.start]) or v.technology is not None:
                continue
            if re.match(r"(\s+[A-Z]\w*)?['\u2019]", text[v.end:v.end + 20]):
                continue  # "from Motorola Solutions' Vigilant unit": the owner, the unit supplies
            if any(ctx.gaz.vendor_parent.get(m) == v.key for m in makers):
                return v.key
    return None


_MAKER_ROLE_BEFORE = re.compile(r"\bthe (manufacturer|maker|vendor|supplier),?\s*$", re.I)
_MAKER_ROLE_AFTER = re.compile(r"^,? the (manufacturer|maker|vendor|supplier)\b", re.I)


def _named_maker(ctx: _DocContext, claims: list[Claim]) -> str | None:
    """The company the deciding sentence calls the manufacturer or supplier ("the manufacturer, Axon
    Enterprise"): it supplies what that sentence is about."""
    text = ctx.facts.text
    found = {v.key for v in claims[0].vendors
             if _MAKER_ROLE_BEFORE.search(text[max(0, v.start - 20):v.start])
             or _MAKER_ROLE_AFTER.search(text[v.end:v.end + 20])}
    return found.pop() if len(found) == 1 else None


# A regulator's action against a company (ANNOTATION_NOTES.md): that company is in another role there.
_SANCTIONED = re.compile(r"\b(fined|fines|penali[sz]ed|sanctioned|ordered (it|the company)|settlement)\b", re.I)


def _main_agency_vendor(ctx: _DocContext, key: tuple[str, str], claims: list[Claim]) -> str | None:
    """For the article's main agency (or a claim that carried the technology over), the one company in
    the article that stands for the technology."""
    tech = key[1]
    main = next((a for a in ctx.agencies if a.kind in ("police", "sheriff")), None) or \
        next((a for a in ctx.agencies if a.operates), None)
    if (main is None or main.key != key[0]) and claims[0].named_tech:
        return None  # a side agency named with its technology gets only a vendor named with it
    hits = [v for v in ctx.ents.vendor_hits
            if not _SANCTIONED.search(ctx.facts.sentences[ctx.facts.sentence_index(v.start)].text)]
    makers = {v.key for v in hits if _sells_product(ctx.gaz, v, tech) or _implies(ctx.gaz, v, tech)}
    if not makers and len(ctx.ents.technologies) == 1:
        # "an online tool called DigitalStakeout": the one supplier the article presents, in a one-technology story
        makers = {v.key for v in hits if _unknown_supplier(ctx.gaz, v, tech) and not is_parent(ctx.facts.text, v)}
    return makers.pop() if len(makers) == 1 else None


def _sells_product(gaz: Gazetteer, v: Hit, tech: str) -> bool:
    return v.technology == tech


def _implies(gaz: Gazetteer, v: Hit, tech: str) -> bool:
    return v.technology is None and tech in gaz.vendor_implies.get(v.key, [])


def _unknown_supplier(gaz: Gazetteer, v: Hit, tech: str) -> bool:
    """A supplier the gazetteer does not know, found from a supplier cue ("software from Zignal Labs")."""
    return v.technology is None and v.key not in gaz.vendor_techs


def _sells(gaz: Gazetteer, v: Hit, tech: str) -> bool:
    return v.technology is None and tech in gaz.vendor_techs.get(v.key, [])
