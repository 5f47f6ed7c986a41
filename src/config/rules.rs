//! Compiling `[[rule]]`s: lists, names and channels resolved to what the
//! config defines, and warnings for lists, names and tags nothing uses.

use std::collections::{BTreeMap, BTreeSet};

use toml::Spanned;

use super::compile::Compiler;
use super::raw::RawConfig;
use super::{ChatRef, NamesList, Rule, Source, TermList};

/// Every `[[rule]]`, with its lists, names and channels resolved.
pub(super) fn compile_rules(
    c: &mut Compiler<'_>,
    raw: &RawConfig,
    lists: &[TermList],
    names: &[NamesList],
    channels: &BTreeMap<String, ChatRef>,
    sources: &[Source],
    learned: bool,
) -> Vec<Rule> {
    let list_index = |n: &str| lists.iter().position(|l| l.name == n);
    let names_index = |n: &str| names.iter().position(|l| l.name == n);
    let mut rules: Vec<Rule> = Vec::new();
    let mut used_lists = BTreeSet::new();
    let mut used_names = BTreeSet::new();
    let known_tags: BTreeSet<&str> = sources
        .iter()
        .flat_map(|s| s.tags.iter().map(String::as_str))
        .collect();
    for r in &raw.rules {
        let raw_rule = r.get_ref();
        let name = c.name(
            &raw_rule.name,
            "rule",
            rules.iter().map(|r| r.name.as_str()),
        );
        let mut resolve_lists = |c: &mut Compiler<'_>, key: &str, refs: &[Spanned<String>]| {
            let mut out = Vec::new();
            for l in refs {
                match list_index(l.get_ref()) {
                    Some(i) => {
                        used_lists.insert(i);
                        out.push(i);
                    }
                    None => {
                        let hint = if names_index(l.get_ref()).is_some() {
                            format!(" (`{}` is a names file: use `names = [...]`)", l.get_ref())
                        } else {
                            String::new()
                        };
                        c.error(l, format!("rule {name:?}: `{key}` names a list {:?} that [lists] does not define{hint}", l.get_ref()));
                    }
                }
            }
            out
        };
        let all = resolve_lists(c, "all", &raw_rule.all);
        let any = resolve_lists(c, "any", &raw_rule.any);
        let none = resolve_lists(c, "none", &raw_rule.none);
        let none_in_title = resolve_lists(c, "none_in_title", &raw_rule.none_in_title);
        let mut rule_names = Vec::new();
        for n in &raw_rule.names {
            match names_index(n.get_ref()) {
                Some(i) => {
                    used_names.insert(i);
                    rule_names.push(i);
                }
                None => c.error(
                    n,
                    format!(
                        "rule {name:?}: `names` names {:?}, which [names] does not define",
                        n.get_ref()
                    ),
                ),
            }
        }
        let learns = raw_rule.learned.as_ref().is_some_and(|l| *l.get_ref());
        if let Some(at) = raw_rule.learned.as_ref().filter(|_| learns && !learned) {
            if raw.learned.is_none() {
                c.error(
                    at,
                    format!("rule {name:?}: `learned = true` needs a [learned] section naming the examples to learn from"),
                );
            }
        }
        if raw_rule.all.is_empty()
            && raw_rule.any.is_empty()
            && raw_rule.names.is_empty()
            && !learns
        {
            c.error(
                r,
                format!(
                    "rule {name:?} needs at least one of `all`, `any`, `names` or `learned = true`"
                ),
            );
        }
        let near = match &raw_rule.near {
            None => None,
            Some(n) if *n.get_ref() >= 1 => Some(*n.get_ref() as usize),
            Some(n) => {
                c.error(
                    n,
                    format!("rule {name:?}: `near` must be a positive number of words"),
                );
                None
            }
        };
        let mut rule_channels = Vec::new();
        for ch in &raw_rule.channels {
            if channels.contains_key(ch.get_ref()) {
                rule_channels.push(ch.get_ref().clone());
            } else if raw.channels.contains_key(ch.get_ref()) {
                // Defined but invalid: already reported at the definition.
            } else {
                c.error(
                    ch,
                    format!(
                        "rule {name:?} sends to channel {:?}, which [channels] does not define",
                        ch.get_ref()
                    ),
                );
            }
        }
        if raw_rule.channels.is_empty() {
            c.error(r, format!("rule {name:?} has no `channels` to send to"));
        }
        for tag in &raw_rule.tags {
            if !known_tags.contains(tag.as_str()) {
                c.warn(
                    r,
                    format!("rule {name:?} requires tag {tag:?}, which no source carries"),
                );
            }
        }
        rules.push(Rule {
            name,
            tags: raw_rule.tags.clone(),
            all,
            any,
            none,
            none_in_title,
            near,
            names: rule_names,
            learned: learns,
            channels: rule_channels,
        });
    }
    for (i, list) in lists.iter().enumerate() {
        if !used_lists.contains(&i) {
            if let Some((key, _)) = raw.lists.iter().find(|(k, _)| k.get_ref() == &list.name) {
                c.warn(key, format!("list `{}` is not used by any rule", list.name));
            }
        }
    }
    if let Some(at) = &raw.learned {
        if !rules.iter().any(|r| r.learned) {
            c.warn(
                at,
                "[learned] examples are not used by any rule: add `learned = true` to one",
            );
        }
    }
    for (i, n) in names.iter().enumerate() {
        if !used_names.contains(&i) {
            if let Some((key, _)) = raw.names.iter().find(|(k, _)| k.get_ref() == &n.name) {
                c.warn(key, format!("names `{}` is not used by any rule", n.name));
            }
        }
    }
    rules
}
