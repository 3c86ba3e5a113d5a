"""The demo's Spanish version of the intrathecal pump article (issue 17): written for patients, not
machine-translated. Latin American Spanish, "usted", short sentences; the same sections, lists and
figure as the English article (_demo_content.py), in the same order. Its sections' text together
reaches the Spanish readability target (Szigriszt-Pazos, INFLESZ, at least 65: "bastante fácil").

load_demo makes it with articles.translations.create_translation, then puts this text in place of
the copied English. Demo text: the reviewing physician confirms it, as the English.
"""

SOURCE_SLUG = "intrathecal-pump-implant"
LANGUAGE = "es"

TITLE = "Bomba intratecal para el dolor"
TREATMENT_NAME = "Administración intratecal de medicamentos (bomba para el dolor)"
SUMMARY = (
    "Una bomba intratecal es un aparato pequeño que se coloca bajo la piel. Lleva medicina para el "
    "dolor muy cerca de la médula espinal. Sepa cómo funciona, qué esperar y a quién puede ayudar."
)

# In the order of the English sections. "figures": the Spanish caption and alt text of each
# picture of the English section, in order (the picture itself is the library's, shared).
SECTIONS = [
    {
        "heading": "¿Qué es una bomba intratecal?",
        "body": (
            "<p>Su médula espinal está rodeada de un líquido claro, el líquido espinal. "
            "Ese lugar es el espacio alrededor de la médula espinal (espacio intratecal).</p>"
            "<p>Una bomba intratecal es un aparato redondo. Es del tamaño de un disco de hockey. "
            "Se coloca bajo la piel de la barriga. Un tubo delgado, llamado "
            "<strong>catéter</strong>, va de la bomba al espacio intratecal.</p>"
        ),
        "figures": [
            {
                "caption": (
                    "La bomba queda bajo la piel de la barriga. Un tubo delgado lleva la medicina por "
                    "el costado hasta el espacio alrededor de la médula espinal."
                ),
                "alt": (
                    "Dibujo de la parte baja del cuerpo, visto de lado. La bomba redonda está justo bajo "
                    "la piel de la barriga. Un tubo delgado sale de ella y pasa por el costado hacia la "
                    "espalda. Entra entre dos huesos de la columna. Termina en el espacio con líquido que "
                    "rodea la médula espinal. Los rótulos del dibujo están en inglés."
                ),
            },
        ],
    },
    {
        "heading": "¿Cómo funciona la bomba?",
        "body": (
            "<p>La bomba da pequeñas dosis de medicina justo donde pasan las señales de dolor. "
            "Como la medicina llega directo a ese lugar, usted necesita mucho menos que si la toma "
            "por la boca. Muchas personas pueden tomar menos pastillas para el dolor.</p>"
            "<ul>"
            "<li>La bomba se puede ajustar para dar más o menos medicina a ciertas horas del día.</li>"
            "<li>La bomba guarda la medicina por dentro. Su equipo de salud la vuelve a llenar en "
            "citas fijas. Esto se llama recarga de la bomba.</li>"
            "</ul>"
        ),
    },
    {
        "heading": "¿Qué pasa durante el procedimiento?",
        "body": (
            "<p>Primero le harán una <strong>prueba de detección (ensayo)</strong>. Así se sabe si la "
            "medicina le calma el dolor antes de poner una bomba para siempre.</p>"
            "<p>Si la prueba le alivia el dolor, le ponen la bomba para que se quede. "
            "Casi todos vuelven a casa el mismo día.</p>"
            "<p>Si hace falta, la bomba se puede sacar más adelante. Pero para sacarla hace falta "
            "una cirugía.</p>"
        ),
    },
    {
        "heading": "¿Duele?",
        "body": (
            "<p>Puede tener algunas molestias mientras sana. Después, casi todos sienten poco o "
            "nada de dolor por la bomba misma.</p>"
            "<p>Si el dolor cerca de la bomba no se quita, dígaselo a su médico.</p>"
        ),
    },
    {
        "heading": "¿Cuáles son los riesgos y efectos secundarios?",
        "body": (
            "<p>Como todo procedimiento, la bomba intratecal tiene algunos riesgos. "
            "Su médico los hablará con usted. Son estos:</p>"
            "<ul>"
            "<li>Que el catéter se mueva de su lugar</li>"
            "<li>Que se junte líquido alrededor de la bomba</li>"
            "<li>Que la bomba no funcione bien</li>"
            "<li>Infección</li>"
            "<li>Sangrado</li>"
            "<li>Efectos secundarios de la medicina. Casi siempre se notan durante la prueba.</li>"
            "</ul>"
            "<p>Pregunte a su médico qué señales quieren decir que debe llamar a la clínica.</p>"
        ),
    },
    {
        "heading": "¿Quién es un buen candidato?",
        "body": (
            "<p>La bomba intratecal no es para todos. Su médico verá su salud, su dolor y los "
            "tratamientos que ya probó.</p>"
            "<p>Puede ser una opción si otros tratamientos no le han ayudado lo bastante y la prueba "
            "le alivió el dolor. Hable con su médico para saber si es buena para usted.</p>"
        ),
    },
]

CANDIDATE_CRITERIA = [
    "Los tratamientos sin cirugía no le han aliviado el dolor.",
    "Usted depende de medicinas recetadas para el dolor.",
    "Otra cirugía no es posible o no es práctica para usted.",
    "La bomba de prueba le alivió el dolor.",
    "No tiene otro problema de salud, del cuerpo o de la mente, que haga que la bomba funcione peor.",
]

CONTRAINDICATIONS = [
    "Una infección que aún no se ha tratado, en el cuerpo o donde iría la bomba.",
    "Un problema de sangrado, o medicinas para la sangre (anticoagulantes) que no se pueden dejar "
    "para el procedimiento.",
    "Alergia a la medicina que daría la bomba.",
]

# Spanish names and summaries of the conditions and risks the pump article names
# (ConditionTranslation, RiskTranslation): made with the Spanish article, reviewed by its reviewer,
# so its JSON, JSON-LD and handout, and /api/v1/conditions/?language=es, show them.
CONDITION_NAMES = {
    "failed-back-surgery-syndrome": (
        "Dolor después de una cirugía de espalda",
        "Algunas personas siguen con dolor de espalda o de pierna después de una cirugía de espalda, "
        "o el dolor vuelve más tarde. A veces se llama síndrome de cirugía de espalda fallida.",
    ),
    "cancer-pain": (
        "Dolor por cáncer",
        "El cáncer y sus tratamientos pueden causar un dolor difícil de controlar. Un buen cuidado "
        "del dolor puede hacer más cómoda la vida diaria.",
    ),
    "brain-or-nerve-injury-pain": (
        "Dolor por lesión del cerebro o de los nervios",
        "Un daño en el cerebro, la médula espinal o los nervios puede causar un dolor de nervios que "
        "dura mucho. Puede arder, dar hormigueo o sentirse como choques eléctricos.",
    ),
    "chronic-pancreatitis-pain": (
        "Dolor por pancreatitis crónica",
        "La pancreatitis crónica es una inflamación del páncreas que dura mucho. Puede causar un "
        "dolor constante en la barriga que a veces llega a la espalda.",
    ),
}
RISK_NAMES = {
    "catheter-movement": (
        "El catéter se mueve",
        "El tubo delgado (catéter) que lleva la medicina desde la bomba puede moverse de su lugar. "
        "Su médico le puede decir qué señales vigilar.",
    ),
    "fluid-buildup": (
        "Acumulación de líquido",
        "Se puede juntar líquido alrededor del aparato, bajo la piel. Avise a su equipo de salud si "
        "nota hinchazón cerca del lugar.",
    ),
    "device-malfunction": (
        "Falla del aparato",
        "Un aparato colocado dentro del cuerpo puede dejar de funcionar como debe. Su equipo de "
        "salud revisa cómo funciona en sus citas de control.",
    ),
    "infection": (
        "Infección",
        "Todo procedimiento que abre la piel tiene un riesgo pequeño de infección. Llame a su equipo "
        "de salud si tiene fiebre, enrojecimiento, calor o supuración en el lugar.",
    ),
    "bleeding": (
        "Sangrado",
        "Hay un riesgo pequeño de sangrado donde entra la aguja o el aparato. Dígale a su médico si "
        "toma medicinas para hacer la sangre más líquida.",
    ),
    "medication-side-effects": (
        "Efectos secundarios de la medicina",
        "La medicina de la bomba puede causar efectos secundarios. Casi siempre se notan durante la "
        "prueba, antes de colocar la bomba para siempre.",
    ),
}
