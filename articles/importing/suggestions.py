"""What an imported document says about itself, read from its shape and its words, never from a
medical meaning: which closing paragraphs are about the clinic, and which lists name the conditions
treated, the risks, who is a good candidate and who should not have the treatment.

Every finding is shown to the writer: a suggestion is saved as a row only when the writer confirms
it, and a left-out paragraph is reported with its text.
"""

import re
import unicodedata
from html.parser import HTMLParser

from articles.importing.common import Suggestion, one_line
from articles.models import ImportSuggestion
from articles.rich_text import plain_text

Kind = ImportSuggestion.Kind

# A closing paragraph that invites the reader to the clinic (or names the importing clinic) is the
# clinic's information, not the article's.
_CONTACT = re.compile(
    r"\b(?:visit (?:us|our (?:web ?site|site|page|office|clinic|practice|blog))"
    r"|(?:like|follow|find|join) us on"
    r"|(?:call|phone|text|email|e-mail|contact) (?:us|our (?:office|clinic|team|practice))"
    r"|give us a call|reach (?:us|our office)"
    r"|(?:schedule|book|request|make|set up) (?:an?|your) (?:appointment|consultation|visit|evaluation)"
    r"|to (?:schedule|book|request) (?:an?|your)"
    r"|our (?:web ?site|facebook|instagram|twitter|linkedin) page)\b",
    re.IGNORECASE,
)


# Anything that tells the reader what to do, when or if, is the article's, whoever it tells them to
# call: "Call us right away if you have a fever", "Call us before your procedure if you take blood
# thinners", "Stop eating 6 hours before". The clinic's information invites; it does not instruct.
_INSTRUCTION = re.compile(
    r"\b(?:if|unless|before|after|until|when|whenever|while|during|stop|do not|don't|never|avoid|bring|"
    r"take|medicines?|medications?|blood thinners?|pregnan\w*|hours?|days?|weeks?|right away|immediately|"
    r"911|emergenc\w*|urgent\w*|fever\w*|bleeding|symptoms?|signs? of|swollen|swelling|red|redness|warm|"
    r"numbness|weakness|worse|severe|infection|side effects?|chest pain|short(?:ness)? of breath)\b",
    re.IGNORECASE,
)
# "If you have questions, call us" invites: the idiom is not an instruction.
_QUESTIONS_IDIOM = re.compile(
    r"\b(?:if|when) you have (?:any )?(?:other |more |further )?questions\b(?: about [^,.;]*)?", re.IGNORECASE
)
# Said of a clinic, not of a treatment: "<Clinic> is a pain clinic in Indiana", "since 2009", an
# address or a phone number.
_ABOUT_A_CLINIC = re.compile(
    r"\b(?:is|are) an? (?:[\w-]+ ){0,4}(?:clinic|practice|cent(?:er|re)|group|office|team|hospital)\b"
    r"|\bour (?:clinic|practice|team|office|doctors|physicians|providers|staff|specialists)\b"
    r"|\bsince (?:19|20)\d\d\b|\bsuite \d|\b\d{3}[ .-]\d{3}[ .-]\d{4}\b|\(\d{3}\) ?\d{3}[ .-]\d{4}"
    r"|\b\d+ [\w. ]{2,40} (?:street|st|avenue|ave|road|rd|drive|dr|boulevard|blvd|lane|ln|way)\b",
    re.IGNORECASE,
)
# A closing section's heading that is about the clinic: it goes with its paragraphs.
_CONTACT_HEADING = re.compile(
    r"^(?:contact|about|get in touch|find us|reach us|call us|visit us|our (?:clinic|practice|team|office)"
    r"|locations?|request|schedule|book|make an appointment|questions\??$|have questions|ready to"
    r"|learn more)",
    re.IGNORECASE,
)


def clinic_information(text: str, clinic_names=()) -> bool:
    """Whether a paragraph reads as the clinic's own information: it invites the reader to visit,
    call, follow or book, or it describes the importing clinic by name; never when it instructs
    (what to do, if or when: that is the article's advice)."""
    folded = _folded(text)
    if _INSTRUCTION.search(_QUESTIONS_IDIOM.sub("", folded)):
        return False
    if _CONTACT.search(folded):
        return True
    return bool(_ABOUT_A_CLINIC.search(folded)) and any(_names(folded, name) for name in clinic_names)


def contact_heading(heading: str, clinic_names=()) -> bool:
    """Whether a closing section's heading is about the clinic ("Contact us", "About <clinic>")."""
    folded = _folded(heading)
    return bool(_CONTACT_HEADING.search(folded) or _CONTACT.search(folded)) or any(
        _names(folded, name) for name in clinic_names
    )


def _names(folded: str, name: str) -> bool:
    name = _folded(name).strip()
    return len(name) >= 3 and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", folded) is not None


# What a heading or a list's lead-in says the list is, most specific first: "not a good
# candidate" is about who should not have it, before "candidate" is about who should.
_KINDS = [
    (
        Kind.CONTRAINDICATION,
        r"\bcontra-?indicat|\bshould(?:n't| not) (?:have|get|receive|be|use|undergo|consider)\b"
        r"|\bnot (?:be )?(?:an? )?(?:good |suitable |ideal |right )?candidates?\b"
        r"|\b(?:cannot|can't|may not|must not) (?:have|get|receive|undergo)\b|\bshould avoid\b"
        r"|\bnot (?:be )?(?:safe|recommended|advised|suitable|right|appropriate) for\b|\bunsuitable\b"
        r"|\bwho should not\b",
    ),
    (
        Kind.CANDIDATE,
        r"\bcandidates?\b|\bright for (?:you|me)\b|\bgood fit\b|\bmay benefit\b|\bqualif(?:y|ies)\b"
        r"|\bwho (?:can|should|may|might) (?:get|have|consider|receive|benefit)\b|\beligib",
    ),
    (
        Kind.RISK,
        r"\brisks?\b|\bside[- ]effects?\b|\bcomplications?\b|\bdangers?\b|\bwhat (?:can|could) go wrong\b",
    ),
    (
        Kind.CONDITION,
        r"\bconditions?\b|\b(?:used|use|approved|designed) (?:to treat|for treating)\b"
        r"|\b(?:can|may|might|will|to) (?:help|treat|relieve|ease|manage)\b"
        r"|\bhelps? (?:with|people|patients|treat|relieve)\b|\btreats\b|\bsuffer(?:s|ing)? (?:from|with)\b"
        r"|\b(?:types|kinds|causes|sources) of (?:pain|conditions)\b|\bwhat (?:does )?it treats?\b",
    ),
]
_KINDS = [(kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in _KINDS]
# What a row can hold (Condition.name and Risk.name: 200; criteria and contraindications: 300).
MAX_LENGTH = {Kind.CONDITION: 200, Kind.RISK: 200, Kind.CANDIDATE: 300, Kind.CONTRAINDICATION: 300}
_LIST = re.compile(r"^<(?:ul|ol)>")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")


def kind_of(context: str) -> str | None:
    folded = _folded(context)
    return next((kind for kind, pattern in _KINDS if pattern.search(folded)), None)


def suggestions_in(sections) -> tuple[Suggestion, ...]:
    """The suggestions of ``sections``, [(heading or None, [blocks])]: each list's items, when the
    paragraph just before it (its lead-in) or else its section's heading says what they are."""
    found, seen = [], set()
    for heading, blocks in sections:
        for index, block in enumerate(blocks):
            if not _LIST.match(block):
                continue
            lead_in = (
                one_line(plain_text(blocks[index - 1]))
                if index and blocks[index - 1].startswith("<p>")
                else ""
            )
            kind, context = None, ""
            # A lead-in ends in a colon, or stops mid-sentence ("not advised for people who"); what
            # the list is, its last sentence says.
            if lead_in and not lead_in.endswith((".", "!", "?")):
                kind, context = kind_of(_SENTENCE_BREAK.split(lead_in)[-1]), lead_in
            if kind is None and heading:
                kind, context = kind_of(heading), heading
            if kind is None:
                continue
            for item in list_items(block):
                text = _item_text(item)
                if kind in (Kind.CONDITION, Kind.RISK):
                    text = text.rstrip(".")  # a name, not a sentence
                if text and len(text) <= MAX_LENGTH[kind] and (kind, text.casefold()) not in seen:
                    seen.add((kind, text.casefold()))
                    found.append(Suggestion(kind=kind, text=text, found_under=context[:300]))
    return tuple(found)


def _item_text(item: str) -> str:
    """A list item as a row's text: one line, without the list's punctuation ("Infection;", "and")."""
    text = one_line(item).rstrip(" ;,")
    text = re.sub(r"(?:;|,)?\s+(?:and|or)$", "", text)
    # A row reads as a sentence or a name of its own: "you have an infection" under "You should not
    # have it if:" becomes "You have an infection".
    return text[:1].upper() + text[1:]


def normalised_name(text: str) -> str:
    """A name as compared with conditions' and risks' names and synonyms: case, accents, quotes,
    spaces and final punctuation do not count."""
    return one_line(_folded(text)).strip(" .;:,!")


_PARENTHESIS = re.compile(r"^(?P<name>.+?)\s*\((?P<inside>[^()]+)\)$")


def candidate_names(text: str) -> list[str]:
    """The names a list item may be listed under: itself, and for "Complex regional pain syndrome
    (CRPS)" also the name before the brackets and the one inside them."""
    names = [normalised_name(text)]
    match = _PARENTHESIS.match(text.strip().rstrip("."))
    if match:
        names += [normalised_name(match["name"]), normalised_name(match["inside"])]
    return [name for name in names if name]


def _folded(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = text.translate({0x2018: "'", 0x2019: "'", 0x201C: '"', 0x201D: '"', 0x2013: "-", 0x2014: "-"})
    return text.casefold()


class _ListItems(HTMLParser):
    """The plain text of a list's own items (a nested list's items stay inside their parent's)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.items: list[str] = []
        self.depth = 0  # lists open

    def handle_starttag(self, tag, attrs):
        if tag in ("ul", "ol"):
            self.depth += 1
        elif tag == "li" and self.depth == 1:
            self.items.append("")

    def handle_endtag(self, tag):
        if tag in ("ul", "ol"):
            self.depth -= 1

    def handle_data(self, data):
        if self.items and self.depth == 1:
            self.items[-1] += data


def list_items(block: str) -> list[str]:
    reader = _ListItems()
    reader.feed(block)
    reader.close()
    return reader.items
