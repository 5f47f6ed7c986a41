//! The forms of a list term's `word+`, generated when the config loads so
//! matching stays one automaton over exact words: a Spanish or Portuguese
//! verb in every person and simple tense, its participles and gerund; a
//! noun or adjective in both genders and numbers; an English word with -s,
//! -ed and -ing. Forms are folded (lowercase, no accents), as the matcher
//! reads text.
//!
//! The rules over-generate on purpose: a verb also gets the stem-changed
//! forms (`detener` → `detiene`, `soltar` → `suelta`), and a verb that does
//! not change its stem gets forms no one writes (`condiena`), which never
//! match. A handful of irregular families (`tener`, `poner`, `venir`,
//! `ducir`, `traer`, `hacer`; `ter`, `pôr`, `vir`) and participles (`preso`,
//! `solto`, `puesto`) are listed.

mod tables;

use super::normalize::fold;
use super::Lang;
use tables::*;

/// Why a term's `+` cannot be expanded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormsError {
    #[error("a `word+` term needs a language: put it under an [en], [es] or [pt] header")]
    NoLanguage,
    #[error("only one word of a term can end in `+`")]
    TwoInflected,
    #[error("a term cannot both end in `*` and have a `word+`")]
    WithStem,
    #[error("`+` must end a word of letters (as in `detener+`)")]
    NotAWord,
    #[error("only one word of a term can be `<n>`")]
    TwoNumbers,
    #[error("a term cannot both end in `*` and have a `<n>`")]
    NumberWithStem,
    #[error("`<n>` needs words around it: alone it would match every number")]
    NumberAlone,
}

/// The word of a term that stands for any number. Not `#`: that starts a
/// comment in a list file.
const NUMBER: &str = "<n>";

/// Stands for a term's `<n>` while its `+` is expanded: letters, so that
/// folding keeps it, and no word of any language.
const NUMBER_SLOT: &str = "qxnumberxq";

/// The folded phrases a term stands for when one of its words ends in `+`
/// or is `<n>` (any number, in figures from 1 to 100 or in words of the
/// term's language: "gets <n> years" is "gets 7 years", "gets seven
/// years"), or `None` when none does. The first phrase is the term as
/// written (with `<n>` as 1).
pub fn expand(term: &str, lang: Option<Lang>) -> Option<Result<Vec<String>, FormsError>> {
    let words: Vec<&str> = term
        .split_whitespace()
        .map(|w| if w == NUMBER { NUMBER_SLOT } else { w })
        .collect();
    let numbers = words.iter().filter(|w| **w == NUMBER_SLOT).count();
    let marked: Vec<usize> = (0..words.len())
        .filter(|&i| words[i].ends_with('+'))
        .collect();
    let phrases = match marked.as_slice() {
        [] if numbers == 0 => return None,
        [] => Ok(vec![fold(&words.join(" "))]),
        &[at] => phrases(&words, at, lang),
        _ => Err(FormsError::TwoInflected),
    };
    if numbers == 0 {
        return Some(phrases);
    }
    let checked = if numbers > 1 {
        Err(FormsError::TwoNumbers)
    } else if words.len() == 1 {
        Err(FormsError::NumberAlone)
    } else if words.last().is_some_and(|w| w.ends_with('*')) {
        Err(FormsError::NumberWithStem)
    } else {
        phrases
    };
    Some(checked.map(|phrases| {
        let numbers = number_words(lang);
        phrases
            .iter()
            .flat_map(|p| numbers.iter().map(move |n| p.replace(NUMBER_SLOT, n)))
            .collect()
    }))
}

/// Numbers as a `<n>` matches them: 1 to 100 in figures, then in words of
/// `lang` (of all three when it is not known).
fn number_words(lang: Option<Lang>) -> Vec<String> {
    let mut out: Vec<String> = (1..=100).map(|n| n.to_string()).collect();
    for &(l, words) in NUMBER_WORDS {
        if lang.is_none_or(|lang| lang == l) {
            out.extend(words.iter().map(|w| w.to_string()));
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|n| seen.insert(n.clone()));
    out
}

fn phrases(words: &[&str], at: usize, lang: Option<Lang>) -> Result<Vec<String>, FormsError> {
    let lang = lang.ok_or(FormsError::NoLanguage)?;
    if words.last().is_some_and(|w| w.ends_with('*')) {
        return Err(FormsError::WithStem);
    }
    let word = fold(words[at].trim_end_matches('+'));
    if word.is_empty() || word.contains(' ') || !word.chars().all(char::is_alphabetic) {
        return Err(FormsError::NotAWord);
    }
    let before = fold(&words[..at].join(" "));
    let after = fold(&words[at + 1..].join(" "));
    let mut out: Vec<String> = Vec::new();
    for form in std::iter::once(word.clone()).chain(word_forms(&word, lang)) {
        let phrase = [before.as_str(), form.as_str(), after.as_str()]
            .iter()
            .filter(|p| !p.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        if !out.contains(&phrase) {
            out.push(phrase);
        }
    }
    Ok(out)
}

/// Every form of one folded word in `lang` (the word itself may be among them).
pub fn word_forms(word: &str, lang: Lang) -> Vec<String> {
    match lang {
        Lang::Es => spanish(word),
        Lang::Pt => portuguese(word),
        Lang::En => english(word),
    }
}

fn spanish(word: &str) -> Vec<String> {
    let endings = match word {
        w if w.ends_with("ar") => &ES_AR,
        w if w.ends_with("er") => &ES_ER,
        w if w.ends_with("ir") => &ES_IR,
        _ => return nominal_es(word),
    };
    let mut out = verb(word, endings, spanish_spelling);
    let stem = &word[..word.len() - 2];
    // Stem-changing verbs: e → ie and o → ue in the stressed persons; -ir
    // verbs also e → i (`pedir` → `pide`) there and in the forms stressed
    // after it.
    let mut changed: Vec<String> = ["ie", "ue"]
        .iter()
        .filter_map(|to| change_last_vowel(stem, if *to == "ie" { 'e' } else { 'o' }, to))
        .collect();
    if word.ends_with("ir") {
        changed.extend(change_last_vowel(stem, 'e', "i"));
        if let Some(s) = change_last_vowel(stem, 'e', "i") {
            for e in ["io", "ieron", "iera", "ieran", "iese", "iesen", "iendo"] {
                out.push(format!("{s}{e}"));
            }
        }
    }
    // -uir verbs take a `y` before a stressed ending (`recluyen`).
    if word.ends_with("uir") {
        changed.push(format!("{stem}y"));
    }
    let ar = word.ends_with("ar");
    for s in &changed {
        for e in endings.stressed {
            out.push(spanish_spelling(s, e, ar));
        }
    }
    families(word, ES_FAMILIES, &mut out);
    // Object pronouns join the infinitive and the gerund as one word
    // ("tras retenerla", "llevándolo"); folded, the gerund's accent is gone.
    let joined: Vec<String> = std::iter::once(word)
        .chain(
            out.iter()
                .map(String::as_str)
                .filter(|f| f.ends_with("ndo")),
        )
        .flat_map(|f| ["lo", "la", "los", "las"].map(|p| format!("{f}{p}")))
        .collect();
    out.extend(joined);
    out
}

fn portuguese(word: &str) -> Vec<String> {
    let endings = match word {
        w if w.ends_with("ar") => &PT_AR,
        w if w.ends_with("er") => &PT_ER,
        w if w.ends_with("ir") => &PT_IR,
        w if w.ends_with("por") => {
            let mut out = Vec::new();
            families(w, PT_FAMILIES, &mut out);
            return out;
        }
        _ => return nominal_pt(word),
    };
    let mut out = verb(word, endings, portuguese_spelling);
    // -ir verbs with e in the stem take i where the stem is stressed
    // (`transferir` → `transfiro`, `transfira`).
    if let Some(stem) = word.strip_suffix("ir") {
        if let Some(s) = change_last_vowel(stem, 'e', "i") {
            for e in ["o", "a", "as", "amos", "am"] {
                out.push(format!("{s}{e}"));
            }
        }
    }
    families(word, PT_FAMILIES, &mut out);
    out
}

type Spelling = fn(&str, &str, bool) -> String;

fn verb(word: &str, endings: &Endings, spell: Spelling) -> Vec<String> {
    let stem = &word[..word.len() - 2];
    let ar = word.ends_with("ar");
    let mut out: Vec<String> = endings
        .stressed
        .iter()
        .chain(endings.other)
        .map(|e| spell(stem, e, ar))
        .collect();
    out.extend(endings.on_infinitive.iter().map(|e| format!("{word}{e}")));
    for g in ["o", "a", "os", "as"] {
        out.push(format!("{stem}{}{g}", endings.participle));
    }
    out
}

/// Spanish spelling before an ending: for `-ar` verbs `c` → `qu`, `g` →
/// `gu` and `z` → `c` before `e`; for `-er` and `-ir` verbs `c` → `zc`
/// after a vowel (`desaparezco`) or `z` after a consonant, and `g` → `j`,
/// before `a` or `o`, and an `i` between vowels becomes `y` (`leyeron`).
fn spanish_spelling(stem: &str, ending: &str, ar: bool) -> String {
    let front = ending.starts_with('e');
    let back = ending.starts_with('a') || ending.starts_with('o');
    let (base, last) = split_last(stem);
    match last {
        Some('c') if ar && front => format!("{base}qu{ending}"),
        Some('g') if ar && front => format!("{base}gu{ending}"),
        Some('z') if ar && front => format!("{base}c{ending}"),
        Some('c') if !ar && back && base.ends_with(is_vowel) => format!("{base}zc{ending}"),
        Some('c') if !ar && back => format!("{base}z{ending}"),
        Some('g') if !ar && back => format!("{base}j{ending}"),
        Some(v) if !ar && is_vowel(v) && ending.starts_with("ie") => {
            format!("{stem}y{}", &ending[1..])
        }
        Some(v) if !ar && is_vowel(v) && ending == "io" => format!("{stem}yo"),
        _ => format!("{stem}{ending}"),
    }
}

/// Portuguese spelling: for `-ar` verbs `c` → `qu` and `g` → `gu` before
/// `e`; for `-er` and `-ir` verbs `g` → `j` before `a` or `o` (`ç` folds to
/// `c`, so `-cer` needs no rule).
fn portuguese_spelling(stem: &str, ending: &str, ar: bool) -> String {
    let front = ending.starts_with('e');
    let back = ending.starts_with('a') || ending.starts_with('o');
    let (base, last) = split_last(stem);
    match last {
        Some('c') if ar && front => format!("{base}qu{ending}"),
        Some('g') if ar && front => format!("{base}gu{ending}"),
        Some('g') if !ar && back => format!("{base}j{ending}"),
        _ => format!("{stem}{ending}"),
    }
}

fn families(word: &str, table: &[(&str, &[&str])], out: &mut Vec<String>) {
    for (base, forms) in table {
        if let Some(prefix) = word.strip_suffix(base) {
            out.extend(forms.iter().map(|f| format!("{prefix}{f}")));
        }
    }
}

fn nominal_es(word: &str) -> Vec<String> {
    gendered(word).unwrap_or_else(|| match split_last(word) {
        (base, Some('z')) => vec![format!("{base}ces")],
        (_, Some(c)) if is_vowel(c) => vec![format!("{word}s")],
        (_, Some(_)) if word.ends_with("or") => {
            ["a", "es", "as"].map(|e| format!("{word}{e}")).to_vec()
        }
        _ => vec![format!("{word}es")],
    })
}

fn nominal_pt(word: &str) -> Vec<String> {
    if let Some(base) = word.strip_suffix("ao") {
        return ["oes", "aes", "aos"].map(|e| format!("{base}{e}")).to_vec();
    }
    gendered(word).unwrap_or_else(|| match split_last(word) {
        (_, Some('m')) => vec![format!("{}ns", &word[..word.len() - 1])],
        (base, Some('l')) if base.ends_with('e') => vec![format!("{}is", base)],
        (base, Some('l')) if base.ends_with('i') => vec![format!("{}s", base)],
        (_, Some('l')) => vec![format!("{}is", &word[..word.len() - 1])],
        (_, Some(c)) if is_vowel(c) => vec![format!("{word}s")],
        (_, Some(_)) if word.ends_with("or") => {
            ["a", "es", "as"].map(|e| format!("{word}{e}")).to_vec()
        }
        _ => vec![format!("{word}es")],
    })
}

/// `detenido` → `detenida`, `detenidos`, `detenidas` (and from `-a` back).
fn gendered(word: &str) -> Option<Vec<String>> {
    let base = word.strip_suffix('o').or_else(|| word.strip_suffix('a'))?;
    Some(
        ["o", "a", "os", "as"]
            .iter()
            .map(|e| format!("{base}{e}"))
            .collect(),
    )
}

fn english(word: &str) -> Vec<String> {
    let (base, last) = split_last(word);
    let mut out = Vec::new();
    match last {
        Some('y') if !base.ends_with(is_vowel) => {
            out.extend([format!("{base}ies"), format!("{base}ied")]);
            out.push(format!("{word}ing"));
        }
        Some('e') => {
            out.extend([format!("{word}s"), format!("{word}d")]);
            match base.ends_with('e') || base.ends_with('i') {
                true if base.ends_with('i') => out.push(format!("{}ying", &base[..base.len() - 1])),
                true => out.push(format!("{word}ing")),
                false => out.push(format!("{base}ing")),
            }
        }
        Some(c) => {
            let sibilant = ["s", "x", "z", "ch", "sh"]
                .iter()
                .any(|s| word.ends_with(s));
            out.push(format!("{word}{}", if sibilant { "es" } else { "s" }));
            out.extend([format!("{word}ed"), format!("{word}ing")]);
            // A final consonant after one vowel may double (`kidnapped`);
            // both spellings are kept, as both are written.
            let (b2, v) = split_last(base);
            if !is_vowel(c)
                && !"wxy".contains(c)
                && v.is_some_and(is_vowel)
                && !split_last(b2).1.is_some_and(is_vowel)
            {
                out.extend([format!("{word}{c}ed"), format!("{word}{c}ing")]);
            }
        }
        None => {}
    }
    for (verb, forms) in EN_IRREGULAR {
        if word == *verb {
            out.extend(forms.iter().map(|f| f.to_string()));
        }
    }
    out
}

fn split_last(word: &str) -> (&str, Option<char>) {
    match word.char_indices().next_back() {
        Some((at, c)) => (&word[..at], Some(c)),
        None => (word, None),
    }
}

fn is_vowel(c: char) -> bool {
    "aeiou".contains(c)
}

/// The stem with its last `from` vowel replaced by `to`, if it has one.
fn change_last_vowel(stem: &str, from: char, to: &str) -> Option<String> {
    let at = stem.rfind(from)?;
    // Only the stem's last vowel changes: `entregar` has none to change,
    // `detener` changes `e` in `det-e-n`.
    if stem[at + 1..].contains(is_vowel) {
        return None;
    }
    Some(format!("{}{to}{}", &stem[..at], &stem[at + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(word: &str, lang: Lang, forms: &[&str]) {
        let got = word_forms(&fold(word), lang);
        for f in forms {
            assert!(
                got.contains(&fold(f)),
                "{word} ({lang:?}) lacks {f}: {got:?}"
            );
        }
    }

    #[test]
    fn a_number_word_matches_figures_and_the_words_of_its_language() {
        let got = expand("gets <n> years", Some(Lang::En)).unwrap().unwrap();
        for want in ["gets 7 years", "gets 30 years", "gets seven years"] {
            assert!(got.contains(&want.to_string()), "{want}: {got:?}");
        }
        assert!(!got.contains(&"gets siete years".to_string()));
        // With a word's forms, and in a language's own words.
        let got = expand("pegar+ <n> anos", Some(Lang::Pt)).unwrap().unwrap();
        for want in ["pega tres anos", "pegam 20 anos", "pegou doze anos"] {
            assert!(got.contains(&want.to_string()), "{want}");
        }
        // Unscoped, every language's words.
        let got = expand("tras <n> meses", None).unwrap().unwrap();
        assert!(got.contains(&"tras cinco meses".to_string()));
        assert!(got.contains(&"tras five meses".to_string()));
        assert_eq!(expand("<n>", None), Some(Err(FormsError::NumberAlone)));
        assert_eq!(
            expand("<n> and <n>", None),
            Some(Err(FormsError::TwoNumbers))
        );
        assert_eq!(
            expand("<n> year*", None),
            Some(Err(FormsError::NumberWithStem))
        );
        // A hashtag is a word like any other.
        assert_eq!(expand("#SOSVenezuela", None), None);
    }

    #[test]
    fn spanish_verbs_take_every_person_tense_and_the_irregular_families() {
        has(
            "detener",
            Lang::Es,
            &[
                "detiene",
                "detienen",
                "detuvo",
                "detuvieron",
                "detenido",
                "detenidas",
                "detendrá",
                "detenga",
                "deteniendo",
                "detenían",
            ],
        );
        has(
            "apresar",
            Lang::Es,
            &["apresó", "apresaron", "apresado", "apresan", "apresaban"],
        );
        has(
            "capturar",
            Lang::Es,
            &["capturaron", "capturen", "capturada"],
        );
        has("secuestrar", Lang::Es, &["secuestraron", "secuestrado"]);
        has("soltar", Lang::Es, &["suelta", "sueltan", "soltaron"]);
        has("recluir", Lang::Es, &["recluyó", "recluyen", "recluido"]);
        has(
            "desaparecer",
            Lang::Es,
            &["desaparezca", "desaparecieron", "desaparecido"],
        );
        has("incomunicar", Lang::Es, &["incomuniquen", "incomunicado"]);
        has("juzgar", Lang::Es, &["juzguen", "juzgado"]);
        has("conducir", Lang::Es, &["condujeron", "conduzcan"]);
        has("prender", Lang::Es, &["presos", "prendieron"]);
        has(
            "retener",
            Lang::Es,
            &["retenerla", "retenerlos", "reteniéndolo"],
        );
    }

    #[test]
    fn portuguese_verbs_take_every_person_tense_and_the_irregular_families() {
        has(
            "deter",
            Lang::Pt,
            &[
                "detém",
                "detêm",
                "deteve",
                "detiveram",
                "detido",
                "detidas",
                "detenha",
            ],
        );
        has(
            "prender",
            Lang::Pt,
            &[
                "prende",
                "prendem",
                "prendeu",
                "prenderam",
                "preso",
                "presas",
            ],
        );
        has(
            "transferir",
            Lang::Pt,
            &["transferido", "transferiram", "transfiro", "transferiu"],
        );
        has(
            "soltar",
            Lang::Pt,
            &["soltou", "soltaram", "solto", "soltos"],
        );
        has("sequestrar", Lang::Pt, &["sequestrado", "sequestraram"]);
        has("entregar", Lang::Pt, &["entregue", "entregou", "entreguem"]);
        has(
            "condenar",
            Lang::Pt,
            &["condenado", "condenou", "condenaram"],
        );
    }

    #[test]
    fn nouns_and_adjectives_take_gender_and_number() {
        has("detención", Lang::Es, &["detenciones"]);
        has(
            "detenido",
            Lang::Es,
            &["detenida", "detenidos", "detenidas"],
        );
        has("opositor", Lang::Es, &["opositora", "opositores"]);
        has("detenção", Lang::Pt, &["detenções"]);
        has("incomunicável", Lang::Pt, &["incomunicáveis"]);
        has("preso", Lang::Pt, &["presa", "presos", "presas"]);
    }

    #[test]
    fn english_words_take_s_ed_and_ing_and_the_irregular_verbs() {
        has("arrest", Lang::En, &["arrests", "arrested", "arresting"]);
        has("detain", Lang::En, &["detains", "detained", "detaining"]);
        has("seize", Lang::En, &["seizes", "seized", "seizing"]);
        has("kidnap", Lang::En, &["kidnapped", "kidnapping", "kidnaps"]);
        has("free", Lang::En, &["frees", "freed", "freeing"]);
        has("take", Lang::En, &["took", "taken", "takes", "taking"]);
        has("hold", Lang::En, &["held", "holding"]);
        has("carry", Lang::En, &["carried", "carries"]);
    }

    #[test]
    fn a_phrase_inflects_its_marked_word_only() {
        let got = expand("take+ into custody", Some(Lang::En))
            .unwrap()
            .unwrap();
        assert_eq!(got[0], "take into custody");
        assert!(got.contains(&"taken into custody".to_string()));
        assert!(got.contains(&"took into custody".to_string()));
        assert!(got.iter().all(|p| p.ends_with(" into custody")));
    }

    #[test]
    fn bad_marks_are_refused() {
        assert_eq!(expand("detenido", Some(Lang::Es)), None);
        assert_eq!(expand("detener+", None), Some(Err(FormsError::NoLanguage)));
        assert_eq!(
            expand("take+ into+", Some(Lang::En)),
            Some(Err(FormsError::TwoInflected))
        );
        assert_eq!(
            expand("take+ into cust*", Some(Lang::En)),
            Some(Err(FormsError::WithStem))
        );
        assert_eq!(expand("+", Some(Lang::En)), Some(Err(FormsError::NotAWord)));
        assert_eq!(
            expand("20+", Some(Lang::En)),
            Some(Err(FormsError::NotAWord))
        );
    }
}
