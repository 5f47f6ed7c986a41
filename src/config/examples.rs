//! `[learned]`: the labelled reports the learned rule learns from. Every
//! `.jsonl` file in a folder (or one file), one report per line: a JSON
//! object with `title`, `label` (`alert`, `ignore` or `borderline`) and
//! optionally `summary`; other keys are kept for people, not read.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use super::compile::Compiler;
use super::Diagnostic;

/// One labelled report. Borderline ones are not kept: they teach nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    pub title: String,
    pub summary: String,
    /// Labelled `alert` (else `ignore`).
    pub alert: bool,
}

/// The examples `[learned]` names, read and checked.
#[derive(Debug, Clone)]
pub struct Examples {
    /// The folder or file as configured, resolved.
    pub path: PathBuf,
    /// The files read, in name order.
    pub files: Vec<PathBuf>,
    pub items: Arc<[Example]>,
}

#[derive(Deserialize)]
struct RawExample {
    title: String,
    #[serde(default)]
    summary: String,
    label: String,
}

/// The most errors reported per file: a file of another format would
/// otherwise bury the rest of `vigia check`'s answer.
const ERRORS_PER_FILE: usize = 10;

pub(super) fn compile_examples(c: &mut Compiler<'_>, at: &Spanned<String>) -> Option<Examples> {
    let path = c.resolve(at.get_ref());
    let files = match files(&path) {
        Ok(files) if files.is_empty() => {
            c.error(
                at,
                format!(
                    "learned.examples: {} holds no .jsonl file of examples",
                    path.display()
                ),
            );
            return None;
        }
        Ok(files) => files,
        Err(e) => {
            c.error(
                at,
                format!("learned.examples: cannot read {}: {e}", path.display()),
            );
            return None;
        }
    };
    let mut items = Vec::new();
    for file in &files {
        let text = match c.read(file) {
            Ok(text) => text,
            Err(e) => {
                c.errors
                    .push(Diagnostic::file(file, format!("cannot read: {e}")));
                continue;
            }
        };
        let mut errors = 0;
        for (n, line) in text.lines().enumerate() {
            match example(line) {
                Ok(Some(example)) => items.push(example),
                Ok(None) => {}
                Err(message) => {
                    errors += 1;
                    if errors <= ERRORS_PER_FILE {
                        c.errors.push(Diagnostic::at(file, n + 1, message));
                    }
                }
            }
        }
        if errors > ERRORS_PER_FILE {
            c.errors.push(Diagnostic::file(
                file,
                format!("{} more lines like these", errors - ERRORS_PER_FILE),
            ));
        }
    }
    for (alert, label) in [(true, "alert"), (false, "ignore")] {
        if !items.is_empty() && !items.iter().any(|e| e.alert == alert) {
            c.error(
                at,
                format!("learned.examples: no example is labelled \"{label}\"; the learned rule needs reports of both kinds"),
            );
        }
    }
    Some(Examples {
        path,
        files,
        items: items.into(),
    })
}

/// The `.jsonl` files of a folder in name order, or the one file named.
fn files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if !path.is_dir() {
        std::fs::metadata(path)?;
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl") && p.is_file())
        .collect();
    files.sort();
    Ok(files)
}

/// One line: an example, nothing (a blank line or a borderline report), or
/// what is wrong with it.
fn example(line: &str) -> Result<Option<Example>, String> {
    if line.trim().is_empty() {
        return Ok(None);
    }
    let raw: RawExample = serde_json::from_str(line).map_err(|e| {
        format!("not an example: {e}; write one JSON object per line, like {{\"title\": \"…\", \"summary\": \"…\", \"label\": \"alert\"}}")
    })?;
    if raw.title.trim().is_empty() {
        return Err("the example's `title` is empty".into());
    }
    let alert = match raw.label.as_str() {
        "alert" => true,
        "ignore" => false,
        "borderline" => return Ok(None),
        other => {
            return Err(format!(
                "`label` {other:?}: write \"alert\", \"ignore\" or \"borderline\""
            ))
        }
    };
    Ok(Some(Example {
        title: raw.title,
        summary: raw.summary,
        alert,
    }))
}

#[cfg(test)]
mod tests {
    use super::example;

    #[test]
    fn a_line_is_an_example_or_says_what_is_wrong() {
        let e = example(r#"{"title": "Detienen a periodista", "label": "alert", "id": "x"}"#)
            .unwrap()
            .unwrap();
        assert!(e.alert && e.summary.is_empty());
        assert_eq!(example("   ").unwrap(), None);
        assert_eq!(
            example(r#"{"title": "t", "label": "borderline"}"#).unwrap(),
            None
        );
        let bad = example(r#"{"title": "t", "label": "yes"}"#).unwrap_err();
        assert!(
            bad.contains("\"yes\"") && bad.contains("\"ignore\""),
            "{bad}"
        );
        let bad = example(r#"{"title": "t"}"#).unwrap_err();
        assert!(bad.contains("label"), "{bad}");
        let bad = example(r#"{"title": " ", "label": "alert"}"#).unwrap_err();
        assert!(bad.contains("title"), "{bad}");
    }
}
