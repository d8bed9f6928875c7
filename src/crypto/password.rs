//! Password hashing with argon2id (OWASP parameters: m=19456 KiB, t=2, p=1), always off the async
//! executor threads, and never more hashes at once than there are cores: a sign-in storm then
//! waits in a queue instead of holding 19 MiB per request and thrashing the CPU.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngExt as _;

use crate::domain::Password;

/// Work for the hashing threads, and where to send its result.
type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of threads, one per core, that do nothing but argon2. Each run allocates 19 MiB;
/// on tokio's blocking pool those allocations would land in a growing number of per-thread malloc
/// arenas and stay there, so a sign-in storm would leave the process hundreds of megabytes larger.
/// Here memory stays bounded by the thread count, and a storm queues instead of thrashing.
fn hashing_threads() -> Option<&'static std::sync::mpsc::SyncSender<Job>> {
    static QUEUE: std::sync::OnceLock<Option<std::sync::mpsc::SyncSender<Job>>> =
        std::sync::OnceLock::new();
    QUEUE
        .get_or_init(|| {
            let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
            let (sender, receiver) = std::sync::mpsc::sync_channel::<Job>(1024);
            let receiver = std::sync::Arc::new(std::sync::Mutex::new(receiver));
            for index in 0..cores {
                let receiver = receiver.clone();
                let spawned = std::thread::Builder::new()
                    .name(format!("argon2-{index}"))
                    .spawn(move || {
                        loop {
                            let job = match receiver.lock() {
                                Ok(queue) => queue.recv(),
                                Err(_) => return,
                            };
                            match job {
                                Ok(job) => job(),
                                Err(_) => return,
                            }
                        }
                    });
                if spawned.is_err() {
                    return None;
                }
            }
            Some(sender)
        })
        .as_ref()
}

/// Runs argon2 work on a hashing thread, keeping the caller's tracing span.
async fn on_a_free_core<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, PasswordError> {
    let queue =
        hashing_threads().ok_or_else(|| PasswordError::Hashing("no hashing threads".into()))?;
    let (reply, result) = tokio::sync::oneshot::channel();
    let span = tracing::Span::current();
    let job: Job = Box::new(move || {
        let _ = reply.send(span.in_scope(work));
    });
    match queue.try_send(job) {
        Ok(()) => {}
        // The queue holds 1024 jobs; past that, wait on the blocking pool, never on the executor.
        Err(std::sync::mpsc::TrySendError::Full(job)) => {
            let queue = queue.clone();
            tokio::task::spawn_blocking(move || queue.send(job))
                .await?
                .map_err(|_| PasswordError::Hashing("hashing threads stopped".into()))?;
        }
        Err(std::sync::mpsc::TrySendError::Disconnected(_)) => {
            return Err(PasswordError::Hashing("hashing threads stopped".into()));
        }
    }
    result
        .await
        .map_err(|_| PasswordError::Hashing("hashing job dropped".into()))
}

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password hashing failed: {0}")]
    Hashing(String),
    #[error("the hashing task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

fn hasher() -> Result<Argon2<'static>, PasswordError> {
    let params =
        Params::new(19_456, 2, 1, None).map_err(|e| PasswordError::Hashing(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a password into a PHC string, on the blocking pool.
pub async fn hash(password: Password) -> Result<String, PasswordError> {
    on_a_free_core(move || hash_blocking(&password)).await?
}

fn hash_blocking(password: &Password) -> Result<String, PasswordError> {
    let salt: [u8; 16] = rand::rng().random();
    let hash = hasher()?
        .hash_password_with_salt(password.expose().as_bytes(), &salt)
        .map_err(|e| PasswordError::Hashing(e.to_string()))?;
    Ok(hash.to_string())
}

/// Checks a password against a stored PHC string, on the blocking pool. A malformed stored hash
/// counts as a mismatch.
pub async fn verify(password: String, stored_hash: String) -> Result<bool, PasswordError> {
    on_a_free_core(move || verify_blocking(&password, &stored_hash)).await
}

/// Spends the same time as a real check and fails: used when there is no account, so that an
/// unknown email cannot be told from a wrong password by timing.
pub async fn verify_dummy(password: String) -> Result<bool, PasswordError> {
    on_a_free_core(move || {
        let dummy = dummy_hash()?;
        let _ = verify_blocking(&password, dummy);
        Ok(false)
    })
    .await?
}

fn dummy_hash() -> Result<&'static str, PasswordError> {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if let Some(hash) = DUMMY.get() {
        return Ok(hash);
    }
    let password = Password::new("portcullis dummy password".to_owned())
        .map_err(|e| PasswordError::Hashing(e.to_string()))?;
    let hash = hash_blocking(&password)?;
    Ok(DUMMY.get_or_init(|| hash))
}

fn verify_blocking(password: &str, stored_hash: &str) -> bool {
    hasher().is_ok_and(|argon| {
        argon
            .verify_password(password.as_bytes(), stored_hash)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_only_its_own_password() {
        let password = Password::new("correct horse battery".into()).unwrap();
        let hash = hash(password).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(
            verify("correct horse battery".into(), hash.clone())
                .await
                .unwrap()
        );
        assert!(!verify("wrong horse battery".into(), hash).await.unwrap());
    }

    #[tokio::test]
    async fn the_dummy_check_always_fails() {
        assert!(
            !verify_dummy("portcullis dummy password".into())
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn a_malformed_stored_hash_never_verifies() {
        assert!(
            !verify("anything".into(), "not-a-hash".into())
                .await
                .unwrap()
        );
    }
}
