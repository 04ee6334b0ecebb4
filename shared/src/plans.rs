//! Plans (Free, Starter, Pro, Enterprise) and their limits. The limits are data — rows of the
//! `plans` table seeded by the migrations — so changing a price or a limit is an update, not
//! a deploy; this module only describes them and formats the limit errors.

use serde::{Deserialize, Serialize};

/// A plan with its limits; `None` means unlimited.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanDto {
    pub code: String,
    pub name: String,
    pub monthly_price_usd: Option<u32>,
    pub max_leads: Option<u32>,
    pub max_messages_per_day: Option<u32>,
    pub max_senders: Option<u32>,
    pub max_members: Option<u32>,
    pub api_access: bool,
}

/// A limit a feature consumes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    Leads,
    MessagesPerDay,
    Senders,
    Members,
}

impl Limit {
    fn noun(self) -> &'static str {
        match self {
            Self::Leads => "leads",
            Self::MessagesPerDay => "messages a day",
            Self::Senders => "sender numbers",
            Self::Members => "members (including pending invitations)",
        }
    }
}

impl PlanDto {
    pub fn limit(&self, limit: Limit) -> Option<u32> {
        match limit {
            Limit::Leads => self.max_leads,
            Limit::MessagesPerDay => self.max_messages_per_day,
            Limit::Senders => self.max_senders,
            Limit::Members => self.max_members,
        }
    }

    /// Checks that `in_use + adding` stays within `limit`, naming the plan and the limit if not.
    pub fn check(&self, limit: Limit, in_use: u64, adding: u64) -> Result<(), crate::AppError> {
        match self.limit(limit) {
            Some(max) if in_use + adding > u64::from(max) => Err(crate::AppError::PlanLimit {
                plan: self.name.clone(),
                message: format!(
                    "The {} plan allows {} {}; this workspace has {}. Upgrade the plan to add more.",
                    self.name,
                    max,
                    limit.noun(),
                    in_use
                ),
            }),
            _ => Ok(()),
        }
    }
}

impl PlanDto {
    /// The plan's messages a day are used up (`used` of them were sent today).
    pub fn daily_messages_used(&self, used: u64) -> crate::AppError {
        let max = self.max_messages_per_day.unwrap_or_default();
        crate::AppError::PlanLimit {
            plan: self.name.clone(),
            message: format!(
                "The {} plan allows {} messages a day; this workspace has sent {} today. Sending resumes tomorrow, or upgrade the plan.",
                self.name,
                format_limit(Some(max)),
                format_limit(Some(u32::try_from(used).unwrap_or(u32::MAX))),
            ),
        }
    }
}

/// Formats a limit for display ("Unlimited" for none).
pub fn format_limit(limit: Option<u32>) -> String {
    match limit {
        None => "Unlimited".into(),
        Some(n) => {
            let digits = n.to_string();
            let mut out = String::new();
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i) % 3 == 0 {
                    out.push(',');
                }
                out.push(c);
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn free() -> PlanDto {
        PlanDto {
            code: "free".into(),
            name: "Free".into(),
            monthly_price_usd: Some(0),
            max_leads: Some(1000),
            max_messages_per_day: Some(50),
            max_senders: Some(1),
            max_members: Some(2),
            api_access: false,
        }
    }

    #[test]
    fn limit_errors_name_the_plan_and_the_limit() {
        let plan = free();
        assert!(plan.check(Limit::Members, 1, 1).is_ok());
        let err = plan.check(Limit::Members, 2, 1).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("Free plan"), "{text}");
        assert!(text.contains("2 members"), "{text}");
        assert_eq!(err.status_code(), 403);
    }

    #[test]
    fn unlimited_is_unlimited_and_numbers_are_grouped() {
        let mut plan = free();
        plan.max_leads = None;
        assert!(plan.check(Limit::Leads, 10_000_000, 1).is_ok());
        assert_eq!(format_limit(None), "Unlimited");
        assert_eq!(format_limit(Some(100_000)), "100,000");
        assert_eq!(format_limit(Some(50)), "50");
    }
}
