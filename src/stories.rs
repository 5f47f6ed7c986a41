//! Stories: one report told by many outlets.
//!
//! A detention is reported by many outlets within hours, under different
//! links and slightly different headlines. Items that alert are grouped into
//! stories: the same canonical link is one item already (see
//! [`crate::sources::canonical_link`]); beyond that, an alerting item joins
//! the story of an earlier alerting item found within the window
//! (`defaults.story_window`, 72 h) when their texts are near-duplicates.
//!
//! Near-duplicates are judged on the *content words* of title and summary:
//! folded (see [`crate::text::normalize`](mod@crate::text::normalize)), without the stopwords of
//! English, Spanish and Portuguese, cut to their first [`STEM`] letters so
//! that `detenido`, `detenida` and `detenidos` meet. Two items are one story
//! when the overlap of those word sets, |A ∩ B| / min(|A|, |B|), reaches
//! [`THRESHOLD`] and they share at least [`MIN_SHARED`] words, unless each
//! names a watched person and the people differ, or each title has a name
//! or number the other report never mentions (two detentions the same day,
//! told in the same words, are two stories). The threshold was chosen
//! on `tests/fixtures/stories.tsv` (see the README, "Stories").

use std::collections::BTreeSet;

use crate::text::normalize::{fold, normalize};

/// Words are compared on their first letters only.
pub const STEM: usize = 6;
/// Overlap coefficient from which two items are one story.
pub const THRESHOLD: f64 = 0.5;
/// Fewer shared words than this is never one story, however short the texts.
pub const MIN_SHARED: usize = 5;
/// Only so many words of the summary count: a lead says what happened, the
/// rest of an article says much else.
const SUMMARY_WORDS: usize = 40;

const STOPWORDS: &[&str] = &[
    // en
    "the", "and", "for", "was", "were", "with", "from", "that", "this", "has", "have", "had", "are",
    "his", "her", "its", "their", "they", "but", "not", "after", "over", "into", "about", "who",
    "which", "will", "been", "said", "says", "also", "more", "than", "other", "new",
    // es
    "los", "las", "del", "por", "para", "con", "una", "uno", "que", "sus", "fue", "han", "como",
    "mas", "pero", "sin", "sobre", "tras", "desde", "este", "esta", "ese", "esa", "entre", "hasta",
    "segun", "durante", "donde", "cuando", "tambien", "dijo", "ser", "son", "era", "hay", "muy",
    // pt
    "dos", "das", "nos", "nas", "pelo", "pela", "com", "uma", "foi", "sao", "seu", "sua", "ao",
    "aos", "apos", "entre", "como", "mais", "mas", "tambem", "disse", "sobre", "ate", "isso",
];

/// What an item is compared on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Words {
    /// Content words of the title and the summary's lead.
    pub words: BTreeSet<String>,
    /// The title's numbers and capitalized words (but its first one and
    /// those after a full stop or colon): who, where and how many ("Juan
    /// Carlos Pérez", "Punto Fijo", "día 12"), the words that tell two
    /// reports told alike apart.
    pub names: BTreeSet<String>,
    /// People named in the title or the summary's lead: runs of two to four
    /// capitalized words ("Ramón Figueroa", "Nelson Urdaneta") that do not
    /// begin as a body or a place does ("Colegio de Médicos", "Puerto
    /// Ordaz"), each as its folded, stemmed words joined by spaces.
    pub people: BTreeSet<String>,
    /// Whom the report is about: the people its title names, else the
    /// first person its lead names.
    pub subject: BTreeSet<String>,
    /// Whether the title tells of another detention than one told before
    /// ("otros seis detenidos", "también detienen", "another journalist").
    pub another: bool,
    /// How many people the title or lead counts ("tres tenientes", "five
    /// students", "20 presos"), as numbers: the same in every language.
    pub counts: BTreeSet<u32>,
    /// Capitalized words of the title and lead, but the first of each
    /// sentence and countries: the places and bodies a report names
    /// ("Tiuna", "Barinas", "DGCIM"), which most languages write alike.
    pub proper: BTreeSet<String>,
    /// Whether the title reports a release rather than a detention.
    pub release: bool,
}

/// First words of capitalized runs that name a body, a place or a title,
/// not a person: such a run is never taken for someone's name.
const NOT_PEOPLE: &[&str] = &[
    "colegio",
    "comite",
    "foro",
    "federacion",
    "universidad",
    "university",
    "palacio",
    "palace",
    "fuerte",
    "puerto",
    "san",
    "santa",
    "santo",
    "sao",
    "ciudad",
    "estado",
    "state",
    "hospital",
    "tribunal",
    "ministerio",
    "ministry",
    "direccion",
    "policia",
    "police",
    "guardia",
    "guard",
    "sindicato",
    "cancilleria",
    "defensoria",
    "consejo",
    "concejo",
    "asamblea",
    "fiscalia",
    "human",
    "rights",
    "department",
    "attorney",
    "army",
    "national",
    "nacional",
    "servicio",
    "fuerza",
    "fuerzas",
    "armada",
    "ejercito",
    "voluntad",
    "primero",
    "vente",
    "partido",
    "control",
    "provea",
    "amnistia",
    "amnesty",
    "naciones",
    "united",
    "union",
    "organizacion",
    "alto",
    "corte",
    "court",
    "supreme",
    "suprema",
    "casa",
    "white",
    "buenos",
    "los",
    "las",
    "el",
    "la",
    "the",
    "rio",
    "nueva",
    "new",
    "costa",
    "punto",
    "isla",
    "lago",
    "cerro",
    "itamaraty",
    "farnesina",
    "el helicoide",
    "rodeo",
    "zona",
    "barrio",
    "plaza",
    "avenida",
    "calle",
    "centro",
    "instituto",
    "escuela",
    "liceo",
    "banco",
    "empresa",
    "grupo",
    "movimiento",
];

/// Words that make a capitalized run a body or a place wherever they
/// stand in it ("Venezuelan National Guard", "Fort Tiuna"); never a
/// surname.
const BODIES: &[&str] = &[
    "national",
    "nacional",
    "guard",
    "guardia",
    "police",
    "policia",
    "fort",
    "fuerte",
    "forte",
    "university",
    "universidad",
    "universidade",
    "army",
    "ejercito",
    "exercito",
    "ministry",
    "ministerio",
    "court",
    "tribunal",
    "prison",
    "carcel",
    "prisao",
    "federal",
    "council",
    "consejo",
    "conselho",
    "service",
    "servicio",
    "servico",
    "intelligence",
    "inteligencia",
    "forcas",
    "forces",
    "armadas",
    "armed",
];

/// Titles before a name, folded: not part of it.
const HONORIFICS: &[&str] = &[
    "sor",
    "sister",
    "padre",
    "father",
    "fray",
    "frei",
    "monsenor",
    "don",
    "dona",
    "dom",
    "dr",
    "dra",
    "doctor",
    "doctora",
    "general",
    "coronel",
    "colonel",
    "capitan",
    "captain",
    "teniente",
    "lieutenant",
    "sargento",
    "sergeant",
    "pastor",
    "reverend",
    "hermana",
    "hermano",
    "irma",
    "irmao",
    "madre",
];

/// Nouns whose next capitalized words name a place or a building, not a
/// person ("hospital Ruiz y Páez", "plaza Simón Bolívar").
const PLACE_NOUNS: &[&str] = &[
    "hospital",
    "barrio",
    "sector",
    "calle",
    "avenida",
    "plaza",
    "puente",
    "liceo",
    "escuela",
    "colegio",
    "universidad",
    "parroquia",
    "municipio",
    "urbanizacion",
    "aeropuerto",
    "carcel",
    "prision",
    "internado",
    "estado",
    "ciudad",
    "street",
    "avenue",
    "square",
    "bridge",
    "airport",
    "school",
    "prison",
    "rua",
    "praca",
    "ponte",
    "escola",
    "aeroporto",
    "presidio",
    "bairro",
    "cidade",
    "emisora",
    "station",
    "radio",
    "diario",
    "jornal",
    "newspaper",
];

/// Words inside a name that are not capitalized: "Carla de la Rosa".
const NAME_JOINERS: &[&str] = &["de", "del", "la", "da", "do", "dos", "das", "y", "e"];

/// Title words that report a release (verbs and participles, not the
/// noun: "exigen su liberación" is no release).
const RELEASE: &[&str] = &[
    "liberan",
    "liberaron",
    "libero",
    "liberado",
    "liberada",
    "liberados",
    "liberadas",
    "excarcelan",
    "excarcelaron",
    "excarcelado",
    "excarcelada",
    "excarcelados",
    "excarcela",
    "releases",
    "released",
    "frees",
    "freed",
    "solto",
    "soltou",
    "solta",
    "soltos",
    "libertado",
    "libertada",
    "libertados",
    "libertadas",
    "libertou",
    "liberta",
];

/// Number words of English, Spanish and Portuguese, folded, and their
/// value. Spanish `dos` is also Portuguese for "of the": see [`counts`].
const NUMBERS: &[(&str, u32)] = &[
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("eleven", 11),
    ("twelve", 12),
    ("thirteen", 13),
    ("fourteen", 14),
    ("fifteen", 15),
    ("sixteen", 16),
    ("seventeen", 17),
    ("eighteen", 18),
    ("nineteen", 19),
    ("twenty", 20),
    ("thirty", 30),
    ("forty", 40),
    ("fifty", 50),
    ("dos", 2),
    ("tres", 3),
    ("cuatro", 4),
    ("cinco", 5),
    ("seis", 6),
    ("siete", 7),
    ("ocho", 8),
    ("nueve", 9),
    ("diez", 10),
    ("doce", 12),
    ("trece", 13),
    ("catorce", 14),
    ("quince", 15),
    ("dieciseis", 16),
    ("diecisiete", 17),
    ("dieciocho", 18),
    ("diecinueve", 19),
    ("veinte", 20),
    ("treinta", 30),
    ("cuarenta", 40),
    ("cincuenta", 50),
    ("dois", 2),
    ("duas", 2),
    ("quatro", 4),
    ("sete", 7),
    ("oito", 8),
    ("nove", 9),
    ("dez", 10),
    ("onze", 11),
    ("doze", 12),
    ("treze", 13),
    ("quatorze", 14),
    ("catorze", 14),
    ("quinze", 15),
    ("dezesseis", 16),
    ("dezessete", 17),
    ("dezoito", 18),
    ("dezenove", 19),
    ("vinte", 20),
    ("trinta", 30),
    ("quarenta", 40),
    ("cinquenta", 50),
];

/// Words before which Spanish `dos` is a number ("a dos", "los dos"),
/// where Portuguese `dos` ("of the") does not stand.
const BEFORE_DOS: &[&str] = &[
    "a", "de", "los", "las", "y", "otros", "otras", "unos", "unas", "sus", "estos", "estas", "con",
    "entre", "son",
];

/// Stems of countries and nationalities: nearly every report names one,
/// so sharing it says nothing.
const COUNTRIES: &[&str] = &[
    "venezu", "nicara", "cuba", "cuban", "cubano", "cubana", "brasil", "brazil", "colomb",
    "espana", "spain", "spanis", "espano", "espanh", "peru", "peruan", "argent", "chile", "chilen",
    "mexico", "mexica", "eeuu", "united", "states", "estado", "estados", "unidos", "americ",
    "europa", "europe", "latin", "latina",
];

/// Title words that tell of one more detention than those told before.
const ANOTHER: &[&str] = &[
    "otro", "otra", "otros", "otras", "tambien", "another", "also", "outro", "outra", "outros",
    "outras", "tambem",
];

/// Spanish and Portuguese months, folded.
const MONTHS: &[&str] = &[
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "setiembre",
    "octubre",
    "noviembre",
    "diciembre",
    "janeiro",
    "fevereiro",
    "marco",
    "maio",
    "junho",
    "julho",
    "setembro",
    "outubro",
    "novembro",
    "dezembro",
];

/// English weekdays and months, capitalized but neither place nor body.
const CALENDAR: &[&str] = &[
    "monday", "tuesda", "wednes", "thursd", "friday", "saturd", "sunday", "januar", "februa",
    "march", "april", "may", "june", "july", "august", "septem", "octobe", "novemb", "decemb",
];

/// The counts a text gives: numbers from 2 to 999 written as digits or
/// words (years and dates are not counts).
fn counts(folded: &str, out: &mut BTreeSet<u32>) {
    let words: Vec<&str> = folded.split(' ').collect();
    for (i, w) in words.iter().enumerate() {
        let value = match w.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) if *w == "dos" => (i == 0 || BEFORE_DOS.contains(&words[i - 1])).then_some(2),
            Err(_) => NUMBERS.iter().find(|(n, _)| n == w).map(|(_, v)| *v),
        };
        // "5 de Julio", "1 de mayo": a date or a street, not a count.
        let date = words.get(i + 1).is_some_and(|w| *w == "de")
            && words.get(i + 2).is_some_and(|m| MONTHS.contains(m));
        if let Some(n) = value.filter(|n| (2..1000).contains(n) && !date) {
            out.insert(n);
        }
    }
}

/// The capitalized words of a text that may name a place or a body (see
/// [`Words::proper`]).
fn proper(text: &str, out: &mut BTreeSet<String>) {
    let n = normalize(text);
    for (i, w) in n.words.iter().enumerate() {
        let original = &text[w.original.clone()];
        let folded = &n.text[w.folded.clone()];
        let first = i == 0
            || text[..w.original.start]
                .trim_end()
                .ends_with(['.', ':', '!', '?']);
        let stemmed = stem(folded);
        // Acronyms are mostly bodies (GNB, SEBIN), which detain many.
        let acronym = original
            .chars()
            .all(|c| !c.is_alphabetic() || c.is_uppercase());
        if !first
            && !acronym
            && original.chars().next().is_some_and(char::is_uppercase)
            && content(folded)
            && !COUNTRIES.contains(&stemmed.as_str())
            && !CALENDAR.contains(&stemmed.as_str())
        {
            out.insert(stemmed);
        }
    }
}

/// The people a text names (see [`Words::people`]). A run that opens a
/// sentence loses its first word when the text also writes that word in
/// lower case ("Familia de Ramiro Colmenares", "la familia"): a headline's
/// first word is capitalized whatever it is.
fn people(text: &str, lower: &BTreeSet<&str>) -> Vec<String> {
    let n = normalize(text);
    let mut run: Vec<usize> = Vec::new();
    let mut out = Vec::new();
    let flush = |run: &mut Vec<usize>, out: &mut Vec<String>| {
        let opens_sentence = run.first().is_some_and(|&i| {
            i == 0
                || text[..n.words[i].original.start]
                    .trim_end()
                    .ends_with(['.', ':', '!', '?'])
        });
        if opens_sentence && lower.contains(&&n.text[n.words[run[0]].folded.clone()]) {
            run.remove(0);
            while run
                .first()
                .is_some_and(|&i| NAME_JOINERS.contains(&&n.text[n.words[i].folded.clone()]))
            {
                run.remove(0);
            }
        }
        // Honorifics and ranks are not part of the name: "Sor Inés
        // Montalván" is the "Inés Montalván" of another outlet.
        while run.len() > 2
            && run
                .first()
                .is_some_and(|&i| HONORIFICS.contains(&&n.text[n.words[i].folded.clone()]))
        {
            run.remove(0);
        }
        // A run right after a place's or a building's noun is its name:
        // "el hospital Ruiz y Páez", "el barrio José Félix Ribas".
        let named_place = run.first().is_some_and(|&i| {
            (i >= 1 && PLACE_NOUNS.contains(&&n.text[n.words[i - 1].folded.clone()]))
                || (i >= 2
                    && NAME_JOINERS.contains(&&n.text[n.words[i - 1].folded.clone()])
                    && PLACE_NOUNS.contains(&&n.text[n.words[i - 2].folded.clone()]))
        });
        if named_place {
            run.clear();
        }
        // Joiners may not end a name.
        while run
            .last()
            .is_some_and(|&i| NAME_JOINERS.contains(&&n.text[n.words[i].folded.clone()]))
        {
            run.pop();
        }
        let capitals: Vec<&str> = run
            .iter()
            .map(|&i| &n.text[n.words[i].folded.clone()])
            .filter(|w| !NAME_JOINERS.contains(w))
            .collect();
        if (2..=4).contains(&capitals.len())
            && !NOT_PEOPLE.contains(&capitals[0])
            && !capitals
                .iter()
                .any(|w| BODIES.contains(w) || COUNTRIES.contains(&stem(w).as_str()))
            && capitals
                .iter()
                .all(|w| w.len() >= 2 && !w.bytes().any(|b| b.is_ascii_digit()))
        {
            out.push(
                capitals
                    .iter()
                    .map(|w| stem(w))
                    .collect::<Vec<_>>()
                    .join(" "),
            );
        }
        run.clear();
    };
    for (i, w) in n.words.iter().enumerate() {
        let original = &text[w.original.clone()];
        let folded = &n.text[w.folded.clone()];
        // A run breaks at punctuation between words ("Caracas. Juan").
        let broken = i > 0 && {
            let between = &text[n.words[i - 1].original.end..w.original.start];
            between.contains(['.', ',', ';', ':', '(', ')', '"', '!', '?'])
        };
        if broken {
            flush(&mut run, &mut out);
        }
        let capital = original.chars().next().is_some_and(char::is_uppercase)
            && !original
                .chars()
                .all(|c| !c.is_alphabetic() || c.is_uppercase());
        if capital || (!run.is_empty() && NAME_JOINERS.contains(&folded)) {
            run.push(i);
        } else {
            flush(&mut run, &mut out);
        }
    }
    flush(&mut run, &mut out);
    out
}

fn stem(folded_word: &str) -> String {
    folded_word.chars().take(STEM).collect()
}

fn content(folded_word: &str) -> bool {
    folded_word.chars().count() >= 3 && !STOPWORDS.contains(&folded_word)
}

/// The content words and title names of an item.
pub fn words(title: &str, summary: &str) -> Words {
    let t = normalize(title);
    let folded_summary = fold(summary);
    let words = t
        .text
        .split(' ')
        .chain(folded_summary.split(' ').take(SUMMARY_WORDS))
        .filter(|w| content(w) || w.bytes().any(|b| b.is_ascii_digit()))
        .map(stem)
        .collect();
    let mut names = BTreeSet::new();
    for (i, w) in t.words.iter().enumerate() {
        let folded = &t.text[w.folded.clone()];
        let capital = title[w.original.clone()]
            .chars()
            .next()
            .is_some_and(char::is_uppercase);
        let after_stop = title[..w.original.start]
            .trim_end()
            .ends_with(['.', ':', '!', '?']);
        let number = folded.bytes().any(|b| b.is_ascii_digit());
        if number || i > 0 && capital && !after_stop && content(folded) {
            names.insert(stem(folded));
        }
    }
    let lead: String = summary
        .split_whitespace()
        .take(SUMMARY_WORDS)
        .collect::<Vec<_>>()
        .join(" ");
    // Words the texts also write in lower case: not names when they open
    // a sentence.
    let lower: BTreeSet<&str> = title
        .split_whitespace()
        .chain(lead.split_whitespace())
        .filter(|w| w.chars().next().is_some_and(char::is_lowercase))
        .collect();
    let lower: Vec<String> = lower
        .iter()
        .map(|w| fold(w.trim_matches(|c: char| !c.is_alphanumeric())))
        .collect();
    let lower: BTreeSet<&str> = lower.iter().map(String::as_str).collect();
    let in_title = people(title, &lower);
    let in_lead = people(&lead, &lower);
    let subject: BTreeSet<String> = if in_title.is_empty() {
        in_lead.first().cloned().into_iter().collect()
    } else {
        in_title.iter().cloned().collect()
    };
    let named: BTreeSet<String> = in_title.into_iter().chain(in_lead).collect();
    let mut numbers = BTreeSet::new();
    counts(&t.text, &mut numbers);
    counts(&fold(&lead), &mut numbers);
    let mut places = BTreeSet::new();
    proper(title, &mut places);
    proper(&lead, &mut places);
    let release = t.text.split(' ').any(|w| RELEASE.contains(&w));
    let another = t.text.split(' ').any(|w| ANOTHER.contains(&w));
    Words {
        words,
        names,
        people: named,
        subject,
        another,
        counts: numbers,
        proper: places,
        release,
    }
}

/// Whether `text` (folded, stemmed words joined by spaces) is wholly in `words`.
fn mentions(words: &BTreeSet<String>, person: &str) -> bool {
    // Words too short to be kept ("Fe y Alegría") cannot be asked for.
    person
        .split(' ')
        .filter(|w| content(w))
        .all(|w| words.contains(w))
}

/// Whether two items sharing `shared` words, the smaller having `smaller`,
/// can pass the overlap test: what the store checks from its word index
/// before reading an earlier item.
pub fn may_be_same(shared: usize, smaller: usize) -> bool {
    smaller > 0 && shared >= MIN_SHARED && shared as f64 / smaller as f64 >= THRESHOLD
}

/// How much two items' words overlap, 0 to 1, and how many they share.
pub fn overlap(a: &Words, b: &Words) -> (f64, usize) {
    let shared = a.words.intersection(&b.words).count();
    let smaller = a.words.len().min(b.words.len());
    if smaller == 0 {
        return (0.0, 0);
    }
    (shared as f64 / smaller as f64, shared)
}

/// Whether two items tell one story: their words (see [`words`]) and the
/// watched people each names.
///
/// In order: two items naming different watched people, or each naming a
/// person the other never mentions, or one reporting a release and the
/// other a detention, are never one story. Two items naming the same
/// person (watched, or named alike in both) are one story, whatever their
/// words or language. Otherwise their words decide, and when unsure they
/// stay apart: a repeat is better than a detention lost inside another.
pub fn same_story(a: &Words, a_names: &[String], b: &Words, b_names: &[String]) -> bool {
    if !a_names.is_empty() && !b_names.is_empty() && !a_names.iter().any(|n| b_names.contains(n)) {
        return false;
    }
    let unmentioned = |x: &Words, y: &Words| x.people.iter().any(|p| !mentions(&y.words, p));
    if unmentioned(a, b) && unmentioned(b, a) {
        return false;
    }
    if a.release != b.release {
        return false;
    }
    // Each title has a number the other never mentions ("día 5", "día 10"):
    // two reports, even of one person.
    let number_unmentioned = |x: &Words, y: &Words| {
        x.names
            .iter()
            .any(|n| n.bytes().any(|b| b.is_ascii_digit()) && !y.words.contains(n))
    };
    if number_unmentioned(a, b) && number_unmentioned(b, a) {
        return false;
    }
    // A report about people the other never mentions, when the other is
    // about someone: a second person's detention told beside the first
    // ("the lawyer's colleague was also detained").
    let about_others = |x: &Words, y: &Words| {
        !x.subject.is_empty()
            && !y.people.is_empty()
            && x.subject.iter().all(|p| !mentions(&y.words, p))
    };
    if about_others(a, b) || about_others(b, a) {
        return false;
    }
    let shared_watched = a_names.iter().any(|n| b_names.contains(n));
    // One person, named in full or in part ("Sor Inés Montalván", "Inés
    // Montalván").
    let part_of = |p: &str, q: &str| {
        let q: BTreeSet<&str> = q.split(' ').collect();
        p.split(' ').all(|w| q.contains(w))
    };
    let shared_person = a
        .people
        .iter()
        .any(|p| b.people.iter().any(|q| part_of(p, q) || part_of(q, p)));
    if shared_watched {
        return true;
    }
    // "Otros seis detenidos": one more detention, not the one told before
    // (the people both name may be the first one's).
    if a.another != b.another {
        return false;
    }
    if shared_person {
        return true;
    }
    // The same number of people in the same named place or body ("tres
    // tenientes ... Fuerte Tiuna", "three lieutenants ... Fort Tiuna"):
    // what a report naming no one is told by, in any language.
    let shared_count = a.counts.iter().any(|n| b.counts.contains(n));
    let no_one_else = !unmentioned(a, b) && !unmentioned(b, a);
    if shared_count && no_one_else && !a.proper.is_disjoint(&b.proper) {
        return true;
    }
    // Each title names someone or somewhere the other report never
    // mentions: two reports.
    if !a.names.is_subset(&b.words) && !b.names.is_subset(&a.words) {
        return false;
    }
    let shared = a.words.intersection(&b.words).count();
    may_be_same(shared, a.words.len().min(b.words.len()))
}

/// Of the earlier items (their story, words and people), the story the new
/// item joins: the one whose member overlaps it most among those that tell
/// the same story.
pub fn best_story<'a>(
    words: &Words,
    names: &[String],
    earlier: impl IntoIterator<Item = (i64, &'a Words, &'a [String])>,
) -> Option<i64> {
    let mut best: Option<(f64, i64)> = None;
    for (story, other, other_names) in earlier {
        if !same_story(words, names, other, other_names) {
            continue;
        }
        let (score, _) = overlap(words, other);
        if best.is_none_or(|(b, _)| score > b) {
            best = Some((score, story));
        }
    }
    best.map(|(_, story)| story)
}

/// Pairwise precision and recall of a grouping against the truth: over
/// every pair of items, whether both put them in one group.
pub fn pairwise(truth: &[&str], grouped: &[i64]) -> (usize, usize, usize) {
    let (mut tp, mut fp, mut fn_) = (0, 0, 0);
    for i in 0..truth.len() {
        for j in i + 1..truth.len() {
            match (truth[i] == truth[j], grouped[i] == grouped[j]) {
                (true, true) => tp += 1,
                (false, true) => fp += 1,
                (true, false) => fn_ += 1,
                (false, false) => {}
            }
        }
    }
    (tp, fp, fn_)
}

/// What grouping a labeled set of story clusters gave.
#[derive(Debug, Default)]
pub struct StoryReport {
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
    /// (item, the story it joined) for every item, as `cluster: title`.
    pub grouping: Vec<(String, String)>,
    /// Pair counts (tp, fp, fn) by the two items' languages: `es`, `en`,
    /// `pt`, or `cross` when they differ.
    pub by_lang: std::collections::BTreeMap<String, (usize, usize, usize)>,
    /// Items put in the story of another cluster: `cluster: title` → the
    /// story's first report.
    pub wrong: Vec<(String, String)>,
}

impl StoryReport {
    /// Wrong joins of different people: a report put in the story of a
    /// cluster that is not its own nor one of the same people's (by the
    /// story sets' naming: `gallo-free` is a later event of `gallo`).
    pub fn different_people(&self) -> Vec<&(String, String)> {
        let cluster = |s: &str| s.split(": ").next().unwrap_or_default().to_string();
        self.wrong
            .iter()
            .filter(|(item, story)| {
                let (a, b) = (cluster(item), cluster(story));
                !a.starts_with(&format!("{b}-")) && !b.starts_with(&format!("{a}-"))
            })
            .collect()
    }

    pub fn precision(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fp).max(1) as f64
    }
    pub fn recall(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fn_).max(1) as f64
    }
}

/// Groups the items of a story set (`tests/fixtures/stories.tsv`: cluster,
/// hours, source, title, summary), in time order, the way the store does,
/// with the people the config's matcher finds in each, and scores the
/// grouping pairwise.
pub fn evaluate(config: &crate::config::Config, tsv: &str, window_hours: f64) -> StoryReport {
    let matcher = crate::matching::Matcher::new(config);
    let mut rows: Vec<(f64, &str, &str, &str)> = tsv
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let hours = f[1].parse().expect("hours is a number");
            (hours, f[0], f[3], f.get(4).copied().unwrap_or(""))
        })
        .collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut seen: Vec<(f64, i64, Words, Vec<String>, String)> = Vec::new();
    let mut truth = Vec::new();
    let mut grouped = Vec::new();
    let mut langs = Vec::new();
    let mut report = StoryReport::default();
    for (hours, cluster, title, summary) in rows {
        let text = crate::matching::ItemText {
            title,
            summary,
            content: "",
        };
        let explanation = matcher.explain(&matcher.check(&text, &[]));
        langs.push(crate::matching::language(&text).map_or("?", |l| l.code()));
        let w = words(title, summary);
        let earlier = seen
            .iter()
            .filter(|(h, ..)| hours - h <= window_hours)
            .map(|(_, story, w, n, _)| (*story, w, &n[..]));
        let story = best_story(&w, &explanation.names, earlier).unwrap_or(seen.len() as i64);
        let root = seen
            .iter()
            .find(|s| s.1 == story)
            .map(|s| s.4.clone())
            .unwrap_or_else(|| format!("{cluster}: {title}"));
        if !root.starts_with(&format!("{cluster}: ")) {
            report
                .wrong
                .push((format!("{cluster}: {title}"), root.clone()));
        }
        report.grouping.push((format!("{cluster}: {title}"), root));
        seen.push((
            hours,
            story,
            w,
            explanation.names,
            format!("{cluster}: {title}"),
        ));
        truth.push(cluster);
        grouped.push(story);
    }
    (report.tp, report.fp, report.fn_) = pairwise(&truth, &grouped);
    for i in 0..truth.len() {
        for j in i + 1..truth.len() {
            let bucket = if langs[i] == langs[j] {
                langs[i].to_string()
            } else {
                "cross".to_string()
            };
            let counts = report.by_lang.entry(bucket).or_default();
            match (truth[i] == truth[j], grouped[i] == grouped[j]) {
                (true, true) => counts.0 += 1,
                (false, true) => counts.1 += 1,
                (true, false) => counts.2 += 1,
                (false, false) => {}
            }
        }
    }
    report
}

/// Serializes words for the store: one per line, title names after a `^`,
/// people after a `@`, and `!release` for a release.
pub fn to_stored(words: &Words) -> String {
    let mut lines: Vec<String> = words.words.iter().cloned().collect();
    lines.extend(words.names.iter().map(|n| format!("^{n}")));
    lines.extend(words.people.iter().map(|p| format!("@{p}")));
    lines.extend(words.subject.iter().map(|p| format!("%{p}")));
    lines.extend(words.counts.iter().map(|n| format!("#{n}")));
    lines.extend(words.proper.iter().map(|p| format!("~{p}")));
    if words.release {
        lines.push("!release".to_string());
    }
    if words.another {
        lines.push("!another".to_string());
    }
    lines.join("\n")
}

/// Reads words back from the store (those stored before people and
/// releases were kept read as naming no one, and a detention).
pub fn from_stored(stored: &str) -> Words {
    let mut out = Words::default();
    for line in stored.split('\n').filter(|w| !w.is_empty()) {
        if line == "!release" {
            out.release = true;
        } else if line == "!another" {
            out.another = true;
        } else if let Some(name) = line.strip_prefix('^') {
            out.names.insert(name.to_string());
        } else if let Some(person) = line.strip_prefix('@') {
            out.people.insert(person.to_string());
        } else if let Some(person) = line.strip_prefix('%') {
            out.subject.insert(person.to_string());
        } else if let Some(n) = line.strip_prefix('#').and_then(|n| n.parse().ok()) {
            out.counts.insert(n);
        } else if let Some(place) = line.strip_prefix('~') {
            out.proper.insert(place.to_string());
        } else {
            out.words.insert(line.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_folded_stemmed_and_without_stopwords() {
        let w = words(
            "Detienen a la periodista Rocío San Miguel",
            "según Foro Penal",
        );
        let got: Vec<&str> = w.words.iter().map(String::as_str).collect();
        assert_eq!(
            got,
            ["detien", "foro", "miguel", "penal", "period", "rocio", "san"]
        );
        let names: Vec<&str> = w.names.iter().map(String::as_str).collect();
        assert_eq!(names, ["miguel", "rocio", "san"]);
        assert_eq!(from_stored(&to_stored(&w)), w);
    }

    #[test]
    fn different_people_are_different_stories() {
        let a = words("SEBIN detiene a periodista en Caracas tras protesta", "");
        assert!(same_story(&a, &[], &a, &[]));
        assert!(same_story(&a, &["X".into()], &a, &["X".into(), "Y".into()]));
        assert!(!same_story(&a, &["X".into()], &a, &["Y".into()]));
    }

    #[test]
    fn titles_naming_different_people_are_different_stories() {
        let a = words(
            "SEBIN detiene al periodista Juan Carlos Pérez en Caracas",
            "Funcionarios del SEBIN detuvieron al periodista en su residencia en Caracas.",
        );
        let b = words(
            "SEBIN detiene a la periodista María Gómez en Caracas",
            "Funcionarios del SEBIN detuvieron a la periodista en su residencia en Caracas.",
        );
        assert!(overlap(&a, &b).0 >= THRESHOLD);
        assert!(!same_story(&a, &[], &b, &[]));
        // A title naming no one, or only what the other mentions, joins.
        let c = words(
            "SNTP denuncia detención de periodista en Caracas",
            "Funcionarios del SEBIN detuvieron al periodista Juan Carlos Pérez en su residencia.",
        );
        assert!(same_story(&a, &[], &c, &[]));
    }

    #[test]
    fn titles_with_different_numbers_are_different_reports() {
        let a = words("Nahuel Gallo: día 5 de su detención en Venezuela", "");
        let b = words("Nahuel Gallo: día 10 de su detención en Venezuela", "");
        assert!(overlap(&a, &b).0 >= THRESHOLD);
        assert!(!same_story(&a, &[], &b, &[]));
        assert!(same_story(&a, &[], &a, &[]));
    }

    #[test]
    fn people_are_capitalized_runs_that_do_not_begin_as_a_place_or_body_does() {
        let w = words(
            "Detienen a Carla de la Rosa en Puerto Ordaz",
            "El Colegio de Médicos y el Foro Penal denunciaron que Dr. Alirio Pacheco, de Caracas, sigue preso. SEBIN.",
        );
        let got: Vec<&str> = w.people.iter().map(String::as_str).collect();
        assert_eq!(got, ["alirio pachec", "carla rosa"]);
        assert!(!w.release);
        assert!(words("Liberan a Carla de la Rosa", "").release);
        // Demanding a release is no release.
        assert!(!words("Exigen la liberación de Carla de la Rosa", "").release);
    }

    #[test]
    fn too_few_shared_words_are_never_one_story() {
        let a = words("Detienen periodista Caracas", "");
        assert!(!same_story(&a, &[], &a, &[]));
    }
}
