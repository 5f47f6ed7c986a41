//! Text as every stage reads it: folding case and accents, HTML to plain
//! text, and the word forms a `word+` list term stands for. It depends on
//! nothing else in the crate, so the config can check terms and the
//! sources can clean titles without reaching into matching.

pub mod forms;
pub mod html;
pub mod normalize;

/// A language vigia's lists can be scoped to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Es,
    Pt,
}

impl Lang {
    /// `en`, `es` or `pt`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
            Lang::Pt => "pt",
        }
    }

    /// `en`, `es` or `pt`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "en" => Some(Lang::En),
            "es" => Some(Lang::Es),
            "pt" => Some(Lang::Pt),
            _ => None,
        }
    }
}
