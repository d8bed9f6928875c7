//! Where mail goes: an SMTP server (lettre's pooled async transport) or, with none configured,
//! one `.eml` file per message under `data_dir/mail`.

use std::path::PathBuf;
use std::time::Duration;

use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};

use crate::config::Config;

/// Why a delivery failed, as far as retrying goes.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The server is unreachable or said "try again later" (4xx): retry with backoff.
    #[error("temporary: {0}")]
    Temporary(String),
    /// The server refused the message for good (5xx), or it cannot be built: give up.
    #[error("permanent: {0}")]
    Permanent(String),
}

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

/// A connection or a reply that takes longer than this fails the attempt (it is retried).
const SMTP_TIMEOUT: Duration = Duration::from_secs(10);

impl Transport {
    /// Builds the transport the configuration names. Must run inside the Tokio runtime (the
    /// SMTP pool starts a task). Connects lazily: an SMTP server that is down now is not an error.
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        if !config.email.uses_smtp() {
            return Ok(Self::Files(config.server.data_dir.join("mail")));
        }
        let smtp = AsyncSmtpTransport::<Tokio1Executor>::from_url(config.email.smtp_url.expose())
            .map_err(|e| anyhow::anyhow!("email.smtp_url: {e}"))?
            .timeout(Some(SMTP_TIMEOUT))
            .pool_config(PoolConfig::new().max_size(8))
            .build();
        Ok(Self::Smtp(smtp))
    }

    /// Hands one message over: accepted by the SMTP server, or written to its file.
    pub async fn deliver(&self, message: Message, name: &str) -> Result<(), DeliveryError> {
        match self {
            Self::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(|error| {
                if error.is_permanent() {
                    DeliveryError::Permanent(error.to_string())
                } else {
                    DeliveryError::Temporary(error.to_string())
                }
            }),
            Self::Files(folder) => {
                let path = folder.join(format!("{name}.eml"));
                let folder = folder.clone();
                let bytes = message.formatted();
                let written = path.clone();
                tokio::task::spawn_blocking(move || {
                    std::fs::create_dir_all(&folder)?;
                    std::fs::write(&written, bytes)
                })
                .await
                .map_err(|e| DeliveryError::Temporary(e.to_string()))?
                .map_err(|e| DeliveryError::Temporary(format!("{}: {e}", path.display())))?;
                // The path only: the message may carry a code, which never goes to the log.
                tracing::info!(path = %path.display(), "mail written to a file (no email.smtp_url)");
                Ok(())
            }
        }
    }
}
