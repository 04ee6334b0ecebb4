//! Opt-out keywords: whether an inbound text asks to stop. The whole message must be a keyword
//! once case, accents, spacing and punctuation are set aside ("Stop.", "  sáir ", "STOP ALL!"),
//! so a sentence that merely contains "stop" ("don't stop the offer") does not opt anyone out.

use super::DEFAULT_OPT_OUT_KEYWORDS;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Upper-case letters and digits separated by single spaces; accents and everything else gone.
pub fn normalise(text: &str) -> String {
    let folded: String = text
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    folded
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase()
}

/// The workspace's keywords (stored one per line; `None` means the defaults), normalised.
pub fn keywords(stored: Option<&str>) -> Vec<String> {
    match stored {
        Some(text) => text
            .lines()
            .map(normalise)
            .filter(|k| !k.is_empty())
            .collect(),
        None => DEFAULT_OPT_OUT_KEYWORDS
            .iter()
            .map(|k| normalise(k))
            .collect(),
    }
}

/// Whether `text` is one of `keywords` (already normalised).
pub fn is_opt_out(text: &str, keywords: &[String]) -> bool {
    let text = normalise(text);
    !text.is_empty() && keywords.contains(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_keywords_match_in_any_case_language_and_punctuation() {
        let defaults = keywords(None);
        for text in [
            "STOP",
            "stop",
            "Stop.",
            " stop! ",
            "Stop all",
            "STOP  ALL",
            "unsubscribe",
            "Cancel",
            "parar",
            "Sair",
            "SAÍR",
            "baja",
            "Baja!!",
            "acha",
            "🛑 STOP 🛑",
        ] {
            assert!(is_opt_out(text, &defaults), "{text}");
        }
    }

    #[test]
    fn sentences_and_other_words_do_not_opt_out() {
        let defaults = keywords(None);
        for text in [
            "don't stop",
            "Please stop by tomorrow",
            "stopp",
            "",
            "  ",
            "Hola, me interesa",
            "cancelled my order",
        ] {
            assert!(!is_opt_out(text, &defaults), "{text}");
        }
    }

    #[test]
    fn a_workspace_can_replace_the_keywords() {
        let custom = keywords(Some("Remove me\n\nNO MORE\n"));
        assert_eq!(custom, vec!["REMOVE ME", "NO MORE"]);
        assert!(is_opt_out("remove me.", &custom));
        assert!(!is_opt_out("STOP", &custom));
    }
}
