"""Codes for conditions: ICD-10-CM (checked against the code set) and SNOMED CT concept ids (format
only: the SNOMED licence is the clinic's, and no release ships with us).

ICD-10-CM comes from simple-icd-10-cm, which carries the CDC's release (April 2026 in 1.5.0)
and works offline. It loads the whole classification (about two seconds, some memory) the first
time a code is checked, not at start-up.

What counts as a code: a category (G89), a subcategory (G89.2, G89.4) or a 7th-character
extension (S72.001A); billable or not. Chapters and blocks ("G89-G99") are headings, not codes.
A condition may carry a category ("pain, not elsewhere classified") as well as a billable code; a
search for a code also finds its more specific children (G89 finds G89.4 and G89.29).
"""

import functools
import re
import warnings

from django import forms

ICD10CM = "icd10cm"
SNOMED = "snomed"
SYSTEM_CHOICES = [(ICD10CM, "ICD-10-CM"), (SNOMED, "SNOMED CT")]
# schema.org MedicalCode.codingSystem, and the HL7 code-system OIDs (Infobutton's
# mainSearchCriteria.v.cs).
CODING_SYSTEM_NAMES = {ICD10CM: "ICD-10-CM", SNOMED: "SNOMED-CT"}
OIDS = {"2.16.840.1.113883.6.90": ICD10CM, "2.16.840.1.113883.6.96": SNOMED}

# The shape of an ICD-10-CM code, dotted or not: a letter, two characters, then up to four more.
# Checked before the code set is asked (and loaded): most junk never loads it.
ICD10CM_SHAPE = re.compile(r"[A-Z][0-9][0-9A-Z](?:\.?[0-9A-Z]{1,4})?")
ICD10CM_MAX_LENGTH = 8
SNOMED_SHAPE = re.compile(r"[1-9][0-9]{5,17}")
# A concept id's partition identifier (its second- and third-last digits): 00 for a concept of
# the international release, 10 for one of an extension's namespace.
CONCEPT_PARTITIONS = ("00", "10")


class InvalidCode(ValueError):
    """A code its system does not have, or a malformed one; the message says which, in words."""


@functools.cache
def _icd10cm():
    # The package reads its data with importlib.resources' legacy API, which warns on Python 3.11.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm

    return simple_icd_10_cm


def normalize_icd10cm(value: str) -> str:
    """``value`` as the code set writes it ("g894 " -> "G89.4"), or InvalidCode."""
    code = (value or "").strip()
    if not code:
        raise InvalidCode("Enter an ICD-10-CM code, e.g. G89.4.")
    # ASCII before upper(): "ı10".upper() is "I10".
    code = code.upper() if code.isascii() else ""
    if len(code) > ICD10CM_MAX_LENGTH or not ICD10CM_SHAPE.fullmatch(code):
        raise InvalidCode(
            f"{value.strip()[:20]!r} is not an ICD-10-CM code (a letter, two characters, e.g. G89.4)."
        )
    cm = _icd10cm()
    if not cm.is_valid_item(code) or not (
        cm.is_category_or_subcategory(code) or cm.is_extended_subcategory(code)
    ):
        raise InvalidCode(f"{code} is not in the current ICD-10-CM code set.")
    return code if "." in code or len(code) == 3 else f"{code[:3]}.{code[3:]}"


def icd10cm_description(code: str) -> str:
    """The code set's description of a normalised code."""
    return _icd10cm().get_description(code)


def icd10cm_prefix(code: str) -> str:
    """What a normalised code's more specific children start with: G89 -> "G89.", G89.2 -> "G89.2"."""
    return code if "." in code else f"{code}."


# Verhoeff's dihedral-group tables.
_D = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
]
_P = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 8, 7, 6, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 1, 0],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
]


def verhoeff_valid(digits: str) -> bool:
    """Whether the last digit of ``digits`` is its Verhoeff check digit."""
    check = 0
    for position, digit in enumerate(reversed(digits)):
        check = _D[check][_P[position % 8][int(digit)]]
    return check == 0


def normalize_snomed(value: str) -> str:
    """A SNOMED CT concept id, checked for its form only (digits, check digit, partition), or
    InvalidCode. Whether the concept exists is not checked: no SNOMED release ships with us."""
    code = (value or "").strip()
    if not code:
        raise InvalidCode("Enter a SNOMED CT concept id, e.g. 82423001.")
    if not code.isascii() or not SNOMED_SHAPE.fullmatch(code):
        raise InvalidCode(f"{code[:20]!r} is not a SNOMED CT id: 6 to 18 digits, not starting with 0.")
    if not verhoeff_valid(code):
        raise InvalidCode(f"{code} is not a SNOMED CT id: its last digit is not its check digit.")
    if code[-3:-1] not in CONCEPT_PARTITIONS:
        raise InvalidCode(f"{code} is a SNOMED CT description or relationship id, not a concept id.")
    return code


NORMALIZERS = {ICD10CM: normalize_icd10cm, SNOMED: normalize_snomed}


def system_of(value: str) -> str:
    """The system a code's form belongs to: SNOMED CT ids are digits, ICD-10-CM codes start with a
    letter (anything else is then refused as a malformed ICD-10-CM code)."""
    return SNOMED if value.strip().isdigit() else ICD10CM


def normalize(system: str, value: str) -> str:
    if system not in NORMALIZERS:
        raise InvalidCode(f"Unknown code system {system!r}.")
    return NORMALIZERS[system](value)


class ConditionCodeForm(forms.ModelForm):
    """The condition admin's code rows: the code checked and normalised for its system before the
    formset compares rows, so "G894" beside "G89.4" is a duplicate, not a database error."""

    def clean(self):
        cleaned = super().clean()
        system, code = cleaned.get("system"), cleaned.get("code")
        if system in NORMALIZERS and code:
            try:
                cleaned["code"] = normalize(system, code)
            except InvalidCode as error:
                self.add_error("code", str(error))
        return cleaned


def icd10cm_ancestors(code: str) -> list[str]:
    """The broader codes above a normalised code, nearest first: S72.001A -> S72.001, S72.00, S72.0,
    S72 (whether or not the code set has each: they are only compared with stored codes)."""
    category, _, rest = code.partition(".")
    return [f"{category}.{rest[:length]}" for length in range(len(rest) - 1, 0, -1)] + (
        [category] if rest else []
    )
