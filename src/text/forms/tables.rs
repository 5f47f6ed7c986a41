//! The tables word forms are generated from: regular verb endings per
//! conjugation, and the irregular families and participles the rules miss,
//! in Spanish, Portuguese and English. Data, not logic: a new irregular verb
//! goes here.

/// Endings of a regular verb after its stem, per conjugation, folded.
/// Future and conditional are written on the infinitive (`r` + ending) so
/// that stem changes never touch them.
pub(super) struct Endings {
    /// Persons that take a stressed stem (where `e` → `ie`, `o` → `ue`).
    pub(super) stressed: &'static [&'static str],
    pub(super) other: &'static [&'static str],
    /// After the infinitive: future and conditional.
    pub(super) on_infinitive: &'static [&'static str],
    pub(super) participle: &'static str,
}

pub(super) const ES_AR: Endings = Endings {
    stressed: &["o", "as", "a", "an", "e", "es", "en"],
    other: &[
        "amos", "ais", "ad", "e", "aste", "o", "asteis", "aron", "aba", "abas", "abamos", "abais",
        "aban", "emos", "eis", "ara", "aras", "aramos", "arais", "aran", "ase", "ases", "asemos",
        "aseis", "asen", "ando", "ar",
    ],
    on_infinitive: &[
        "e", "as", "a", "emos", "eis", "an", "ia", "ias", "iamos", "iais", "ian",
    ],
    participle: "ad",
};

pub(super) const ES_ER: Endings = Endings {
    stressed: &["o", "es", "e", "en", "a", "as", "an"],
    other: &[
        "emos", "eis", "ed", "i", "iste", "io", "imos", "isteis", "ieron", "ia", "ias", "iamos",
        "iais", "ian", "amos", "ais", "iera", "ieras", "ieramos", "ierais", "ieran", "iese",
        "ieses", "iesemos", "ieseis", "iesen", "iendo", "er",
    ],
    on_infinitive: ES_AR.on_infinitive,
    participle: "id",
};

pub(super) const ES_IR: Endings = Endings {
    stressed: ES_ER.stressed,
    other: &[
        "imos", "is", "id", "i", "iste", "io", "isteis", "ieron", "ia", "ias", "iamos", "iais",
        "ian", "amos", "ais", "iera", "ieras", "ieramos", "ierais", "ieran", "iese", "ieses",
        "iesemos", "ieseis", "iesen", "iendo", "ir",
    ],
    on_infinitive: ES_AR.on_infinitive,
    participle: "id",
};

pub(super) const PT_AR: Endings = Endings {
    stressed: &["o", "as", "a", "am", "e", "es", "em"],
    other: &[
        "amos", "ais", "ai", "ei", "aste", "ou", "astes", "aram", "ava", "avas", "avamos", "aveis",
        "avam", "ara", "aras", "aramos", "areis", "emos", "eis", "asse", "asses", "assemos",
        "asseis", "assem", "ar", "ares", "armos", "ardes", "arem", "ando",
    ],
    on_infinitive: &[
        "ei", "as", "a", "emos", "eis", "ao", "ia", "ias", "iamos", "ieis", "iam",
    ],
    participle: "ad",
};

pub(super) const PT_ER: Endings = Endings {
    stressed: &["o", "es", "e", "em", "a", "as", "am"],
    other: &[
        "emos", "eis", "ei", "i", "este", "eu", "estes", "eram", "ia", "ias", "iamos", "ieis",
        "iam", "era", "eras", "eramos", "ereis", "amos", "ais", "esse", "esses", "essemos",
        "esseis", "essem", "er", "eres", "ermos", "erdes", "erem", "endo",
    ],
    on_infinitive: PT_AR.on_infinitive,
    participle: "id",
};

pub(super) const PT_IR: Endings = Endings {
    stressed: PT_ER.stressed,
    other: &[
        "imos", "is", "i", "iste", "iu", "istes", "iram", "ia", "ias", "iamos", "ieis", "iam",
        "ira", "iras", "iramos", "ireis", "amos", "ais", "isse", "isses", "issemos", "isseis",
        "issem", "ir", "ires", "irmos", "irdes", "irem", "indo",
    ],
    on_infinitive: PT_AR.on_infinitive,
    participle: "id",
};

/// Irregular verbs whose compounds conjugate alike (`detener` as `tener`):
/// the forms the regular rules miss.
pub(super) const ES_FAMILIES: &[(&str, &[&str])] = &[
    (
        "tener",
        &[
            "tengo",
            "tenga",
            "tengas",
            "tengamos",
            "tengais",
            "tengan",
            "tuve",
            "tuviste",
            "tuvo",
            "tuvimos",
            "tuvisteis",
            "tuvieron",
            "tuviera",
            "tuvieras",
            "tuvieramos",
            "tuvieran",
            "tuviese",
            "tuviesen",
            "tendre",
            "tendras",
            "tendra",
            "tendremos",
            "tendran",
            "tendria",
            "tendrias",
            "tendriamos",
            "tendrian",
            "ten",
        ],
    ),
    (
        "poner",
        &[
            "pongo", "ponga", "pongas", "pongamos", "pongan", "puse", "pusiste", "puso", "pusimos",
            "pusieron", "pusiera", "pusieran", "pusiese", "pusiesen", "pondre", "pondra",
            "pondran", "pondria", "pondrian", "puesto", "puesta", "puestos", "puestas",
        ],
    ),
    (
        "venir",
        &[
            "vengo", "venga", "vengas", "vengamos", "vengan", "vine", "viniste", "vino", "vinimos",
            "vinieron", "viniera", "vinieran", "viniese", "viniesen", "viniendo", "vendre",
            "vendra", "vendran", "vendria", "vendrian",
        ],
    ),
    (
        "ducir",
        &[
            "duzco", "duzca", "duzcas", "duzcamos", "duzcan", "duje", "dujiste", "dujo", "dujimos",
            "dujeron", "dujera", "dujeran", "dujese", "dujesen",
        ],
    ),
    (
        "traer",
        &[
            "traigo",
            "traiga",
            "traigas",
            "traigamos",
            "traigan",
            "traje",
            "trajiste",
            "trajo",
            "trajimos",
            "trajeron",
            "trajera",
            "trajeran",
            "trajese",
            "trajesen",
            "trayendo",
        ],
    ),
    (
        "hacer",
        &[
            "hago", "haga", "hagas", "hagamos", "hagan", "hice", "hiciste", "hizo", "hicimos",
            "hicieron", "hiciera", "hicieran", "hiciese", "hiciesen", "hare", "hara", "haran",
            "haria", "harian", "hecho", "hecha", "hechos", "hechas",
        ],
    ),
    ("prender", &["preso", "presa", "presos", "presas"]),
    ("volver", &["vuelto", "vuelta", "vueltos", "vueltas"]),
    ("morir", &["muerto", "muerta", "muertos", "muertas"]),
    ("abrir", &["abierto", "abierta", "abiertos", "abiertas"]),
];

pub(super) const PT_FAMILIES: &[(&str, &[&str])] = &[
    (
        "ter",
        &[
            "tenho",
            "tens",
            "tem",
            "temos",
            "tendes",
            "teem",
            "tive",
            "tiveste",
            "teve",
            "tivemos",
            "tivestes",
            "tiveram",
            "tinha",
            "tinhas",
            "tinhamos",
            "tinham",
            "tivera",
            "tiveras",
            "tiveramos",
            "tenha",
            "tenhas",
            "tenhamos",
            "tenham",
            "tivesse",
            "tivesses",
            "tivessemos",
            "tivessem",
            "tiver",
            "tiveres",
            "tivermos",
            "tiverem",
        ],
    ),
    (
        "por",
        &[
            "ponho", "poes", "poe", "pomos", "poem", "pus", "puseste", "pos", "pusemos", "puseram",
            "punha", "punham", "pusera", "ponha", "ponham", "pusesse", "pusessem", "puser",
            "puserem", "pondo", "porei", "pora", "porao", "posto", "posta", "postos", "postas",
        ],
    ),
    (
        "vir",
        &[
            "venho", "vens", "vem", "vimos", "vindes", "veem", "vim", "vieste", "veio", "viemos",
            "vieram", "vinha", "vinham", "viera", "venha", "venham", "viesse", "viessem", "vier",
            "vierem", "vindo",
        ],
    ),
    ("prender", &["preso", "presa", "presos", "presas"]),
    ("soltar", &["solto", "solta", "soltos", "soltas"]),
    ("libertar", &["liberto", "liberta", "libertos", "libertas"]),
    ("entregar", &["entregue", "entregues"]),
    ("morrer", &["morto", "morta", "mortos", "mortas"]),
    ("abrir", &["aberto", "aberta", "abertos", "abertas"]),
];

/// English irregular verbs that reports of detentions use.
pub(super) const EN_IRREGULAR: &[(&str, &[&str])] = &[
    ("take", &["took", "taken"]),
    ("hold", &["held"]),
    ("catch", &["caught"]),
    ("keep", &["kept"]),
    ("send", &["sent"]),
    ("bring", &["brought"]),
    ("throw", &["threw", "thrown"]),
    ("beat", &["beaten"]),
    ("lead", &["led"]),
    ("get", &["got", "gotten"]),
    ("give", &["gave", "given"]),
    ("drag", &["dragged"]),
];

/// Numbers in words, folded, per language: what a term's `<n>` matches
/// besides figures ("seven years", "siete años", "sete anos"), with the
/// words for a few dozen or hundred.
pub(super) const NUMBER_WORDS: &[(super::Lang, &[&str])] = &[
    (
        super::Lang::En,
        &[
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
            "thirty",
            "forty",
            "fifty",
            "sixty",
            "dozens",
            "hundreds",
        ],
    ),
    (
        super::Lang::Es,
        &[
            "un",
            "una",
            "uno",
            "dos",
            "tres",
            "cuatro",
            "cinco",
            "seis",
            "siete",
            "ocho",
            "nueve",
            "diez",
            "once",
            "doce",
            "trece",
            "catorce",
            "quince",
            "dieciseis",
            "diecisiete",
            "dieciocho",
            "diecinueve",
            "veinte",
            "treinta",
            "cuarenta",
            "cincuenta",
            "sesenta",
            "decenas",
            "cientos",
        ],
    ),
    (
        super::Lang::Pt,
        &[
            "um",
            "uma",
            "dois",
            "duas",
            "tres",
            "quatro",
            "cinco",
            "seis",
            "sete",
            "oito",
            "nove",
            "dez",
            "onze",
            "doze",
            "treze",
            "catorze",
            "quatorze",
            "quinze",
            "dezesseis",
            "dezasseis",
            "dezessete",
            "dezassete",
            "dezoito",
            "dezenove",
            "dezanove",
            "vinte",
            "trinta",
            "quarenta",
            "cinquenta",
            "sessenta",
            "dezenas",
            "centenas",
        ],
    ),
];
