//! The forms in which the press names a watched person.
//!
//! Operators list a person once (`Nahuel Agustín Gallo`); reporters write
//! `Nahuel Gallo`, `Gallo, Nahuel`, `Gallo's`. Accents and possessives are
//! handled by normalization (`Heath's` folds to `heath s`, which contains the
//! whole words `heath`). This module adds the word-order and shortening
//! variants. It never produces a single word: a lone surname or given name
//! never names a person unless the operator lists it as an alias.

use super::normalize::fold;

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

/// Every folded form under which `alias` names its person, the alias itself first.
pub fn forms(alias: &str) -> Vec<String> {
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
    match u.len() {
        0 | 1 => {}
        2 => add(join(&[&u[1], &u[0]])),
        n => {
            // Shortened: first given name with the first surname. Which unit
            // is the first surname is ambiguous (`Nahuel Agustín Gallo` has one
            // surname, `Edmundo González Urrutia` two), so offer both readings.
            let mut short = vec![(0, n - 1)];
            if n >= 4 {
                short.push((0, n - 2));
            } else if !(COMMON_GIVEN.contains(&u[0].as_str())
                && COMMON_GIVEN.contains(&u[1].as_str()))
            {
                short.push((0, 1));
            }
            for (g, s) in short {
                add(join(&[&u[g], &u[s]]));
                add(join(&[&u[s], &u[g]]));
            }
            // Surnames first with the full given names: `González Urrutia, Edmundo`.
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
}
