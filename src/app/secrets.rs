//! The server's hash key: from configuration, or in development generated once into the data
//! folder (loudly), so that `cargo run` needs no set-up and restarts keep client secrets valid.

use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;
use base64::Engine as _;
use rand::RngExt as _;

use crate::config::{Config, SecretString, decode_secret_key};
use crate::crypto::token::TokenHasher;

const DEV_KEY_FILE: &str = "hash.key";

/// The keyed hasher for client secrets and opaque tokens.
pub fn token_hasher(config: &Config) -> anyhow::Result<TokenHasher> {
    if !config.secrets.hash_key.is_empty() {
        let key = decode_secret_key(&config.secrets.hash_key)
            .map_err(|e| anyhow::anyhow!("secrets.hash_key {e}"))?;
        return Ok(TokenHasher::new(&key));
    }
    // Config validation allows an empty key only for a loopback development issuer.
    let path = config.server.data_dir.join(DEV_KEY_FILE);
    let key = load_or_generate(&path)?;
    Ok(TokenHasher::new(&key))
}

fn load_or_generate(path: &Path) -> anyhow::Result<Vec<u8>> {
    if path.exists() {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the development hash key {}", path.display()))?;
        return decode_secret_key(&SecretString::new(text.trim()))
            .map_err(|e| anyhow::anyhow!("development hash key {} {e}", path.display()));
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
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create the development hash key {}", path.display()))?;
    writeln!(
        file,
        "{}",
        base64::engine::general_purpose::STANDARD.encode(key)
    )?;
    tracing::warn!(
        path = %path.display(),
        "DEVELOPMENT ONLY: generated a hash key for client secrets into the data folder; \
         set PORTCULLIS_SECRETS__HASH_KEY (or _FILE) in production"
    );
    Ok(key.to_vec())
}
