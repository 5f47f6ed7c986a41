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

/// The people a text names (see [`Words::people`]).
fn people(text: &str, out: &mut BTreeSet<String>) {
    let n = normalize(text);
    let mut run: Vec<usize> = Vec::new();
    let flush = |run: &mut Vec<usize>, out: &mut BTreeSet<String>| {
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
            && capitals
                .iter()
                .all(|w| w.len() >= 2 && !w.bytes().any(|b| b.is_ascii_digit()))
        {
            out.insert(
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
            flush(&mut run, out);
        }
        let capital = original.chars().next().is_some_and(char::is_uppercase)
            && !original
                .chars()
                .all(|c| !c.is_alphabetic() || c.is_uppercase());
        if capital || (!run.is_empty() && NAME_JOINERS.contains(&folded)) {
            run.push(i);
        } else {
            flush(&mut run, out);
        }
    }
    flush(&mut run, out);
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
    let mut named = BTreeSet::new();
    people(title, &mut named);
    let lead: String = summary
        .split_whitespace()
        .take(SUMMARY_WORDS)
        .collect::<Vec<_>>()
        .join(" ");
    people(&lead, &mut named);
    let release = t.text.split(' ').any(|w| RELEASE.contains(&w));
    Words {
        words,
        names,
        people: named,
        release,
    }
}

/// Whether `text` (folded, stemmed words joined by spaces) is wholly in `words`.
fn mentions(words: &BTreeSet<String>, person: &str) -> bool {
    person.split(' ').all(|w| words.contains(w))
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
    let shared_watched = a_names.iter().any(|n| b_names.contains(n));
    let shared_person = a.people.iter().any(|p| b.people.contains(p));
    if shared_watched || shared_person {
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
    if words.release {
        lines.push("!release".to_string());
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
        } else if let Some(name) = line.strip_prefix('^') {
            out.names.insert(name.to_string());
        } else if let Some(person) = line.strip_prefix('@') {
            out.people.insert(person.to_string());
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
