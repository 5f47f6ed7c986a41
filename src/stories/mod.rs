//! Stories: one report told by many outlets.
//!
//! A detention is reported by many outlets within hours, under different
//! links and slightly different headlines. Items that alert are grouped into
//! stories: the same canonical link is one item already (see
//! [`crate::sources::canonical_link`]); beyond that, an alerting item joins
//! the story of an earlier alerting item found within the window
//! (`defaults.story_window`, 72 h) when their texts are near-duplicates.
//!
//! Two reports are one story by what identifies a detention, read from
//! the title and the lead by [`words`]: the people named, whom the report
//! is about, how many people it counts, the proper nouns of places and
//! bodies, what event it tells of (a detention, a release, charges, an
//! expulsion), whether it tells of another detention, and the
//! *content words*: folded (see [`crate::text::normalize`](mod@crate::text::normalize)),
//! without the stopwords of English, Spanish and Portuguese, cut to their
//! first [`STEM`] letters so that `detenido`, `detenida` and `detenidos`
//! meet. [`same_story`] weighs them in a fixed order, vetoes first (see
//! docs/architecture.md, "Stories"); word overlap, |A ∩ B| / min(|A|, |B|)
//! from [`THRESHOLD`] with at least [`MIN_SHARED`] words, decides last.
//! When unsure, a report stays a story of its own: a repeat is better than
//! a detention lost inside another. Scored on the story sets in
//! `tests/fixtures/` (see docs/benchmarks.md, "Stories").

use std::collections::BTreeSet;

use crate::text::normalize::{fold, normalize};

mod eval;
mod lists;

pub use eval::{evaluate, pairwise, StoryReport};
use lists::*;

/// Words are compared on their first letters only.
pub const STEM: usize = 6;
/// Overlap coefficient from which two items are one story.
pub const THRESHOLD: f64 = 0.5;
/// Fewer shared words than this is never one story, however short the texts.
pub const MIN_SHARED: usize = 5;

/// Words a report naming no one must share with one counting as many
/// people of its trade, to join it (see [`judge`]).
const ANONYMOUS_SHARED: usize = 3;
/// Only so many words of the summary count: a lead says what happened, the
/// rest of an article says much else.
const SUMMARY_WORDS: usize = 40;

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
    /// ("otros seis detenidos", "también detienen", "another journalist"),
    /// or of a relative's ("la esposa de", "the son of").
    pub another: bool,
    /// Whether the title counts the people it is about ("cuatro
    /// tenientes", "five students").
    pub group: bool,
    /// Whether the title is about one person: it names them, or takes one
    /// by the article ("Detienen al coronel", "a la periodista").
    pub one: bool,
    /// How many people the title or lead counts ("tres tenientes", "five
    /// students", "20 presos"), as numbers: the same in every language.
    pub counts: BTreeSet<u32>,
    /// The trades the title names, else those of the people the lead
    /// counts ("tres concejales", "three police officers", "Policía
    /// captura al periodista"): councillors are not police officers, nor
    /// teachers journalists, in any language.
    pub trades: BTreeSet<&'static str>,
    /// Capitalized words of the title and lead, but the first of each
    /// sentence and countries: the places and bodies a report names
    /// ("Tiuna", "Barinas", "DGCIM"), which most languages write alike.
    pub proper: BTreeSet<String>,
    /// Where the title says it happened: the capitalized words right after
    /// "en", "in", "em", "at" ("en Catia", "in Fort Tiuna"), countries
    /// aside.
    pub place: BTreeSet<String>,
    /// The nationalities the title gives (as countries: "co", "us"): two
    /// Colombians are not two Americans.
    pub nationals: BTreeSet<String>,
    /// What the title reports befell its people: a detention, unless it
    /// tells of a release or a later event.
    pub event: Event,
}

/// What a report tells of. Reports of different events are different
/// stories, even of one person: a release, a court hearing, an expulsion
/// are news of their own, not a repeat of the detention.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Event {
    #[default]
    Detention,
    Release,
    /// Charges, a hearing, a sentence.
    Court,
    /// A disappeared person found.
    Found,
    Expelled,
    /// A new arrest of someone released.
    Again,
}

const EVENTS: [Event; 5] = [
    Event::Release,
    Event::Court,
    Event::Found,
    Event::Expelled,
    Event::Again,
];

impl Event {
    /// Its name in the store.
    fn as_str(self) -> &'static str {
        match self {
            Event::Detention => "detention",
            Event::Release => "release",
            Event::Court => "court",
            Event::Found => "found",
            Event::Expelled => "expelled",
            Event::Again => "again",
        }
    }
}

/// The counts a text gives: numbers from 2 to 999 written as digits or
/// words (years and dates are not counts).
fn counts(folded: &str, out: &mut BTreeSet<u32>) {
    let words: Vec<&str> = folded.split(' ').collect();
    out.extend(counted(&words).map(|(_, n)| n));
}

/// Where the words count people, and how many: (position, count).
fn counted<'a>(words: &'a [&str]) -> impl Iterator<Item = (usize, u32)> + 'a {
    words.iter().enumerate().filter_map(|(i, w)| {
        let value = match w.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) if *w == "dos" => (i == 0 || BEFORE_DOS.contains(&words[i - 1])).then_some(2),
            Err(_) => NUMBERS.iter().find(|(n, _)| n == w).map(|(_, v)| *v),
        };
        // "5 de Julio", "1 de mayo": a date or a street, not a count;
        // "19 años", "67 years": an age.
        let date = words.get(i + 1).is_some_and(|w| *w == "de")
            && words.get(i + 2).is_some_and(|m| MONTHS.contains(m))
            || words
                .get(i + 1)
                .is_some_and(|w| ["anos", "ano", "years", "year"].contains(w));
        value
            .filter(|n| (2..1000).contains(n) && !date)
            .map(|n| (i, n))
    })
}

/// The trades of the people a text counts ("tres concejales opositores",
/// "three municipal police officers"): the first of the two words after a
/// count that names one, up to a stopword ("dos hijos de militares" are
/// no soldiers).
fn counted_trades(folded: &str) -> BTreeSet<&'static str> {
    let words: Vec<&str> = folded.split(' ').collect();
    counted(&words)
        .filter_map(|(i, _)| {
            words[i + 1..]
                .iter()
                .take(2)
                .take_while(|w| content(w))
                .find_map(|w| trade(w))
        })
        .collect()
}

/// The trade a folded word names, if any (see [`TRADES`]).
fn trade(folded_word: &str) -> Option<&'static str> {
    TRADES
        .iter()
        .find(|(t, _)| *t == folded_word)
        .map(|(_, kind)| *kind)
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
/// lower case ("Familia de Ramiro Colmenares", "la familia"), or when it is
/// a trade: a headline's first word is capitalized whatever it is.
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
        // So does a trade opening a headline: "Jornalista Andrés Quintero
        // é condenado" names the "Andrés Quintero" of other outlets.
        let first = run.first().map(|&i| &n.text[n.words[i].folded.clone()]);
        if opens_sentence && first.is_some_and(|w| lower.contains(&w) || trade(w).is_some()) {
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
        // Not across punctuation: "del hospital, Oswaldo Rengifo".
        let joined = |i: usize| {
            !text[n.words[i - 1].original.end..n.words[i].original.start]
                .contains([',', '.', ';', ':', '(', ')'])
        };
        // So is a run right after "en", "in": "en Gran Sabana", "en la Gran
        // Sabana" (not "en el": "en el Pérez Carreño" is a hospital named
        // for a man other reports name); and one after a body's noun is
        // the body's: "la ONG Acción Solidaria".
        let at = ["en", "in", "em", "na"];
        let named_place = run.first().is_some_and(|&i| {
            let before = &n.text[n.words[i.max(1) - 1].folded.clone()];
            (i >= 1
                && joined(i)
                && (PLACE_NOUNS.contains(&before)
                    || BODY_NOUNS.contains(&before)
                    || at.contains(&before)))
                || (i >= 2
                    && joined(i)
                    && joined(i - 1)
                    && ["la", "the"].contains(&before)
                    && at.contains(&&n.text[n.words[i - 2].folded.clone()]))
                || (i >= 2
                    && joined(i)
                    && joined(i - 1)
                    && NAME_JOINERS.contains(&&n.text[n.words[i - 1].folded.clone()])
                    && PLACE_NOUNS.contains(&&n.text[n.words[i - 2].folded.clone()]))
        });
        if named_place {
            run.clear();
        }
        // Nor is a count opening the run: "Nine Pemon indigenous men".
        while run.first().is_some_and(|&i| {
            let w = &n.text[n.words[i].folded.clone()];
            NUMBERS.iter().any(|(number, _)| *number == w)
        }) {
            run.remove(0);
        }
        // A nationality before a name is not part of it: "Brazilian
        // YouTuber Caio Ferraz"; nor is a body or an outlet named by one
        // word, with its article: "de Sidor José Rangel", "de Provea Lucía
        // Benítez", "de El Pitazo Daniel Ochoa".
        let word = |i: usize| &n.text[n.words[i].folded.clone()];
        while run.first().is_some_and(|&i| {
            COUNTRIES.contains(&stem(word(i)).as_str())
                || NAMED_BODIES.contains(&word(i))
                || (["el", "la", "o", "the"].contains(&word(i))
                    && run
                        .get(1)
                        .is_some_and(|&next| NAMED_BODIES.contains(&word(next))))
        }) {
            run.remove(0);
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
            && !capitals.iter().any(|w| {
                BODIES.contains(w)
                    || NAMED_BODIES.contains(w)
                    || COUNTRIES.contains(&stem(w).as_str())
            })
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
        // "la" joins a name only after "de" ("Carla de la Rosa"), never
        // alone ("Alimenta la Solidaridad" is a body).
        let joins = NAME_JOINERS.contains(&folded)
            && (folded != "la"
                || run
                    .last()
                    .is_some_and(|&j| &n.text[n.words[j].folded.clone()] == "de"));
        // "Eduardo Rangel y Luis Medina" are two people.
        let and = matches!(folded, "y" | "e" | "and");
        let capitals_in_run = run
            .iter()
            .filter(|&&j| !NAME_JOINERS.contains(&&n.text[n.words[j].folded.clone()]))
            .count();
        if and && capitals_in_run >= 2 {
            flush(&mut run, &mut out);
        } else if capital || (!run.is_empty() && joins) {
            run.push(i);
        } else {
            flush(&mut run, &mut out);
        }
    }
    flush(&mut run, &mut out);
    out
}

fn stem(folded_word: &str) -> String {
    if WHOLE.contains(&folded_word) {
        return folded_word.to_string();
    }
    folded_word.chars().take(STEM).collect()
}

fn content(folded_word: &str) -> bool {
    folded_word.chars().count() >= 3 && !STOPWORDS.contains(&folded_word)
}

impl Words {
    /// Whether the title gives a foreign nationality and the report names
    /// a place or body: what a report of foreigners held may join on in
    /// any language.
    pub fn held_abroad(&self) -> bool {
        self.nationals.iter().any(|c| c != "ve") && !self.proper.is_empty()
    }

    /// The words of the people it names, each once.
    pub fn person_words(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.people.iter().flat_map(|p| p.split(' ')).collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// The content words and title names of an item.
pub fn words(title: &str, summary: &str) -> Words {
    let t = normalize(title);
    let folded_summary = fold(summary);
    let mut words: BTreeSet<String> = t
        .text
        .split(' ')
        .chain(folded_summary.split(' ').take(SUMMARY_WORDS))
        .filter(|w| content(w) || w.bytes().any(|b| b.is_ascii_digit()))
        .map(stem)
        .collect();
    let mut names = BTreeSet::new();
    let mut place = BTreeSet::new();
    // Words since the last "en", "in", "at".
    let mut after_at: Option<usize> = None;
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
        // Countries say nothing: nearly every report names one; months
        // and days are dates.
        let country =
            COUNTRIES.contains(&stem(folded).as_str()) || CALENDAR.contains(&stem(folded).as_str());
        if number || i > 0 && capital && !after_stop && content(folded) && !country {
            names.insert(stem(folded));
        }
        // The capitalized words a few lower-case ones after "en" ("en el
        // mercado de Quinta Crespo", "en Santa Elena de Uairén"), up to the
        // first lower-case word or punctuation after them ("in Venezuela,
        // Ottawa says").
        let after_comma =
            i > 0 && title[t.words[i - 1].original.end..w.original.start].contains([',', ';', ':']);
        if after_comma {
            after_at = None;
        }
        if capital && after_at.is_some_and(|n| n <= 4) {
            if content(folded) && !country {
                place.insert(stem(folded));
            }
            after_at = Some(0);
        } else if PLACE_AT.contains(&folded) || PLACE_NOUNS.contains(&folded) {
            // "en Catia", and "del hospital Pérez Carreño": where.
            after_at = Some(1);
        } else if !capital && !place.is_empty() && !NAME_JOINERS.contains(&folded) {
            after_at = None;
        } else {
            after_at = after_at.map(|n| n + 1);
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
    let title_words: Vec<&str> = t.text.split(' ').collect();
    let capital_at = |i: usize| {
        t.words.get(i).is_some_and(|w| {
            title[w.original.clone()]
                .chars()
                .next()
                .is_some_and(char::is_uppercase)
        })
    };
    // The name after "de" may come after a title: "el escolta del alcalde
    // Gustavo Lárez".
    let named_at = |i: usize| {
        capital_at(i)
            || title_words
                .get(i)
                .is_some_and(|w| HONORIFICS.contains(w) && capital_at(i + 1))
    };
    // Kin of a group named by a bare plural ("madres de presos políticos")
    // are a group of their own, not one more detainee's relatives.
    let of_a_group = |i: usize| {
        title_words[i].ends_with('s')
            && matches!(title_words[i + 1], "de" | "of")
            && !named_at(i + 2)
            && !title_words.get(i + 2).is_some_and(|w| ARTICLES.contains(w))
    };
    // People counted before the person the title names, and tied to them
    // ("14 campesinos que acompañaban a Aurelio Peña"), are the person's
    // people, detained beside them.
    let first_named = in_title.first().and_then(|p| {
        let first = p.split(' ').next()?;
        title_words.iter().position(|w| stem(w) == first)
    });
    // Where a Spanish title takes one person by the article ("al
    // coronel", "a la periodista"; "al menos" counts no one).
    let one_taken = title_words
        .windows(2)
        .position(|w| w == ["a", "la"] || w[0] == "al" && w[1] != "menos");
    let their_people = first_named.is_some_and(|at| {
        // Counted ("14 campesinos"), or one taken by the article ("al
        // camarógrafo que acompañaba a Hugo Bermúdez").
        let object = counted(&title_words[..at])
            .next()
            .map(|(c, _)| c)
            .or(one_taken.filter(|&c| c < at));
        object.is_some_and(|c| title_words[c + 1..at].iter().any(|w| TIED_TO.contains(w)))
    });
    // "El abogado del sindicalista Ramón Garrido": one word may stand
    // between an associate and the person, or a thing of theirs ("la
    // productora del programa de Pablo Requena").
    let theirs = |i: usize| {
        title_words
            .get(i + 3)
            .is_some_and(|w| KIN_OF.contains(w) && named_at(i + 4))
    };
    // A nationality may stand between the relative and "de": "la esposa
    // italiana de Franco Rossi".
    let kin_of_named = |i: usize| {
        KIN.contains(&title_words[i])
            && title_words
                .get(i + 1)
                .is_some_and(|w| DEMONYMS.iter().any(|(d, _)| d == w))
            && title_words.get(i + 2).is_some_and(|w| KIN_OF.contains(w))
            && named_at(i + 3)
    };
    let kin = their_people
        || (0..title_words.len()).any(kin_of_named)
        || (0..title_words.len().saturating_sub(1)).any(|i| {
            KIN_OF.contains(&title_words[i + 1])
                && (KIN.contains(&title_words[i]) && !of_a_group(i)
                    || ASSOCIATES.contains(&title_words[i])
                        && (named_at(i + 2) || named_at(i + 3) || theirs(i)))
        });
    // A lead that opens with "Otros cinco trabajadores" tells of more
    // detentions too, whatever the title says.
    let lead_opens_another = folded_summary
        .split(' ')
        .next()
        .is_some_and(|w| ["otros", "otras", "another", "outros", "outras"].contains(&w));
    // "Two more Ecuadorians", "dos más", "mais dois": a count beside a
    // word for more tells of people beside those counted before.
    let counted_more = counted(&title_words).any(|(i, _)| {
        title_words.get(i + 1).is_some_and(|w| MORE.contains(w))
            || i > 0 && title_words[i - 1] == "mais"
    });
    let another = kin
        || lead_opens_another
        || counted_more
        || title_words.iter().any(|w| ANOTHER.contains(w));
    // The first word of the title that tells of another event than a
    // detention, unless the title tells of one as it happens.
    // Not a word of what the person did ("la jueza que liberó a dos
    // manifestantes, presa"): one after "que", "who", "tras".
    let detains = title_words.iter().any(|w| DETAINS.contains(w));
    // A detention as it happens is a new arrest when the title says so
    // ("Detienen nuevamente a la concejala"), as "rearrested" does.
    let again = |w: &&str| LATER.iter().any(|(l, e)| l == w && *e == Event::Again);
    let event = title_words
        .iter()
        .enumerate()
        .filter(|&(i, w)| {
            (!detains || again(w)) && (i == 0 || !WHAT_THEY_DID.contains(&title_words[i - 1]))
        })
        .find_map(|(i, w)| {
            if RELEASE.contains(w) {
                Some(Event::Release)
            } else if *w == "charges" && i > 0 && CHARGES_BY.contains(&title_words[i - 1]) {
                Some(Event::Court)
            } else {
                LATER.iter().find(|(l, _)| l == w).map(|(_, e)| *e)
            }
        })
        .unwrap_or_default();
    // A title telling of a relative's detention names the first one's
    // person ("la esposa de José Daniel Ferrán"): the lead names whom it
    // is about, unless the title names the relative first ("Ana Lugo, hija
    // del exdiputado Francisco Lugo").
    // Or names only the relative, before the word of kin ("Liberan a
    // Yolanda Pérez, madre de preso político"): the report is about her.
    let kin_at = (0..title_words.len().saturating_sub(1)).find(|&i| {
        KIN.contains(&title_words[i]) && KIN_OF.contains(&title_words[i + 1]) || kin_of_named(i)
    });
    let named_before_kin = in_title.first().is_some_and(|p| {
        let first = p.split(' ').next().unwrap_or_default();
        let at = title_words.iter().position(|w| stem(w) == first);
        at.zip(kin_at).is_some_and(|(at, k)| at < k)
    });
    let subject: BTreeSet<String> = if kin && (in_title.len() >= 2 || named_before_kin) {
        in_title.first().cloned().into_iter().collect()
    } else if kin {
        in_lead
            .iter()
            .find(|p| !in_title.contains(p))
            .cloned()
            .into_iter()
            .collect()
    } else if in_title.is_empty() {
        in_lead.first().cloned().into_iter().collect()
    } else {
        // A person named after "de", "of" once someone else is named is
        // whose the thing is, not whom the title is about: "Yuli Paredes
        // por compartir video de Kevin Rangel". Not after a detention's
        // noun: "la detención de Eudes Marcano" is about him.
        let possessed = |p: &String| {
            let first = p.split(' ').next().unwrap_or_default();
            title_words
                .iter()
                .position(|w| stem(w) == first)
                .is_some_and(|at| {
                    at > 1
                        && KIN_OF.contains(&title_words[at - 1])
                        && !EVENT_NOUNS.contains(&title_words[at - 2])
                })
        };
        let whom: Vec<&String> = in_title.iter().filter(|p| !possessed(p)).collect();
        if whom.is_empty() || whom.len() == in_title.len() {
            in_title.iter().cloned().collect()
        } else {
            whom.into_iter().cloned().collect()
        }
    };
    let named_in_title = !in_title.is_empty();
    let named: BTreeSet<String> = in_title.into_iter().chain(in_lead).collect();
    let mut numbers = BTreeSet::new();
    counts(&t.text, &mut numbers);
    // A title naming the people it is about counts them ("Juan Colmenares,
    // Luisa Mora y Ana Ruiz": three), as another report may ("three
    // activists").
    if numbers.is_empty() && named_in_title && !kin && subject.len() >= 2 {
        numbers.insert(subject.len() as u32);
    }
    let group = !numbers.is_empty();
    let one = !group && (named_in_title || one_taken.is_some());
    let folded_lead = fold(&lead);
    counts(&folded_lead, &mut numbers);
    // A title names the trades of whom it is about and of who detained
    // them ("Policía captura al periodista"); a lead names many people,
    // and only those it counts are read.
    // Not whom a title is against ("un grafiti contra el gobernador").
    let against = |i: usize| {
        (1..=2).any(|k| {
            i.checked_sub(k)
                .is_some_and(|j| ["contra", "against"].contains(&title_words[j]))
        })
    };
    let mut trades: BTreeSet<&'static str> = title_words
        .iter()
        .enumerate()
        .filter(|&(i, _)| !against(i))
        .filter_map(|(_, w)| trade(w))
        .collect();
    if trades.is_empty() {
        trades = counted_trades(&folded_lead);
    }
    let mut places = BTreeSet::new();
    proper(title, &mut places);
    proper(&lead, &mut places);
    // A place told by another name ("Caracas airport") names it too, and
    // an acronym says its name in words ("UCAB", "Universidad Católica").
    let says = |text: &str, phrase: &str| format!(" {text} ").contains(&format!(" {phrase} "));
    for &(phrase, name) in ALIASES {
        if says(&t.text, name) || says(&folded_lead, name) {
            words.extend(phrase.split(' ').filter(|w| content(w)).map(stem));
        }
        let in_title = says(&t.text, phrase);
        let name_words = || name.split(' ').filter(|w| content(w)).map(stem);
        if in_title || says(&folded_lead, phrase) {
            words.extend(name_words());
            places.extend(name_words());
        }
        // A place named another way is where; a body is not.
        if in_title && WITHIN.iter().any(|&(p, r)| p == name || r == name) {
            place.extend(name_words());
        }
    }
    Words {
        words,
        names,
        people: named,
        subject,
        another,
        group,
        one,
        counts: numbers,
        trades,
        proper: places,
        place,
        nationals: (0..title_words.len())
            .filter(|&i| {
                let beside = |j: Option<usize>| {
                    j.and_then(|j| title_words.get(j))
                        .is_some_and(|w| NOT_NATIONALS.contains(w))
                };
                !beside(i.checked_sub(1)) && !beside(Some(i + 1))
            })
            .filter_map(|i| DEMONYMS.iter().find(|(d, _)| *d == title_words[i]))
            .map(|(_, c)| c.to_string())
            .collect(),
        event,
    }
}

/// [`WITHIN`] as stemmed words, made once.
struct Within {
    pairs: Vec<(Vec<String>, Vec<String>)>,
    /// Stems that are the whole name of two one-word places: "Maracay"
    /// and "Maracaibo" are both "maraca", and such a stem tells no
    /// place.
    ambiguous: BTreeSet<String>,
}
static WITHIN_STEMS: std::sync::LazyLock<Within> = std::sync::LazyLock::new(|| {
    let stems =
        |name: &str| -> Vec<String> { name.split(' ').filter(|w| content(w)).map(stem).collect() };
    let pairs: Vec<_> = WITHIN.iter().map(|&(p, r)| (stems(p), stems(r))).collect();
    let mut one_word: std::collections::BTreeMap<String, BTreeSet<&str>> = Default::default();
    for name in WITHIN.iter().flat_map(|&(p, r)| [p, r]) {
        if let [only] = &stems(name)[..] {
            one_word.entry(only.clone()).or_default().insert(name);
        }
    }
    let ambiguous = one_word
        .into_iter()
        .filter(|(_, names)| names.len() > 1)
        .map(|(stem, _)| stem)
        .collect();
    Within { pairs, ambiguous }
});

/// Whether `words` name a place `word` is in, or a place in it (see
/// [`WITHIN`]): "Táchira" and "San Cristóbal" tell of one place at two
/// scales. `word` is one of a place's stemmed words.
fn near(word: &str, words: &BTreeSet<String>) -> bool {
    let within = &*WITHIN_STEMS;
    if within.ambiguous.contains(word) {
        return false;
    }
    let has = |name: &[String]| name.iter().any(|s| s == word);
    let all_in = |name: &[String]| name.iter().all(|s| words.contains(s));
    within
        .pairs
        .iter()
        .any(|(place, region)| (has(region) && all_in(place)) || (has(place) && all_in(region)))
}

/// The stemmed words of the places that `words` name a place in: "zulia"
/// for "maracaibo" (see [`WITHIN`]).
fn regions(words: &BTreeSet<String>) -> Vec<&'static str> {
    let within: &'static Within = &WITHIN_STEMS;
    within
        .pairs
        .iter()
        .filter(|(place, _)| {
            place.iter().all(|s| words.contains(s))
                && !matches!(&place[..], [only] if within.ambiguous.contains(only))
        })
        .flat_map(|(_, region)| region.iter().map(String::as_str))
        .collect()
}

/// Caracas, as its words are kept (cut to six letters).
const CAPITAL: &str = "caraca";

/// Whether two reports, in title or lead, say they happened in different
/// places of [`WITHIN`]: the most precise place each names (one no other
/// place it names is in) is neither the other's nor in it nor around it.
/// "Valencia, Carabobo state" and "Puerto Cabello ... Carabobo" are two
/// towns of one state, whatever state both name. The capital named only
/// in a lead is mostly the government ("Bogotá asked Caracas") or where
/// people were taken, not where it happened: it counts only from a title.
fn in_other_places(a: &Words, b: &Words) -> bool {
    let within = &*WITHIN_STEMS;
    let named = |x: &Words| -> Vec<&Vec<String>> {
        let says = |s: &String| x.words.contains(s) && (s != CAPITAL || x.names.contains(CAPITAL));
        let mut names: Vec<&Vec<String>> = within
            .pairs
            .iter()
            .flat_map(|(p, r)| [p, r])
            .filter(|n| {
                n.iter().all(says) && !matches!(&n[..], [only] if within.ambiguous.contains(only))
            })
            .collect();
        names.sort();
        names.dedup();
        names
    };
    let inside = |x: &Vec<String>, y: &Vec<String>| {
        x == y || within.pairs.iter().any(|(p, r)| p == x && r == y)
    };
    let finest = |names: &[&Vec<String>]| -> Vec<Vec<String>> {
        names
            .iter()
            .filter(|n| !names.iter().any(|m| m != *n && inside(m, n)))
            .map(|n| (*n).clone())
            .collect()
    };
    let (a, b) = (finest(&named(a)), finest(&named(b)));
    !a.is_empty()
        && !b.is_empty()
        && !a
            .iter()
            .any(|p| b.iter().any(|q| inside(p, q) || inside(q, p)))
}

/// Whether `text` (folded, stemmed words joined by spaces) is wholly in `words`.
fn mentions(words: &BTreeSet<String>, person: &str) -> bool {
    // Words too short to be kept ("Fe y Alegría") cannot be asked for. A
    // name's words are capitalized, never stopwords: no need to ask.
    person.split(' ').all(|w| w.len() < 3 || words.contains(w))
}

/// Whether two items sharing `shared` words, the smaller having `smaller`,
/// can pass the overlap test: what the store checks from its word index
/// before reading an earlier item.
pub fn may_be_same(shared: usize, smaller: usize) -> bool {
    smaller > 0 && shared >= MIN_SHARED && shared as f64 / smaller as f64 >= THRESHOLD
}

/// The terms the store's story index holds for an item, and looks up for
/// a new one: its words, and, marked so that they never meet a word, its
/// watched names (`=`), its counts (`#`) with its proper nouns and title
/// names (`~`) when it counts people and names something (they only join
/// together), its counts with its trades (`*`) when it counts people of a
/// trade, and its nationalities (`$`) and proper nouns when a foreign
/// one is held somewhere. The words of the people
/// it names are among its words.
pub fn index_terms(words: &Words, names: &[String]) -> BTreeSet<String> {
    let mut terms: BTreeSet<String> = words.words.clone();
    terms.extend(names.iter().map(|n| format!("={n}")));
    if counts_and_names(words) {
        terms.extend(words.counts.iter().map(|n| format!("#{n}")));
    }
    terms.extend(counted_trade_terms(words).map(|t| format!("*{t}")));
    terms.extend(placed_trade_terms(words).map(|t| format!("@{t}")));
    if words.held_abroad() {
        terms.extend(words.nationals.iter().map(|c| format!("${c}")));
    }
    terms.extend(proper_terms(words).into_iter().map(|p| format!("~{p}")));
    terms
}

/// Whether an item counts people and names something: what a join on a
/// count needs.
fn counts_and_names(words: &Words) -> bool {
    !words.counts.is_empty() && (!words.proper.is_empty() || !words.names.is_empty())
}

/// Each count of an item with each trade and foreign nationality it names
/// ("5 students", "2 ar"), when its title counts people: what a report
/// naming no one joins on.
fn counted_trade_terms(words: &Words) -> impl Iterator<Item = String> + '_ {
    let counts = words.counts.iter().filter(|_| words.group);
    let kinds: Vec<&str> = (words.trades.iter().copied())
        .chain(
            words
                .nationals
                .iter()
                .filter(|c| *c != "ve")
                .map(String::as_str),
        )
        .collect();
    counts.flat_map(move |n| kinds.clone().into_iter().map(move |k| format!("{n} {k}")))
}

/// Whether a title is about one person it neither counts nor names
/// ("Detienen a sacerdote en Mérida").
fn unnamed_one(words: &Words) -> bool {
    words.counts.is_empty() && words.people.is_empty() && !words.group
}

/// Each trade of an item about one unnamed person with each place its
/// title says ("clergy merida"): what two reports of that person join on.
fn placed_trade_terms(words: &Words) -> impl Iterator<Item = String> + '_ {
    let places = words.place.iter().filter(|_| unnamed_one(words));
    places.flat_map(move |p| words.trades.iter().map(move |t| format!("{t} {p}")))
}

/// The proper nouns and title names the index holds for an item: those of
/// an item that counts people (see [`counts_and_names`]) with the places
/// its places are in (a report saying "Maracaibo" meets one saying
/// "Zulia"), the proper nouns of one about foreigners held.
fn proper_terms(words: &Words) -> BTreeSet<&str> {
    let mut out = BTreeSet::new();
    if counts_and_names(words) {
        out.extend(words.proper.iter().chain(&words.names).map(String::as_str));
        out.extend(regions(&words.proper));
    }
    if words.held_abroad() {
        out.extend(words.proper.iter().map(String::as_str));
    }
    out
}

/// What a new item has in common with an earlier one, as far as the story
/// index tells: the evidence [`same_story`] can join on.
#[derive(Debug, Default, Clone, Copy)]
pub struct Shared {
    pub words: usize,
    /// Words of the new item's people that the earlier item has.
    pub person_words: usize,
    pub watched: bool,
    pub count: bool,
    pub proper: bool,
    /// A foreign nationality, when both items give one and a proper noun.
    pub national: bool,
    /// A count of people of one trade, when both titles count people.
    pub counted_trade: bool,
    /// A trade and a place, when both titles are about one unnamed person.
    pub placed_trade: bool,
}

impl Shared {
    /// From the new item's index terms (see [`index_terms`]) that an
    /// earlier item has too, each once; `person_words` are the words of the
    /// new item's people ([`Words::person_words`]).
    pub fn from_terms<'a>(
        person_words: &[&str],
        terms: impl IntoIterator<Item = &'a str>,
    ) -> Shared {
        let mut shared = Shared::default();
        for term in terms {
            match term.as_bytes().first() {
                Some(b'#') => shared.count = true,
                Some(b'~') => shared.proper = true,
                Some(b'=') => shared.watched = true,
                Some(b'$') => shared.national = true,
                Some(b'*') => shared.counted_trade = true,
                Some(b'@') => shared.placed_trade = true,
                _ => {
                    shared.words += 1;
                    if person_words.contains(&term) {
                        shared.person_words += 1;
                    }
                }
            }
        }
        shared
    }

    /// What a new item shares with an earlier one, from their words: the
    /// same as [`Shared::from_terms`] on the index.
    pub fn between(new: &Words, names: &[String], other: &Words, other_names: &[String]) -> Shared {
        let person_words = new.person_words();
        let abroad = new.held_abroad() && other.held_abroad();
        Shared {
            words: new.words.intersection(&other.words).count(),
            person_words: person_words
                .iter()
                .filter(|w| other.words.contains(**w))
                .count(),
            watched: names.iter().any(|n| other_names.contains(n)),
            count: counts_and_names(new)
                && counts_and_names(other)
                && !new.counts.is_disjoint(&other.counts),
            proper: !proper_terms(new).is_disjoint(&proper_terms(other)),
            national: abroad && !new.nationals.is_disjoint(&other.nationals),
            counted_trade: counted_trade_terms(new)
                .any(|t| counted_trade_terms(other).any(|u| u == t)),
            placed_trade: placed_trade_terms(new)
                .any(|t| placed_trade_terms(other).any(|u| u == t)),
        }
    }
}

/// Whether two items sharing `shared`, the smaller having `smaller` words,
/// can be one story: enough words in common, two words of a person's name,
/// a watched person, a count and a proper noun, a foreign nationality,
/// a count of people of one trade, or one unnamed person of a trade in a
/// place. What the store asks its
/// index before reading an earlier item, so that only those are compared.
pub fn may_join(shared: &Shared, smaller: usize) -> bool {
    may_be_same(shared.words, smaller)
        || shared.person_words >= 2
        || shared.watched
        || shared.count && shared.proper
        || shared.national
        || shared.counted_trade
        || shared.placed_trade
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

/// Whether a new item `a` tells the story of an earlier item `b`: their
/// words (see [`words`]) and the watched people each names.
///
/// Vetoes and joins in a fixed order (docs/architecture.md, "Stories"):
/// different people, a release beside a detention, another detention, other
/// counts, nationalities or places keep two items apart; the same person,
/// or the same count in the same place, joins them in any language;
/// otherwise their words decide. When unsure they stay apart: a repeat is
/// better than a detention lost inside another.
pub fn same_story(a: &Words, a_names: &[String], b: &Words, b_names: &[String]) -> bool {
    judge(a, a_names, b, b_names) == Verdict::Same
}

/// What two items' words say of them: one story, two, or too little in
/// common to tell (only their word overlap fell short).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Same,
    Apart(Veto),
    Unsure,
}

/// Why two items are two stories, in the order [`judge`] asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Veto {
    /// They name different watched people.
    Watched,
    /// Each names people the other never mentions.
    People,
    /// They tell of different events: a detention and a release, a court
    /// hearing, an expulsion.
    Event,
    /// Each title has a number the other never mentions.
    Numbers,
    /// One is about people the other, about someone, never mentions.
    AboutOthers,
    /// One tells of another detention or a relative's.
    Another,
    /// One is about a person it names, the other about a group it counts
    /// and names no one of.
    OneAndMany,
    /// They count different numbers of people.
    Counts,
    /// They count people of different trades.
    Trades,
    /// Their titles give different nationalities.
    Nationals,
    /// Each title names what the other never mentions.
    Names,
    /// Their titles say different places.
    Place,
    /// Two groups, and a title names what the other never mentions.
    Groups,
}

impl Veto {
    /// Whether it keeps a new item out of the whole story of the item it
    /// was found against, not only apart from that item. The three left
    /// out read whom a report is about from cues that one outlet's wording
    /// can mislead; counted story-wide they cost recall on the story sets
    /// (see docs/benchmarks.md, "Stories").
    fn story_wide(self) -> bool {
        !matches!(self, Veto::AboutOthers | Veto::Another | Veto::Groups)
    }
}

/// [`same_story`], with why not.
fn judge(a: &Words, a_names: &[String], b: &Words, b_names: &[String]) -> Verdict {
    if !a_names.is_empty() && !b_names.is_empty() && !a_names.iter().any(|n| b_names.contains(n)) {
        return Verdict::Apart(Veto::Watched);
    }
    // One person, named in full or in part ("Sor Inés Montalván", "Inés
    // Montalván").
    let part_of = |p: &str, q: &str| p.split(' ').all(|w| q.split(' ').any(|x| x == w));
    let named_in = |p: &str, y: &Words| {
        mentions(&y.words, p) || y.people.iter().any(|q| part_of(p, q) || part_of(q, p))
    };
    let unmentioned = |x: &Words, y: &Words| x.people.iter().any(|p| !mentions(&y.words, p));
    if unmentioned(a, b) && unmentioned(b, a) {
        return Verdict::Apart(Veto::People);
    }
    if a.event != b.event {
        return Verdict::Apart(Veto::Event);
    }
    // Each title has a number the other never mentions ("día 5", "día 10"):
    // two reports, even of one person.
    let number_unmentioned = |x: &Words, y: &Words| {
        x.names
            .iter()
            .any(|n| n.bytes().any(|b| b.is_ascii_digit()) && !said(n, y))
    };
    if number_unmentioned(a, b) && number_unmentioned(b, a) {
        return Verdict::Apart(Veto::Numbers);
    }
    // A report about people the other never mentions, when the other is
    // about someone: a second person's detention told beside the first
    // ("the lawyer's colleague was also detained").
    let about_others = |x: &Words, y: &Words| {
        !x.subject.is_empty() && !y.people.is_empty() && x.subject.iter().all(|p| !named_in(p, y))
    };
    if about_others(a, b) || about_others(b, a) {
        return Verdict::Apart(Veto::AboutOthers);
    }
    if a_names.iter().any(|n| b_names.contains(n)) {
        return Verdict::Same;
    }
    // "Otros seis detenidos", "la esposa de": one more detention, not the
    // one told before (the people both name may be the first one's),
    // unless both are about the same person.
    let same_subject = a
        .subject
        .iter()
        .any(|p| b.subject.iter().any(|q| part_of(p, q) || part_of(q, p)));
    // Unless the earlier one told of another group and the new one tells
    // of a group in its place and count, both naming no one: a later report
    // of that group ("Otros ocho campesinos ... en Acarigua", then "GNB
    // detiene a campesinos en Acarigua"). The other way round, the new
    // one is the other group ("Otros seis detenidos en Caracas").
    // Its place may be told at another scale ("en Rubio", "en Táchira").
    let same_group = b.another
        && a.people.is_empty()
        && b.people.is_empty()
        && (a
            .place
            .iter()
            .any(|p| b.place.contains(p) || near(p, &b.place))
            // A title saying no place may name what the other's names
            // ("Dos estudiantes de la UPEL detenidos").
            || a.place.is_empty() && !a.names.is_empty() && a.names.is_subset(&b.names))
        && !a.counts.is_disjoint(&b.counts);
    if a.another != b.another && !same_subject && !same_group {
        return Verdict::Apart(Veto::Another);
    }
    // Two titles about different people of different trades ("la abogada
    // Mariela Durán", "el sindicalista Oscar Peña"): two detentions, though
    // each lead names the other's person.
    let within = |x: &str, y: &str| x == y || x.strip_prefix(y).is_some_and(|r| r.starts_with('/'));
    let akin = |x: &str, y: &str| within(x, y) || within(y, x);
    let other_trades = !a.trades.is_empty()
        && !b.trades.is_empty()
        && !a.trades.iter().any(|x| b.trades.iter().any(|y| akin(x, y)));
    if other_trades && !a.subject.is_empty() && !b.subject.is_empty() && !same_subject {
        return Verdict::Apart(Veto::Trades);
    }
    if a.people
        .iter()
        .any(|p| b.people.iter().any(|q| part_of(p, q) || part_of(q, p)))
    {
        return Verdict::Same;
    }
    // A title about one person, and a group counted in a title that names
    // no one and never mentions that person ("al coronel" Ramón
    // Aguilera, "cuatro tenientes"): two detentions, though one report
    // may count the other's people.
    let one_and_many = |x: &Words, y: &Words| {
        x.one
            && !x.subject.is_empty()
            && y.group
            && y.people.is_empty()
            && !x.subject.iter().any(|p| mentions(&y.words, p))
    };
    if one_and_many(a, b) || one_and_many(b, a) {
        return Verdict::Apart(Veto::OneAndMany);
    }
    // "Dos manifestantes", "tres madres": different groups; "dos
    // colombianos", "two Americans": other people.
    if !a.counts.is_empty() && !b.counts.is_empty() && a.counts.is_disjoint(&b.counts) {
        return Verdict::Apart(Veto::Counts);
    }
    // "Tres policías", "tres concejales": as many people, of other trades.
    if other_trades {
        return Verdict::Apart(Veto::Trades);
    }
    if !a.nationals.is_empty() && !b.nationals.is_empty() && a.nationals.is_disjoint(&b.nationals) {
        return Verdict::Apart(Veto::Nationals);
    }
    // Each title names somewhere the other report never mentions ("tres
    // gerentes de Pdvsa en Anzoátegui", "tres trabajadores de Pdvsa en
    // Zulia"): two reports. Words that translate ("Fuerte", "Fort") are
    // not asked for.
    // An English nationality ("Dutch") is said by a report of people of
    // that country ("la pareja neerlandesa").
    let their_nationality =
        |n: &str, y: &Words| countries_of(n).iter().any(|c| y.nationals.contains(*c));
    let unmentioned_name_but = |x: &Words, y: &Words, excused: &[&str]| {
        x.names.iter().any(|n| {
            !excused.contains(&n.as_str())
                && !said(n, y)
                && !said_either_way(n)
                && !near(n, &y.words)
                && !their_nationality(n, y)
        })
    };
    let unmentioned_name = |x: &Words, y: &Words| unmentioned_name_but(x, y, &[]);
    if unmentioned_name(a, b) && unmentioned_name(b, a) {
        return Verdict::Apart(Veto::Names);
    }
    // Both titles say where, in different places, and one of them is
    // never mentioned by the other ("cuatro choferes ... en Catia", "...
    // en Petare, horas después de las detenciones en Catia").
    let place_unmentioned = |x: &Words, y: &Words| {
        x.place
            .iter()
            .all(|p| !y.words.contains(p) && !y.proper.contains(p) && !near(p, &y.words))
    };
    if !a.place.is_empty()
        && !b.place.is_empty()
        && a.place.is_disjoint(&b.place)
        && (place_unmentioned(a, b) || place_unmentioned(b, a))
    {
        return Verdict::Apart(Veto::Place);
    }
    // Title or lead, each says it happened somewhere the other does not.
    if in_other_places(a, b) {
        return Verdict::Apart(Veto::Place);
    }
    // A later report of another group, as read above, when nothing kept
    // it apart since: it need not name the body the other names
    // ("petroleros ... Paraguaná", "trabajadores de Pdvsa en Falcón").
    if same_group {
        return Verdict::Same;
    }
    // The same number of people in the same named place or body ("tres
    // tenientes ... Fuerte Tiuna", "three lieutenants ... Fort Tiuna"):
    // what a report naming no one is told by, in any language. Not when
    // either title names what the other never mentions ("tres médicos ...
    // Hospital Pérez Carreño", "three nurses ... Caracas").
    // Or the same place at two scales when one title says no place ("siete
    // trabajadores de Corpoelec en Maracaibo", "seven power workers ..."
    // and "in Zulia state" in the lead); two titles saying where at two
    // scales may be two groups ("nueve ... en Valencia", "nueve ... en Los
    // Guayos").
    let shared_count = a.counts.iter().any(|n| b.counts.contains(n));
    // The people one title names may be those the other counts and names
    // no one of ("Juan Colmenares, Luisa Mora y Ana Ruiz", "three
    // activists").
    let the_counted = |x: &Words, y: &Words| {
        x.subject.len() >= 2 && y.people.is_empty() && y.counts.contains(&(x.subject.len() as u32))
    };
    let no_one_else =
        (!unmentioned(a, b) || the_counted(a, b)) && (!unmentioned(b, a) || the_counted(b, a));
    // Their names are no other place or body either.
    let unmentioned_place = |x: &Words, y: &Words| {
        let theirs = if the_counted(x, y) {
            x.person_words()
        } else {
            Vec::new()
        };
        unmentioned_name_but(x, y, &theirs)
    };
    let nothing_else = !unmentioned_place(a, b) && !unmentioned_place(b, a);
    let at_two_scales =
        (a.place.is_empty() || b.place.is_empty()) && a.proper.iter().any(|p| near(p, &b.proper));
    let same_place = !a.proper.is_disjoint(&b.proper) || at_two_scales;
    // Of a group of one trade, one title may name less of where than the
    // other, every name it has said by the other ("five nurses ... at
    // Maracay hospital", "cinco enfermeras del Hospital Central de
    // Maracay"): it tells less, not something else.
    let same_trades = !a.trades.is_empty() && a.trades == b.trades;
    // Said in the other's title, not only translatable ("Militar" and
    // "Central" are two hospitals) nor only in a lead ("... de Coche",
    // "... de Quinta Crespo, horas después de las detenciones en Coche").
    let all_said = |x: &Words, y: &Words| {
        x.names
            .iter()
            .all(|n| y.names.contains(n) || near(n, &y.names))
    };
    let tells_less = all_said(a, b) || all_said(b, a);
    if shared_count && no_one_else && same_place && (nothing_else || same_trades && tells_less) {
        return Verdict::Same;
    }
    // One person of a trade each, counted by neither, no one named, in the
    // same place and nothing else named ("Detienen a sacerdote en Mérida",
    // "Priest detained in Mérida"): one detention, in any language.
    if unnamed_one(a)
        && unnamed_one(b)
        && same_trades
        && nothing_else
        && !a.place.is_disjoint(&b.place)
    {
        return Verdict::Same;
    }
    // As many people of the same trade, and two proper nouns in common
    // ("ocho estudiantes de la ULA en Mérida", "eight students of the
    // University of the Andes in Mérida"): one report may name an
    // acronym the other spells out.
    // Only an acronym may go unmentioned: "Clínico Universitario" and
    // "Pérez Carreño" are two hospitals of one city.
    let acronyms_only = |x: &Words, y: &Words| {
        x.names.iter().all(|n| {
            n.chars().count() <= 4 || said(n, y) || said_either_way(n) || near(n, &y.words)
        })
    };
    // One proper noun is enough when one title names nothing at all: it
    // tells less, not something else ("dos estudiantes de la UCLA en
    // Barquisimeto", "two students detained at university protest").
    let in_common = a.proper.intersection(&b.proper).count();
    let one_names_nothing = a.names.is_empty() || b.names.is_empty();
    if shared_count
        && no_one_else
        && same_trades
        && acronyms_only(a, b)
        && acronyms_only(b, a)
        && (in_common >= 2 || in_common == 1 && one_names_nothing)
    {
        return Verdict::Same;
    }
    // Foreigners of the same nationalities held where both reports name
    // the same place or body, and one report names no one ("a Spanish pilot and his Venezuelan
    // co-pilot at Maiquetía"): one detention in any language.
    // Venezuelans beside them may be told or not, and "el Amazonas
    // venezolano" is no Venezuelan: only the foreign ones are compared.
    let foreign = |x: &Words| {
        x.nationals
            .iter()
            .filter(|c| *c != "ve")
            .cloned()
            .collect::<BTreeSet<_>>()
    };
    if a.held_abroad()
        && foreign(a) == foreign(b)
        && (a.people.is_empty() || b.people.is_empty())
        && !a.proper.is_disjoint(&b.proper)
    {
        return Verdict::Same;
    }
    // Each title names someone or somewhere the other report never
    // mentions: two reports. Groups are told in the same words, so when
    // neither names a person and their titles name nothing in common, one
    // is enough ("dos comerciantes ... Quinta Crespo", "... de Coche").
    let (a_other, b_other) = (unmentioned_name(a, b), unmentioned_name(b, a));
    let groups = a.people.is_empty()
        && b.people.is_empty()
        && !a.names.is_empty()
        && !b.names.is_empty()
        && a.names.is_disjoint(&b.names);
    if a_other && b_other || groups && (a_other || b_other) {
        return Verdict::Apart(Veto::Groups);
    }
    let shared = a.words.intersection(&b.words).count();
    // As many people of the same trade, told by a report naming no one and
    // nowhere, with words of what happened in common ("Cinco estudantes
    // universitários são presos ... protestavam", "cinco estudiantes de la
    // ULA en Mérida ... protestaban ... universitario"): it tells less,
    // not something else.
    let says_nothing = |x: &Words| {
        x.people.is_empty()
            && x.place.is_empty()
            && x.names
                .iter()
                .all(|n| n.bytes().any(|b| b.is_ascii_digit()))
    };
    if shared_count
        && same_trades
        && no_one_else
        && (says_nothing(a) || says_nothing(b))
        && shared >= ANONYMOUS_SHARED
    {
        return Verdict::Same;
    }
    // As many foreigners of the same nationalities, one report naming no
    // one and nowhere ("Dois argentinos são detidos na Venezuela",
    // "Detienen a dos argentinos en Puerto Ayacucho"): foreigners held are
    // few, and count and nationality tell them.
    // So is one foreigner of a nationality, counted by neither ("ciudadano
    // estadounidense", "American citizen").
    let one_each = a.counts.is_empty() && b.counts.is_empty();
    if (shared_count || one_each)
        && no_one_else
        && !foreign(a).is_empty()
        && foreign(a) == foreign(b)
        && (says_nothing(a) || says_nothing(b))
    {
        return Verdict::Same;
    }
    if may_be_same(shared, a.words.len().min(b.words.len())) {
        Verdict::Same
    } else {
        Verdict::Unsure
    }
}

/// Whether a title's name (a stem, or a number) is among `y`'s words, or
/// is a number `y` counts in words ("12", "doce detenidos").
fn said(name: &str, y: &Words) -> bool {
    y.words.contains(name) || name.parse::<u32>().is_ok_and(|n| y.counts.contains(&n))
}

/// Whether a title's name (a stem) is a body or a word that is no one's
/// name ("Guardia", "Universidad", "Radio"): other outlets translate it
/// or leave it out. The lists hold whole words; names are stems.
fn said_either_way(name: &str) -> bool {
    static STEMS: std::sync::LazyLock<BTreeSet<String>> = std::sync::LazyLock::new(|| {
        BODIES
            .iter()
            .chain(NAMED_BODIES)
            .chain(NOT_PEOPLE)
            .map(|w| stem(w))
            .collect()
    });
    STEMS.contains(name)
}

/// The countries a stemmed title word is a nationality of ("dutch": "nl"),
/// from [`DEMONYMS`], stemmed once (two nationalities may share a stem).
fn countries_of(name: &str) -> &'static [&'static str] {
    type Stems = std::collections::BTreeMap<String, Vec<&'static str>>;
    static STEMS: std::sync::LazyLock<Stems> = std::sync::LazyLock::new(|| {
        let mut stems = Stems::new();
        for &(d, c) in DEMONYMS {
            stems.entry(stem(d)).or_default().push(c);
        }
        stems
    });
    STEMS.get(name).map_or(&[], Vec::as_slice)
}

/// Of the earlier items (their story, words and people) that share what a
/// join needs (see [`may_join`]; the store finds them through its index),
/// the story the new item joins: the one whose member overlaps it most
/// among those that tell the same story, and none of whose members tells
/// of other people, places or events (a story-wide veto): "cinco
/// sargentos en Maracay" may read like a story's first report, "cinco
/// militares", and still be told apart by its second, "en el Fuerte Mara".
/// None when two stories overlap it equally.
pub fn best_story<'a>(
    words: &Words,
    names: &[String],
    earlier: impl IntoIterator<Item = (i64, &'a Words, &'a [String])>,
) -> Option<i64> {
    // Per story: the best overlap of a member telling the same story, and
    // whether any member tells of other people or another event.
    let mut stories: std::collections::BTreeMap<i64, (Option<f64>, bool)> = Default::default();
    for (story, other, other_names) in earlier {
        let (score, apart) = match judge(words, names, other, other_names) {
            Verdict::Unsure => continue,
            Verdict::Same => (Some(overlap(words, other).0), false),
            Verdict::Apart(veto) => (None, veto.story_wide()),
        };
        let (best, kept_apart) = stories.entry(story).or_default();
        if let Some(score) = score {
            *best = Some(best.map_or(score, |b: f64| b.max(score)));
        }
        *kept_apart |= apart;
    }
    // Two stories told as well as each other: which one it tells is a
    // guess, and a wrong guess hides a detention inside another ("cinco
    // manifestantes en Ureña", beside five Colombians and five Venezuelans
    // held there). It starts a story of its own.
    let mut best: Option<(f64, i64)> = None;
    let mut tied = false;
    for (story, (score, apart)) in stories {
        let Some(score) = score.filter(|_| !apart) else {
            continue;
        };
        match best {
            Some((b, _)) if score < b => {}
            Some((b, _)) if score == b => tied = true,
            _ => {
                best = Some((score, story));
                tied = false;
            }
        }
    }
    best.filter(|_| !tied).map(|(_, story)| story)
}

/// [`best_story`] among any earlier items, as the store would find them:
/// for scoring and replaying without a store.
pub fn story_among<'a>(
    words: &Words,
    names: &[String],
    earlier: impl IntoIterator<Item = (i64, &'a Words, &'a [String])>,
) -> Option<i64> {
    let found = earlier.into_iter().filter(|(_, other, other_names)| {
        let smaller = words.words.len().min(other.words.len());
        may_join(&Shared::between(words, names, other, other_names), smaller)
    });
    best_story(words, names, found)
}

/// Serializes words for the store: one per line, content words bare, then
/// marked by a first character: title names `^`, people `@`, the subject
/// `%`, counts `#`, proper nouns `~`, the title's place `&`, nationalities
/// `$`, trades `*`, an event other than a detention as `!release`,
/// `!court`, …, `!another`, `!group` and `!one`.
pub fn to_stored(words: &Words) -> String {
    let mut lines: Vec<String> = words.words.iter().cloned().collect();
    lines.extend(words.names.iter().map(|n| format!("^{n}")));
    lines.extend(words.people.iter().map(|p| format!("@{p}")));
    lines.extend(words.subject.iter().map(|p| format!("%{p}")));
    lines.extend(words.counts.iter().map(|n| format!("#{n}")));
    lines.extend(words.proper.iter().map(|p| format!("~{p}")));
    lines.extend(words.place.iter().map(|p| format!("&{p}")));
    lines.extend(words.nationals.iter().map(|c| format!("${c}")));
    lines.extend(words.trades.iter().map(|t| format!("*{t}")));
    if words.event != Event::Detention {
        lines.push(format!("!{}", words.event.as_str()));
    }
    if words.another {
        lines.push("!another".to_string());
    }
    if words.group {
        lines.push("!group".to_string());
    }
    if words.one {
        lines.push("!one".to_string());
    }
    lines.join("\n")
}

/// Reads words back from the store (what was stored before a field was
/// kept reads as empty: no one named, a detention).
pub fn from_stored(stored: &str) -> Words {
    let mut out = Words::default();
    for line in stored.split('\n').filter(|w| !w.is_empty()) {
        if let Some(event) = EVENTS
            .iter()
            .find(|e| line.strip_prefix('!') == Some(e.as_str()))
        {
            out.event = *event;
        } else if line == "!another" {
            out.another = true;
        } else if line == "!group" {
            out.group = true;
        } else if line == "!one" {
            out.one = true;
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
        } else if let Some(place) = line.strip_prefix('&') {
            out.place.insert(place.to_string());
        } else if let Some(country) = line.strip_prefix('$') {
            out.nationals.insert(country.to_string());
        } else if let Some(trade) = line.strip_prefix('*') {
            // A kind this build does not know is dropped.
            if let Some((_, kind)) = TRADES.iter().find(|(_, k)| *k == trade) {
                out.trades.insert(kind);
            }
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
        assert_eq!(w.event, Event::Detention);
        assert_eq!(
            words("Liberan a Carla de la Rosa", "").event,
            Event::Release
        );
        // Demanding a release is no release.
        assert_eq!(
            words("Exigen la liberación de Carla de la Rosa", "").event,
            Event::Detention
        );
    }

    #[test]
    fn people_are_split_at_and_and_lose_nationalities_and_titles() {
        let w = words(
            "Venezuela detains Avior pilots",
            "Agents detained Eduardo Rangel y Luis Medina. Police held Brazilian YouTuber Caio Ferraz and Bishop Rodrigo Salgado.",
        );
        let got: Vec<&str> = w.people.iter().map(String::as_str).collect();
        assert_eq!(
            got,
            [
                "eduard rangel",
                "luis medina",
                "rodrig salgad",
                "youtub caio ferraz"
            ]
        );
        // A body with "la" inside is no person; a name after a place's
        // noun and a comma is one.
        let w = words(
            "Detienen a dos voluntarios de Alimenta la Solidaridad",
            "El jefe de mantenimiento del hospital, Oswaldo Rengifo, fue detenido.",
        );
        let got: Vec<&str> = w.people.iter().map(String::as_str).collect();
        assert_eq!(got, ["oswald rengif"]);
        // Dates and streets are not counts.
        assert!(words("Detienen a vecinos en la calle 5 de Julio", "")
            .counts
            .is_empty());
        assert_eq!(words("Detienen a cinco vecinos", "").counts, [5].into());
    }

    #[test]
    fn a_relative_s_detention_is_a_story_of_its_own() {
        let his = words(
            "Detienen al opositor José Daniel Ferrán en Camagüey",
            "El opositor José Daniel Ferrán fue detenido por la policía política en Camagüey.",
        );
        let hers = words(
            "Arrestan a la esposa de José Daniel Ferrán",
            "Nereida Ferrán, esposa del opositor José Daniel Ferrán, fue arrestada en Camagüey.",
        );
        assert!(hers.another);
        assert!(!same_story(&his, &[], &hers, &[]));
        assert!(!same_story(&hers, &[], &his, &[]));
    }

    #[test]
    fn another_detention_joins_only_the_reports_about_its_own_person() {
        let first = words(
            "Detienen al concejal Alexis Morillo en Maracaibo",
            "El dirigente opositor Alexis Morillo fue detenido por el SEBIN en Maracaibo.",
        );
        let another = words(
            "Detienen a otro dirigente opositor en Zulia",
            "El dirigente opositor Yorman Fuenmayor fue detenido en Cabimas por el SEBIN, horas después de la detención de Alexis Morillo.",
        );
        let named = words(
            "SEBIN detiene a Yorman Fuenmayor en Cabimas",
            "Yorman Fuenmayor, dirigente opositor de Cabimas, fue detenido por el SEBIN.",
        );
        assert!(!same_story(&first, &[], &another, &[]));
        assert!(same_story(&another, &[], &named, &[]));
    }

    #[test]
    fn a_later_report_of_another_group_joins_it() {
        let first = words(
            "Detienen a seis pescadores en Carúpano",
            "Seis pescadores fueron detenidos por la Armada en Carúpano.",
        );
        let another = words(
            "Detienen a seis pescadores en Güiria",
            "Otros seis pescadores fueron detenidos por la Armada en Güiria, también en Sucre.",
        );
        let later = words(
            "Armada detiene a pescadores en Güiria",
            "Seis hombres fueron arrestados en el muelle de Güiria.",
        );
        assert!(!same_story(&another, &[], &first, &[]));
        assert!(same_story(&later, &[], &another, &[]));
        // Its place told at another scale.
        let in_the_state = words(
            "Seis pescadores más detenidos en Sucre",
            "La Armada detuvo a seis pescadores en el muelle de Güiria.",
        );
        assert!(same_story(&in_the_state, &[], &another, &[]));
        // The other way round the new report is the other group.
        let plain = words(
            "Detienen a seis pescadores en Güiria",
            "Seis pescadores fueron detenidos por la Armada en Güiria.",
        );
        assert!(!same_story(&another, &[], &plain, &[]));
    }

    #[test]
    fn a_title_naming_nothing_joins_on_one_proper_noun() {
        let es = words(
            "Detienen a tres estudiantes de la UDO en Cumaná",
            "Tres estudiantes de la Universidad de Oriente fueron detenidos por la PNB en una protesta.",
        );
        let en = words(
            "Three students detained at Venezuelan university protest",
            "Police detained three students of a public university in Cumaná during a protest over buses.",
        );
        assert!(overlap(&es, &en).0 < THRESHOLD);
        assert!(same_story(&en, &[], &es, &[]));
        // A title naming somewhere else asks for two in common.
        let elsewhere = words(
            "Three students detained in Carúpano",
            "Police detained three students in Cumaná province during a protest over buses.",
        );
        assert!(!same_story(&elsewhere, &[], &es, &[]));
    }

    #[test]
    fn a_run_after_a_body_s_noun_is_the_body_not_a_person() {
        let es = words(
            "Detienen a la directora de la ONG Manos Amigas en Valencia",
            "Marta Paz fue retenida por el Sebin en el aeropuerto.",
        );
        assert!(!es.people.iter().any(|p| p.starts_with("manos")), "{es:?}");
        let en = words(
            "Venezuelan NGO director detained at Valencia airport",
            "Marta Paz, who heads a civic group, was stopped by intelligence agents.",
        );
        assert!(same_story(&en, &[], &es, &[]));
    }

    #[test]
    fn a_number_in_figures_is_the_count_in_words() {
        let words_first = words(
            "Doce detenidos en protesta por luz en Sucre",
            "Los detenidos fueron llevados a la comandancia de Cumaná.",
        );
        let figures = words(
            "Detienen a 12 vecinos en Cumaná",
            "Doce personas que protestaban por la luz en Sucre fueron detenidas.",
        );
        assert!(same_story(&figures, &[], &words_first, &[]));
    }

    #[test]
    fn what_a_title_s_person_did_is_not_the_event() {
        let w = words(
            "El juez que liberó a cinco estudiantes, preso en Tocorón",
            "",
        );
        assert_eq!(w.event, Event::Detention);
        assert_eq!(
            words("Liberan al juez preso en Tocorón", "").event,
            Event::Release
        );
    }

    #[test]
    fn the_andes_hold_their_states() {
        let es = words(
            "Detienen a turista alemán en Táchira",
            "El turista fue detenido por la GNB en San Cristóbal.",
        );
        let en = words(
            "German tourist detained in Venezuela's Andes",
            "Germany said a citizen was held by troops in Táchira.",
        );
        assert!(same_story(&en, &[], &es, &[]));
    }

    #[test]
    fn another_group_s_later_report_may_say_no_place_and_name_its_body() {
        let another = words(
            "Detienen a dos estudiantes de la UNES en Coro",
            "Otros dos estudiantes, de la universidad de seguridad, fueron detenidos en la misma protesta.",
        );
        let later = words(
            "Dos estudiantes de la UNES detenidos",
            "Fueron detenidos horas después que los de la UNEFM.",
        );
        assert!(same_story(&later, &[], &another, &[]));
        // And the store's index finds the one for the other.
        let shared = Shared::between(&later, &[], &another, &[]);
        assert!(may_join(
            &shared,
            later.words.len().min(another.words.len())
        ));
        // Nor need it name the body the other names.
        let another = words(
            "Detienen a seis trabajadores de Sidor en Bolívar",
            "Otros seis trabajadores fueron detenidos en la planta de Puerto Ordaz.",
        );
        let later = words(
            "Seis obreros detenidos en Puerto Ordaz",
            "Los trabajadores de la acería exigían el pago de bonos.",
        );
        assert!(same_story(&later, &[], &another, &[]));
    }

    #[test]
    fn a_report_naming_no_one_and_nowhere_joins_as_many_of_its_trade() {
        let named = words(
            "Detienen a cuatro enfermeras del hospital Central en Barquisimeto",
            "Las enfermeras protestaban por los salarios y la policía se las llevó.",
        );
        let anonymous = words(
            "Quatro enfermeiras são presas na Venezuela",
            "Elas protestavam por salários quando a polícia chegou.",
        );
        assert!(same_story(&anonymous, &[], &named, &[]));
        let shared = Shared::between(&anonymous, &[], &named, &[]);
        assert!(may_join(
            &shared,
            anonymous.words.len().min(named.words.len())
        ));
        // Not on the count and the trade alone: a third group may be told
        // in as few words.
        let bare = words(
            "Quatro enfermeiras são presas na Venezuela",
            "O governo não comentou.",
        );
        assert!(!same_story(&bare, &[], &named, &[]));
        // Nor as many of another trade.
        let teachers = words(
            "Quatro professoras são presas na Venezuela",
            "Elas protestavam por salários quando a polícia chegou.",
        );
        assert!(!same_story(&teachers, &[], &named, &[]));
    }

    #[test]
    fn a_count_joins_its_place_told_at_another_scale_in_a_lead() {
        let city = words(
            "Detienen a cuatro empleados de Cantv en Barquisimeto",
            "Los empleados habían denunciado robos de cable.",
        );
        let state = words(
            "Four Venezuelan telecom workers arrested",
            "They were detained in Lara state on Monday.",
        );
        assert!(same_story(&state, &[], &city, &[]));
        // The store's index finds the one for the other.
        let shared = Shared::between(&state, &[], &city, &[]);
        assert!(may_join(&shared, state.words.len().min(city.words.len())));
        // Two titles saying where at two scales may be two groups.
        let town = words(
            "Cuatro empleados detenidos en Carora",
            "Fueron llevados a la comandancia.",
        );
        assert!(!same_story(&town, &[], &city, &[]));
    }

    #[test]
    fn more_detainees_are_another_group() {
        assert!(words("Nueve nuevos detenidos en Los Guayos", "").another);
        assert!(!words("Detienen a nueve manifestantes en Nueva Esparta", "").another);
    }

    #[test]
    fn only_foreign_nationals_tell_foreigners_apart() {
        let pt = words(
            "Missionária canadense é detida no Zulia venezuelano",
            "Ela trabalhava com indígenas wayuu.",
        );
        let es = words(
            "Detienen a misionera canadiense en el Zulia",
            "La religiosa trabajaba con comunidades wayuu.",
        );
        assert!(same_story(&pt, &[], &es, &[]));
    }

    #[test]
    fn caracas_airport_is_maiquetia() {
        let en = words(
            "Three Germans held at Caracas airport",
            "Immigration officers stopped them on arrival.",
        );
        let es = words(
            "Retienen a tres alemanes en Maiquetía",
            "Los turistas fueron retenidos al llegar.",
        );
        assert!(same_story(&en, &[], &es, &[]));
        let shared = Shared::between(&en, &[], &es, &[]);
        assert!(may_join(&shared, en.words.len().min(es.words.len())));
    }

    #[test]
    fn an_ordinal_opening_a_title_names_no_one() {
        let w = words(
            "Second Radio Fe y Alegría reporter held in Venezuela",
            "Ana Mora was detained in Barinas.",
        );
        assert_eq!(w.people, BTreeSet::from(["ana mora".to_string()]));
    }

    #[test]
    fn a_judge_ordering_someone_held_pending_trial_is_a_hearing() {
        let hearing = words(
            "Judge orders activist Nora Pinto held pending trial",
            "The hearing was in Valencia.",
        );
        assert_eq!(hearing.event, Event::Court);
        let arrest = words(
            "Detienen a la activista Nora Pinto en Valencia",
            "Pinto fue llevada a la comandancia.",
        );
        assert!(!same_story(&hearing, &[], &arrest, &[]));
    }

    #[test]
    fn two_towns_of_one_state_are_two_places_though_both_name_the_state() {
        let valencia = words(
            "Four Venezuelan teachers detained at school protest",
            "Police took the teachers in Valencia, Carabobo state.",
        );
        let coast = words(
            "Arrestan a cuatro maestras de una escuela de Puerto Cabello",
            "Es la segunda protesta reprimida en Carabobo este lunes.",
        );
        assert!(!same_story(&coast, &[], &valencia, &[]));
        // A town and its state are one place.
        let state = words(
            "Detienen a cuatro maestras en Carabobo",
            "Protestaban frente a una escuela.",
        );
        assert!(!in_other_places(&state, &valencia));
    }

    #[test]
    fn a_university_named_in_words_is_its_acronym() {
        let acronym = words(
            "Detienen a cuatro estudiantes de la UCAB en Caracas",
            "Protestaban por el costo de la matrícula.",
        );
        let spelled = words(
            "Four students of Caracas's Catholic University detained",
            "They protested against fees in Caracas.",
        );
        assert!(same_story(&spelled, &[], &acronym, &[]));
        // Another university's four are not them.
        let other = words(
            "Detienen a cuatro estudiantes de la UCV en Caracas",
            "Protestaban por el costo de la matrícula.",
        );
        assert!(!same_story(&spelled, &[], &other, &[]));
    }

    #[test]
    fn as_many_foreigners_of_one_nationality_are_one_story() {
        let named = words(
            "Detienen a tres uruguayos en Santa Elena de Uairén",
            "Los turistas fueron retenidos por el Ejército.",
        );
        let bare = words("Três uruguaios são detidos na Venezuela", "");
        assert!(same_story(&bare, &[], &named, &[]));
        let shared = Shared::between(&bare, &[], &named, &[]);
        assert!(may_join(&shared, bare.words.len().min(named.words.len())));
        // Not of another nationality, nor another count.
        let others = words("Três chilenos são detidos na Venezuela", "");
        assert!(!same_story(&others, &[], &named, &[]));
        let more = words("Quatro uruguaios são detidos na Venezuela", "");
        assert!(!same_story(&more, &[], &named, &[]));
    }

    #[test]
    fn as_many_of_two_nationalities_at_one_port_are_two_stories() {
        let cubans = words(
            "Retienen a tres cubanos en el puerto de Puerto Cabello",
            "Llegaron en un carguero.",
        );
        let dominicans = words(
            "Retienen a tres dominicanos en el puerto de Puerto Cabello",
            "Llegaron en un carguero.",
        );
        assert!(!same_story(&dominicans, &[], &cubans, &[]));
    }

    #[test]
    fn maracay_and_maracaibo_are_two_places_and_a_battalion_no_person() {
        let maracay = words(
            "Detienen a tres soldados en Maracay",
            "Los tres soldados del batallón Bravos de Apure fueron arrestados por la Dgcim.",
        );
        assert!(maracay.people.is_empty(), "{maracay:?}");
        let aragua = words(
            "Dgcim arresta a tres efectivos del Ejército en Aragua",
            "Los tres soldados fueron llevados a Boleíta.",
        );
        assert!(same_story(&aragua, &[], &maracay, &[]));
        let maracaibo = words("Detienen a tres soldados en Maracaibo", "");
        assert!(!same_story(&maracaibo, &[], &maracay, &[]));
    }

    #[test]
    fn no_two_places_share_a_stem() {
        let mut seen: std::collections::BTreeMap<String, &str> = Default::default();
        for name in WITHIN.iter().flat_map(|&(p, r)| [p, r]) {
            let stems: Vec<String> = name.split(' ').filter(|w| content(w)).map(stem).collect();
            if let [only] = &stems[..] {
                if let Some(other) = seen.insert(only.clone(), name) {
                    assert_eq!(other, name, "{other} and {name} are both {only}");
                }
            }
        }
    }

    #[test]
    fn a_town_of_margarita_is_on_margarita() {
        let es = words(
            "Detienen a un canadiense en Porlamar",
            "Un ciudadano canadiense fue detenido por funcionarios del Sebin.",
        );
        let en = words(
            "Canadian held in Venezuela's Margarita island, Ottawa says",
            "Canada said one of its citizens was detained in Porlamar.",
        );
        assert!(same_story(&es, &[], &en, &[]));
    }

    #[test]
    fn charges_a_court_lays_are_a_hearing() {
        let court = words(
            "Venezuelan court charges journalist Ana Mora with treason",
            "",
        );
        assert_eq!(court.event, Event::Court);
        let arrest = words("Venezuela charges journalist Ana Mora with treason", "");
        assert_eq!(arrest.event, Event::Detention);
    }

    #[test]
    fn the_red_cross_is_one_body_in_every_language() {
        let es = words(
            "Liberan a dos voluntarios de la Cruz Roja en Zulia",
            "Los voluntarios estuvieron diez días detenidos.",
        );
        let pt = words(
            "Venezuela liberta dois voluntários da Cruz Vermelha",
            "Os voluntários estavam detidos em Zulia.",
        );
        assert!(same_story(&pt, &[], &es, &[]));
    }

    #[test]
    fn the_producer_of_a_person_s_show_is_an_associate() {
        let host = words(
            "Detienen al locutor Tomás Rivas en Coro",
            "El locutor de Radio Falcón fue detenido tras criticar al gobernador.",
        );
        let producer = words(
            "Detienen a la productora del programa de Tomás Rivas",
            "Elena Paz fue detenida un día después que el locutor.",
        );
        assert!(producer.another, "{producer:?}");
        assert!(!same_story(&producer, &[], &host, &[]));
    }

    #[test]
    fn being_held_again_is_read_in_portuguese() {
        let w = words("Sindicalista venezuelano volta a ser preso", "");
        assert_eq!(w.event, Event::Again);
    }

    #[test]
    fn counts_and_places_join_across_languages_and_tell_groups_apart() {
        let es = words(
            "Detienen a tres tenientes en Fuerte Tiuna",
            "Tres tenientes del Ejército fueron detenidos por la DGCIM en Fuerte Tiuna, Caracas.",
        );
        let en = words(
            "Venezuela arrests three lieutenants over alleged plot",
            "Military counterintelligence arrested three army lieutenants at Fort Tiuna in Caracas.",
        );
        assert!(overlap(&es, &en).0 < THRESHOLD);
        assert!(same_story(&es, &[], &en, &[]));
        // Another count, or another place with the same employer: others.
        let two = words(
            "Detienen a dos tenientes en Fuerte Tiuna",
            "Dos tenientes del Ejército fueron detenidos por la DGCIM en Fuerte Tiuna, Caracas.",
        );
        assert!(!same_story(&es, &[], &two, &[]));
        let a = words(
            "Detienen a tres gerentes de Pdvsa en Anzoátegui",
            "Tres gerentes de la refinería fueron detenidos por la DGCIM.",
        );
        let b = words(
            "Detienen a tres trabajadores de Pdvsa en Zulia",
            "Tres trabajadores de Pdvsa fueron detenidos por la DGCIM.",
        );
        assert!(!same_story(&a, &[], &b, &[]));
    }

    #[test]
    fn an_associate_s_detention_is_a_story_of_its_own() {
        let client = words(
            "Detienen al exalcalde Omar Lugo en Barinas",
            "El exalcalde de Barinas Omar Lugo fue detenido por el SEBIN.",
        );
        let lawyer = words(
            "Detienen a la abogada de Omar Lugo",
            "La abogada Rebeca Ferrer, defensora del exalcalde Omar Lugo, fue detenida por el SEBIN.",
        );
        assert!(!same_story(&client, &[], &lawyer, &[]));
        // A lawyer named by whom she defends is the lawyer herself.
        assert!(
            !words(
                "Detienen al abogado de presos políticos Nelson Urdaneta",
                ""
            )
            .another
        );
    }

    #[test]
    fn people_of_other_nationalities_are_other_people() {
        let us = words(
            "Detienen a dos estadounidenses en Mérida",
            "Dos ciudadanos estadounidenses fueron detenidos por el SEBIN en Mérida.",
        );
        let co = words(
            "Detienen a dos colombianos en Mérida",
            "Dos ciudadanos colombianos fueron detenidos por el SEBIN en Mérida.",
        );
        assert!(!same_story(&us, &[], &co, &[]));
        // A body's or a place's nationality is not its people's.
        assert!(
            words("Venezuela detains U.S. citizen near Colombian border", "")
                .nationals
                .is_empty()
        );
        assert!(words("La policía venezolana detiene a un turista", "")
            .nationals
            .is_empty());
        // An escort named by whom he guards, after a title, is the escort.
        assert!(words("Detienen al escolta del alcalde Gustavo Lárez", "").another);
    }

    #[test]
    fn groups_told_alike_in_different_places_are_two_stories() {
        let catia = words(
            "Detienen a cuatro choferes en protesta por pasaje en Catia",
            "Cuatro choferes fueron detenidos por la PNB en Catia durante una protesta por el pasaje.",
        );
        let petare = words(
            "Detienen a cuatro choferes en protesta por pasaje en Petare",
            "Cuatro choferes fueron detenidos por la PNB en Petare, horas después de las detenciones en Catia.",
        );
        assert_eq!(petare.place, ["petare".to_string()].into());
        assert!(!same_story(&catia, &[], &petare, &[]));
        let coche = words(
            "PNB detiene a dos comerciantes de Coche por especulación",
            "La PNB detuvo a dos comerciantes del mercado de Coche, en Caracas.",
        );
        let crespo = words(
            "Detienen a dos comerciantes en el mercado de Quinta Crespo",
            "Dos comerciantes del mercado de Quinta Crespo fueron detenidos por la PNB, horas después de las detenciones en Coche.",
        );
        assert!(crespo.people.is_empty(), "a market's name is no person");
        assert!(!same_story(&coche, &[], &crespo, &[]));
    }

    #[test]
    fn too_few_shared_words_are_never_one_story() {
        let a = words("Detienen periodista Caracas", "");
        assert!(!same_story(&a, &[], &a, &[]));
    }

    #[test]
    fn as_many_people_of_other_trades_are_two_stories() {
        let police = words(
            "Detienen a tres policías municipales en Mérida",
            "Tres policías municipales de Mérida fueron detenidos por la DGCIM acusados de filtrar información a la oposición.",
        );
        let councillors = words(
            "DGCIM arresta a tres concejales de Mérida",
            "La DGCIM arrestó a tres concejales de oposición de Mérida, horas después de detener a tres policías.",
        );
        assert_eq!(police.trades, ["police"].into());
        assert_eq!(councillors.trades, ["elected"].into());
        assert!(!same_story(&police, &[], &councillors, &[]));
        // Other words for the same trade, in another language, still join.
        let officers = words(
            "Three municipal police officers detained in Mérida",
            "Venezuela's military counterintelligence detained three municipal police officers in Mérida accused of leaking information.",
        );
        assert_eq!(officers.trades, ["police"].into());
        assert!(same_story(&police, &[], &officers, &[]));
        // Kept in the store.
        assert_eq!(from_stored(&to_stored(&councillors)), councillors);
        // Doctors are not nurses; either may be another report's health
        // workers.
        let doctors = words("Detienen a cuatro médicos en Maracaibo", "");
        let nurses = words("Detienen a cuatro enfermeras en Maracaibo", "");
        let health = words(
            "Detienen a cuatro trabajadores de la salud en Maracaibo",
            "",
        );
        assert!(!same_story(&doctors, &[], &nurses, &[]));
        assert!(same_story(&doctors, &[], &health, &[]));
        assert!(same_story(&health, &[], &nurses, &[]));
    }

    #[test]
    fn a_title_naming_a_relative_first_is_about_the_relative() {
        let w = words(
            "Detienen a Mauricio Quintana, hermano del activista Rubén Quintana",
            "Mauricio Quintana fue detenido en Valencia un día después de la detención de su hermano.",
        );
        assert_eq!(w.subject, ["mauric quinta".to_string()].into());
        let later = words(
            "DGCIM arresta en Valencia a Mauricio Quintana",
            "Mauricio Quintana, hermano del activista Rubén Quintana, fue arrestado en Valencia.",
        );
        assert!(same_story(&w, &[], &later, &[]));
        let brother = words(
            "Detienen al activista Rubén Quintana en Caracas",
            "El activista Rubén Quintana fue detenido por la DGCIM en su casa de Caracas.",
        );
        assert!(!same_story(&w, &[], &brother, &[]));
    }

    #[test]
    fn an_outlet_or_an_aid_body_is_no_person() {
        let w = words(
            "Detienen a reportera de Radio Fe y Alegría en Maracaibo",
            "La reportera Daniela Pirela fue detenida por la policía regional.",
        );
        assert_eq!(w.people, ["daniel pirela".to_string()].into());
        let w = words(
            "Detienen a dos voluntarios de la Cruz Roja en Apure",
            "Dos voluntarios de la Cruz Roja fueron detenidos por el Ejército.",
        );
        assert!(w.people.is_empty());
    }

    #[test]
    fn a_journalist_and_teachers_are_two_stories() {
        let journalist = words(
            "Detienen a periodista de VPItv en Barquisimeto",
            "El periodista Luis Alfonso Rangel fue detenido por la PNB en Barquisimeto mientras cubría una protesta de docentes.",
        );
        let teachers = words(
            "Detienen a dos docentes en Barquisimeto por protestar",
            "Dos docentes fueron detenidos por la PNB en Barquisimeto durante una protesta por salarios.",
        );
        assert!(overlap(&journalist, &teachers).0 >= THRESHOLD);
        assert!(!same_story(&journalist, &[], &teachers, &[]));
    }

    #[test]
    fn a_report_of_other_people_than_one_of_the_story_stays_out_of_it() {
        let first = words(
            "Detienen a cinco militares acusados de conspiración",
            "Cinco militares fueron detenidos por la DGCIM acusados de planificar una rebelión desde el Fuerte Mara.",
        );
        let second = words(
            "DGCIM arresta a cinco oficiales por conspiración en el Fuerte Mara",
            "La DGCIM detuvo a cinco militares del Fuerte Mara acusados de conspirar contra el Gobierno.",
        );
        let other = words(
            "DGCIM detiene a cinco militares en Maracay",
            "Cinco militares fueron detenidos por la DGCIM en Maracay, sin relación conocida con el caso del Fuerte Mara.",
        );
        assert!(same_story(&other, &[], &first, &[]));
        assert!(!same_story(&other, &[], &second, &[]));
        let earlier = [(1, &first, &[][..]), (1, &second, &[][..])];
        assert_eq!(best_story(&other, &[], earlier), None);
        // Without the report that tells them apart, it joins.
        assert_eq!(best_story(&other, &[], [(1, &first, &[][..])]), Some(1));
    }

    #[test]
    fn a_person_named_in_part_is_whom_both_are_about() {
        let full = words(
            "Aprehenden al dirigente cívico Rómulo Calvo Suárez en Santa Cruz",
            "El dirigente cívico Rómulo Calvo Suárez fue aprehendido por la Policía en Santa Cruz.",
        );
        let part = words(
            "Policía aprehende a Rómulo Calvo en Santa Cruz",
            "El expresidente del Comité Cívico Rómulo Calvo fue aprehendido en Santa Cruz.",
        );
        assert!(same_story(&full, &[], &part, &[]));
        assert!(same_story(&part, &[], &full, &[]));
    }

    #[test]
    fn about_as_many_is_a_count() {
        let w = words("Detienen a una docena de manifestantes en Valencia", "");
        assert_eq!(w.counts, [12].into());
        let w = words("Trasladan a una veintena de presos políticos", "");
        assert_eq!(w.counts, [20].into());
    }

    #[test]
    fn a_later_event_of_the_same_person_is_news_of_its_own() {
        let detained = words(
            "Detienen a la alcaldesa opositora de Guanare, Rosa Elena Pineda",
            "La alcaldesa de Guanare, Rosa Elena Pineda, fue detenida por la PNB en su despacho.",
        );
        let court = words(
            "Tribunal dicta privativa de libertad a la alcaldesa Rosa Elena Pineda",
            "Un tribunal de Guanare ordenó la privación de libertad de la alcaldesa Rosa Elena Pineda.",
        );
        assert_eq!(court.event, Event::Court);
        assert!(!same_story(&detained, &[], &court, &[]));
        for (title, event) in [
            ("Tomás Ibarra aparece en la sede del SEBIN", Event::Found),
            (
                "Régimen expulsa al obispo Rolando Álvarez a Roma",
                Event::Expelled,
            ),
            (
                "Vuelven a detener a la activista Mireya Guevara",
                Event::Again,
            ),
            (
                "Venezuela libera al turista alemán Klaus Becker",
                Event::Release,
            ),
            (
                "Opposition leader Juan Pérez charged with treason",
                Event::Court,
            ),
        ] {
            assert_eq!(words(title, "").event, event, "{title}");
        }
        // A title telling of a detention as it happens tells of that,
        // whatever else it tells; an adjective is no expulsion.
        for title in [
            "Expulsan a dos monjas y detienen a una tercera en Managua",
            "Colombia arrests exiled Venezuelan opposition figure",
            "Liberan a un periodista y detienen a otro en Caracas",
        ] {
            assert_eq!(words(title, "").event, Event::Detention, "{title}");
        }
        assert_eq!(from_stored(&to_stored(&court)), court);
    }

    #[test]
    fn a_place_told_at_two_scales_is_one_place() {
        let state = words(
            "Detienen a tres soldados del Ejército en Táchira",
            "Tres soldados del Ejército fueron detenidos por la DGCIM acusados de vender municiones.",
        );
        let city = words(
            "DGCIM arresta a tres soldados en San Cristóbal",
            "La DGCIM detuvo en San Cristóbal a tres soldados del Ejército a quienes acusa de vender municiones.",
        );
        assert!(same_story(&state, &[], &city, &[]));
        assert!(same_story(&city, &[], &state, &[]));
        // Two towns of one state are two places.
        let town = words(
            "DGCIM arresta a tres soldados en Rubio",
            "La DGCIM detuvo en Rubio a tres soldados del Ejército a quienes acusa de vender municiones.",
        );
        assert!(!same_story(&city, &[], &town, &[]));
        // "Maracay" and "Maracaibo" share their first letters: neither is
        // read as in the other's state.
        assert!(!near("maraca", &["zulia".to_string()].into()));
        assert!(near(
            "tachir",
            &["san".to_string(), "cristo".to_string()].into()
        ));
    }

    #[test]
    fn mothers_of_prisoners_are_a_group_not_a_relative() {
        let group = words(
            "Detienen a tres madres de presos políticos frente al Palacio de Justicia",
            "Tres madres de presos políticos fueron detenidas por la PNB en Caracas.",
        );
        assert!(!group.another);
        let same = words(
            "PNB arresta a madres que protestaban en el Palacio de Justicia",
            "La PNB detuvo a tres mujeres, madres de presos políticos, en Caracas.",
        );
        assert!(same_story(&group, &[], &same, &[]));
        // One person's mother is still a relative.
        assert!(words("Detienen a la madre de un preso político", "").another);
        assert!(words("Detienen a madres de Juan Pérez", "").another);
    }

    #[test]
    fn people_counted_beside_a_named_person_are_another_detention() {
        let leader = words(
            "Detienen al dirigente campesino Aurelio Peña en Portuguesa",
            "El dirigente campesino Aurelio Peña fue detenido por la GNB en Guanare.",
        );
        let farmers = words(
            "Detienen a 14 campesinos que acompañaban a Aurelio Peña",
            "Catorce campesinos de la cooperativa que dirige Aurelio Peña fueron detenidos por la GNB.",
        );
        assert!(farmers.another);
        assert!(!same_story(&leader, &[], &farmers, &[]));
        // Members of an organisation are its members, not a person's people.
        assert!(!words("Detienen a dos miembros de Acción Solidaria", "").another);
    }

    #[test]
    fn one_person_and_a_counted_group_are_two_detentions() {
        let lieutenants = words(
            "Detienen a cuatro tenientes del batallón de Fuerte Tiuna",
            "Cuatro tenientes fueron detenidos por la DGCIM en Fuerte Tiuna acusados de conspirar.",
        );
        let colonel = words(
            "Detienen al coronel que comandaba el batallón de los tenientes presos",
            "El coronel Ramón Aguilera fue detenido por la DGCIM en Fuerte Tiuna horas después de sus cuatro tenientes.",
        );
        assert!(lieutenants.group && !lieutenants.one);
        assert!(colonel.one && !colonel.group);
        assert!(!same_story(&lieutenants, &[], &colonel, &[]));
        assert!(!same_story(&colonel, &[], &lieutenants, &[]));
        // "Al menos" counts no one person.
        assert!(!words("Detienen al menos a cinco estudiantes", "").one);
        // A group report that names the person is about them too.
        let named = words(
            "Detienen a tres médicos en el hospital",
            "Los médicos Ana Díaz, Luis Mora y Rosa Gil fueron detenidos.",
        );
        let ana = words("Detienen a la médica Ana Díaz", "");
        assert!(same_story(&named, &[], &ana, &[]));
    }

    #[test]
    fn as_many_of_one_trade_with_two_places_in_common_join_across_languages() {
        let es = words(
            "Detienen a ocho estudiantes de la ULA en Mérida",
            "Ocho estudiantes de la Universidad de Los Andes fueron detenidos por la PNB en Mérida.",
        );
        let en = words(
            "Eight students detained at Venezuelan university protest",
            "Police detained eight students of the University of the Andes in Mérida during a protest.",
        );
        assert!(same_story(&es, &[], &en, &[]));
        // Another count is other students.
        let other = words(
            "Five students detained at Venezuelan university protest",
            "Police detained five students of the University of the Andes in Mérida during a protest.",
        );
        assert!(!same_story(&es, &[], &other, &[]));
    }

    #[test]
    fn bodies_and_words_that_name_no_one_are_read_as_stems() {
        // Names are stems: the lists of whole words are compared as stems.
        assert!(said_either_way(&stem("universidad")));
        assert!(said_either_way(&stem("armada")));
        assert!(said_either_way(&stem("guardia")));
        assert!(!said_either_way(&stem("holguin")));
    }

    #[test]
    fn a_person_whose_thing_a_title_names_is_not_whom_it_is_about() {
        let first = words(
            "Detienen a un tiktoker en Maracay por parodiar a un ministro",
            "El creador de contenido Kevin Rangel fue detenido por el CICPC en Maracay.",
        );
        let second = words(
            "Detienen a Yuli Paredes por compartir video de Kevin Rangel",
            "Yuli Paredes, de 19 años, fue arrestada por el CICPC en Maracay.",
        );
        let got: Vec<&str> = second.subject.iter().map(String::as_str).collect();
        assert_eq!(got, ["yuli parede"]);
        assert!(!same_story(&first, &[], &second, &[]));
        // After a detention's noun, the person is whom it is about.
        let his = words(
            "Trabajadores de Sidor denuncian la detención de Eudes Marcano",
            "",
        );
        assert!(his.subject.contains("eudes marcan"));
    }

    #[test]
    fn foreigners_held_in_one_place_join_across_languages() {
        let en = words(
            "Venezuela detains Spanish pilot and Venezuelan co-pilot at Maiquetía",
            "Spain's foreign ministry said a Spanish pilot of a private jet was detained.",
        );
        let es = words(
            "Detienen en Maiquetía a un piloto español y a su copiloto venezolano",
            "El piloto español Javier Lasarte y el copiloto venezolano Néstor Galindo fueron detenidos por la DGCIM.",
        );
        assert!(en.held_abroad() && es.held_abroad());
        assert!(same_story(&en, &[], &es, &[]));
        assert!(may_join(&Shared::between(&es, &[], &en, &[]), 13));
        // Other nationals in the same place are other people.
        let other = words("Detienen en Maiquetía a un piloto francés", "");
        assert!(!same_story(&other, &[], &es, &[]));
    }

    #[test]
    fn one_taken_beside_a_named_person_is_another_detention() {
        let reporter = words(
            "Detienen al periodista Hugo Bermúdez en Valencia",
            "El periodista de Radio Valencia Hugo Bermúdez fue detenido por la policía de Carabobo.",
        );
        let cameraman = words(
            "También detienen al camarógrafo que acompañaba a Hugo Bermúdez",
            "El camarógrafo Daniel Ochoa, que trabajaba con Bermúdez, fue detenido en Valencia.",
        );
        assert!(cameraman.subject.contains("daniel ochoa"));
        assert!(!same_story(&reporter, &[], &cameraman, &[]));
        // A lead that opens with "Otros" tells of more detentions.
        assert!(
            words(
                "Detienen a cinco trabajadores de Sidor",
                "Otros cinco trabajadores fueron detenidos."
            )
            .another
        );
    }

    #[test]
    fn a_title_place_ends_at_punctuation() {
        let w = words("Canadian engineer detained in Venezuela, Ottawa says", "");
        assert!(w.place.is_empty(), "{:?}", w.place);
        assert_eq!(w.nationals, ["ca".to_string()].into());
    }

    #[test]
    fn whom_a_title_is_against_is_not_its_trade() {
        let a = words(
            "Policía de Barinas detiene a joven por grafiti",
            "Un joven fue detenido en Barinas tras pintar un grafiti contra el gobernador.",
        );
        let b = words(
            "Detienen a un joven por un grafiti contra el gobernador en Barinas",
            "El joven de 19 años fue detenido por la policía estadal de Barinas.",
        );
        assert!(!b.trades.contains("elected"), "{:?}", b.trades);
        assert!(same_story(&a, &[], &b, &[]));
    }

    #[test]
    fn an_associate_named_a_word_later_is_still_an_associate() {
        let w = words(
            "Detienen al abogado del sindicalista Ramón Garrido en plena audiencia",
            "El abogado Tomás Ruiz, defensor de Ramón Garrido, fue detenido dentro del tribunal.",
        );
        assert!(w.another);
        assert!(w.subject.contains("tomas ruiz"), "{:?}", w.subject);
    }

    #[test]
    fn foreigners_join_on_a_place_either_report_names() {
        let es = words(
            "Detienen en Apure a cooperante noruego",
            "Un cooperante noruego de una organización humanitaria fue detenido por la GNB en Guasdualito.",
        );
        let en = words(
            "Venezuela holds Norwegian humanitarian worker",
            "Venezuelan national guard troops detained a Norwegian aid worker in Guasdualito, Apure state.",
        );
        assert!(same_story(&es, &[], &en, &[]));
        assert!(may_join(&Shared::between(&en, &[], &es, &[]), 9));
    }

    #[test]
    fn a_building_a_title_names_is_where() {
        let first = words(
            "Detienen a cuatro enfermeras del hospital Pérez Carreño",
            "Cuatro enfermeras del hospital Pérez Carreño fueron detenidas por la PNB en Caracas.",
        );
        let second = words(
            "Detienen a cuatro enfermeras del hospital Clínico Universitario",
            "Cuatro enfermeras del Clínico Universitario fueron detenidas por la PNB en Caracas, horas después de las detenciones en el Pérez Carreño.",
        );
        assert_eq!(
            first.place,
            ["carren".to_string(), "perez".to_string()].into()
        );
        assert!(!same_story(&first, &[], &second, &[]));
        assert!(!same_story(&second, &[], &first, &[]));
    }

    #[test]
    fn a_second_one_is_another_detention() {
        let first = words(
            "American detained in Venezuela's Zulia state",
            "The State Department said a U.S. citizen was detained by military counterintelligence in Maracaibo.",
        );
        let second = words(
            "Second American detained in Venezuela this week",
            "A U.S. citizen was detained in Puerto La Cruz, days after another American was held in Maracaibo.",
        );
        assert!(second.another);
        assert!(!same_story(&first, &[], &second, &[]));
    }

    #[test]
    fn a_relative_named_before_the_kin_word_is_whom_it_is_about() {
        let spanish = words(
            "Liberan a Yolanda Pérez, madre de preso político",
            "Estuvo tres días detenida en Tocorón.",
        );
        let english = words(
            "Venezuela frees political prisoner's mother",
            "Yolanda Perez was held for three days.",
        );
        assert_eq!(spanish.subject, ["yoland perez".to_string()].into());
        assert!(same_story(&spanish, &[], &english, &[]));
        // Named after the word of kin, the person is the one whose relative
        // this is: the lead says whom it is about.
        let wife = words(
            "Detienen a la esposa de José Ferrán",
            "Marta Ruiz fue llevada por el Sebin.",
        );
        assert_eq!(wife.subject, ["marta ruiz".to_string()].into());
    }

    #[test]
    fn a_count_with_more_tells_of_others() {
        for title in [
            "Two more Ecuadorians detained at Caracas airport",
            "Detienen a dos más en Maiquetía",
            "Mais dois equatorianos são presos em Maiquetía",
        ] {
            assert!(words(title, "").another, "{title}");
        }
        // "More than" a count is no second group.
        assert!(!words("More than 30 arrested in Caracas protest", "").another);
    }

    #[test]
    fn a_count_and_a_region_are_no_one_s_name() {
        let english = words(
            "Nine Pemon indigenous men detained in Venezuela's Santa Elena",
            "They protested the military presence in Gran Sabana.",
        );
        let spanish = words(
            "Detienen a nueve indígenas pemones en Santa Elena de Uairén",
            "Protestaban contra la presencia militar en la Gran Sabana.",
        );
        assert!(english.people.is_empty(), "{:?}", english.people);
        assert!(spanish.people.is_empty(), "{:?}", spanish.people);
        assert!(same_story(&english, &[], &spanish, &[]));
    }

    #[test]
    fn a_month_and_an_english_nationality_are_no_names_the_other_lacks() {
        let english = words(
            "Venezuela frees Dutch couple held since March",
            "They flew to Amsterdam.",
        );
        let spanish = words(
            "Liberan a la pareja neerlandesa retenida en Falcón",
            "Volaron a Ámsterdam desde Caracas.",
        );
        assert!(same_story(&english, &[], &spanish, &[]));
        assert!(same_story(&spanish, &[], &english, &[]));
    }

    #[test]
    fn titles_about_people_of_other_trades_are_two_detentions() {
        let lawyer = words(
            "Detienen a la abogada Mariela Durán en el Palacio de Justicia",
            "Durán defendía al sindicalista Oscar Peña.",
        );
        let client = words(
            "Trasladan al sindicalista Oscar Peña a Tocorón",
            "Su abogada Mariela Durán había sido detenida horas antes.",
        );
        assert!(!same_story(&client, &[], &lawyer, &[]));
        assert!(!same_story(&lawyer, &[], &client, &[]));
        // The same person told by two trades is one.
        let again = words(
            "Abogada y activista Mariela Durán, detenida en Caracas",
            "Defendía al sindicalista Oscar Peña.",
        );
        let activist = words(
            "Detienen a la activista Mariela Durán",
            "Es abogada del sindicalista Oscar Peña.",
        );
        assert!(same_story(&activist, &[], &again, &[]));
    }

    #[test]
    fn a_title_naming_three_people_is_a_report_counting_three() {
        let named = words(
            "Detienen a Juan Colmenares, Luisa Mora y Ana Ruiz, de Fundaredes",
            "Los activistas fueron llevados por el Sebin en Coro.",
        );
        let counted = words(
            "Three Fundaredes activists detained in Venezuela's Falcón state",
            "The human rights group says they were taken in Coro.",
        );
        assert!(named.counts.contains(&3));
        assert!(same_story(&counted, &[], &named, &[]));
        assert!(same_story(&named, &[], &counted, &[]));
        // Two named are not the three counted.
        let two = words(
            "Detienen a Juan Colmenares y Luisa Mora, de Fundaredes",
            "Los activistas fueron llevados por el Sebin en Coro.",
        );
        assert!(!same_story(&two, &[], &counted, &[]));
    }

    #[test]
    fn a_relative_with_a_nationality_is_still_a_relative() {
        let husband = words(
            "Detienen al empresario ítalo-venezolano Franco Rossi en Caracas",
            "Lo acusan de especulación con alimentos.",
        );
        let wife = words(
            "Interrogan a la esposa italiana de Franco Rossi",
            "Giulia Bianchi fue citada por el Sebin y liberada horas después.",
        );
        assert!(wife.another);
        assert!(!same_story(&wife, &[], &husband, &[]));
    }

    #[test]
    fn detained_again_is_rearrested() {
        let spanish = words(
            "Detienen nuevamente a la concejala Yelitza Ochoa",
            "Fue aprehendida otra vez en Barinas dos días después de ser liberada.",
        );
        let english = words(
            "Venezuelan councillor Yelitza Ochoa rearrested days after release",
            "She was taken again in Barinas.",
        );
        assert_eq!(spanish.event, Event::Again);
        assert!(same_story(&english, &[], &spanish, &[]));
        let first = words(
            "Detienen a la concejala Yelitza Ochoa en Barinas",
            "Fue llevada por el Sebin.",
        );
        assert!(!same_story(&spanish, &[], &first, &[]));
    }

    #[test]
    fn a_union_s_leaders_are_not_its_workers() {
        let leaders = words(
            "Detienen a cuatro sindicalistas de Sidor en Ciudad Guayana",
            "Habían convocado un paro por salarios.",
        );
        let workers = words(
            "Detienen a cuatro obreros de Sidor por paro en Guayana",
            "Fueron llevados a la sede de la PNB.",
        );
        assert!(!same_story(&workers, &[], &leaders, &[]));
    }
}
