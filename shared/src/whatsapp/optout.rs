//! Opt-out keywords: whether an inbound text asks to stop. The whole message must be a keyword
//! once case, accents, spacing and punctuation are set aside ("Stop.", "  sáir ", "STOP ALL!"),
//! so a sentence that merely contains "stop" ("don't stop the offer") does not opt anyone out.

use super::{DEFAULT_OPT_OUT_KEYWORDS, MAX_OPT_OUT_REPLY_CHARS, OptOutSettings};
use crate::AppError;
use crate::audit::{AuditAction, store as audit};
use crate::db::entities::workspace;
use crate::error::FieldError;
use crate::services::{RequestMeta, Services};
use crate::workspaces::{Permission, service::TenantCtx, store as workspaces};
use sea_orm::{ActiveModelTrait, Set};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// At most this many keywords, each at most this long: a list, not a dictionary.
const MAX_KEYWORDS: usize = 50;
const MAX_KEYWORD_CHARS: usize = 40;

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

/// The workspace's keywords (the defaults when it has none) and confirmation message.
pub async fn settings(svc: &Services, ctx: &TenantCtx) -> Result<OptOutSettings, AppError> {
    let ws = workspaces::find(&svc.db, ctx.workspace_id).await?;
    Ok(OptOutSettings {
        keywords: match ws.opt_out_keywords {
            Some(text) => text,
            None => DEFAULT_OPT_OUT_KEYWORDS.join("\n"),
        },
        reply: ws.opt_out_reply.unwrap_or_default(),
    })
}

/// Saves the keywords (blank: back to the defaults) and the confirmation; owners and admins.
pub async fn update(
    svc: &Services,
    ctx: &TenantCtx,
    form: &OptOutSettings,
    meta: &RequestMeta,
) -> Result<OptOutSettings, AppError> {
    ctx.require(Permission::SettingsManage)?;
    let mut errors = Vec::new();
    let lines: Vec<String> = form
        .keywords
        .lines()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect();
    if lines.len() > MAX_KEYWORDS {
        errors.push(FieldError::new(
            "keywords",
            format!("Keep to {MAX_KEYWORDS} keywords or fewer."),
        ));
    }
    if let Some(long) = lines.iter().find(|l| l.chars().count() > MAX_KEYWORD_CHARS) {
        errors.push(FieldError::new(
            "keywords",
            format!("\"{long}\" is longer than {MAX_KEYWORD_CHARS} characters; opt-out keywords are short words."),
        ));
    }
    if let Some(empty) = lines.iter().find(|l| normalise(l).is_empty()) {
        errors.push(FieldError::new(
            "keywords",
            format!("\"{empty}\" has no letters or digits, so no reply could match it."),
        ));
    }
    let reply = form.reply.trim().to_owned();
    if reply.chars().count() > MAX_OPT_OUT_REPLY_CHARS {
        errors.push(FieldError::new(
            "reply",
            format!("Keep the confirmation under {MAX_OPT_OUT_REPLY_CHARS} characters."),
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let ws = workspaces::find(&svc.db, ctx.workspace_id).await?;
    let mut active: workspace::ActiveModel = ws.into();
    active.opt_out_keywords = Set((!lines.is_empty()).then(|| lines.join("\n")));
    active.opt_out_reply = Set((!reply.is_empty()).then_some(reply.clone()));
    active.update(&svc.db).await?;
    let detail = if lines.is_empty() {
        "keywords: the defaults".to_owned()
    } else {
        format!("keywords: {}", lines.join(", "))
    };
    audit::record(
        &svc.db,
        Some(ctx.workspace_id),
        Some(ctx.user_id),
        AuditAction::OptOutSettingsChanged,
        &format!(
            "{detail}; confirmation: {}",
            if reply.is_empty() { "none" } else { "on" }
        ),
        meta,
    )
    .await?;
    settings(svc, ctx).await
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
