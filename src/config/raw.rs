//! The config as serde reads it: every value keeps its byte span, so an
//! error can name its line. [`super::compile`] turns these into the
//! runtime types.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    #[serde(default)]
    pub(super) telegram: RawTelegram,
    #[serde(default)]
    pub(super) channels: BTreeMap<String, Spanned<RawChat>>,
    #[serde(default)]
    pub(super) store: RawStore,
    #[serde(default)]
    pub(super) http: RawHttp,
    #[serde(default)]
    pub(super) defaults: RawDefaults,
    #[serde(default)]
    pub(super) log: RawLog,
    #[serde(default)]
    pub(super) lists: BTreeMap<Spanned<String>, Spanned<RawList>>,
    #[serde(default)]
    pub(super) names: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default, rename = "source")]
    pub(super) sources: Vec<Spanned<RawSource>>,
    #[serde(default, rename = "rule")]
    pub(super) rules: Vec<Spanned<RawRule>>,
    #[serde(default)]
    pub(super) learned: Option<Spanned<RawLearned>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLearned {
    pub(super) examples: Spanned<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLog {
    pub(super) format: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTelegram {
    pub(super) api_url: Option<Spanned<String>>,
    pub(super) token_file: Option<String>,
    #[serde(default)]
    pub(super) admins: Vec<i64>,
    pub(super) give_up_after: Option<Spanned<String>>,
    pub(super) recheck_held: Option<Spanned<String>>,
    pub(super) down_after: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) limits: RawLimits,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLimits {
    pub(super) chat: Option<Spanned<String>>,
    pub(super) group: Option<Spanned<String>>,
    pub(super) overall: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum RawChat {
    Id(i64),
    Name(String),
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStore {
    pub(super) path: Option<Spanned<String>>,
    pub(super) url: Option<Spanned<String>>,
    pub(super) password_file: Option<String>,
    pub(super) ca_file: Option<String>,
    pub(super) lease: Option<Spanned<String>>,
    pub(super) retention: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHttp {
    pub(super) listen: Option<Spanned<String>>,
    pub(super) console_token_file: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDefaults {
    pub(super) interval: Option<Spanned<String>>,
    pub(super) backfill: Option<Spanned<String>>,
    pub(super) source_down_after: Option<Spanned<String>>,
    pub(super) host_gap: Option<Spanned<String>>,
    pub(super) story_window: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum RawList {
    File(String),
    Inline(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSource {
    pub(super) name: Spanned<String>,
    pub(super) kind: Option<Spanned<String>>,
    pub(super) url: Option<Spanned<String>>,
    // google-news and gdelt
    pub(super) query: Option<Spanned<String>>,
    pub(super) lang: Option<Spanned<String>>,
    // gdelt
    #[serde(default)]
    pub(super) languages: Vec<Spanned<String>>,
    // telegram-channel
    pub(super) channel: Option<Spanned<String>>,
    pub(super) interval: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) tags: Vec<String>,
    // page
    pub(super) item: Option<Spanned<String>>,
    pub(super) title: Option<Spanned<String>>,
    pub(super) link: Option<Spanned<String>>,
    pub(super) date: Option<Spanned<String>>,
    pub(super) summary: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRule {
    pub(super) name: Spanned<String>,
    #[serde(default)]
    pub(super) tags: Vec<String>,
    #[serde(default)]
    pub(super) all: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) any: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) none: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) none_in_title: Vec<Spanned<String>>,
    pub(super) near: Option<Spanned<i64>>,
    #[serde(default)]
    pub(super) names: Vec<Spanned<String>>,
    pub(super) learned: Option<Spanned<bool>>,
    #[serde(default)]
    pub(super) channels: Vec<Spanned<String>>,
}
