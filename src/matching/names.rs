//! The forms in which the press names a watched person.
//!
//! Operators list a person once (`Nahuel Agustín Gallo`); reporters write
//! `Nahuel Gallo`, `Gallo, Nahuel`, `Gallo's`. Accents and possessives are
//! handled by normalization (`Heath's` folds to `heath s`, which contains the
//! whole words `heath`). This module adds the word-order and shortening
//! variants. It never produces a single word: a lone surname or given name
//! never names a person unless the operator lists it as an alias.

use crate::text::normalize::fold;

/// Words that belong to the name unit that follows them: `del Carmen`,
/// `de la Cruz`, `San Miguel`, `dos Santos`.
const PARTICLES: &[&str] = &[
    "de", "del", "la", "las", "los", "da", "das", "do", "dos", "di", "du", "van", "von", "der",
    "den", "y", "san", "santa", "st", "mac", "mc",
];

/// Given names so common that two of them together (`María José`) do not
/// identify anyone: never offered as a shortened form.
const COMMON_GIVEN: &[&str] = &[
    "maria",
    "jose",
    "juan",
    "ana",
    "luis",
    "carlos",
    "jesus",
    "manuel",
    "antonio",
    "francisco",
    "pedro",
    "miguel",
    "angel",
    "rosa",
    "carmen",
    "luz",
    "john",
    "james",
    "mary",
    "joao",
    "paulo",
];

/// Splits folded words into name units: particles join the next word.
fn units(folded: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut pending = String::new();
    for word in folded.split(' ') {
        if !pending.is_empty() {
            pending.push(' ');
        }
        pending.push_str(word);
        if !PARTICLES.contains(&word) {
            out.push(std::mem::take(&mut pending));
        }
    }
    if !pending.is_empty() {
        // Trailing particles belong to the last unit.
        match out.last_mut() {
            Some(last) => {
                last.push(' ');
                last.push_str(&pending);
            }
            None => out.push(pending),
        }
    }
    out
}

fn join(parts: &[&String]) -> String {
    parts
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Which press forms are generated besides the alias itself. Each was
/// measured on the names test set (`tests/fixtures/names-cases.tsv`, see
/// `cargo run --example eval -- --names`) before being turned on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Variants {
    /// `Gallo, Nahuel` for a two-part name.
    pub reversed: bool,
    /// First given name with the last name: `Nahuel Agustín Gallo` → `Nahuel Gallo`.
    pub short_last: bool,
    /// First given name with the first of two surnames, for names of four
    /// or more parts: `Rocío del Carmen San Miguel Sosa` → `Rocío San Miguel`.
    pub short_first_surname: bool,
    /// The first two parts of a three-part name. Right for one given name
    /// and two surnames (`Edmundo González Urrutia` → `Edmundo González`),
    /// wrong for two given names (`Juan Pablo Guanipa` → `Juan Pablo`, which
    /// names Juan Pablo Montoya and Juan Pablo II): off, as measured. List
    /// such a short form as an alias instead.
    pub first_two_of_three: bool,
    /// The first two parts of a three-part name whose middle part is a
    /// patronymic surname, ending in -ez or -az (`Edmundo González Urrutia`
    /// → `Edmundo González`): given names almost never end so, so `Juan
    /// Pablo` and `Nahuel Agustín` are never cut to two given names.
    pub given_and_patronymic: bool,
    /// Surnames first, then the given names: `González Urrutia, Edmundo`.
    pub surnames_first: bool,
}

impl Variants {
    pub const NONE: Variants = Variants {
        reversed: false,
        short_last: false,
        short_first_surname: false,
        first_two_of_three: false,
        given_and_patronymic: false,
        surnames_first: false,
    };
}

impl Default for Variants {
    fn default() -> Self {
        Variants {
            reversed: true,
            short_last: true,
            short_first_surname: true,
            first_two_of_three: false,
            given_and_patronymic: true,
            surnames_first: true,
        }
    }
}

/// Every folded form under which `alias` names its person, the alias itself first.
pub fn forms(alias: &str) -> Vec<String> {
    forms_with(alias, Variants::default())
}

/// [`forms`] with a chosen set of variants.
pub fn forms_with(alias: &str, v: Variants) -> Vec<String> {
    let folded = fold(alias);
    if folded.is_empty() {
        return Vec::new();
    }
    let u = units(&folded);
    let mut out = vec![folded.clone()];
    let mut add = |s: String| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    let n = u.len();
    if n == 2 && v.reversed {
        add(join(&[&u[1], &u[0]]));
    }
    if n >= 3 {
        let mut short = Vec::new();
        if v.short_last {
            short.push((0, n - 1));
        }
        if v.short_first_surname && n >= 4 {
            short.push((0, n - 2));
        }
        if v.first_two_of_three
            && n == 3
            && !(COMMON_GIVEN.contains(&u[0].as_str()) && COMMON_GIVEN.contains(&u[1].as_str()))
        {
            short.push((0, 1));
        }
        if v.given_and_patronymic
            && n == 3
            && (u[1].ends_with("ez") || u[1].ends_with("az"))
            && !short.contains(&(0, 1))
        {
            short.push((0, 1));
        }
        for (g, s) in short {
            add(join(&[&u[g], &u[s]]));
            if v.reversed {
                add(join(&[&u[s], &u[g]]));
            }
        }
        if v.surnames_first {
            let split = if n >= 4 { n - 2 } else { 1 };
            let mut reordered: Vec<&String> = u[split..].iter().collect();
            reordered.extend(u[..split].iter());
            add(join(&reordered));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_word_names_add_surname_first() {
        assert_eq!(forms("Nahuel Gallo"), vec!["nahuel gallo", "gallo nahuel"]);
        assert_eq!(
            forms("Rocío San Miguel"),
            vec!["rocio san miguel", "san miguel rocio"]
        );
    }

    #[test]
    fn long_names_add_press_short_forms() {
        let f = forms("Nahuel Agustín Gallo");
        assert!(f.contains(&"nahuel gallo".to_string()));
        assert!(f.contains(&"gallo nahuel".to_string()));
        let f = forms("Rocío del Carmen San Miguel Sosa");
        assert!(f.contains(&"rocio san miguel".to_string()), "{f:?}");
        assert!(
            f.contains(&"san miguel sosa rocio del carmen".to_string()),
            "{f:?}"
        );
    }

    #[test]
    fn never_a_single_word_and_no_common_given_pairs() {
        for alias in [
            "Nahuel Agustín Gallo",
            "María José Rodríguez",
            "Rocío del Carmen San Miguel Sosa",
        ] {
            for f in forms(alias) {
                assert!(f.contains(' '), "{alias}: {f}");
            }
        }
        assert!(!forms("María José Rodríguez").contains(&"maria jose".to_string()));
        assert_eq!(forms("Madonna"), vec!["madonna"]);
    }

    #[test]
    fn a_patronymic_middle_part_is_a_surname() {
        assert!(forms("Edmundo González Urrutia").contains(&"edmundo gonzalez".to_string()));
        assert!(forms("Perkins Rocha").len() == 2);
        for (alias, cut) in [
            ("Juan Pablo Guanipa", "juan pablo"),
            ("Nahuel Agustín Gallo", "nahuel agustin"),
        ] {
            assert!(!forms(alias).contains(&cut.to_string()), "{alias}");
        }
    }
}
