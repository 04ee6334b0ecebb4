//! Password hashing with argon2id at OWASP's minimum parameters (19 MiB, 2 iterations, 1 lane),
//! off the async runtime, and strength checks with zxcvbn.

use crate::AppError;
use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version,
    password_hash::{SaltString, rand_core::OsRng},
};

fn argon2() -> Result<Argon2<'static>, AppError> {
    let params = Params::new(19 * 1024, 2, 1, None)
        .map_err(|e| AppError::internal("argon2 parameters", e))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a password (PHC string). Runs on the blocking pool: ~20 ms of pure CPU.
pub async fn hash(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()?
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::internal("hashing a password", e))
    })
    .await
    .map_err(|e| AppError::internal("hashing task", e))?
}

/// Checks a password against a stored hash. With `None` (unknown account) it still does the
/// work of one verification, so response times don't reveal which e-mails have accounts.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || {
        let hasher = argon2()?;
        match stored {
            Some(stored) => {
                let parsed = PasswordHash::new(&stored)
                    .map_err(|e| AppError::internal("stored password hash", e))?;
                Ok(hasher.verify_password(password.as_bytes(), &parsed).is_ok())
            }
            None => {
                let salt = SaltString::generate(&mut OsRng);
                let _ = hasher.hash_password(password.as_bytes(), &salt);
                Ok(false)
            }
        }
    })
    .await
    .map_err(|e| AppError::internal("verification task", e))?
}

/// Rejects short passwords and those zxcvbn scores below 3 ("safely unguessable").
/// `context` holds the person's name and e-mail, which make a password weak when reused.
pub fn check_strength(password: &str, context: &[&str]) -> Result<(), String> {
    crate::validate::password_length(password)?;
    let estimate = zxcvbn::zxcvbn(password, context);
    if (estimate.score() as u8) < 3 {
        let hint = estimate
            .feedback()
            .and_then(|f| f.warning().map(|w| w.to_string()))
            .filter(|w| !w.is_empty())
            .unwrap_or_else(|| "It would be easy to guess.".into());
        return Err(format!(
            "This password is too weak: {hint} Try a longer phrase of unrelated words."
        ));
    }
    Ok(())
}

/// A random 24-character password (for accounts created from the command line; about 142 bits).
pub fn generate() -> String {
    use rand::distr::{Alphanumeric, SampleString};
    Alphanumeric.sample_string(&mut rand::rng(), 24)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_use_argon2id_at_owasp_parameters() {
        let stored = hash("correct horse battery staple".into()).await.unwrap();
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        assert!(
            verify("correct horse battery staple".into(), Some(stored.clone()))
                .await
                .unwrap()
        );
        assert!(
            !verify("wrong horse battery staple".into(), Some(stored))
                .await
                .unwrap()
        );
        assert!(!verify("anything".into(), None).await.unwrap());
    }

    #[test]
    fn weak_passwords_are_refused_with_a_reason() {
        assert!(
            check_strength("short", &[])
                .unwrap_err()
                .contains("at least 10")
        );
        assert!(
            check_strength("password123", &[])
                .unwrap_err()
                .contains("too weak")
        );
        assert!(check_strength("ann.smith@example.com", &["ann.smith@example.com"]).is_err());
        assert!(check_strength("violet-tractor-sunrise-42", &[]).is_ok());
    }
}
