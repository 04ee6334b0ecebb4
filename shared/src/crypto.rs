//! Secrets at rest (provider credentials, webhook secrets): AES-256-GCM with a key from the
//! config, each ciphertext bound to the row and field it belongs to; and HMAC-SHA256 signing
//! and constant-time verification for webhooks.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::path::Path;

/// Ciphertexts start with this so a later key or algorithm change can tell them apart.
const VERSION: &str = "v1:";
const NONCE_BYTES: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("the secret key must be 64 hexadecimal characters (32 bytes)")]
    BadKey,
    #[error("a stored secret could not be decrypted (wrong key, or the value was altered)")]
    Undecryptable,
    #[error("reading or writing the key file {path}: {source}")]
    KeyFile {
        path: String,
        source: std::io::Error,
    },
}

/// Encrypts and decrypts secrets stored in the database.
///
/// The associated data names the row and the field (`sender:<id>:credentials`), so a
/// ciphertext copied into another row or field does not decrypt there.
#[derive(Clone)]
pub struct SecretBox {
    cipher: Aes256Gcm,
    /// Signs short-lived links (attachments a provider downloads); derived from the key so one
    /// secret serves both, yet a link signature reveals nothing about the encryption key.
    link_key: [u8; 32],
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

impl SecretBox {
    /// A box from a 64-character hex key.
    pub fn from_hex(key: &str) -> Result<Self, CryptoError> {
        let bytes = hex::decode(key.trim()).map_err(|_| CryptoError::BadKey)?;
        Self::from_bytes(&bytes)
    }

    pub fn from_bytes(key: &[u8]) -> Result<Self, CryptoError> {
        if key.len() != 32 {
            return Err(CryptoError::BadKey);
        }
        Ok(Self {
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key)),
            link_key: derive_link_key(key),
        })
    }

    /// The key in `path`, created with a fresh random key (readable by the owner only) when the
    /// file does not exist: a development machine or a single-server install needs no set-up,
    /// and the key survives restarts next to the SQLite file it protects.
    pub fn from_key_file(path: &Path) -> Result<Self, CryptoError> {
        let io = |source| CryptoError::KeyFile {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_hex(&text),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(io)?;
                }
                let key = Aes256Gcm::generate_key(OsRng);
                write_private(path, hex::encode(key).as_bytes()).map_err(io)?;
                Self::from_bytes(&key)
            }
            Err(error) => Err(io(error)),
        }
    }

    /// A box with a random key that lives as long as the process: for commands that never
    /// read stored secrets.
    pub fn ephemeral() -> Self {
        let key = Aes256Gcm::generate_key(OsRng);
        Self {
            cipher: Aes256Gcm::new(&key),
            link_key: derive_link_key(&key),
        }
    }

    pub fn encrypt(&self, context: &str, plaintext: &str) -> String {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            // Encryption only fails for inputs larger than GCM's 64 GB limit.
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("{VERSION}{}", hex::encode(out))
    }

    pub fn decrypt(&self, context: &str, stored: &str) -> Result<String, CryptoError> {
        let bytes = stored
            .strip_prefix(VERSION)
            .and_then(|hex_text| hex::decode(hex_text).ok())
            .filter(|bytes| bytes.len() > NONCE_BYTES)
            .ok_or(CryptoError::Undecryptable)?;
        let (nonce, sealed) = bytes.split_at(NONCE_BYTES);
        let plain = self
            .cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Undecryptable)?;
        String::from_utf8(plain).map_err(|_| CryptoError::Undecryptable)
    }

    /// A hex HMAC-SHA256 of `data` for a link this server will honour later.
    pub fn sign_link(&self, data: &str) -> String {
        sign_sha256(&self.link_key, data.as_bytes())
            .trim_start_matches("sha256=")
            .to_owned()
    }

    /// Whether `signature` is [`Self::sign_link`] of `data` (constant time).
    pub fn verify_link(&self, data: &str, signature: &str) -> bool {
        verify_sha256(
            &self.link_key,
            data.as_bytes(),
            &format!("sha256={signature}"),
        )
    }
}

fn derive_link_key(key: &[u8]) -> [u8; 32] {
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(key) else {
        unreachable!("HMAC takes keys of any length")
    };
    mac.update(b"leadloom link signing v1");
    mac.finalize().into_bytes().into()
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

/// `sha256=<hex>` of the HMAC-SHA256 of `body` under `secret`: the header value webhooks carry.
pub fn sign_sha256(secret: &[u8], body: &[u8]) -> String {
    // HMAC takes keys of any length, so this never fails; an empty signature would never
    // verify, which is the safe side if it somehow did.
    <Hmac<Sha256> as Mac>::new_from_slice(secret)
        .map(|mut mac| {
            mac.update(body);
            format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
        })
        .unwrap_or_default()
}

/// Checks a `sha256=<hex>` header against the raw body in constant time.
pub fn verify_sha256(secret: &[u8], body: &[u8], header: &str) -> bool {
    let Some(expected) = header
        .trim()
        .strip_prefix("sha256=")
        .and_then(|hex_text| hex::decode(hex_text).ok())
    else {
        return false;
    };
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(secret) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

/// The SHA-256 of `bytes` as hex (attachment fingerprints).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(Sha256::digest(bytes))
}

/// A random token of `bytes` bytes as hex (webhook secrets, verify tokens).
pub fn random_token(bytes: usize) -> String {
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SecretBox {
        SecretBox::from_hex(&"ab".repeat(32)).unwrap()
    }

    #[test]
    fn round_trips_and_hides_the_plaintext() {
        let sealed = key().encrypt("sender:1:credentials", "api-key-123");
        assert!(sealed.starts_with("v1:"));
        assert!(!sealed.contains("api-key-123"));
        assert_ne!(sealed, key().encrypt("sender:1:credentials", "api-key-123"));
        assert_eq!(
            key().decrypt("sender:1:credentials", &sealed).unwrap(),
            "api-key-123"
        );
    }

    #[test]
    fn link_signatures_verify_only_for_their_data_and_key() {
        let signature = key().sign_link("attachment:1:1700000000");
        assert_eq!(signature.len(), 64);
        assert!(key().verify_link("attachment:1:1700000000", &signature));
        assert!(!key().verify_link("attachment:2:1700000000", &signature));
        assert!(!key().verify_link("attachment:1:1700000001", &signature));
        let other = SecretBox::from_hex(&"cd".repeat(32)).unwrap();
        assert!(!other.verify_link("attachment:1:1700000000", &signature));
        assert!(!key().verify_link("attachment:1:1700000000", "zz"));
        assert!(!key().verify_link("attachment:1:1700000000", ""));
    }

    #[test]
    fn refuses_another_context_key_or_tampering() {
        let sealed = key().encrypt("sender:1:credentials", "secret");
        assert!(key().decrypt("sender:2:credentials", &sealed).is_err());
        let other = SecretBox::from_hex(&"cd".repeat(32)).unwrap();
        assert!(other.decrypt("sender:1:credentials", &sealed).is_err());
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('0') { '1' } else { '0' });
        assert!(key().decrypt("sender:1:credentials", &tampered).is_err());
        assert!(key().decrypt("sender:1:credentials", "plain").is_err());
    }

    #[test]
    fn keys_must_be_32_bytes() {
        assert!(SecretBox::from_hex("abcd").is_err());
        assert!(SecretBox::from_hex(&"zz".repeat(32)).is_err());
    }

    #[test]
    fn key_file_is_created_once_and_reused() {
        let dir = std::env::temp_dir().join(format!("leadloom-key-{}", uuid::Uuid::new_v4()));
        let path = dir.join("secret.key");
        let first = SecretBox::from_key_file(&path).unwrap();
        let sealed = first.encrypt("ctx", "value");
        let again = SecretBox::from_key_file(&path).unwrap();
        assert_eq!(again.decrypt("ctx", &sealed).unwrap(), "value");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn signatures_verify_only_for_the_same_body_and_secret() {
        let header = sign_sha256(b"app-secret", b"{\"a\":1}");
        assert!(verify_sha256(b"app-secret", b"{\"a\":1}", &header));
        assert!(!verify_sha256(b"app-secret", b"{\"a\": 1}", &header));
        assert!(!verify_sha256(b"other", b"{\"a\":1}", &header));
        assert!(!verify_sha256(b"app-secret", b"{\"a\":1}", "sha256=zz"));
        assert!(!verify_sha256(b"app-secret", b"{\"a\":1}", ""));
    }
}
