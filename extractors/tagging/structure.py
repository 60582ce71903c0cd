"""What a sentence's dependency parse says about an action cue: how high it sits (the governing verb decides),
whether it is negated, hypothetical, demanded by someone else, or done by another actor.

The parser runs only on the few sentences that tie an agency to a technology; its Doc is turned into a
plain `Parse` right here (STYLE.md: library objects stop at the boundary).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import spacy
from spacy.language import Language

# Statistical NER is not needed to read structure; the tagger feeds the lemmatizer's rules.
PARSE_EXCLUDE = ["ner"]
# Longer "sentences" (a run-on list, a table flattened to text) are not parsed: the regex reading decides.
MAX_PARSE_CHARS = 1_000

_MODALS = {"would", "could", "might", "may", "should", "can"}
_CONDITIONS = {"if", "unless", "whether"}
# Verbs whose complement is something wanted, not something done ("urged the council to reject it").
_DEMANDS = {"urge", "demand", "call", "ask", "want", "push", "press", "petition", "lobby", "plead", "seek",
            "request", "recommend", "suggest", "hope", "plan", "consider", "intend", "aim", "wish", "propose",
            "argue", "encourage", "warn", "require", "mandate", "direct", "instruct"}
# An actor that is not the agency in question ("outside agencies", "other cities", "many departments").
_OTHER = {"other", "outside", "neighboring", "neighbouring", "nearby", "many", "several", "some", "most",
          "few", "federal", "private"}
# Subjects that stand for a government body when a demand verb's subject is checked.
_AGENCY_NOUNS = {"police", "department", "office", "sheriff", "council", "city", "county", "board", "agency",
                 "chief", "officer", "deputy", "mayor", "manager", "commission", "supervisor", "commissioner",
                 "administrator", "official", "force", "service", "state", "district", "town", "village",
                 "government", "administration", "it", "they", "we", "who", "that", "which"}
_SUBJECTS = {"nsubj", "nsubjpass", "csubj"}
# "had no choice but to give it up": a forced deed, not a negated one.
_NO_CHOICE = {"choice", "option", "alternative"}
_CLAUSE_EDGES = {"relcl", "appos"}
# Verbs that deny what they govern ("declined to buy", "refused to use", "voted against buying").
_REFUSALS = {"decline", "refuse", "fail", "deny", "forgo", "oppose", "resist", "avoid", "against", "without"}  # climbing past these leaves the clause the cue is in


@dataclass(frozen=True)
class Token:
    """One parsed token, by character offsets into the parsed sentence."""

    start: int
    end: int
    lower: str
    lemma: str
    dep: str
    head: int
    pos: str


@dataclass(frozen=True)
class Standing:
    """What the parse says about one cue."""

    token: int  # the cue's highest token
    heads: tuple[int, ...]  # the tokens above it, up to the root
    depth: int  # how far below the main verbs: edges to the root, coordinated verbs ("and asked") at par
    negated: bool = False
    hypothetical: bool = False  # under a modal ("would", "could") or a condition ("if", "unless")
    demanded: bool = False  # the complement of someone else's demand ("residents urged ... to reject")
    other_actor: bool = False  # done by "outside agencies", "other cities"
    subject: str = ""  # lemma of the subject of the cue's verb ("program" in "the program ended")
    participle: bool = False  # a verb form modifying a noun ("cameras already installed"): a state
    governor: int = -1  # the nearest verb above the cue ("used" for "new" in "used their new vans")
    complement: bool = False  # the cue verb takes a clause ("ordered the department to turn over ...")


class Parse:
    """A parsed sentence as plain tokens, with the questions the action reader asks of it."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self._kids: list[list[int]] = [[] for _ in tokens]
        for j, t in enumerate(tokens):
            if t.head != j:
                self._kids[t.head].append(j)

    def token_at(self, pos: int) -> int | None:
        """Index of the token covering character `pos`, or the first one after it."""
        for i, t in enumerate(self.tokens):
            if t.end > pos:
                return i
        return None

    def children(self, i: int) -> list[int]:
        return self._kids[i]

    def chain(self, i: int) -> list[int]:
        """The token and its heads up to the root (bounded: a malformed tree cannot loop)."""
        out = [i]
        while self.tokens[out[-1]].head != out[-1] and len(out) <= len(self.tokens):
            out.append(self.tokens[out[-1]].head)
        return out

    def clause_chain(self, i: int) -> list[int]:
        """The chain up to where it leaves the cue's clause (a relative clause, an appositive)."""
        out: list[int] = []
        for j in self.chain(i):
            out.append(j)
            if self.tokens[j].dep in _CLAUSE_EDGES:
                break
        return out

    def standing(self, start: int, end: int, is_agency: Callable[[int, int], bool]) -> Standing | None:
        """The standing of the cue spanning [start, end) of the sentence, or None when it maps to no token."""
        first = self.token_at(start)
        if first is None or self.tokens[first].start >= end:
            return None
        # A multi-word cue ("pulled the plug", "not renew") stands where its highest token stands.
        inside = {j for j in range(first, len(self.tokens)) if self.tokens[j].start < end}
        cue = min(inside, key=lambda j: (len(self.chain(j)), j))
        chain = self.clause_chain(cue)
        return Standing(
            token=cue,
            heads=tuple(self.chain(cue)[1:]),
            depth=sum(self.tokens[j].dep != "conj" for j in self.chain(cue)[:-1]),
            negated=any(self._negates(j, inside) for j in chain) or
            any(self.tokens[j].lemma in _REFUSALS for j in chain if j not in inside),
            hypothetical=any(self._hypothetical(j) for j in chain),
            demanded=any(self._demand_of_other(j, is_agency) for j in self.chain(cue)[1:]),
            other_actor=self._other_actor(chain),
            subject=self._subject(chain),
            participle=self.tokens[cue].pos == "VERB" and self.tokens[cue].dep in ("acl", "amod"),
            governor=next((j for j in self.chain(cue)[1:] if self.tokens[j].pos in ("VERB", "AUX")), -1),
            complement=any(self.tokens[c].dep in ("xcomp", "ccomp") for c in self.children(cue)),
        )

    def _negates(self, j: int, inside: set[int]) -> bool:
        for c in self.children(j):
            t = self.tokens[c]
            if c in inside:
                continue  # the cue's own "not" ("will not renew") is part of what it says
            if t.dep == "neg" or t.lower == "never" or (t.lower == "longer" and any(
                    self.tokens[d].lower == "no" for d in self.children(c))):
                return True
            if t.dep in ("dobj", "attr") and t.lemma not in _NO_CHOICE and any(
                    self.tokens[d].dep == "det" and self.tokens[d].lower == "no" for d in self.children(c)):
                return True  # "has no facial recognition system", "no plans to buy"
        t = self.tokens[j]
        return t.dep in ("dobj", "nsubj", "pobj") and t.lemma not in _NO_CHOICE and any(
            self.tokens[d].dep == "det" and self.tokens[d].lower == "no" for d in self.children(j))

    def _hypothetical(self, j: int) -> bool:
        kids = [self.tokens[c] for c in self.children(j)]
        if any(k.dep == "aux" and k.lower in _MODALS for k in kids):
            return True
        return any(k.dep == "mark" and k.lower in _CONDITIONS for k in kids)

    def _demand_of_other(self, j: int, is_agency: Callable[[int, int], bool]) -> bool:
        t = self.tokens[j]
        if t.lemma not in _DEMANDS or t.pos not in ("VERB", "AUX"):
            return False
        subjects = [c for c in self.children(j) if self.tokens[c].dep in _SUBJECTS]
        if not subjects:
            return False  # "a plan to buy": whose plan the clause reader decides
        s = self.tokens[subjects[0]]
        span = self._subtree_span(subjects[0])
        return not (is_agency(*span) or s.lemma in _AGENCY_NOUNS or s.lower in _AGENCY_NOUNS)

    def _subjects(self, chain: list[int]) -> list[int]:
        """The subject of the nearest verb in the chain; a relative pronoun stands for the noun it modifies
        ("agencies that would run such forecasts")."""
        verb = next((j for j in chain if self.tokens[j].pos in ("VERB", "AUX")), None)
        if verb is None:
            return []
        subjects = [c for c in self.children(verb) if self.tokens[c].dep in _SUBJECTS]
        if subjects and self.tokens[subjects[0]].lower in ("that", "which", "who") and \
                self.tokens[verb].dep == "relcl":
            subjects = [self.tokens[verb].head]
        if not subjects and self.tokens[verb].dep == "acl":
            subjects = [self.tokens[verb].head]  # "the program ..., ended on June 30" read as a modifier
        return subjects

    def _subject(self, chain: list[int]) -> str:
        subjects = self._subjects(chain)
        return self.tokens[subjects[0]].lemma if subjects else ""

    def _other_actor(self, chain: list[int]) -> bool:
        return any(self.tokens[m].lower in _OTHER and self.tokens[m].dep in ("amod", "det", "compound")
                   for s in self._subjects(chain) for m in self.children(s))

    def _subtree_span(self, i: int) -> tuple[int, int]:
        todo, seen = [i], {i}
        while todo:
            for c in self.children(todo.pop()):
                if c not in seen:
                    seen.add(c)
                    todo.append(c)
        return min(self.tokens[j].start for j in seen), max(self.tokens[j].end for j in seen)


class SentenceParser:
    """spaCy's parser over sentences, loaded once per process; parses are made in batches."""

    def __init__(self, model: str, batch_size: int = 64) -> None:
        self.nlp: Language = spacy.load(model, exclude=PARSE_EXCLUDE)
        self.batch_size = batch_size

    def parse_many(self, texts: Iterable[str]) -> dict[str, Parse]:
        """Each distinct sentence of at most MAX_PARSE_CHARS characters, parsed, by its text."""
        todo = [t for t in texts if len(t) <= MAX_PARSE_CHARS]
        return {text: Parse([Token(t.idx, t.idx + len(t.text), t.lower_, t.lemma_.lower(), t.dep_, t.head.i,
                                   t.pos_) for t in doc])
                for text, doc in zip(todo, self.nlp.pipe(todo, batch_size=self.batch_size), strict=True)}

    def parse(self, text: str) -> Parse | None:
        """The parse of one sentence, or None when it is too long to parse."""
        return self.parse_many([text]).get(text)


class ParseBook:
    """The parses of a batch's sentences. Reading a batch twice, first with an empty book that notes the
    sentences asked for, then with their parses, lets the parser run once over all of them (nlp.pipe)."""

    def __init__(self, parses: dict[str, Parse] | None = None) -> None:
        self.parses = parses
        self.wanted: list[str] = []

    def parse(self, text: str) -> Parse | None:
        if self.parses is None:
            self.wanted.append(text)
            return None
        return self.parses.get(text)
