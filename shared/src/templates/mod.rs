//! Message templates: reusable WhatsApp texts with variables, fallbacks and spintax (the
//! language is in [`render`]), a category, an optional attachment and a usage count. The DTOs
//! and the language compile everywhere (the editor previews and checks as you type); the store
//! and service sit behind `ssr`.

pub mod render;
#[cfg(feature = "ssr")]
pub mod service;

use crate::whatsapp::{AttachmentDto, MAX_MESSAGE_CHARS};
use crate::{AppError, FieldError};
use render::{LEAD_VARIABLES, Template, variable_key};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The longest template name.
pub const MAX_NAME_CHARS: usize = 80;
/// Templates per workspace.
pub const MAX_TEMPLATES: u64 = 200;

/// What a template is for; lists group by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplateCategory {
    Greeting,
    FollowUp,
    Reminder,
    Promotional,
    Custom,
}

impl TemplateCategory {
    pub const ALL: [Self; 5] = [
        Self::Greeting,
        Self::FollowUp,
        Self::Reminder,
        Self::Promotional,
        Self::Custom,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Greeting => "greeting",
            Self::FollowUp => "follow_up",
            Self::Reminder => "reminder",
            Self::Promotional => "promotional",
            Self::Custom => "custom",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Greeting => "Greeting",
            Self::FollowUp => "Follow-up",
            Self::Reminder => "Reminder",
            Self::Promotional => "Promotional",
            Self::Custom => "Custom",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == value)
    }
}

/// The templates a new workspace starts with: the product's classic pitch, one per website
/// outcome (editable and deletable like any other).
pub const STARTERS: [(&str, TemplateCategory, &str); 2] = [
    (
        "Site live: care and SEO",
        TemplateCategory::Promotional,
        "{Hi|Hello} {name|there}! I came across {website|your website} and it is up and running. \
         We help businesses in {city|your area} get found on Google and keep their sites fast and \
         secure. Could I send you a short free check of your site?\n\nReply STOP to opt out.",
    ),
    (
        "No working site: web design",
        TemplateCategory::Promotional,
        "{Hi|Hello} {name|there}! I looked for your business online and could not find a working \
         website. We build fast, mobile-friendly sites for {category|businesses} in {city|your \
         area}, ready in two weeks. Would you like to see a few examples?\n\nReply STOP to opt out.",
    ),
];

/// A template as lists and the editor show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TemplateDto {
    pub id: Uuid,
    pub name: String,
    pub category: TemplateCategory,
    pub body: String,
    pub attachment: Option<AttachmentDto>,
    /// Messages sent from it so far.
    pub usage_count: u64,
    #[serde(with = "crate::dates::wire::instant")]
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// What the editor sends to save a template.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateForm {
    pub name: String,
    pub category: String,
    pub body: String,
    /// An uploaded attachment (see `POST /w/{slug}/attachments`), or none.
    pub attachment: Option<Uuid>,
}

/// The variables a workspace's templates may use: the lead fields and, as keys, the custom
/// fields its leads carry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateVariables {
    pub custom: Vec<String>,
}

impl TemplateVariables {
    /// Every known variable key.
    pub fn keys(&self) -> Vec<String> {
        LEAD_VARIABLES
            .iter()
            .map(|v| (*v).to_owned())
            .chain(self.custom.iter().map(|c| variable_key(c)))
            .collect()
    }
}

/// A template rendered for one lead: what the preview shows and the reply box fills in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RenderedTemplate {
    pub text: String,
    /// Variables this lead has no value for and the template gives no fallback (the preview
    /// warns: the message would read oddly).
    pub missing: Vec<String>,
    pub attachment: Option<AttachmentDto>,
    /// The lead it was rendered for, by name.
    pub lead_name: Option<String>,
}

impl TemplateForm {
    /// The form checked: every problem named by field (`name`, `category`, `body`).
    pub fn validated(
        &self,
        variables: &TemplateVariables,
    ) -> Result<(String, TemplateCategory, String), AppError> {
        let mut errors = Vec::new();
        let name = self.name.trim();
        if name.is_empty() {
            errors.push(FieldError::new("name", "Give the template a name."));
        } else if name.chars().count() > MAX_NAME_CHARS {
            errors.push(FieldError::new(
                "name",
                format!("A template name is at most {MAX_NAME_CHARS} characters."),
            ));
        }
        let category = TemplateCategory::parse(&self.category);
        if category.is_none() {
            errors.push(FieldError::new("category", "Choose a category."));
        }
        if let Err(message) = check_body(&self.body, variables) {
            errors.push(FieldError::new("body", message));
        }
        match (category, errors.is_empty()) {
            (Some(category), true) => Ok((name.to_owned(), category, self.body.trim().to_owned())),
            _ => Err(AppError::Validation(errors)),
        }
    }
}

/// A body's problem, if any: empty, too long, or a template that does not parse (unknown
/// variables named).
pub fn check_body(body: &str, variables: &TemplateVariables) -> Result<Template, String> {
    let body = body.trim();
    if body.is_empty() {
        return Err("Write the message.".into());
    }
    let length = body.chars().count();
    if length > MAX_MESSAGE_CHARS {
        return Err(format!(
            "A template is at most {MAX_MESSAGE_CHARS} characters; this one has {length}."
        ));
    }
    Template::parse(body, &variables.keys()).map_err(|e| e.message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starters_parse_with_the_lead_fields_alone() {
        for (name, _, body) in STARTERS {
            assert!(
                check_body(body, &TemplateVariables::default()).is_ok(),
                "{name}"
            );
        }
    }

    #[test]
    fn forms_name_each_problem() {
        let form = TemplateForm {
            name: " ".into(),
            category: "spam".into(),
            body: "Hi {nmae}".into(),
            attachment: None,
        };
        let AppError::Validation(errors) =
            form.validated(&TemplateVariables::default()).unwrap_err()
        else {
            panic!("validation error expected");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "category", "body"]);
        assert!(errors[2].message.contains("did you mean {name}"));
        let long = TemplateForm {
            name: "Long".into(),
            category: "custom".into(),
            body: "x".repeat(MAX_MESSAGE_CHARS + 1),
            attachment: None,
        };
        assert!(
            long.validated(&TemplateVariables::default())
                .unwrap_err()
                .to_string()
                .contains("4096 characters; this one has 4097")
        );
        // Custom fields are variables by key.
        let with_custom = TemplateVariables {
            custom: vec!["Instagram Handle".into()],
        };
        assert!(check_body("@{instagram_handle}", &with_custom).is_ok());
    }
}
