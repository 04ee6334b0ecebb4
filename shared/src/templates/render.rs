//! The message-template language, parsed and rendered the same way in the browser (live
//! preview, errors as you type) and on the server (saving, sending):
//!
//! * `{name}` — a lead's field or custom field; empty when the lead has none.
//! * `{name|there}` — the same with a fallback (itself a template) when the field is empty.
//! * `{Hi|Hello|Hey}` — spintax: one option per message, so a campaign's messages differ.
//! * `{{` and `}}` — literal braces.
//!
//! A group whose first option is a variable is a variable with a fallback; any other group with
//! options is spintax. A lone `{word}` must be a variable, and an option that is one or two
//! letters away from a variable (`{nmae|there}`) is refused as a likely typo, so a recipient
//! never reads "Hello nmae".

use serde::{Deserialize, Serialize};

/// The lead fields every template may use.
pub const LEAD_VARIABLES: [&str; 7] = [
    "name", "phone", "website", "city", "country", "category", "email",
];

/// Nesting deeper than this is refused (and keeps parsing bounded).
const MAX_DEPTH: usize = 8;

/// A parsed template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    nodes: Vec<Node>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Node {
    Text(String),
    Var {
        key: String,
        fallback: Option<Vec<Node>>,
    },
    Spin(Vec<Vec<Node>>),
}

/// Why a template does not parse; the message says where and what to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct TemplateError {
    pub message: String,
}

fn error(message: impl Into<String>) -> TemplateError {
    TemplateError {
        message: message.into(),
    }
}

/// What a variable's name is as written: lower case, spaces and dashes as `_`
/// (`{Instagram Handle}` and `{instagram_handle}` are the same variable).
pub fn variable_key(name: &str) -> String {
    name.trim()
        .chars()
        .map(|c| match c {
            ' ' | '-' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_alphabetic())
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | ' ' | '-'))
}

/// Edit distance counting a swap of neighbours as one edit (optimal string alignment), for
/// "did you mean" on short names.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

impl Template {
    /// Parses `source`; `known` are the variables it may use (see [`LEAD_VARIABLES`] and the
    /// workspace's custom fields, as [`variable_key`]s).
    pub fn parse(source: &str, known: &[String]) -> Result<Self, TemplateError> {
        let chars: Vec<char> = source.chars().collect();
        let mut parser = Parser {
            chars: &chars,
            at: 0,
            known,
        };
        let nodes = parser.sequence(0)?;
        match parser.peek() {
            None => Ok(Self { nodes }),
            Some(_) => Err(error(format!(
                "The “}}” at character {} closes nothing; write }}}} for a brace in the message.",
                parser.at + 1
            ))),
        }
    }

    /// The message for one recipient: `value` answers a variable (`None` or blank: use the
    /// fallback), `choose(n)` picks one of `n` spintax options (`0..n`).
    pub fn render(
        &self,
        value: &dyn Fn(&str) -> Option<String>,
        choose: &mut dyn FnMut(usize) -> usize,
    ) -> String {
        let mut out = String::new();
        render_nodes(&self.nodes, value, choose, &mut out);
        out
    }

    /// The variables used without a fallback somewhere: a lead without them gets a gap.
    pub fn variables_without_fallback(&self) -> Vec<String> {
        let mut found = Vec::new();
        collect_variables(&self.nodes, false, &mut found);
        found
    }

    /// The variables the template uses, in order of first use.
    pub fn variables(&self) -> Vec<String> {
        let mut found = Vec::new();
        collect_variables(&self.nodes, true, &mut found);
        found
    }
}

/// Variable keys in order of first use; `with_fallback` includes those that have one.
fn collect_variables(nodes: &[Node], with_fallback: bool, found: &mut Vec<String>) {
    for node in nodes {
        match node {
            Node::Text(_) => {}
            Node::Var { key, fallback } => {
                if (with_fallback || fallback.is_none()) && !found.contains(key) {
                    found.push(key.clone());
                }
                if let Some(fallback) = fallback {
                    collect_variables(fallback, with_fallback, found);
                }
            }
            Node::Spin(options) => options
                .iter()
                .for_each(|o| collect_variables(o, with_fallback, found)),
        }
    }
}

fn render_nodes(
    nodes: &[Node],
    value: &dyn Fn(&str) -> Option<String>,
    choose: &mut dyn FnMut(usize) -> usize,
    out: &mut String,
) {
    for node in nodes {
        match node {
            Node::Text(text) => out.push_str(text),
            Node::Var { key, fallback } => match value(key).filter(|v| !v.trim().is_empty()) {
                Some(found) => out.push_str(found.trim()),
                None => {
                    if let Some(fallback) = fallback {
                        render_nodes(fallback, value, choose, out);
                    }
                }
            },
            Node::Spin(options) => {
                let pick = choose(options.len()).min(options.len().saturating_sub(1));
                if let Some(option) = options.get(pick) {
                    render_nodes(option, value, choose, out);
                }
            }
        }
    }
}

struct Parser<'a> {
    chars: &'a [char],
    at: usize,
    known: &'a [String],
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    /// Text and groups up to an unescaped `|` or `}` at this level (or the end).
    fn sequence(&mut self, depth: usize) -> Result<Vec<Node>, TemplateError> {
        let mut nodes = Vec::new();
        let mut text = String::new();
        while let Some(c) = self.peek() {
            let next = self.chars.get(self.at + 1).copied();
            match c {
                '{' if next == Some('{') => {
                    text.push('{');
                    self.at += 2;
                }
                '}' if next == Some('}') && depth == 0 => {
                    text.push('}');
                    self.at += 2;
                }
                '{' => {
                    if !text.is_empty() {
                        nodes.push(Node::Text(std::mem::take(&mut text)));
                    }
                    nodes.push(self.group(depth + 1)?);
                }
                '}' => break,
                '|' if depth > 0 => break,
                c => {
                    text.push(c);
                    self.at += 1;
                }
            }
        }
        if !text.is_empty() {
            nodes.push(Node::Text(text));
        }
        Ok(nodes)
    }

    /// `{ … }`, starting at its `{`.
    fn group(&mut self, depth: usize) -> Result<Node, TemplateError> {
        let opened_at = self.at + 1;
        if depth > MAX_DEPTH {
            return Err(error(format!(
                "The “{{” at character {opened_at} nests choices more than {MAX_DEPTH} deep."
            )));
        }
        self.at += 1;
        let first_start = self.at;
        let mut options = vec![self.sequence(depth)?];
        let first_raw: String = self.chars[first_start..self.at].iter().collect();
        while self.peek() == Some('|') {
            self.at += 1;
            options.push(self.sequence(depth)?);
        }
        if self.peek() != Some('}') {
            return Err(error(format!(
                "The “{{” at character {opened_at} is never closed; write {{{{ for a brace in the message."
            )));
        }
        self.at += 1;

        let first_is_plain = is_identifier(first_raw.trim());
        let key = variable_key(&first_raw);
        if first_is_plain && self.known.contains(&key) {
            let mut rest = options.into_iter().skip(1);
            let fallback = rest.next();
            if rest.next().is_some() {
                return Err(error(format!(
                    "{{{}|…}} has more than one fallback; write {{{key}|fallback}}.",
                    first_raw.trim()
                )));
            }
            return Ok(Node::Var { key, fallback });
        }
        if options.len() == 1 {
            return Err(if first_raw.trim().is_empty() {
                error(format!(
                    "The “{{}}” at character {opened_at} is empty; write {{{{}}}} for braces in the message."
                ))
            } else {
                unknown(&first_raw, self.known)
            });
        }
        if first_is_plain && self.near_miss(&key).is_some() {
            return Err(unknown(&first_raw, self.known));
        }
        Ok(Node::Spin(options))
    }

    fn near_miss(&self, key: &str) -> Option<&String> {
        near_miss(key, self.known)
    }
}

fn near_miss<'a>(key: &str, known: &'a [String]) -> Option<&'a String> {
    known
        .iter()
        .filter(|k| k.len() > 2 && key.len() > 2)
        .map(|k| (distance(key, k), k))
        // One slip, or two in a long name: "nmae", "citty", "instagram_handel".
        .filter(|(d, _)| *d == 1 || (*d == 2 && key.chars().count() >= 7))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn unknown(raw: &str, known: &[String]) -> TemplateError {
    let shown = raw.trim();
    let key = variable_key(shown);
    match near_miss(&key, known) {
        Some(suggestion) => error(format!(
            "There is no variable {{{shown}}}: did you mean {{{suggestion}}}?"
        )),
        None => error(format!(
            "There is no variable {{{shown}}}. Use one of {}, or a custom field of your leads.",
            LEAD_VARIABLES
                .iter()
                .map(|v| format!("{{{v}}}"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn known() -> Vec<String> {
        LEAD_VARIABLES
            .iter()
            .map(|v| (*v).to_owned())
            .chain(["instagram_handle".to_owned()])
            .collect()
    }

    fn render_with(source: &str, fields: &[(&str, &str)], picks: &[usize]) -> String {
        let template = Template::parse(source, &known()).unwrap();
        let fields: HashMap<String, String> = fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let mut picks = picks.iter().copied();
        template.render(&|k| fields.get(k).cloned(), &mut |n| {
            picks.next().unwrap_or(0) % n
        })
    }

    fn parse_error(source: &str) -> String {
        Template::parse(source, &known()).unwrap_err().message
    }

    #[test]
    fn variables_and_fallbacks() {
        assert_eq!(
            render_with(
                "Hi {name}, is {website} yours?",
                &[("name", "Mama Mboga"), ("website", "mboga.co.ke")],
                &[]
            ),
            "Hi Mama Mboga, is mboga.co.ke yours?"
        );
        assert_eq!(render_with("Hi {name|there}!", &[], &[]), "Hi there!");
        // Blank counts as missing; a value is trimmed.
        assert_eq!(
            render_with("Hi {name|there}!", &[("name", "  ")], &[]),
            "Hi there!"
        );
        assert_eq!(
            render_with("Hi {name|there}!", &[("name", " Ana ")], &[]),
            "Hi Ana!"
        );
        // No fallback: nothing.
        assert_eq!(render_with("In {city}.", &[], &[]), "In .");
        // Custom fields by their key, however the header was spelt.
        assert_eq!(
            render_with("@{Instagram Handle}", &[("instagram_handle", "mboga")], &[]),
            "@mboga"
        );
        // A fallback may itself use a variable.
        assert_eq!(
            render_with(
                "{name|the team in {city|your town}}",
                &[("city", "Mombasa")],
                &[]
            ),
            "the team in Mombasa"
        );
    }

    #[test]
    fn spintax_picks_one_option_per_group() {
        let source = "{Hi|Hello|Hey} {name|there}, {great|lovely} shop!";
        assert_eq!(render_with(source, &[], &[0, 0]), "Hi there, great shop!");
        assert_eq!(render_with(source, &[], &[2, 1]), "Hey there, lovely shop!");
        // Nested choices and variables inside options.
        assert_eq!(
            render_with("{Hi {name}|Hello}", &[("name", "Ana")], &[0]),
            "Hi Ana"
        );
        assert_eq!(render_with("{a {b|c}|d}", &[], &[0, 1]), "a c");
        // Words near a variable's name are still spintax when more than a slip away.
        assert_eq!(render_with("{site|web}", &[], &[1]), "web");
        // Options may be empty.
        assert_eq!(render_with("Hi{!|}", &[], &[1]), "Hi");
    }

    #[test]
    fn braces_escape_by_doubling() {
        assert_eq!(render_with("Use {{code}} 50}}", &[], &[]), "Use {code} 50}");
    }

    #[test]
    fn mistakes_are_named() {
        assert_eq!(
            parse_error("Hello {compnay}"),
            "There is no variable {compnay}. Use one of {name}, {phone}, {website}, {city}, {country}, {category}, {email}, or a custom field of your leads."
        );
        assert_eq!(
            parse_error("Hello {nmae|there}"),
            "There is no variable {nmae}: did you mean {name}?"
        );
        assert_eq!(
            parse_error("Hello {citty}"),
            "There is no variable {citty}: did you mean {city}?"
        );
        assert!(parse_error("Hello {name").contains("character 7 is never closed"));
        assert!(parse_error("Hello name}").contains("character 11 closes nothing"));
        assert!(parse_error("Hello {}").contains("is empty"));
        assert!(parse_error("{name|a|b}").contains("more than one fallback"));
        assert!(parse_error(&"{a|".repeat(20)).contains("nests choices"));
    }

    #[test]
    fn variables_are_listed_once() {
        let template = Template::parse("{name} {city|{name}} {Hi|Yo {phone}}", &known()).unwrap();
        assert_eq!(template.variables(), ["name", "city", "phone"]);
        // `{name}` is used bare once, `{city}` only with a fallback.
        assert_eq!(template.variables_without_fallback(), ["name", "phone"]);
    }
}
