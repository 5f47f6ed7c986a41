//! List files (one term per line) and names files (one person per line,
//! aliases separated by `|`). Both allow `#` comments and blank lines.

use std::path::Path;

use super::Diagnostic;

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
