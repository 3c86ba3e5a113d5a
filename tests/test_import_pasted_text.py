"""Plain text as clinics paste it from their web pages, checked against the importer's rules.

The documents in import_documents/pasted/ are written like real patient-education posts, each in a
different shape: one paragraph per line with no blank lines, blank lines everywhere, hard-wrapped at
72 columns, Windows line endings, with and without a title line. Every expectation below comes from
the rules (headings by shape, the title, the summary, lists, the clinic's closing paragraph left out,
suggestions, typographic quotes kept), not from the importer's output.
"""

from pathlib import Path

import pytest

from articles.importing import parse_document
from tests.factories import make_clinic

PASTED = Path(__file__).parent / "import_documents" / "pasted"


def parse(name: str, clinic=None):
    return parse_document((PASTED / name).read_bytes(), filename=name, clinic=clinic)


def parse_string(text: str, filename: str = "post.txt", clinic=None):
    return parse_document(text.encode(), filename=filename, clinic=clinic)


def headings(document) -> list[str]:
    return [section.heading for section in document.sections]


def body(document, heading: str) -> str:
    (found,) = [section.body for section in document.sections if section.heading == heading]
    return found


def kinds_and_texts(document) -> list[tuple[str, str]]:
    return [(suggestion.kind, suggestion.text) for suggestion in document.suggestions]


def made_from_heading(title: str, heading: str) -> str:
    return f"The text has no title line: the title “{title}” was made from the heading “{heading}”. Edit it."


def made_from_file_name(title: str) -> str:
    return f"The text has no title line: the title “{title}” was made from the file name. Edit it."


def no_title_note(document) -> bool:
    return not any("title" in note for note in document.notes)


# (a) One paragraph per line, no blank lines, no title line, question headings, "- " lists after a
# colon lead-in, curly quotes, and the clinic's own closing paragraph.


@pytest.mark.django_db
def test_spinal_cord_stimulator_no_blank_lines_no_title_line():
    document = parse("spinal-cord-stimulator.txt", clinic=make_clinic(name="Wabash Valley Pain Center"))

    assert document.title == "Spinal cord stimulator"
    assert made_from_heading("Spinal cord stimulator", "What is a spinal cord stimulator?") in document.notes
    assert headings(document) == [
        "What is a spinal cord stimulator?",
        "What conditions can a spinal cord stimulator treat?",
        "What is a trial?",
        "Does it hurt?",
        "What are the risks?",
    ]
    assert document.summary == (
        "If you have lived with back or leg pain for years and tried medications, physical therapy and "
        "even surgery without lasting relief, a spinal cord stimulator may help. It doesn’t cure the "
        "cause of your pain, but it can change how your brain feels it."
    )
    assert body(document, "What is a spinal cord stimulator?") == (
        "<p>A spinal cord stimulator is a small device, about the size of a stopwatch, that sends mild "
        "electrical pulses to the nerves in your spine. The pulses interrupt pain signals before they "
        "reach the brain. Many patients describe the feeling as a gentle tingling, and newer devices can "
        "work without any tingling at all.</p>"
        "<p>The system has three parts:</p>"
        "<ul><li>thin wires called leads, placed in the space around the spinal cord;</li>"
        "<li>a small battery, placed under the skin of your buttock or belly;</li>"
        "<li>a remote control you use to turn it on, off, up or down.</li></ul>"
    )
    assert body(document, "What conditions can a spinal cord stimulator treat?") == (
        "<p>Doctors use spinal cord stimulation to treat long-lasting nerve pain in conditions such as:</p>"
        "<ul><li>Failed back surgery syndrome</li><li>Complex regional pain syndrome (CRPS)</li>"
        "<li>Diabetic nerve pain in the feet</li><li>Chronic sciatica, or</li><li>Arachnoiditis</li></ul>"
    )
    assert body(document, "Does it hurt?") == (
        "<p>Most people feel only pressure during the procedure, because the skin is numbed first. You "
        "may be sore where the battery was placed for a week or two. One patient told us, “The soreness "
        "was gone long before I stopped noticing how much better my legs felt.”</p>"
    )
    # The closing paragraph is left out; the last section keeps its own text.
    assert body(document, "What are the risks?") == (
        "<p>Spinal cord stimulation is considered safe, but like any procedure it has risks, including:</p>"
        "<ul><li>infection at the battery or lead site;</li>"
        "<li>leads that move out of place and need to be adjusted;</li>"
        "<li>a headache from a spinal fluid leak; and</li><li>pain where the battery sits</li></ul>"
    )
    assert document.left_out == (
        "Wabash Valley Pain Center is a pain clinic in Indiana that has offered spinal cord stimulation "
        "since 2012. To learn more, visit our website and like us on Facebook.",
    )
    assert kinds_and_texts(document) == [
        ("condition", "Failed back surgery syndrome"),
        ("condition", "Complex regional pain syndrome (CRPS)"),
        ("condition", "Diabetic nerve pain in the feet"),
        ("condition", "Chronic sciatica"),
        ("condition", "Arachnoiditis"),
        ("risk", "Infection at the battery or lead site"),
        ("risk", "Leads that move out of place and need to be adjusted"),
        ("risk", "A headache from a spinal fluid leak"),
        ("risk", "Pain where the battery sits"),
    ]
    assert {s.found_under for s in document.suggestions if s.kind == "condition"} == {
        "Doctors use spinal cord stimulation to treat long-lasting nerve pain in conditions such as:"
    }


# (b) No blank lines, a title line, statement headings ("Recovery at home"); no clinic given: the
# closing paragraph is recognised by what it says ("call us", "schedule an appointment").


def test_radiofrequency_ablation_title_line_and_statement_headings():
    document = parse("radiofrequency-ablation.txt")

    assert document.title == "Radiofrequency Ablation for Neck and Back Pain"
    assert no_title_note(document)
    assert headings(document) == [
        "How RFA works",
        "Conditions RFA can help with",
        "Before your procedure",
        "Recovery at home",
        "Side effects",
    ]
    assert document.summary == (
        "Radiofrequency ablation, often called RFA, uses gentle heat to quiet the small nerves that carry "
        "pain signals from arthritic joints in your spine. Relief often lasts from six months to more "
        "than a year."
    )
    assert body(document, "Before your procedure") == (
        "<p>Most patients first have two test injections called medial branch blocks. If each block "
        "eases your pain for a few hours, RFA is likely to help you too.</p>"
        "<p>On the day of your procedure:</p>"
        "<ul><li>Do not eat for six hours before your appointment.</li>"
        "<li>Bring a driver; you can’t drive yourself home.</li>"
        "<li>Tell us if you take blood thinners.</li></ul>"
    )
    assert body(document, "Recovery at home") == (
        "<p>You can go home about an hour after the procedure. Your back may feel sore or “sunburned” "
        "for one to two weeks. Ice packs and over-the-counter pain relievers help. Most people return "
        "to work within two days.</p>"
    )
    assert body(document, "Side effects") == (
        "<p>Side effects are uncommon and usually short-lived. They include:</p>"
        "<ul><li>soreness or bruising where the needle went in;</li>"
        "<li>brief numbness or tingling of the skin; or</li>"
        "<li>a temporary rise in pain while the nerve heals</li></ul>"
    )
    assert document.left_out == (
        "To find out whether RFA is right for you, call us at 765-555-0100 or schedule an appointment "
        "online.",
    )
    assert kinds_and_texts(document) == [
        ("condition", "Facet joint arthritis in the neck or lower back"),
        ("condition", "Sacroiliac joint pain"),
        ("condition", "Whiplash pain that has lasted more than six months"),
        ("condition", "Knee pain from osteoarthritis"),
        ("risk", "Soreness or bruising where the needle went in"),
        ("risk", "Brief numbness or tingling of the skin"),
        ("risk", "A temporary rise in pain while the nerve heals"),
    ]


# (c) Blank lines between everything (list items too, in the first list); an introduction of two
# paragraphs; no title line.


def test_epidural_steroid_injection_blank_lines_everywhere():
    document = parse("epidural-steroid-injection.txt")

    assert document.title == "Epidural steroid injection"
    assert (
        made_from_heading("Epidural steroid injection", "What is an epidural steroid injection?")
        in document.notes
    )
    assert headings(document) == [
        "Overview",
        "What is an epidural steroid injection?",
        "Who can benefit?",
        "What happens during the injection?",
        "How soon will I feel better?",
        "Are there side effects?",
    ]
    assert document.summary == (
        "Epidural steroid injections are one of the most common treatments we offer for back and leg pain."
    )
    assert body(document, "Overview") == (
        "<p>For many patients, a single injection calms a flare-up enough to get back to walking, working "
        "and physical therapy. Others need a short series of two or three injections spread over several "
        "months, and some find that the relief lasts long enough that they never need another one.</p>"
    )
    assert body(document, "Who can benefit?") == (
        "<p>Your doctor may recommend an epidural steroid injection for conditions such as:</p>"
        "<ul><li>Herniated or bulging discs</li><li>Spinal stenosis</li><li>Sciatica</li>"
        "<li>Degenerative disc disease</li></ul>"
    )
    assert body(document, "Are there side effects?") == (
        "<p>Serious problems are rare. Possible side effects include:</p>"
        "<ul><li>a brief increase in pain at the injection site</li>"
        "<li>flushing of the face for a day or two</li>"
        "<li>higher blood sugar in people with diabetes</li>"
        "<li>trouble sleeping the night of the injection</li></ul>"
    )
    assert document.left_out == (
        "If you have questions about whether an epidural steroid injection is right for you, call us or "
        "schedule an appointment with one of our physicians.",
    )
    assert kinds_and_texts(document) == [
        ("condition", "Herniated or bulging discs"),
        ("condition", "Spinal stenosis"),
        ("condition", "Sciatica"),
        ("condition", "Degenerative disc disease"),
        ("risk", "A brief increase in pain at the injection site"),
        ("risk", "Flushing of the face for a day or two"),
        ("risk", "Higher blood sugar in people with diabetes"),
        ("risk", "Trouble sleeping the night of the injection"),
    ]


# (d) Hard-wrapped at 72 columns, blank lines between paragraphs, headings on their own lines; a
# wrapped list item continued on an indented line; one long introduction (kept as "Overview").


def test_physical_therapy_hard_wrapped():
    document = parse("physical-therapy-for-back-pain.txt")

    assert document.title == "Physical Therapy for Low Back Pain"
    assert no_title_note(document)
    assert headings(document) == [
        "Overview",
        "What does a physical therapist do?",
        "Who can benefit from physical therapy?",
        "How many visits will I need?",
        "Staying well",
    ]
    # The introduction is one paragraph of 544 characters: it stays as "Overview", and the summary is
    # its opening sentences, cut at a sentence end within 300 characters.
    assert document.summary == (
        "Low back pain is one of the most common reasons people see a doctor, and most episodes get "
        "better within a few weeks. When pain lasts longer than three months, though, rest alone rarely "
        "helps."
    )
    assert body(document, "Overview") == (
        "<p>Low back pain is one of the most common reasons people see a doctor, and most episodes get "
        "better within a few weeks. When pain lasts longer than three months, though, rest alone rarely "
        "helps. Physical therapy teaches your muscles to support your spine again, builds your "
        "confidence to move, and gives you tools to manage flare-ups on your own. Research shows that "
        "people who stay active recover faster than people who stay in bed. Our therapists work closely "
        "with your pain doctor so that injections, medicines and exercise all point toward the same "
        "goal.</p>"
    )
    assert any("summary" in note.lower() for note in document.notes)
    assert body(document, "What does a physical therapist do?") == (
        "<p>At your first visit, your therapist asks about your pain, watches how you walk, bend and "
        "lift, and tests the strength and flexibility of your back, hips and legs. Together you set "
        "goals that matter to you, such as lifting a grandchild or sitting through a movie.</p>"
        "<p>Treatment usually includes:</p>"
        "<ul><li>core strengthening exercises for the muscles of your belly and back;</li>"
        "<li>stretches for tight hamstrings and hip flexors;</li>"
        "<li>posture and lifting training for work and home;</li>"
        "<li>manual therapy, in which the therapist moves your joints and soft tissues by hand; and</li>"
        "<li>a home exercise program you can do in 15 minutes a day.</li></ul>"
    )
    # A wrapped line that starts with a capital ("Coverage varies...") still continues the paragraph.
    assert body(document, "How many visits will I need?") == (
        "<p>Most people come two or three times a week for four to eight weeks. Your therapist checks "
        "your progress at every visit and adjusts your program. Coverage varies, so check with your "
        "insurance plan about how many visits it pays for.</p>"
    )
    assert body(document, "Staying well") == (
        "<p>The exercises keep working only if you keep doing them. Patients who continue their home "
        "program after their last visit have fewer flare-ups in the following year. If your pain comes "
        "back, don’t wait: a few visits early on can stop a flare-up from becoming a setback.</p>"
    )
    assert document.left_out == ()
    assert kinds_and_texts(document) == [
        ("condition", "Muscle strain from lifting or twisting"),
        ("condition", "Sciatica caused by a herniated disc"),
        ("condition", "Spinal stenosis"),
        ("condition", "Pain after back surgery"),
    ]


# (e) Windows line endings, blank lines, a byline under the title, an introduction of two paragraphs.


def test_ketamine_infusions_crlf_and_byline():
    data = (PASTED / "ketamine-infusions.txt").read_bytes()
    assert b"\r\n" in data  # the document really has Windows line endings
    document = parse("ketamine-infusions.txt")

    assert document.title == "Ketamine Infusions for Chronic Pain"
    assert no_title_note(document)
    assert headings(document) == [
        "Overview",
        "How does ketamine relieve pain?",
        "What conditions does ketamine treat?",
        "What to expect during an infusion",
        "Side effects",
        "Who should not have ketamine?",
    ]
    assert document.summary == (
        "Ketamine has been used safely as an anesthetic for more than fifty years. At low doses, given "
        "slowly through an IV, it can calm the overactive pain signals that keep some kinds of pain going "
        "long after an injury has healed."
    )
    # The byline is not a heading, nor the summary (it is not a sentence): it stays in the Overview.
    assert body(document, "Overview") == (
        "<p>By Dr. Anita Rao, MD | Updated 5/1/2024</p>"
        "<p>For people whose pain has not responded to other treatments, a series of ketamine infusions "
        "can bring weeks or months of relief. Every infusion is given in our infusion suite, where a "
        "nurse checks your heart rate, blood pressure and oxygen level the whole time.</p>"
    )
    assert body(document, "How does ketamine relieve pain?") == (
        "<p>Long-lasting pain can make nerves in the spinal cord and brain “wind up,” so that they "
        "overreact to signals that shouldn’t hurt. Ketamine blocks a receptor called NMDA that plays a "
        "key role in this wind-up. Blocking it can turn down the volume of pain.</p>"
    )
    assert body(document, "Side effects") == (
        "<p>Most side effects are mild and go away soon after the infusion:</p>"
        "<ul><li>nausea;</li><li>dizziness or blurred vision;</li>"
        "<li>feeling detached or “floaty”; and</li><li>a short rise in blood pressure</li></ul>"
    )
    assert all("\r" not in section.body for section in document.sections)
    assert document.left_out == ()
    assert kinds_and_texts(document) == [
        ("condition", "Complex regional pain syndrome (CRPS)"),
        ("condition", "Fibromyalgia"),
        ("condition", "Nerve pain after shingles"),
        ("condition", "Phantom limb pain"),
        ("condition", "Depression that comes with chronic pain"),
        ("risk", "Nausea"),
        ("risk", "Dizziness or blurred vision"),
        ("risk", "Feeling detached or “floaty”"),
        ("risk", "A short rise in blood pressure"),
        ("contraindication", "Have uncontrolled high blood pressure"),
        ("contraindication", "Have had psychosis or schizophrenia"),
        ("contraindication", "Are pregnant"),
        ("contraindication", "Have severe liver disease"),
    ]


# (f) Candidates, contraindications and risks lists (the last two straight under their heading, no
# lead-in), numbered steps, and the clinic's closing paragraph.


@pytest.mark.django_db
def test_kyphoplasty_candidates_contraindications_risks_and_steps():
    document = parse("kyphoplasty.txt", clinic=make_clinic(name="Prairie Spine and Pain Clinic"))

    assert document.title == "Kyphoplasty for Spinal Compression Fractures"
    assert no_title_note(document)
    assert headings(document) == [
        "What is a vertebral compression fracture?",
        "Who is a good candidate?",
        "Who should not have this treatment?",
        "How is kyphoplasty done?",
        "Risks and side effects",
        "After your procedure",
    ]
    assert document.summary == (
        "Kyphoplasty is a minimally invasive procedure that repairs a broken vertebra, often easing pain "
        "within days. It also restores some of the bone’s lost height."
    )
    assert body(document, "How is kyphoplasty done?") == (
        "<p>The procedure takes about an hour for each vertebra:</p>"
        "<ol><li>You receive medicine to relax you, and the skin over the fracture is numbed.</li>"
        "<li>Using X-ray guidance, your doctor places a narrow tube into the broken bone.</li>"
        "<li>A small balloon is inflated to lift the collapsed bone back toward its normal height.</li>"
        "<li>The balloon is removed and the space is filled with bone cement, which hardens in "
        "minutes.</li></ol>"
    )
    assert body(document, "Who should not have this treatment?") == (
        "<ul><li>People with an active infection in the blood or spine</li>"
        "<li>People who cannot lie on their stomach for an hour</li>"
        "<li>People with bleeding problems that cannot be corrected</li>"
        "<li>Fractures that have already healed</li></ul>"
    )
    assert body(document, "After your procedure") == (
        "<p>Most patients go home the same day. You can walk right away, and many people notice less "
        "pain within 48 hours. Your doctor will also talk with you about treating osteoporosis so that "
        "new fractures are less likely.</p>"
    )
    assert document.left_out == (
        "Prairie Spine and Pain Clinic has performed kyphoplasty for patients across central Illinois for "
        "more than ten years. Ask your primary care doctor for a referral, or schedule an appointment "
        "online.",
    )
    assert kinds_and_texts(document) == [
        ("candidate", "You have a painful compression fracture from osteoporosis"),
        ("candidate", "Your pain has not improved after two to three weeks of rest, bracing and medicine"),
        ("candidate", "An MRI shows the fracture is recent"),
        ("candidate", "A tumor has weakened the vertebra"),
        ("contraindication", "People with an active infection in the blood or spine"),
        ("contraindication", "People who cannot lie on their stomach for an hour"),
        ("contraindication", "People with bleeding problems that cannot be corrected"),
        ("contraindication", "Fractures that have already healed"),
        ("risk", "Soreness where the tube was placed, for a few days"),
        ("risk", "Bone cement leaking outside the vertebra, which rarely causes symptoms"),
        ("risk", "A new fracture in a nearby vertebra"),
        ("risk", "Infection or bleeding"),
    ]
    found_under = {s.kind: s.found_under for s in document.suggestions}
    assert found_under == {
        "candidate": "You may be a good candidate for kyphoplasty if:",
        "contraindication": "Who should not have this treatment?",
        "risk": "Risks and side effects",
    }


# (g) No title line and no "What is ...?" heading: the title comes from the file name. The first line
# is a long question (not a heading) followed by a sentence. "Not a good candidate" is a
# contraindication.


def test_trigger_point_injections_title_from_file_name():
    document = parse("trigger-point_injections.txt")

    assert document.title == "Trigger point injections"
    assert made_from_file_name("Trigger point injections") in document.notes
    assert headings(document) == [
        "How do trigger points form?",
        "What conditions do trigger point injections treat?",
        "How are the injections given?",
        "Is it right for me?",
        "What happens afterward?",
    ]
    assert document.summary == (
        "Do you have a tight, painful knot in your neck, shoulders or back that never seems to let go? "
        "You may have a trigger point, and a simple injection can often release it."
    )
    assert body(document, "What conditions do trigger point injections treat?") == (
        "<ul><li>Tension headaches</li><li>Myofascial pain syndrome</li><li>Fibromyalgia tender points</li>"
        "<li>Neck and shoulder pain from muscle strain</li></ul>"
    )
    assert body(document, "Is it right for me?") == (
        "<p>Trigger point injections are safe for most adults. You are not a good candidate if you:</p>"
        "<ul><li>are allergic to local anesthetics;</li><li>take blood thinners that can’t be paused;</li>"
        "<li>have an infection near the injection site</li></ul>"
    )
    # The last paragraph is about the treatment, not the clinic: it stays.
    assert body(document, "What happens afterward?") == (
        "<p>You may feel numb for an hour or two and sore for a day. We suggest gentle stretching and "
        "heat at home. Many patients get lasting relief after one to three visits, especially when they "
        "also work on posture and stress.</p>"
    )
    assert document.left_out == ()
    assert kinds_and_texts(document) == [
        ("condition", "Tension headaches"),
        ("condition", "Myofascial pain syndrome"),
        ("condition", "Fibromyalgia tender points"),
        ("condition", "Neck and shoulder pain from muscle strain"),
        ("contraindication", "Are allergic to local anesthetics"),
        ("contraindication", "Take blood thinners that can’t be paused"),
        ("contraindication", "Have an infection near the injection site"),
    ]


# (h) The clinic named in the middle (a whole paragraph, which stays) and at the end, under its own
# heading: the last section becomes empty, so its heading is left out too.


@pytest.mark.django_db
def test_medial_branch_block_clinic_named_in_the_middle_and_at_the_end():
    document = parse("medial-branch-block.txt", clinic=make_clinic(name="Lakeshore Pain Institute"))

    assert document.title == "Medial branch block"
    assert made_from_heading("Medial branch block", "What is a medial branch block?") in document.notes
    assert headings(document) == [
        "What is a medial branch block?",
        "Why is it done?",
        "How should I prepare?",
        "Are there risks?",
    ]
    assert document.summary == (
        "A medial branch block is a quick test that tells your doctor whether the small joints of your "
        "spine are causing your pain."
    )
    assert body(document, "Why is it done?") == (
        "<p>The block is mainly a diagnostic test. A good result means you are likely to benefit from "
        "radiofrequency ablation, which gives longer relief by heating the same nerves.</p>"
        "<p>At Lakeshore Pain Institute, we do two blocks on separate days before recommending ablation, "
        "because a single block can give a false result.</p>"
    )
    assert body(document, "How should I prepare?") == (
        "<p>Keep a pain diary for a few days before your block. After the injection you will rate your "
        "pain every hour for six hours, so it helps to know what your usual pain feels like.</p>"
        "<p>To get the most from the test:</p>"
        "<ul><li>take your usual medicines unless your doctor tells you otherwise</li>"
        "<li>wear loose, comfortable clothes</li>"
        "<li>plan to do the activities that usually cause your pain later that day</li></ul>"
    )
    assert document.left_out == (
        "About Lakeshore Pain Institute",
        "Lakeshore Pain Institute is a pain clinic in Michigan with offices in Holland and Grand Haven. "
        "To schedule an appointment, call us at 616-555-0142, visit our website, or like us on Facebook.",
    )
    assert "About Lakeshore Pain Institute" not in document.skipped_headings
    assert kinds_and_texts(document) == [
        ("risk", "Soreness at the injection site for a day or two"),
        ("risk", "A brief increase in pain"),
        ("risk", "Numbness or weakness in the leg for a few hours"),
    ]


# Focused cases.


def test_a_long_question_is_not_a_heading():
    question = "Have you ever wondered why some people recover from a sprain in days while others limp?"
    assert len(question.split()) == 16 and len(question) <= 100
    document = parse_string(
        "Ankle Sprain Recovery\n"
        "Most ankle sprains heal well with the right care.\n"
        "Why healing differs\n"
        f"{question}\n"
        "The answer usually lies in how early you start moving the ankle again.\n"
    )

    assert document.title == "Ankle Sprain Recovery"
    assert headings(document) == ["Why healing differs"]
    assert body(document, "Why healing differs") == (
        f"<p>{question}</p><p>The answer usually lies in how early you start moving the ankle again.</p>"
    )


def test_a_posted_by_line_is_not_a_heading():
    document = parse_string(
        "Caring for Your Back at Work\n"
        "Posted by Maria Lopez on March 4, 2023\n"
        "Sitting all day is hard on your spine. A few small changes can make a big difference.\n"
        "Set up your desk\n"
        "Put your screen at eye level and keep your feet flat on the floor.\n"
    )

    assert document.title == "Caring for Your Back at Work"
    assert [h for h in headings(document) if h != "Overview"] == ["Set up your desk"]
    assert "Posted by Maria Lopez on March 4, 2023" not in document.skipped_headings
    assert body(document, "Set up your desk") == (
        "<p>Put your screen at eye level and keep your feet flat on the floor.</p>"
    )


def test_a_posted_by_line_without_a_title_line_is_not_a_heading():
    document = parse_string(
        "Posted by Maria Lopez on March 4, 2023\n"
        "Sitting all day is hard on your spine. A few small changes can make a big difference.\n"
        "What is a standing desk?\n"
        "A desk you can raise so that you work standing up for part of the day.\n",
        filename="back-at-work.txt",
    )

    # The byline is not shaped like a title (rule 1: it is not a heading), so the text has no title line.
    assert document.title == "Standing desk"
    assert made_from_heading("Standing desk", "What is a standing desk?") in document.notes
    assert document.summary == (
        "Sitting all day is hard on your spine. A few small changes can make a big difference."
    )
    assert "Posted by Maria Lopez on March 4, 2023" not in headings(document)
    assert "Posted by Maria Lopez on March 4, 2023" not in document.skipped_headings


@pytest.mark.parametrize("last_line", ["Can I have another injection later?", "Next steps"])
def test_a_short_last_line_is_not_a_heading(last_line):
    document = parse_string(
        "Knee Injections\n"
        "A knee injection can ease arthritis pain for months.\n"
        "How long does relief last?\n"
        "Most people feel better for three to six months.\n"
        f"{last_line}\n"
    )

    assert headings(document) == ["How long does relief last?"]
    assert last_line not in document.skipped_headings
    assert body(document, "How long does relief last?") == (
        f"<p>Most people feel better for three to six months.</p><p>{last_line}</p>"
    )


def test_curly_quotes_survive_in_title_summary_and_bodies():
    document = parse_string(
        "Why “Just Rest” Isn’t the Answer for Back Pain\n"
        "Patients often tell us, “I’ll wait until it goes away.”\n"
        "What the research says\n"
        "Bed rest for more than a day or two slows recovery. It’s better to keep “moving gently.”\n"
        "- Walk for ten minutes, three times a day\n"
        "- Don’t sit for more than 30 minutes at a time\n"
    )

    assert document.title == "Why “Just Rest” Isn’t the Answer for Back Pain"
    assert document.summary == "Patients often tell us, “I’ll wait until it goes away.”"
    assert body(document, "What the research says") == (
        "<p>Bed rest for more than a day or two slows recovery. It’s better to keep “moving gently.”</p>"
        "<ul><li>Walk for ten minutes, three times a day</li>"
        "<li>Don’t sit for more than 30 minutes at a time</li></ul>"
    )


def test_back_pain_guide_file_name_title():
    document = parse_string(
        "Back pain is common, and most of it gets better on its own within a few weeks.\n"
        "How can I ease the pain at home?\n"
        "Stay active, use heat or ice, and take an over-the-counter pain reliever if you need one.\n",
        filename="back-pain_guide.txt",
    )

    assert document.title == "Back pain guide"
    assert made_from_file_name("Back pain guide") in document.notes
    assert headings(document) == ["How can I ease the pain at home?"]


def test_a_who_is_question_does_not_make_the_title():
    # Rule: with no title line, the title comes from the first "What is/are X?" heading, else the
    # file name. "Who is a good candidate ...?" names no subject to title the article with.
    document = parse_string(
        "Kyphoplasty can repair a broken vertebra and ease pain within days for most people.\n"
        "Who is a good candidate for kyphoplasty?\n"
        "People with a recent, painful fracture from osteoporosis.\n"
        "How long does it take?\n"
        "About an hour for each vertebra.\n",
        filename="kyphoplasty-faq.txt",
    )

    assert document.title == "Kyphoplasty faq"
    assert made_from_file_name("Kyphoplasty faq") in document.notes
    assert headings(document) == ["Who is a good candidate for kyphoplasty?", "How long does it take?"]


@pytest.mark.parametrize(
    "heading, lead_in",
    [
        ("Who is not a good candidate?", None),
        (
            "Who is a good candidate?",
            "Most adults with knee arthritis can have one. You are not a good candidate if you:",
        ),
        (
            "Is it right for me?",
            "Most adults with knee arthritis can have one. You may not be a good candidate if you:",
        ),
    ],
)
def test_not_a_good_candidate_is_a_contraindication(heading, lead_in):
    lead_in_line = f"{lead_in}\n" if lead_in else ""
    document = parse_string(
        "Knee Injections\n"
        "A knee injection can ease arthritis pain for months at a time.\n"
        f"{heading}\n"
        f"{lead_in_line}"
        "- have an infection in or around the knee;\n"
        "- are allergic to the medicine; or\n"
        "- had a knee replacement in the last three months\n"
        "After the injection\n"
        "Rest your knee for the rest of the day.\n"
    )

    assert [(s.kind, s.text, s.found_under) for s in document.suggestions] == [
        ("contraindication", "Have an infection in or around the knee", lead_in or heading),
        ("contraindication", "Are allergic to the medicine", lead_in or heading),
        ("contraindication", "Had a knee replacement in the last three months", lead_in or heading),
    ]


def test_two_closing_paragraphs_are_both_left_out():
    document = parse_string(
        "Knee Injections\n"
        "A knee injection can ease arthritis pain for months at a time.\n"
        "After the injection\n"
        "Rest your knee for the rest of the day.\n"
        "Call us at 765-555-0100 to schedule an appointment.\n"
        "Visit our website and like us on Facebook for more tips.\n"
    )

    assert headings(document) == ["After the injection"]
    assert body(document, "After the injection") == "<p>Rest your knee for the rest of the day.</p>"
    assert document.left_out == (
        "Call us at 765-555-0100 to schedule an appointment.",
        "Visit our website and like us on Facebook for more tips.",
    )


@pytest.mark.django_db
def test_intrathecal_pump_implant_the_first_customers_shape():
    """No blank lines, no title line, question and statement headings, lists after colon lead-ins,
    curly quotes, and a closing paragraph about the importing clinic."""
    document = parse("intrathecal-pump-implant.txt", clinic=make_clinic(name="Lafayette Pain Care"))

    assert document.title == "Intrathecal pump implant"
    assert document.notes[0] == made_from_heading(
        "Intrathecal pump implant", "What is an intrathecal pump implant?"
    )
    # The introduction is two sentences over 300 characters: the first section, and its opening
    # sentence the summary.
    assert document.summary == (
        "If you’ve been living with chronic pain that hasn’t responded to other treatments, an intrathecal "
        "pump implant may be an option worth discussing with your doctor."
    )
    assert headings(document) == [
        "Overview",
        "What is an intrathecal pump implant?",
        "What conditions can it help?",
        "Who is a candidate for an intrathecal pump?",
        "Does it hurt?",
        "Recovery at home",
        "What are the risks?",
    ]
    assert body(document, "What are the risks?") == (
        "<p>As with any surgery, there are some risks:</p>"
        "<ul><li>Infection</li><li>Bleeding</li><li>Spinal fluid leak</li><li>Headache</li></ul>"
    )
    assert "the “intrathecal space” around the spinal cord" in body(
        document, "What is an intrathecal pump implant?"
    )
    assert document.left_out == (
        "Lafayette Pain Care is a pain clinic in Indiana dedicated to helping patients live fuller lives. "
        "To learn more about intrathecal pumps, visit our website and like us on Facebook.",
    )
    assert kinds_and_texts(document) == [
        ("condition", "Failed back surgery syndrome"),
        ("condition", "Complex regional pain syndrome (CRPS)"),
        ("condition", "Cancer pain"),
        ("condition", "Severe spasticity from multiple sclerosis or cerebral palsy"),
        ("candidate", "Your pain has lasted longer than six months"),
        ("candidate", "Other treatments, such as medications and injections, haven’t helped"),
        ("candidate", "You have had a successful trial dose"),
        ("risk", "Infection"),
        ("risk", "Bleeding"),
        ("risk", "Spinal fluid leak"),
        ("risk", "Headache"),
    ]
