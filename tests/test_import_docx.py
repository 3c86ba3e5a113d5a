"""Word (.docx) import: realistic clinic documents made here with python-docx, and hostile files
(zip bombs, entity attacks, files that are not Word documents) that must be refused unread."""

import io
import struct
import zipfile
import zlib

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn

from articles.importing import ImportContext, ImportRefused
from articles.importing import docx as importing_docx
from articles.importing.docx import (
    MAX_DOCX_BYTES,
    MAX_ZIP_ENTRIES,
    OLD_WORD_MESSAGE,
    parse_docx,
    refuse_old_word_format,
)

# --- Building Word files -------------------------------------------------------------------------


def png_bytes() -> bytes:
    """A 1x1 PNG, enough for python-docx to read its size."""

    def chunk(kind: bytes, content: bytes) -> bytes:
        return (
            struct.pack(">I", len(content)) + kind + content + struct.pack(">I", zlib.crc32(kind + content))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def add_picture(document, description: str | None = None) -> None:
    shape = document.add_picture(io.BytesIO(png_bytes()))
    if description is not None:
        shape._inline.docPr.set("descr", description)  # Word's “Alt Text”


def add_multilevel_list(document, items: list[tuple[str, int]]) -> None:
    """A bulleted list whose items (text, level) have levels, as Word writes one when the writer
    presses Tab: python-docx's “List Bullet” numbering has a single level."""
    numbering = document.part.numbering_part.element
    abstract = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90">'
        '<w:multiLevelType w:val="hybridMultilevel"/>'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="o"/></w:lvl>'
        "</w:abstractNum>"
    )
    numbering.insert(0, abstract)  # abstract numberings come first in the part
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    for text, level in items:
        paragraph = document.add_paragraph(text, style="List Paragraph")
        paragraph._p.get_or_add_pPr().append(
            parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>')
        )


def add_link(paragraph, text: str, url: str) -> None:
    relationship = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), relationship)
    run = OxmlElement("w:r")
    run_text = OxmlElement("w:t")
    run_text.text = text
    run.append(run_text)
    link.append(run)
    paragraph._p.append(link)


def saved(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def stimulation_trial() -> bytes:
    """A clinic's Word article written with Word's styles: Title, Heading 2, lists, a table, pictures."""
    document = docx.Document()
    document.add_paragraph("Spinal Cord Stimulation Trial: What to Expect", style="Title")
    document.add_paragraph("A guide for patients of the pain clinic", style="Subtitle")
    document.add_paragraph(
        "A spinal cord stimulation trial lets you test a stimulator before you decide on a permanent implant."
    )

    document.add_heading("What happens during the trial?", 2)
    lead_in = document.add_paragraph(
        "Your doctor places one or two thin leads near your spine. The trial lasts "
    )
    lead_in.add_run("about a week").bold = True
    lead_in.add_run(" and the leads are ")
    lead_in.add_run("temporary").italic = True
    lead_in.add_run(".")
    add_picture(document, "Trial leads taped to the lower back")
    add_multilevel_list(
        document,
        [
            ("You go home the same day.", 0),
            ("The leads connect to a small battery you wear on a belt.", 0),
            ("Keep the belt on at night as well.", 1),
            ("You keep a diary of your pain and activity.", 0),
        ],
    )

    document.add_heading("Recovery at home", 2)
    document.add_paragraph("For the length of the trial:")
    document.add_paragraph("Keep the dressing dry: no showers or baths.", style="List Number")
    document.add_paragraph("Avoid bending, lifting and twisting.", style="List Number")
    document.add_paragraph("Write down how much the stimulator helps each day.", style="List Number")
    add_picture(document)

    document.add_heading("Risks and side effects", 2)
    document.add_paragraph("Problems are rare, but tell us if you notice:")
    document.add_paragraph("Redness or fluid where the leads come out", style="List Bullet")
    document.add_paragraph("A fever over 38 °C", style="List Bullet")
    warning = document.add_paragraph()
    warning.add_run("Do not drive").bold = True
    warning.add_run(" while the trial stimulator is switched on.")

    document.add_heading("Follow-up visits", 2)
    table = document.add_table(rows=3, cols=2)
    for row, (visit, when) in enumerate(
        [("Visit", "When"), ("Lead removal", "Day 7"), ("Decision about the implant", "Day 14")]
    ):
        table.cell(row, 0).text = visit
        table.cell(row, 1).text = when
    more = document.add_paragraph("Read more on ")
    add_link(more, "our stimulation page", "https://example.org/stimulation")
    more.add_run(".")
    return saved(document)


def radiofrequency_ablation() -> bytes:
    """The same kind of article typed without heading styles: each heading a bold line."""
    document = docx.Document()
    document.add_paragraph().add_run("Recovering After Radiofrequency Ablation").bold = True
    document.add_paragraph(
        "Radiofrequency ablation calms the nerves that carry pain from your joints; most people go "
        "back to light activity the next day."
    )
    document.add_paragraph().add_run("The first few days").bold = True
    document.add_paragraph("The treated area may ache for a week, like a bruise. Use ice for 20 minutes.")
    document.add_paragraph().add_run("Do not drive for 24 hours.").bold = True
    document.add_paragraph().add_run("When to call us").bold = True
    document.add_paragraph("Fever or chills", style="List Bullet")
    document.add_paragraph("New weakness in a leg", style="List Bullet")
    document.add_paragraph().add_run(
        "Pain that is much worse than before the treatment and does not get better with rest, ice or "
        "your usual pain medicine"
    ).bold = True
    document.add_paragraph().add_run("Questions").bold = True
    return saved(document)


# --- Changing zips ---------------------------------------------------------------------------------


def with_parts(
    data: bytes, replaced: dict[str, bytes] | None = None, added=(), compression=zipfile.ZIP_DEFLATED
) -> bytes:
    """``data`` (a .docx) with some parts replaced and entries added: (name, bytes) pairs."""
    replaced = replaced or {}
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w", compression) as out:
        for entry in source.infolist():
            out.writestr(entry.filename, replaced.get(entry.filename, source.read(entry)))
        for name, content in added:
            out.writestr(name, content)
    return buffer.getvalue()


def with_bomb(data: bytes, name: str, megabytes: int) -> bytes:
    """``data`` with an entry of ``megabytes`` MB of zeros, deflated (about 1,000:1), written in
    chunks so the test never holds it whole."""
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive, archive.open(name, "w") as entry:
        chunk = b"\x00" * (1024 * 1024)
        for _ in range(megabytes):
            entry.write(chunk)
    return buffer.getvalue()


def patched_entry(
    data: bytes, name: str, *, file_size: int | None = None, flag_bits: int | None = None
) -> bytes:
    """``data`` with the headers of entry ``name`` lying: its declared size, or its flags."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
        central = data.index(b"PK\x01\x02", archive.start_dir)
    patched = bytearray(data)
    # The entry's central directory record: the one whose name follows its 46-byte header.
    while bytes(patched[central + 46 : central + 46 + len(name)]) != name.encode():
        central = data.index(b"PK\x01\x02", central + 4)
    local = info.header_offset
    if file_size is not None:
        struct.pack_into("<I", patched, local + 22, file_size)
        struct.pack_into("<I", patched, central + 24, file_size)
    if flag_bits is not None:
        struct.pack_into("<H", patched, local + 6, flag_bits)
        struct.pack_into("<H", patched, central + 8, flag_bits)
    return bytes(patched)


def minimal_document_xml(body: str, prolog: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        + prolog
        + '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    ).encode()


def paragraph_xml(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


@pytest.fixture
def opened_entries(monkeypatch):
    """The names of the zip entries unpacked during the test."""
    names = []
    original = zipfile.ZipFile.open

    def recording_open(self, name, mode="r", *args, **kwargs):
        if mode == "r":
            names.append(name.filename if isinstance(name, zipfile.ZipInfo) else name)
        return original(self, name, mode, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", recording_open)
    return names


def section(document, heading: str) -> str:
    return next(part.body for part in document.sections if part.heading == heading)


# --- Realistic documents ---------------------------------------------------------------------------


def test_word_styles_give_title_sections_lists_and_formatting():
    document = parse_docx(stimulation_trial(), ImportContext(filename="scs-trial.docx"))

    assert document.title == "Spinal Cord Stimulation Trial: What to Expect"
    assert [part.heading for part in document.sections] == [
        "Overview",
        "What happens during the trial?",
        "Recovery at home",
        "Risks and side effects",
        "Follow-up visits",
    ]
    # The introduction's sentence is the summary; the subtitle, a paragraph, opens the Overview.
    assert document.summary == (
        "A spinal cord stimulation trial lets you test a stimulator before you decide on a permanent implant."
    )
    assert section(document, "Overview") == "<p>A guide for patients of the pain clinic</p>"

    during = section(document, "What happens during the trial?")
    assert "<strong>about a week</strong>" in during
    assert "<em>temporary</em>" in during
    assert "<li>You go home the same day.</li>" in during
    assert "<li>You keep a diary of your pain and activity.</li>" in during
    # The item indented with Tab stays a list inside the item above it.
    assert (
        "<li>The leads connect to a small battery you wear on a belt.<ul>"
        "<li>Keep the belt on at night as well.</li></ul></li>"
    ) in during

    recovery = section(document, "Recovery at home")
    assert recovery.count("<li>") == 3
    assert recovery.index("<ol>") < recovery.index("<li>Keep the dressing dry: no showers or baths.</li>")
    assert "<li>Avoid bending, lifting and twisting.</li>" in recovery

    risks = section(document, "Risks and side effects")
    assert "<li>A fever over 38 °C</li>" in risks
    assert "<p><strong>Do not drive</strong> while the trial stimulator is switched on.</p>" in risks

    visits = section(document, "Follow-up visits")
    assert "<p>Visit – When</p>" in visits
    assert "<p>Lead removal – Day 7</p>" in visits
    assert "<p>Decision about the implant – Day 14</p>" in visits
    assert 'href="https://example.org/stimulation"' in visits
    assert ">our stimulation page</a>" in visits


def test_images_are_left_out_and_named_in_a_note():
    document = parse_docx(stimulation_trial())

    bodies = "".join(part.body for part in document.sections)
    assert "<img" not in bodies
    assert "base64" not in bodies
    assert document.notes == (
        "The file has 2 images (“Trial leads taped to the lower back”, one without a description): "
        "images are not imported yet; add them to the article by hand.",
    )


def test_bold_lines_are_headings_when_the_writer_used_no_heading_styles():
    document = parse_docx(radiofrequency_ablation())

    assert document.title == "Recovering After Radiofrequency Ablation"
    assert [part.heading for part in document.sections] == ["The first few days", "When to call us"]
    assert document.summary.startswith("Radiofrequency ablation calms the nerves")
    first_days = section(document, "The first few days")
    # A bold sentence (it ends with a full stop) is emphasis, not a heading.
    assert "<p><strong>Do not drive for 24 hours.</strong></p>" in first_days
    call_us = section(document, "When to call us")
    assert "<li>Fever or chills</li><li>New weakness in a leg</li>" in call_us
    # A bold line too long for a heading stays a paragraph of its section.
    assert "<p><strong>Pain that is much worse than before the treatment" in call_us
    # A bold line with nothing after it heads nothing: it stays a paragraph.
    assert call_us.endswith("<p><strong>Questions</strong></p>")
    assert document.skipped_headings == ()
    assert document.notes == ()


def test_a_bold_first_line_is_not_the_title_when_the_file_has_one():
    document = docx.Document()
    document.add_paragraph().add_run("Patient information").bold = True
    document.add_heading("Epidural Steroid Injection", 1)
    document.add_paragraph("An injection of steroid near the nerves of the spine eases leg pain.")
    parsed = parse_docx(saved(document))

    assert parsed.title == "Epidural Steroid Injection"
    assert "<p><strong>Patient information</strong></p>" in section(parsed, "Overview")


def test_word_warnings_about_unknown_styles_are_not_shown_to_the_writer():
    document = docx.Document()
    document.styles.add_style("Clinic Callout", WD_STYLE_TYPE.PARAGRAPH)
    document.add_heading("Nerve Blocks", 1)
    document.add_paragraph("A nerve block numbs the nerve that carries the pain.", style="Clinic Callout")
    parsed = parse_docx(saved(document))

    assert parsed.title == "Nerve Blocks"
    assert parsed.summary == "A nerve block numbs the nerve that carries the pain."
    assert parsed.notes == ()


def test_a_word_file_without_text_is_refused():
    document = docx.Document()
    document.add_paragraph("")
    with pytest.raises(ImportRefused, match="The Word file has no text to import: check it is the right"):
        parse_docx(saved(document))


def test_a_word_file_of_pictures_only_is_refused_saying_so():
    document = docx.Document()
    add_picture(document, "Scanned leaflet page 1")
    with pytest.raises(ImportRefused, match=r"no text to import \(only 1 image\)"):
        parse_docx(saved(document))


# --- Not Word files --------------------------------------------------------------------------------


def test_an_old_word_doc_file_is_refused_whatever_its_name():
    old_word = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4096
    with pytest.raises(ImportRefused) as refused:
        parse_docx(old_word, ImportContext(filename="pump-refill.docx"))
    assert refused.value.reason == OLD_WORD_MESSAGE
    assert "save it as .docx (File → Save As → Word Document)" in OLD_WORD_MESSAGE


def test_the_doc_extension_can_be_refused_by_name():
    with pytest.raises(ImportRefused) as refused:
        refuse_old_word_format()
    assert refused.value.reason == OLD_WORD_MESSAGE


def test_a_password_protected_word_file_is_refused_as_such():
    # Word keeps an encrypted .docx in an OLE2 file, in a stream named EncryptedPackage.
    protected = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024 + "EncryptedPackage".encode("utf-16-le")
    with pytest.raises(ImportRefused, match="protected with a password"):
        parse_docx(protected)


def test_an_encrypted_zip_entry_is_refused():
    protected = patched_entry(stimulation_trial(), "word/document.xml", flag_bits=0x1)
    with pytest.raises(ImportRefused, match="protected with a password"):
        parse_docx(protected)


def test_an_empty_file_is_refused():
    with pytest.raises(ImportRefused, match="^The file is empty.$"):
        parse_docx(b"")


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"Spinal cord stimulation\n\nA trial lets you test a stimulator.\n", id="text"),
        pytest.param(png_bytes(), id="png"),
        pytest.param(b"<html><body><h1>Nerve blocks</h1></body></html>", id="html"),
    ],
)
def test_a_file_renamed_docx_is_refused(data):
    with pytest.raises(
        ImportRefused, match=r"^This file is not a Word document \(\.docx\), or it is damaged"
    ):
        parse_docx(data, ImportContext(filename="nerve-blocks.docx"))


def test_a_pdf_is_refused_by_name():
    with pytest.raises(ImportRefused, match="^This is a PDF file, not a Word document"):
        parse_docx(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")


def test_a_truncated_word_file_is_refused():
    data = stimulation_trial()
    with pytest.raises(ImportRefused, match="cut short while downloading or copying"):
        parse_docx(data[: len(data) // 2])


def test_a_zip_that_is_not_a_word_document_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "Spinal cord stimulation")
    with pytest.raises(ImportRefused, match=r"This file is not a Word document \(\.docx\)"):
        parse_docx(buffer.getvalue())


def test_a_spreadsheet_renamed_docx_is_refused_by_name():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(ImportRefused, match="^This is an Excel spreadsheet, not a Word document.$"):
        parse_docx(buffer.getvalue())


def test_a_word_file_with_broken_xml_is_refused():
    broken = with_parts(stimulation_trial(), {"word/document.xml": b"<w:document><w:body><w:p>"})
    with pytest.raises(ImportRefused, match=r"This file is not a Word document \(\.docx\), or it is damaged"):
        parse_docx(broken)


def test_a_file_over_the_size_limit_is_refused_unread(opened_entries):
    too_large = b"PK\x03\x04" + b"\x00" * MAX_DOCX_BYTES
    with pytest.raises(ImportRefused, match="larger than 10 MB"):
        opened_entries.clear()
        parse_docx(too_large)
    assert opened_entries == []


# --- Zip bombs -------------------------------------------------------------------------------------


def test_a_zip_bomb_is_refused_before_anything_is_unpacked(opened_entries):
    bomb = with_bomb(stimulation_trial(), "word/media/image9.png", megabytes=50)
    assert len(bomb) < 1024 * 1024  # 50 MB of zeros in well under 1 MB
    with pytest.raises(ImportRefused, match="would unpack to 51 MB; the limit is 30 MB"):
        opened_entries.clear()
        parse_docx(bomb)
    assert opened_entries == []


def test_a_highly_compressed_entry_is_refused_before_anything_is_unpacked(opened_entries):
    bomb = with_bomb(stimulation_trial(), "word/document2.xml", megabytes=5)
    with pytest.raises(ImportRefused, match="compressed more than 100 times over"):
        opened_entries.clear()
        parse_docx(bomb)
    assert opened_entries == []


def test_a_part_larger_than_it_declares_is_refused():
    data = stimulation_trial()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        document_xml = archive.read("word/document.xml")
    # The part's headers say it is its ordinary size; it unpacks to 8 MB more.
    padded = with_parts(data, {"word/document.xml": document_xml + b" " * (8 * 1024 * 1024)})
    lying = patched_entry(padded, "word/document.xml", file_size=len(document_xml))
    with pytest.raises(ImportRefused, match=r"This file is not a Word document \(\.docx\), or it is damaged"):
        parse_docx(lying)


def padded_parts(data: bytes, megabytes: dict[str, float]) -> bytes:
    """``data`` with parts padded (spaces after the root element) to so many MB, stored uncompressed:
    large, but not a compression bomb."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        replaced = {
            name: archive.read(name) + b" " * int(size * 1024 * 1024) for name, size in megabytes.items()
        }
    return with_parts(data, replaced, compression=zipfile.ZIP_STORED)


def test_a_part_over_the_xml_limit_is_refused_unread(opened_entries):
    large = padded_parts(stimulation_trial(), {"word/document.xml": 2.5})
    with pytest.raises(ImportRefused, match="“word/document.xml” is larger than 2 MB of text and formatting"):
        opened_entries.clear()
        parse_docx(large)
    assert "word/document.xml" not in opened_entries


def test_text_parts_over_the_xml_limit_together_are_refused():
    large = padded_parts(
        stimulation_trial(), {"word/document.xml": 1.4, "word/styles.xml": 1.4, "word/settings.xml": 1.4}
    )
    assert len(large) < MAX_DOCX_BYTES
    with pytest.raises(ImportRefused, match="text parts come to more than 4 MB"):
        parse_docx(large)


def test_a_zip_of_too_many_entries_is_refused():
    crowded = with_parts(
        stimulation_trial(),
        added=[(f"word/glossary/part{number}.xml", b"<a/>") for number in range(MAX_ZIP_ENTRIES)],
    )
    with pytest.raises(ImportRefused, match=r"holds 1,0\d\d files inside it"):
        parse_docx(crowded)


def test_pictures_are_never_unpacked(opened_entries):
    data = stimulation_trial()
    opened_entries.clear()
    parse_docx(data)
    assert "word/document.xml" in opened_entries
    assert not [name for name in opened_entries if name.startswith("word/media/")]


# --- XML attacks -----------------------------------------------------------------------------------

BILLION_LAUGHS = (
    '<!DOCTYPE w:document [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(2, 10)).replace(
        "&lol1;", "&lol;"
    )
    + "]>"
)


def test_an_entity_bomb_is_refused():
    bomb = with_parts(
        stimulation_trial(),
        {"word/document.xml": minimal_document_xml(paragraph_xml("&lol9;"), prolog=BILLION_LAUGHS)},
    )
    with pytest.raises(ImportRefused, match="contains a document type declaration, which Word never writes"):
        parse_docx(bomb)


def test_an_external_entity_is_refused_and_never_read():
    external = '<!DOCTYPE w:document [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    attack = with_parts(
        stimulation_trial(),
        {"word/document.xml": minimal_document_xml(paragraph_xml("Title &secret;"), prolog=external)},
    )
    with pytest.raises(
        ImportRefused, match="“word/document.xml” contains a document type declaration"
    ) as refused:
        parse_docx(attack)
    assert "root:" not in refused.value.reason
    assert "/etc/passwd" not in refused.value.reason


def test_a_declaration_in_any_part_is_refused():
    data = stimulation_trial()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        styles = archive.read("word/styles.xml")
    attack = with_parts(
        data, {"word/styles.xml": styles.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY a "b">]>', 1)}
    )
    with pytest.raises(ImportRefused, match="“word/styles.xml” contains a document type declaration"):
        parse_docx(attack)


def test_a_declaration_hidden_in_utf16_is_refused():
    hidden = (
        '<?xml version="1.0" encoding="UTF-16"?>'
        '<!DOCTYPE w:document [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{paragraph_xml('&secret;')}</w:body></w:document>"
    ).encode("utf-16")
    attack = with_parts(stimulation_trial(), {"word/document.xml": hidden})
    with pytest.raises(
        ImportRefused, match=r"This file is not a Word document \(\.docx\), or it is damaged"
    ) as refused:
        parse_docx(attack)
    assert "root:" not in refused.value.reason


def test_the_parts_given_to_mammoth_are_the_verified_ones(monkeypatch):
    """mammoth reads a zip rebuilt from the checked XML parts, not the file: nothing else is in it."""
    given = []
    original = importing_docx.mammoth.convert_to_html

    def recording_convert(fileobj, **options):
        with zipfile.ZipFile(fileobj) as archive:
            given.extend(archive.namelist())
        fileobj.seek(0)
        return original(fileobj, **options)

    monkeypatch.setattr(importing_docx.mammoth, "convert_to_html", recording_convert)
    parse_docx(stimulation_trial())
    assert "word/document.xml" in given
    assert "[Content_Types].xml" in given
    assert all(name.endswith((".xml", ".rels")) for name in given)


def test_images_without_descriptions_are_counted():
    document = docx.Document()
    document.add_heading("Intrathecal Pump Refills", 1)
    document.add_paragraph("A refill takes about twenty minutes in the clinic, with a fine needle.")
    for _ in range(3):
        add_picture(document)
    add_picture(document, "Pump under the skin")
    add_picture(document, "Refill kit")
    parsed = parse_docx(saved(document))

    assert parsed.notes == (
        "The file has 5 images (“Pump under the skin”, “Refill kit”, 3 without a description): "
        "images are not imported yet; add them to the article by hand.",
    )

    single = docx.Document()
    single.add_heading("Intrathecal Pump Refills", 1)
    single.add_paragraph("A refill takes about twenty minutes in the clinic, with a fine needle.")
    add_picture(single)
    assert parse_docx(saved(single)).notes == (
        "The file has 1 image (without a description): images are not imported yet; add it to the "
        "article by hand.",
    )


def test_a_document_of_more_elements_than_an_article_has_is_refused_before_mammoth_reads_it(monkeypatch):
    converted = []
    monkeypatch.setattr(importing_docx.mammoth, "convert_to_html", lambda *a, **k: converted.append(1))
    # 55,000 paragraphs in one table cell: 1.9 MB of XML, but ten seconds of mammoth.
    crowded = minimal_document_xml(
        "<w:tbl><w:tr><w:tc>" + paragraph_xml("a") * 15_000 + "</w:tc></w:tr></w:tbl>"
    )
    data = with_parts(stimulation_trial(), {"word/document.xml": crowded}, compression=zipfile.ZIP_STORED)
    with pytest.raises(ImportRefused, match=r"far longer than an article \(45,00\d pieces"):
        parse_docx(data)
    assert converted == []


def test_an_xml_part_in_another_encoding_than_utf8_is_refused():
    # A single-byte encoding named in the declaration would read the bytes as other characters,
    # behind the scan for a document type declaration.
    part = b'<?xml version="1.0" encoding="cp037"?>' + minimal_document_xml(paragraph_xml("Text"))[55:]
    data = with_parts(stimulation_trial(), {"word/document.xml": part})
    with pytest.raises(ImportRefused, match="not a Word document"):
        parse_docx(data)


def test_a_short_question_on_a_line_of_its_own_is_a_heading_as_in_plain_text():
    document = docx.Document()
    document.add_heading("Kyphoplasty", level=1)
    document.add_paragraph("Kyphoplasty repairs a broken bone in the spine with a small balloon and cement.")
    document.add_paragraph("Does it hurt?")
    document.add_paragraph("You are asleep or sedated, so you feel no pain during it.")
    document.add_paragraph(
        "Can you tell me whether my insurance will cover every part of the procedure and stay?"
    )
    document.add_paragraph("Ask our billing office.")
    document.add_paragraph("Will I need a brace?")

    parsed = parse_docx(saved(document))

    assert [section.heading for section in parsed.sections] == ["Does it hurt?"]
    # A long question is a sentence; a last one heads nothing: both stay paragraphs.
    assert parsed.sections[0].body == (
        "<p>You are asleep or sedated, so you feel no pain during it.</p>"
        "<p>Can you tell me whether my insurance will cover every part of the procedure and stay?</p>"
        "<p>Ask our billing office.</p><p>Will I need a brace?</p>"
    )
