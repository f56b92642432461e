"""Curated name knowledge: Spanish/Central American nicknames, particles, countries.

The nickname table maps a *hipocorístico* (the name a child or family actually uses)
to the formal given name(s) it stands for. Keys and values are normalised (lower case,
no accents). A nickname may stand for several names (Beto: Alberto, Roberto, Humberto);
matching treats two given names as equivalent when their sets of formal names meet.
"""

from __future__ import annotations

# nickname -> formal names. Curated from common Mexican/Central American usage.
_NICKNAMES: dict[str, tuple[str, ...]] = {
    "chepe": ("jose",), "pepe": ("jose",), "pepito": ("jose",), "cheo": ("jose",),
    "chema": ("jose",), "josecito": ("jose",),
    "lupe": ("guadalupe",), "lupita": ("guadalupe",), "pita": ("guadalupe",),
    "chayo": ("rosario",), "charo": ("rosario",),
    "paco": ("francisco",), "pancho": ("francisco",), "quico": ("francisco",),
    "kiko": ("francisco", "enrique"), "paquito": ("francisco",), "chico": ("francisco",),
    "francis": ("francisco", "francisca"),
    "nacho": ("ignacio",), "memo": ("guillermo",), "guille": ("guillermo",),
    "lencho": ("lorenzo", "florencio"), "tono": ("antonio",), "tonio": ("antonio",),
    "toni": ("antonio", "antonia"), "tona": ("antonia",),
    "concha": ("concepcion",), "conchita": ("concepcion",), "chon": ("concepcion", "asuncion"),
    "meche": ("mercedes",), "mecha": ("mercedes",),
    "chelo": ("consuelo", "marcelo"), "chente": ("vicente",), "chucho": ("jesus",),
    "chuy": ("jesus",), "chus": ("jesus",), "chuchito": ("jesus",),
    "beto": ("alberto", "roberto", "humberto", "norberto", "gilberto"),
    "tito": ("alberto", "roberto", "ernesto", "agapito"),
    "pepa": ("josefa",), "chepa": ("josefa",), "pina": ("josefina",), "fina": ("josefina",),
    "lola": ("dolores",), "lolita": ("dolores",),
    "chabela": ("isabel",), "chavela": ("isabel",), "isa": ("isabel",),
    "rosi": ("rosa", "rosario"), "chio": ("rocio", "rosario"),
    "nando": ("fernando", "hernando"), "fer": ("fernando", "fernanda"),
    "kike": ("enrique",), "quique": ("enrique",), "lalo": ("eduardo",),
    "poncho": ("alfonso",), "checo": ("sergio",), "goyo": ("gregorio",),
    "santi": ("santiago",), "juancho": ("juan",), "juanito": ("juan",), "juanita": ("juana",),
    "maco": ("marco",), "tere": ("teresa",), "techa": ("teresa",), "cuca": ("refugio",),
    "cuco": ("refugio",), "cuquita": ("refugio",),
    "pili": ("pilar",), "paty": ("patricia",), "pati": ("patricia",), "patty": ("patricia",),
    "lucha": ("luz",), "licha": ("alicia",), "moncho": ("ramon",),
    "chalo": ("gonzalo", "rosalio"), "chano": ("luciano", "feliciano", "mariano"),
    "tencha": ("hortensia",), "fito": ("adolfo", "rodolfo"), "rafa": ("rafael",),
    "nena": ("elena", "magdalena"), "male": ("magdalena",), "malena": ("magdalena",),
    "gaby": ("gabriela", "gabriel"), "gabi": ("gabriela", "gabriel"),
    "tavo": ("gustavo", "octavio"), "chela": ("graciela", "marcela"),
    "caro": ("carolina",), "vero": ("veronica",), "ale": ("alejandro", "alejandra"),
    "alex": ("alejandro", "alexander", "alexis"), "dani": ("daniel", "daniela"),
    "manu": ("manuel",), "manolo": ("manuel",), "mane": ("manuel",),
    "mari": ("maria",), "maruca": ("maria",), "mary": ("maria",),
    "majo": ("maria",), "luchito": ("luis",), "wicho": ("luis",), "licho": ("luis",),
    "pedrito": ("pedro",), "chepito": ("jose",), "carlitos": ("carlos",),
    "miguelito": ("miguel",), "mike": ("miguel",), "lulu": ("lourdes", "luz"),
    "yoli": ("yolanda",), "nati": ("natalia", "natividad"), "susi": ("susana",),
    "angie": ("angela", "angelica"), "jessy": ("jessica", "yesenia"),
    "toya": ("victoria",), "vicky": ("victoria",), "andy": ("andres", "andrea"),
    "chuchin": ("jesus",), "neto": ("ernesto",), "trini": ("trinidad",),
    "polo": ("leopoldo", "hipolito"), "cristy": ("cristina",), "tina": ("cristina", "agustina"),
    "queta": ("enriqueta",), "lencha": ("florencia", "lorenza"), "panchita": ("francisca",),
    "paquita": ("francisca",), "pancha": ("francisca",), "nachito": ("ignacio",),
    "rigo": ("rigoberto",), "eli": ("elias", "elisa", "eliseo"),
    "chave": ("salvador",), "chava": ("salvador",), "chabelo": ("isabel",),
}

NICKNAMES: dict[str, frozenset[str]] = {k: frozenset(v) for k, v in _NICKNAMES.items()}

# Words that join surnames or mark them, not surnames themselves ("de la Cruz", "García y López").
PARTICLES: frozenset[str] = frozenset({"de", "del", "la", "las", "los", "y", "e", "da", "dos", "van", "von", "di"})

# Given-name tokens that are usually the first half of a compound name ("María José").
COMPOUND_FIRST: frozenset[str] = frozenset({"maria", "jose", "juan", "luis", "ana", "jesus"})

# Country spellings -> ISO 3166 alpha-2 code, for the countries this portal sees most.
COUNTRIES: dict[str, str] = {
    "guatemala": "GT", "gt": "GT", "gtm": "GT", "guate": "GT", "republica de guatemala": "GT",
    "honduras": "HN", "hn": "HN", "hnd": "HN",
    "el salvador": "SV", "salvador": "SV", "sv": "SV", "slv": "SV",
    "mexico": "MX", "mx": "MX", "mex": "MX", "mejico": "MX",
    "nicaragua": "NI", "ni": "NI", "nic": "NI",
    "ecuador": "EC", "ec": "EC", "ecu": "EC",
    "colombia": "CO", "co": "CO", "col": "CO",
    "venezuela": "VE", "ve": "VE", "ven": "VE",
    "brazil": "BR", "brasil": "BR", "br": "BR", "bra": "BR",
    "haiti": "HT", "ht": "HT", "hti": "HT",
    "cuba": "CU", "cu": "CU", "cub": "CU",
    "peru": "PE", "pe": "PE", "per": "PE",
    "india": "IN", "in": "IN", "ind": "IN",
    "united states": "US", "usa": "US", "us": "US", "estados unidos": "US",
}


def formal_names(token: str) -> frozenset[str]:
    """The formal given names a normalised token can stand for, itself included."""
    found = NICKNAMES.get(token)
    if found:
        return found | {token}
    return frozenset((token,))
