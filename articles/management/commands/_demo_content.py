"""Demo content for Careleaf: one pain clinic, its conditions, risks and patient-education articles."""

from articles.management.commands._demo_images import LEAD_FOCAL_POINT, pump_diagram, pump_lead_image

CLINIC = {
    "slug": "lafayette-pain-care",
    "name": "Lafayette Pain Care",
    "description": (
        "Lafayette Pain Care is a pain clinic in Lafayette, Indiana, that treats both "
        "chronic and acute pain. Our goal is to help patients get back to the daily "
        "life they want to live."
    ),
    "specialty": "Pain management",
    "street_address": "Street address to be confirmed (placeholder)",
    "city": "Lafayette",
    "region": "IN",
    "postal_code": "47901",  # Placeholder guess for Lafayette, IN; confirm the real ZIP code.
    "country": "US",
    "phone": "+1-765-555-0100",  # 555 placeholder number, not a real line.
    "email": "info@lafayettepaincare.example",
    "website": "https://lafayettepaincare.example/",
}

# The clinician shown as having checked the live articles: staff replace the placeholder.
REVIEWER = {
    "name": "Reviewing physician (placeholder)",
    "credentials": "MD, pain medicine (replace in the admin)",
}

CONTACT_LINKS = [
    {
        "kind": "website",
        "label": "Website (placeholder)",
        "url": "https://lafayettepaincare.example/",
    },
    {
        "kind": "facebook",
        "label": "Facebook (placeholder)",
        "url": "https://www.facebook.com/LafayettePainCare-placeholder",
    },
    {"kind": "phone", "label": "Call us (placeholder number)", "url": "tel:+17655550100"},
]

CONDITIONS = [
    {
        "slug": "failed-back-surgery-syndrome",
        "name": "Pain after failed back surgery",
        "summary": (
            "Some people still have back or leg pain after back surgery, or the pain comes "
            "back later. This is sometimes called failed back surgery syndrome."
        ),
    },
    {
        "slug": "cancer-pain",
        "name": "Cancer pain",
        "summary": (
            "Cancer and its treatments can cause pain that is hard to control. "
            "Good pain care can make daily life more comfortable."
        ),
    },
    {
        "slug": "brain-or-nerve-injury-pain",
        "name": "Pain from brain or nerve injury",
        "summary": (
            "Damage to the brain, spinal cord or nerves can cause long-lasting nerve pain. "
            "It may burn, tingle or feel like electric shocks."
        ),
    },
    {
        "slug": "chronic-pancreatitis-pain",
        "name": "Chronic pancreatitis pain",
        "summary": (
            "Chronic pancreatitis is long-lasting swelling of the pancreas. "
            "It can cause ongoing pain in the belly that may spread to the back."
        ),
    },
    {
        "slug": "complex-regional-pain-syndrome",
        "name": "Complex regional pain syndrome",
        "summary": (
            "Complex regional pain syndrome (CRPS) is strong, lasting pain, usually in an arm "
            "or leg, that often starts after an injury. The pain is more than you would expect "
            "from the injury itself."
        ),
    },
    {
        "slug": "sciatica",
        "name": "Sciatica",
        "summary": (
            "Sciatica is pain that travels from the lower back down the leg. "
            "It happens when a nerve root in the lower spine is pressed or irritated."
        ),
    },
    {
        "slug": "spinal-stenosis",
        "name": "Spinal stenosis",
        "summary": (
            "Spinal stenosis means the spaces inside the spine have become narrow and press on "
            "nerves. It can cause pain, numbness or weakness in the back, legs or arms."
        ),
    },
    {
        "slug": "facet-joint-arthritis",
        "name": "Facet joint arthritis",
        "summary": (
            "Facet joints are small joints that link the bones of the spine. "
            "When arthritis wears them down, they can cause neck or back pain."
        ),
    },
]

# ICD-10-CM codes of the demo's conditions (ConditionCode; the display comes from the code set).
# A subcategory where the condition does not say the side or spine region (M54.3 finds M54.31...);
# "pain from brain or nerve injury" has no single code: G89.0 is its central (brain and spinal
# cord) part. The reviewing physician confirms them, as the rest of the demo.
CONDITION_CODES = {
    "failed-back-surgery-syndrome": ["M96.1"],  # Postlaminectomy syndrome, NEC
    "cancer-pain": ["G89.3"],  # Neoplasm related pain (acute) (chronic)
    "brain-or-nerve-injury-pain": ["G89.0"],  # Central pain syndrome
    "chronic-pancreatitis-pain": ["K86.1"],  # Other chronic pancreatitis (chronic pancreatitis NOS)
    "complex-regional-pain-syndrome": ["G90.5"],  # Complex regional pain syndrome I (CRPS I)
    "sciatica": ["M54.3"],  # Sciatica
    "spinal-stenosis": ["M48.0"],  # Spinal stenosis
    "facet-joint-arthritis": ["M47.81"],  # Spondylosis without myelopathy or radiculopathy
}

RISKS = [
    {
        "slug": "catheter-movement",
        "name": "Catheter movement",
        "summary": (
            "The thin tube (catheter) that carries medicine from the pump can move out of place. "
            "Your doctor can tell you what signs to watch for."
        ),
    },
    {
        "slug": "fluid-buildup",
        "name": "Fluid buildup",
        "summary": (
            "Fluid can collect around the device under the skin. "
            "Tell your care team if you notice swelling near the site."
        ),
    },
    {
        "slug": "device-malfunction",
        "name": "Device malfunction",
        "summary": (
            "An implanted device can stop working the way it should. "
            "Your care team checks how it is working at your follow-up visits."
        ),
    },
    {
        "slug": "infection",
        "name": "Infection",
        "summary": (
            "Any procedure that breaks the skin carries a small risk of infection. "
            "Call your care team if you have fever, redness, warmth or drainage at the site."
        ),
    },
    {
        "slug": "bleeding",
        "name": "Bleeding",
        "summary": (
            "There is a small risk of bleeding where the needle or device goes in. "
            "Tell your doctor about any blood thinners you take."
        ),
    },
    {
        "slug": "medication-side-effects",
        "name": "Medication side effects",
        "summary": (
            "The medicine in the pump can cause side effects. "
            "These are usually found during the trial, before a permanent pump is placed."
        ),
    },
    {
        "slug": "lead-movement",
        "name": "Lead movement",
        "summary": (
            "The thin wires, called leads, can shift from where they were placed. "
            "This can change how well the device works and may need a fix."
        ),
    },
    {
        "slug": "headache",
        "name": "Spinal headache",
        "summary": (
            "Rarely, the needle can cause a leak of spinal fluid that leads to a headache. "
            "Tell your doctor if you get a headache that is worse when you sit or stand up."
        ),
    },
    {
        "slug": "temporary-pain-flare",
        "name": "Temporary pain flare",
        "summary": (
            "Your pain may get worse for a few days after the procedure. "
            "This usually settles down on its own."
        ),
    },
    {
        "slug": "numbness",
        "name": "Numbness or tingling",
        "summary": (
            "You may have some numbness or tingling in the skin near the treated area. "
            "This is usually temporary."
        ),
    },
]

ARTICLES = [
    {
        "slug": "intrathecal-pump-implant",
        "title": "Intrathecal pump implants",
        "summary": (
            "An intrathecal pump is a small device placed under the skin that sends pain "
            "medicine close to the spinal cord. Learn how it works, what to expect and who "
            "it may help."
        ),
        "state": "published",
        "sections": [
            {
                "heading": "What is an intrathecal pump?",
                "body": (
                    "<p>The intrathecal space is the space around your spinal cord. "
                    "It is filled with a clear liquid called spinal fluid.</p>"
                    "<p>An intrathecal pump is a round device about the size of a hockey puck. "
                    "It is placed under the skin of your belly. A thin tube, called a "
                    "<strong>catheter</strong>, runs from the pump to the intrathecal space.</p>"
                ),
            },
            {
                "heading": "How does the pump work?",
                "body": (
                    "<p>The pump sends small doses of medicine right to the place where pain "
                    "signals travel. Because the medicine goes straight there, you need far less "
                    "of it than you would by mouth. Many people can take fewer pain pills.</p>"
                    "<ul>"
                    "<li>The pump can be set to give more or less at set times of day.</li>"
                    "<li>The pump holds the medicine inside. "
                    "Your care team refills it at regular visits.</li>"
                    "</ul>"
                ),
            },
            {
                "heading": "What happens during the procedure?",
                "body": (
                    "<p>First, you will have a <strong>trial</strong>. This shows whether the "
                    "medicine helps your pain before a pump is placed for good.</p>"
                    "<p>If the trial eases your pain, the pump is put in to stay. Most people go "
                    "home the same day.</p>"
                    "<p>The pump can be taken out later if needed. But taking it out takes "
                    "surgery.</p>"
                ),
            },
            {
                "heading": "Does it hurt?",
                "body": (
                    "<p>You may have some discomfort while you heal from the procedure. "
                    "After that, most people feel little or no pain from the pump itself.</p>"
                    "<p>If pain near the pump does not go away, tell your doctor.</p>"
                ),
            },
            {
                "heading": "What are the risks and side effects?",
                "body": (
                    "<p>Like any procedure, an intrathecal pump has some risks. "
                    "Your doctor will talk with you about them. They include:</p>"
                    "<ul>"
                    "<li>The catheter moving out of place</li>"
                    "<li>Fluid building up around the pump</li>"
                    "<li>The pump not working as it should</li>"
                    "<li>Infection</li>"
                    "<li>Bleeding</li>"
                    "<li>Side effects from the medicine. These are usually found during the trial.</li>"
                    "</ul>"
                    "<p>Ask your doctor which signs mean you should call the clinic.</p>"
                ),
            },
            {
                "heading": "Who is a good candidate?",
                "body": (
                    "<p>An intrathecal pump is not right for everyone. Your doctor will look at "
                    "your health, your pain and the treatments you have already tried.</p>"
                    "<p>It may be an option if other treatments have not helped enough and the "
                    "trial eased your pain. Talk with your doctor about whether it could be a good "
                    "fit for you.</p>"
                ),
            },
        ],
        "conditions": [
            "failed-back-surgery-syndrome",
            "cancer-pain",
            "brain-or-nerve-injury-pain",
            "chronic-pancreatitis-pain",
        ],
        "risks": [
            "catheter-movement",
            "fluid-buildup",
            "device-malfunction",
            "infection",
            "bleeding",
            "medication-side-effects",
        ],
        "candidate_criteria": [
            "Conservative treatments have not relieved your pain.",
            "You rely on prescription pain medicine.",
            "More surgery is not possible or practical for you.",
            "The trial pump reduced your pain.",
            "You have no other mental or physical condition that would make the pump work less well.",
        ],
    },
    {
        "slug": "spinal-cord-stimulation",
        "title": "Spinal cord stimulation",
        "summary": (
            "Spinal cord stimulation uses a small implanted device to send mild electrical "
            "pulses to the spinal cord. It can change how pain signals reach the brain."
        ),
        "state": "published",
        "sections": [
            {
                "heading": "What is spinal cord stimulation?",
                "body": (
                    "<p>Spinal cord stimulation uses a small device placed under the skin. "
                    "Thin wires, called <strong>leads</strong>, carry mild electrical pulses from "
                    "the device to your spinal cord.</p>"
                    "<p>These pulses change how pain signals reach your brain. The goal is to lower "
                    "your pain so daily life is easier. It does not cure the cause of the pain.</p>"
                ),
            },
            {
                "heading": "How do I control it?",
                "body": (
                    "<p>You use a small remote control to turn the device on or off. "
                    "You can also change the settings within limits your care team sets.</p>"
                ),
            },
            {
                "heading": "What happens during the procedure?",
                "body": (
                    "<p>First, you will have a <strong>trial</strong> with a temporary device. "
                    "This lets you and your doctor see if it helps your pain.</p>"
                    "<p>If the trial helps, a permanent device can be placed. The device can be "
                    "turned off or removed later if needed.</p>"
                ),
            },
            {
                "heading": "What are the risks?",
                "body": (
                    "<p>Risks are not common, but they can happen. They include:</p>"
                    "<ul>"
                    "<li>Infection</li>"
                    "<li>Bleeding</li>"
                    "<li>The device not working as it should</li>"
                    "<li>The leads shifting out of place</li>"
                    "</ul>"
                    "<p>Call the clinic if you notice changes in how the device feels "
                    "or signs of infection.</p>"
                ),
            },
            {
                "heading": "Who is a good candidate?",
                "body": (
                    "<p>Spinal cord stimulation may help some people with long-lasting back, leg "
                    "or nerve pain. Your doctor will help you decide if it is a good choice for you.</p>"
                ),
            },
        ],
        "conditions": [
            "failed-back-surgery-syndrome",
            "brain-or-nerve-injury-pain",
            "complex-regional-pain-syndrome",
        ],
        "risks": [
            "infection",
            "bleeding",
            "device-malfunction",
            "lead-movement",
        ],
        "candidate_criteria": [
            "Your pain has lasted a long time and other treatments have not helped enough.",
            "The trial device reduced your pain.",
            "More surgery is not likely to help.",
            "You are able to use the remote control.",
        ],
    },
    {
        "slug": "epidural-steroid-injection",
        "title": "Epidural steroid injections",
        "summary": (
            "An epidural steroid injection puts anti-inflammatory medicine near irritated nerves "
            "in the spine. It may ease pain in the back, neck, arms or legs."
        ),
        "state": "draft",
        "sections": [
            {
                "heading": "What is an epidural steroid injection?",
                "body": (
                    "<p>A steroid is a medicine that calms swelling (inflammation). In this shot, "
                    "the steroid goes into the <strong>epidural space</strong>. This is the area "
                    "near the nerves in your spine.</p>"
                    "<p>The goal is to calm nerves that are irritated and causing pain.</p>"
                ),
            },
            {
                "heading": "What happens during the procedure?",
                "body": (
                    "<p>Your doctor often uses an imaging device, such as an X-ray, to guide the "
                    "needle to the right place. Then the medicine is injected.</p>"
                ),
            },
            {
                "heading": "When will I feel better?",
                "body": (
                    "<p>Relief may take a few days to start. Some people feel better and some do "
                    "not. If the shot helps, it may be repeated later.</p>"
                    "<p>Keep track of your pain and share it with your doctor at your next visit.</p>"
                ),
            },
            {
                "heading": "What are the risks?",
                "body": (
                    "<ul>"
                    "<li>Infection</li>"
                    "<li>Bleeding</li>"
                    "<li>A rare spinal headache</li>"
                    "<li>Pain that gets worse for a short time</li>"
                    "</ul>"
                    "<p>Ask your doctor what to watch for and when to call.</p>"
                ),
            },
        ],
        "conditions": [
            "sciatica",
            "spinal-stenosis",
        ],
        "risks": [
            "infection",
            "bleeding",
            "headache",
            "temporary-pain-flare",
        ],
        "candidate_criteria": [
            "You have pain from irritated nerves in your spine.",
            "Rest, medicine or physical therapy have not helped enough.",
        ],
    },
    {
        "slug": "radiofrequency-ablation",
        "title": "Radiofrequency ablation",
        "summary": (
            "Radiofrequency ablation uses heat to quiet small nerves that carry pain from the "
            "facet joints of the spine. Relief can last for months."
        ),
        "state": "scheduled",
        "sections": [
            {
                "heading": "What is radiofrequency ablation?",
                "body": (
                    "<p>Facet joints are small joints between the bones of your spine. Small nerves "
                    "carry pain signals from these joints.</p>"
                    "<p>In radiofrequency ablation, heat from the tip of a needle quiets these "
                    "nerves. This can lower the pain signals they send.</p>"
                ),
            },
            {
                "heading": "Is there a test first?",
                "body": (
                    "<p>Yes. First you will have a test called a <strong>medial branch block</strong>. "
                    "Numbing medicine is placed near the small nerves.</p>"
                    "<p>If your pain eases for a short time after the test, these nerves are likely "
                    "part of your pain. Then ablation may help.</p>"
                ),
            },
            {
                "heading": "How long does relief last?",
                "body": (
                    "<p>Relief can last for months. Over time the nerves can grow back, and the "
                    "pain may return. If that happens, talk with your doctor about your options.</p>"
                ),
            },
            {
                "heading": "What are the risks?",
                "body": (
                    "<ul>"
                    "<li>Infection</li>"
                    "<li>Bleeding</li>"
                    "<li>Pain that gets worse for a short time</li>"
                    "<li>Numbness or tingling that is usually temporary</li>"
                    "</ul>"
                ),
            },
        ],
        "conditions": [
            "facet-joint-arthritis",
        ],
        "risks": [
            "infection",
            "bleeding",
            "temporary-pain-flare",
            "numbness",
        ],
        "candidate_criteria": [
            "You have neck or back pain that comes from your facet joints.",
            "A medial branch block test eased your pain for a short time.",
        ],
    },
]

# What each article explains, for search engines (schema.org): (type, name).
TREATMENTS = {
    "intrathecal-pump-implant": ("therapy", "Intrathecal drug delivery (pain pump)"),
    "spinal-cord-stimulation": ("therapy", "Spinal cord stimulation"),
    "epidural-steroid-injection": ("procedure", "Epidural steroid injection"),
    "radiofrequency-ablation": ("procedure", "Radiofrequency ablation"),
}

# Who should not have the treatment. Demo text: the reviewing physician confirms it.
CONTRAINDICATIONS = {
    "intrathecal-pump-implant": [
        "An infection that is not yet treated, in the body or where the pump would go.",
        "A bleeding problem, or blood thinners that cannot be stopped for the procedure.",
        "An allergy to the medicine the pump would give.",
    ],
    "spinal-cord-stimulation": [
        "An infection that is not yet treated.",
        "A bleeding problem, or blood thinners that cannot be stopped for the procedure.",
    ],
}

# Sources. Demo references: the reviewing physician checks each one before relying on it.
REFERENCES = {
    "intrathecal-pump-implant": [
        {
            "title": (
                "The Polyanalgesic Consensus Conference (PACC): Recommendations on Intrathecal "
                "Drug Infusion Systems Best Practices and Guidelines. Neuromodulation, 2017."
            ),
            "pubmed_id": "28042904",
            "doi": "10.1111/ner.12538",
        },
        {
            "title": "Chronic Pain. MedlinePlus, U.S. National Library of Medicine.",
            "url": "https://medlineplus.gov/chronicpain.html",
            "accessed_on": "2026-11-20",
        },
    ],
    "spinal-cord-stimulation": [
        {
            "title": (
                "Spinal cord stimulation versus conventional medical management for neuropathic "
                "pain: a multicentre randomised controlled trial in patients with failed back "
                "surgery syndrome. Pain, 2007."
            ),
            "pubmed_id": "17845835",
            "doi": "10.1016/j.pain.2007.07.028",
        },
    ],
    "epidural-steroid-injection": [
        {
            "title": "Back Pain. MedlinePlus, U.S. National Library of Medicine.",
            "url": "https://medlineplus.gov/backpain.html",
            "accessed_on": "2026-11-20",
        },
    ],
    "radiofrequency-ablation": [
        {
            "title": "Back Pain. MedlinePlus, U.S. National Library of Medicine.",
            "url": "https://medlineplus.gov/backpain.html",
            "accessed_on": "2026-11-20",
        },
    ],
}

# Pictures drawn for the demo (_demo_images.py), put in the clinic's image library. Each is found
# again by its credit and caption in the demo clinic: load_demo never makes it twice.
PICTURE_CREDIT = "Drawing: Careleaf demo"
PICTURES = {
    "intrathecal-pump-implant": {
        # At the top of the article; the focal point is the pump, kept in view by cropped thumbnails.
        "lead_image": {
            "draw": pump_lead_image,
            "file_name": "intrathecal-pump-banner.png",
            "alt_text": (
                "A round, flat pump about the size of a hockey puck, with a small refill port in its "
                "center. A thin tube curves away from its edge."
            ),
            "caption": "An intrathecal pump is about the size of a hockey puck.",
            "focal_point": LEAD_FOCAL_POINT,
        },
        # In the section (by heading) that says where the pump and its tube go.
        "figures": [
            {
                "section": "What is an intrathecal pump?",
                "draw": pump_diagram,
                "file_name": "intrathecal-pump-diagram.png",
                "alt_text": (
                    "Side view of the lower body. The round pump sits just under the skin of the belly. "
                    "A thin tube runs from it around the side to the back, goes in between two bones "
                    "of the spine, and ends in the fluid-filled space around the spinal cord."
                ),
                "caption": (
                    "The pump sits under the skin of your belly. A thin tube carries the medicine "
                    "around your side to the space around your spinal cord."
                ),
            },
        ],
    },
}
