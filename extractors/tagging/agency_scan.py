"""Find named government agencies in a spaCy Doc by token patterns: <place words> + an agency head word."""

from __future__ import annotations

from collections.abc import Iterator

from spacy.tokens import Doc, Span, Token

# Words that end an agency name ("Police Department", "City Council", "Board of ...").
HEADS = {
    "Department", "Dept.", "Office", "Council", "Commission", "Board", "Police", "Patrol", "Authority",
    "Bureau", "Agency", "Administration", "Service", "Constabulary", "PD", "Commissioners", "Supervisors",
    "Aldermen", "District", "Schools", "Force", "Court", "Legislature", "Marshals", "Services",
}
# Heads that take an "of ..." complement (Department of Corrections, Board of Supervisors).
OF_HEADS = {"Department", "Office", "Board", "Bureau", "Commission", "Council", "Administration", "Agency",
            "Service", "Division"}
# "City of Oakland", "County of Los Angeles": a government named as a buyer. These words are heads
# only when "of" follows; otherwise they are part of a place name ("Culver City").
SOFT_HEADS = {"City", "Town", "Village", "County", "Township"}
# A head that needs a particular word before it to be an agency at all.
HEAD_NEEDS = {"District": {"School"}, "Schools": {"Public"}, "Force": {"Police"}, "Court": {"Commissioners"},
              "Services": {"Police"},  # "Fort Collins Police Services"
              "Marshals": set(), "Legislature": set()}
# Words that make a run of capitalised words something other than an agency.
NOT_AGENCY = {
    "Foundation", "Association", "Union", "Coalition", "University", "College", "Times", "News", "Alliance",
    "Institute", "Liberties", "Fund", "Caucus", "Chamber", "Club", "Society", "Project", "Party",
    "League", "Federation", "Order", "Benevolent", "Academy", "Museum", "Hospital", "Church", "Bank", "Inc.",
    "LLC", "Company", "Corp.", "Group", "Officers", "Chiefs", "Sheriffs", "Post", "Journal", "Tribune",
    "Herald", "Gazette", "Magazine", "Network", "Press", "Radio", "Television", "Studies", "Center", "Centre",
    "Lab", "Labs", "Committee", "Subcommittee", "Senate", "House", "Congress", "Conference", "Fraternal",
}
# Leading words that are not part of a name: articles, prepositions, titles of people, months.
LEAD_STRIP = {
    "the", "a", "an", "this", "that", "these", "those", "in", "at", "on", "for", "from", "with", "by", "to",
    "and", "but", "or", "when", "after", "before", "since", "under", "through", "among", "next", "meanwhile",
    "both", "neighboring", "nearby", "former", "then", "new", "local", "chief", "deputy", "assistant",
    "mayor", "commissioner", "officer", "detective", "lt.", "sgt.", "capt.", "captain", "lieutenant",
    "sergeant", "undersheriff", "councilmember", "councilman", "councilwoman", "alderman", "ald.", "rep.",
    "sen.", "gov.", "director", "spokesman", "spokeswoman", "spokesperson", "president", "vice", "acting",
    "interim", "if", "while", "as", "like", "unlike", "whether", "although", "though", "because", "once",
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "last", "earlier", "later", "separately", "also", "still", "even", "only", "so", "yet", "its", "their",
    "his", "her", "our", "all", "every", "each", "some", "many", "most", "several", "other", "another",
}
# Place-less names like "County Board" or "State Police" are generic references, not names.
GENERIC = {"City", "County", "State", "Town", "Village", "Police", "Sheriff", "Sheriff's", "Department",
           "Public", "Safety", "Metropolitan", "Regional", "Local", "Municipal", "Township", "Parish", "'s",
           "School", "Transit", "Highway", "Federal", "National"}
PERSON_TITLES = {"Chief", "Commissioner", "Sheriff", "Officer", "Sgt.", "Lt.", "Capt.", "Detective", "Deputy",
                 "Spokesman", "Spokeswoman", "Director", "Superintendent", "Assistant", "Inspector", "Captain"}
CONNECT = {"of", "and", "&", "the", "for", "on"}


def _namey(tok: Token) -> bool:
    text = tok.text
    return bool(text) and (text[0].isupper() or text[0].isdigit())


def _runs(sent: Span) -> Iterator[list[Token]]:
    """Maximal runs of capitalised tokens, with 's, hyphens and 'of ...' after a head word."""
    run: list[Token] = []
    toks = list(sent)
    for i, tok in enumerate(toks):
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if _namey(tok):
            run.append(tok)
            continue
        if run and nxt is not None and _joins(tok, run, nxt):
            run.append(tok)
            continue
        if run:
            yield run
        run = []
    if run:
        yield run


def _joins(tok: Token, run: list[Token], nxt: Token) -> bool:
    """Whether a lower-case or punctuation token continues a name run."""
    text = tok.text.replace("\u2019", "'")
    if text == "'s":
        return _namey(nxt) and run[-1].text not in HEADS  # "Police Department's Deering District"
    if text == "-" and not tok.whitespace_ and not run[-1].whitespace_:
        return _namey(nxt)
    words = {t.text for t in run}
    if text == "of":
        return run[-1].text in OF_HEADS | SOFT_HEADS and (_namey(nxt) or nxt.text == "the")
    if text == "the":
        return run[-1].text == "of" and _namey(nxt)
    if text in ("and", "&"):
        return "of" in words and _namey(nxt)  # "Board of Estimate and Apportionment"
    return False


def _cut(run: list[Token]) -> tuple[int, int] | None:
    """(start, end) of the agency name inside a run, or None when the run names no agency."""
    while run and run[-1].text in CONNECT:
        run = run[:-1]
    head_idx = [i for i, t in enumerate(run) if t.text in HEADS or
                (t.text in SOFT_HEADS and i + 1 < len(run) and run[i + 1].text == "of")]
    if not head_idx:
        return None
    end = head_idx[-1] + 1
    if end < len(run) and run[end].text == "of" and run[end - 1].text in OF_HEADS | SOFT_HEADS:
        while end < len(run) and run[end].text not in PERSON_TITLES:
            end += 1
    while end > 0 and run[end - 1].text in CONNECT:
        end -= 1
    if end < len(run) and run[end].text not in PERSON_TITLES and run[end].text.replace("\u2019", "'") != "'s":
        return None  # "Atlanta Police Foundation": the name goes on past the head word
    start = 0
    while start < end and (run[start].text in CONNECT or _strippable(run, start)):
        start += 1
    return (start, end) if start < end else None


def _strippable(run: list[Token], i: int) -> bool:
    """A leading word or number that is not part of the name; "New" stays when a name follows ("New York")."""
    tok = run[i]
    if tok.text.replace(",", "").isdigit():
        return True  # "Up to 50 Edmonton Police Service officers"
    if tok.lower_ not in LEAD_STRIP:
        return False
    if tok.lower_ == "new" and i + 1 < len(run) and run[i + 1].text not in HEADS:
        return False
    return True


def _valid(words: list[str]) -> bool:
    if not words or words[0] in CONNECT or set(words) & NOT_AGENCY:
        return False
    if len(words) > 2 and words[0] in SOFT_HEADS and words[1] == "of":
        return not set(words[2:]) & (HEADS | SOFT_HEADS)  # "City of Oakland", not "City of ... Police"
    heads = [i for i, w in enumerate(words) if w in HEADS]
    if not heads:
        return False
    first_head = heads[0]
    need = HEAD_NEEDS.get(words[heads[-1]])
    if need and not (set(words) & need):
        return False
    prefix = words[:first_head]
    return any(w not in GENERIC and w not in PERSON_TITLES for w in prefix)


def scan_agencies(doc: Doc) -> Iterator[tuple[int, int, str]]:
    """Yield (start_char, end_char, text) for every named agency found by pattern."""
    for sent in doc.sents:
        for run in _runs(sent):
            cut = _cut(run)
            if cut is None:
                continue
            toks = run[cut[0]:cut[1]]
            words = [t.text.replace("\u2019", "'") for t in toks]
            if _valid(words):
                start, end = toks[0].idx, toks[-1].idx + len(toks[-1].text)
                yield start, end, doc.text[start:end]
