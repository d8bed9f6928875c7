//! The server's secrets (hash key, key-encryption key): from configuration, or in development
//! generated once into the data folder (loudly), so that `cargo run` needs no set-up and restarts
//! keep client secrets and signing keys usable.

use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;
use base64::Engine as _;
use rand::RngExt as _;

use crate::config::{Config, SecretString, decode_secret_key};
use crate::crypto::audit::AuditKeys;
use crate::crypto::key_encryption::KeyEncryptionKey;
use crate::crypto::token::TokenHasher;

/// The keyed hasher for client secrets and opaque tokens.
pub fn token_hasher(config: &Config) -> anyhow::Result<TokenHasher> {
    let key = configured_or_generated(
        config,
        "secrets.hash_key",
        &config.secrets.hash_key,
        "hash.key",
    )?;
    Ok(TokenHasher::new(&key))
}

/// The audit log's keys, derived from the hash key (so they live outside the database too).
pub fn audit_keys(config: &Config) -> anyhow::Result<AuditKeys> {
    let key = configured_or_generated(
        config,
        "secrets.hash_key",
        &config.secrets.hash_key,
        "hash.key",
    )?;
    Ok(AuditKeys::derive(&key))
}

/// The key that seals private signing keys in the database.
pub fn key_encryption_key(config: &Config) -> anyhow::Result<KeyEncryptionKey> {
    let key = configured_or_generated(
        config,
        "keys.encryption_key",
        &config.keys.encryption_key,
        "keys.key",
    )?;
    Ok(KeyEncryptionKey::new(&key)?)
}

fn configured_or_generated(
    config: &Config,
    name: &str,
    configured: &SecretString,
    dev_file: &str,
) -> anyhow::Result<Vec<u8>> {
    if !configured.is_empty() {
        return decode_secret_key(configured).map_err(|e| anyhow::anyhow!("{name} {e}"));
    }
    // Config validation allows an empty secret only for a loopback development issuer.
    load_or_generate(&config.server.data_dir.join(dev_file), name)
}

fn load_or_generate(path: &Path, name: &str) -> anyhow::Result<Vec<u8>> {
    if path.exists() {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the development key {}", path.display()))?;
        return decode_secret_key(&SecretString::new(text.trim()))
            .map_err(|e| anyhow::anyhow!("development key {} for {name} {e}", path.display()));
    }
    let key: [u8; 32] = rand::rng().random();
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("cannot create the data folder {}", folder.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = match options.open(path) {
        Ok(file) => file,
        // Another process (a CLI command, a second instance) created it first: use theirs.
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            return load_or_generate(path, name);
        }
        Err(error) => {
            return Err(error)
                .with_context(|| format!("cannot create the development key {}", path.display()));
        }
    };
    writeln!(
        file,
        "{}",
        base64::engine::general_purpose::STANDARD.encode(key)
    )?;
    tracing::warn!(
        path = %path.display(),
        setting = name,
        "DEVELOPMENT ONLY: generated a secret into the data folder; configure it in production"
    );
    Ok(key.to_vec())
}
