//! List files (one term per line) and names files (one person per line,
//! aliases separated by `|`). Both allow `#` comments and blank lines.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use toml::Spanned;

use super::compile::Compiler;
use super::raw::RawList;
use super::{Diagnostic, NamesList, TermList};

pub use crate::text::Lang;

/// A term as the operator wrote it, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// The term exactly as written (trimmed), shown in alerts and explanations.
    pub text: String,
    /// 1-based line in the file that holds it (for inline lists, in `vigia.toml`).
    pub line: usize,
    /// Set under a `[en]`, `[es]` or `[pt]` header: the term matches only
    /// items in that language (or whose language is not known).
    pub lang: Option<Lang>,
}

/// A watched person: the first alias names them in alerts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Aliases as written; never empty.
    pub aliases: Vec<String>,
    /// 1-based line in the names file.
    pub line: usize,
}

impl Person {
    /// How alerts name this person: the first alias.
    pub fn display(&self) -> &str {
        &self.aliases[0]
    }
}

fn content_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().filter_map(|(i, raw)| {
        let line = raw.split('#').next().unwrap_or("").trim();
        (!line.is_empty()).then_some((i + 1, line))
    })
}

/// Parses a list file's text: every non-comment line is a term, but for a
/// header `[en]`, `[es]` or `[pt]`, which scopes the terms after it to that
/// language, and `[all]`, which ends the scope. Another header is reported.
pub fn parse_list(text: &str, file: &Path, errors: &mut Vec<Diagnostic>) -> Vec<Term> {
    let mut lang = None;
    let mut terms = Vec::new();
    for (line, content) in content_lines(text) {
        if let Some(header) = content.strip_prefix('[').and_then(|c| c.strip_suffix(']')) {
            match (Lang::parse(header), header.trim().eq_ignore_ascii_case("all")) {
                (Some(l), _) => lang = Some(l),
                (None, true) => lang = None,
                (None, false) => errors.push(Diagnostic::at(
                    file,
                    line,
                    format!("unknown language header [{header}]: use [en], [es], [pt], or [all] to end one"),
                )),
            }
            continue;
        }
        terms.push(Term {
            text: content.to_string(),
            line,
            lang,
        });
    }
    terms
}

/// Parses a names file's text; lines with an empty alias are reported.
pub fn parse_names(text: &str, file: &Path, errors: &mut Vec<Diagnostic>) -> Vec<Person> {
    let mut people = Vec::new();
    for (line, content) in content_lines(text) {
        let aliases: Vec<String> = content.split('|').map(|a| a.trim().to_string()).collect();
        if aliases.iter().any(String::is_empty) {
            errors.push(Diagnostic::at(
                file,
                line,
                "a person's line has an empty alias (two `|` in a row, or a `|` at the start or end)",
            ));
            continue;
        }
        people.push(Person { aliases, line });
    }
    people
}

/// Every `[lists]` entry: a file of terms, or terms inline. Reports terms
/// that cannot match and warns about repeated or redundant ones.
pub(super) fn compile_lists(
    c: &mut Compiler<'_>,
    raw: &BTreeMap<Spanned<String>, Spanned<RawList>>,
) -> (Vec<TermList>, Vec<SharedTerm>) {
    let mut lists = Vec::new();
    for (name, list) in raw {
        let (file, terms) = match list.get_ref() {
            RawList::Inline(terms) => {
                let line = c.line(list.span().start);
                let terms = terms
                    .iter()
                    .map(|t| Term {
                        text: t.trim().to_string(),
                        line,
                        lang: None,
                    })
                    .collect();
                (c.file.to_path_buf(), terms)
            }
            RawList::File(rel) => {
                let path = c.resolve(rel);
                match c.read(&path) {
                    Ok(text) => {
                        let terms = parse_list(&text, &path, &mut c.errors);
                        (path, terms)
                    }
                    Err(e) => {
                        let msg = format!(
                            "list `{}`: cannot read {}: {e}",
                            name.get_ref(),
                            path.display()
                        );
                        c.error(list, msg);
                        continue;
                    }
                }
            }
        };
        for term in &terms {
            if let Some(Err(e)) = crate::text::forms::expand(&term.text, term.lang) {
                c.errors.push(Diagnostic::at(
                    &file,
                    term.line,
                    format!("term {:?}: {e}", term.text),
                ));
                continue;
            }
            // Only a term's last word may be a stem; a `*` inside is read as
            // nothing and the term would never match.
            if term.text.trim_end_matches('*').contains('*') {
                c.errors.push(Diagnostic::at(
                    &file,
                    term.line,
                    format!(
                        "term {:?}: `*` may only end a term; write the words in full, \
                         or mark a word's forms with `+`",
                        term.text
                    ),
                ));
                continue;
            }
            if crate::text::normalize::fold(term.text.trim_end_matches('*')).is_empty() {
                c.warnings.push(Diagnostic::at(
                    &file,
                    term.line,
                    format!(
                        "term {:?} has no letters or digits and can never match",
                        term.text
                    ),
                ));
            }
        }
        lists.push(TermList {
            name: name.get_ref().clone(),
            file,
            terms,
        });
    }

    // Each term as the matcher reads it: folded, whether a stem, whether
    // it stands for its word forms, and its language.
    type Key = (String, bool, bool, Option<Lang>);
    let folded: Vec<Vec<Key>> = lists
        .iter()
        .map(|list| {
            let fold = |t: &Term| crate::text::normalize::fold(t.text.trim_end_matches('*'));
            list.terms
                .iter()
                .map(|t| {
                    let forms = t.text.split_whitespace().any(|w| w.ends_with('+'));
                    (fold(t), t.text.ends_with('*'), forms, t.lang)
                })
                .collect()
        })
        .collect();

    // The same term twice, in one list or two: a term in both `detention`
    // and `noise` vetoes itself; one in two lists a rule requires together
    // satisfies both at once. Two lists no rule reads together may share
    // terms (the country's security bodies place a story in Venezuela and
    // also say who took someone), so those are left to the caller, which
    // knows the rules.
    let mut first_seen: BTreeMap<&Key, (usize, usize)> = BTreeMap::new();
    let mut shared = Vec::new();
    for (l, (list, folded)) in lists.iter().zip(&folded).enumerate() {
        for (t, (term, key)) in list.terms.iter().zip(folded).enumerate() {
            if key.0.is_empty() {
                continue;
            }
            match first_seen.get(key) {
                None => {
                    first_seen.insert(key, (l, t));
                }
                Some(&(l0, t0)) if l0 != l => shared.push(SharedTerm {
                    lists: (l0, l),
                    terms: (t0, t),
                }),
                Some(&(_, t0)) => {
                    let at = &list.terms[t0];
                    c.warnings.push(Diagnostic::at(
                        &list.file,
                        term.line,
                        format!(
                            "term {:?} is also earlier in the same list ({}:{}, as {:?})",
                            term.text,
                            list.file.display(),
                            at.line,
                            at.text
                        ),
                    ));
                }
            }
        }
    }

    // A term a stem of its own list already matches (`activista*` beside
    // `activist*`): the list hits the same either way, and an alert would
    // name both for one word.
    for (list, folded) in lists.iter().zip(&folded) {
        let stems: HashMap<&str, usize> = folded
            .iter()
            .enumerate()
            .rev()
            .filter(|(_, (text, stem, _, _))| *stem && !text.is_empty())
            .map(|(t, (text, ..))| (text.as_str(), t))
            .collect();
        for (term, (text, stem, _, lang)) in list.terms.iter().zip(folded) {
            // Its own text as a stem is the same term (or one listed
            // twice, warned about above), not a shorter one. A stem scoped
            // to a language covers only terms of that language.
            let covering = text
                .char_indices()
                .map(|(at, _)| at)
                .skip(1)
                .chain((!stem).then_some(text.len()))
                .filter_map(|end| stems.get(&text[..end]))
                .find(|&&s| list.terms[s].lang.is_none_or(|l| Some(l) == *lang));
            if let Some(&s) = covering {
                let by = &list.terms[s];
                c.warnings.push(Diagnostic::at(
                    &list.file,
                    term.line,
                    format!(
                        "term {:?} is redundant: {:?} (line {}) already matches it",
                        term.text, by.text, by.line
                    ),
                ));
            }
        }
    }
    (lists, shared)
}

/// A term written in two lists: which lists, and which term of each.
pub(super) struct SharedTerm {
    lists: (usize, usize),
    terms: (usize, usize),
}

/// Warns about each term two lists share when some rule reads both lists.
pub(super) fn warn_shared_terms(
    c: &mut Compiler<'_>,
    lists: &[TermList],
    shared: &[SharedTerm],
    rules: &[super::Rule],
) {
    let reads = |r: &super::Rule, l: usize| {
        [&r.all, &r.any, &r.none, &r.none_in_title]
            .iter()
            .any(|ls| ls.contains(&l))
    };
    for s in shared {
        let (l0, l) = s.lists;
        let Some(rule) = rules.iter().find(|r| reads(r, l0) && reads(r, l)) else {
            continue;
        };
        let (other, at) = (&lists[l0], &lists[l0].terms[s.terms.0]);
        let (list, term) = (&lists[l], &lists[l].terms[s.terms.1]);
        c.warnings.push(Diagnostic::at(
            &list.file,
            term.line,
            format!(
                "term {:?} is also in list `{}` ({}:{}, as {:?}), which rule {:?} reads too",
                term.text,
                other.name,
                other.file.display(),
                at.line,
                at.text,
                rule.name
            ),
        ));
    }
}

/// Every `[names]` entry: a file of watched people.
pub(super) fn compile_names(
    c: &mut Compiler<'_>,
    raw: &BTreeMap<Spanned<String>, Spanned<String>>,
) -> Vec<NamesList> {
    let mut names = Vec::new();
    for (name, rel) in raw {
        let path = c.resolve(rel.get_ref());
        match c.read(&path) {
            Ok(text) => {
                let people = parse_names(&text, &path, &mut c.errors);
                names.push(NamesList {
                    name: name.get_ref().clone(),
                    file: path,
                    people,
                });
            }
            Err(e) => {
                let msg = format!(
                    "names `{}`: cannot read {}: {e}",
                    name.get_ref(),
                    path.display()
                );
                c.error(rel, msg);
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_skips_comments_and_blanks_and_keeps_lines() {
        let terms = parse_list(
            "# header\n\ndetenido\n  preso político  # note\n",
            Path::new("l.txt"),
            &mut Vec::new(),
        );
        assert_eq!(
            terms,
            vec![
                Term {
                    text: "detenido".into(),
                    line: 3,
                    lang: None,
                },
                Term {
                    text: "preso político".into(),
                    line: 4,
                    lang: None,
                },
            ]
        );
    }

    #[test]
    fn language_headers_scope_the_terms_after_them() {
        let mut errors = Vec::new();
        let terms = parse_list(
            "arrested\n[pt]\npreso\n[es]\ndetenido\n[all]\nSEBIN\n[fr]\n",
            Path::new("l.txt"),
            &mut errors,
        );
        let langs: Vec<(&str, Option<Lang>)> =
            terms.iter().map(|t| (t.text.as_str(), t.lang)).collect();
        assert_eq!(
            langs,
            [
                ("arrested", None),
                ("preso", Some(Lang::Pt)),
                ("detenido", Some(Lang::Es)),
                ("SEBIN", None)
            ]
        );
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, Some(8));
        assert!(errors[0].message.contains("unknown language header [fr]"));
    }

    #[test]
    fn names_split_aliases_and_reject_empty_ones() {
        let mut errors = Vec::new();
        let people = parse_names(
            "Nahuel Gallo | Nahuel Agustín Gallo\nRocío San Miguel\nBad | | line\n",
            Path::new("names.txt"),
            &mut errors,
        );
        assert_eq!(people.len(), 2);
        assert_eq!(
            people[0].aliases,
            vec!["Nahuel Gallo", "Nahuel Agustín Gallo"]
        );
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, Some(3));
    }
}
