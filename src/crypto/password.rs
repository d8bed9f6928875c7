//! Password hashing with argon2id (by default OWASP's parameters: m=19456 KiB, t=2, p=1; the
//! `password.argon2_*` settings raise them), always off the async executor threads, and never
//! more hashes at once than there are cores: a sign-in storm then waits in a queue instead of
//! holding 19 MiB per request and thrashing the CPU.

use std::cell::RefCell;

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::RngExt as _;

use crate::crypto::constant_time;
use crate::domain::Password;

/// Work for the hashing threads, and where to send its result.
type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of threads, one per core, that do nothing but argon2, each reusing one memory
/// area (see [`MEMORY`]): a sign-in storm queues instead of thrashing, and memory stays at one
/// area per core.
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

/// The hashing queue as metrics show it: process-wide, like the threads.
pub struct QueueMetrics {
    /// Hashes waiting for or running on a hashing thread.
    pub depth: prometheus_client::metrics::gauge::Gauge,
    /// Seconds a hash waited for a thread.
    pub wait: prometheus_client::metrics::histogram::Histogram,
}

pub fn queue_metrics() -> &'static QueueMetrics {
    static METRICS: std::sync::OnceLock<QueueMetrics> = std::sync::OnceLock::new();
    METRICS.get_or_init(|| QueueMetrics {
        depth: Default::default(),
        // 0.1 ms to ~3 s.
        wait: prometheus_client::metrics::histogram::Histogram::new(
            prometheus_client::metrics::histogram::exponential_buckets(0.0001, 2.0, 15),
        ),
    })
}

/// Runs argon2 work on a hashing thread, keeping the caller's tracing span.
async fn on_a_free_core<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, PasswordError> {
    let queue =
        hashing_threads().ok_or_else(|| PasswordError::Hashing("no hashing threads".into()))?;
    let (reply, result) = tokio::sync::oneshot::channel();
    let span = tracing::Span::current();
    let metrics = queue_metrics();
    metrics.depth.inc();
    let queued = std::time::Instant::now();
    let job: Job = Box::new(move || {
        metrics.wait.observe(queued.elapsed().as_secs_f64());
        let _ = reply.send(span.in_scope(work));
        metrics.depth.dec();
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

thread_local! {
    /// This hashing thread's argon2 memory (19 MiB), allocated at its first hash and reused.
    /// Allocating it per hash measured about 20 MB of RSS growth per sign-in until several
    /// areas sat in malloc's per-thread arenas (73 MB after six sequential sign-ins, 150 MB in a
    /// storm).
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// The largest memory cost a stored hash may ask for (64 MiB; ours use 19 MiB).
const MAX_VERIFY_MEMORY_KIB: u32 = 65_536;

/// The argon2id cost of new hashes. A stored hash cheaper than this still verifies, and is
/// replaced at its next successful sign-in ([`is_outdated`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HashCost {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for HashCost {
    /// OWASP's argon2id recommendation (Password Storage Cheat Sheet).
    fn default() -> Self {
        Self {
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
        }
    }
}

impl HashCost {
    /// The cost `password.argon2_*` sets.
    pub fn configured(config: &crate::config::PasswordConfig) -> Self {
        Self {
            memory_kib: config.argon2_memory_kib,
            iterations: config.argon2_iterations,
            parallelism: config.argon2_parallelism,
        }
    }

    fn params(self) -> Result<Params, PasswordError> {
        Params::new(self.memory_kib, self.iterations, self.parallelism, Some(32))
            .map_err(|e| PasswordError::Hashing(e.to_string()))
    }
}

/// Whether a stored hash was made with less than `cost` asks (or another algorithm), so that a
/// successful sign-in should replace it.
pub fn is_outdated(stored_hash: &str, cost: HashCost) -> bool {
    let Ok(phc) = PasswordHash::new(stored_hash) else {
        return false;
    };
    let Ok(params) = Params::try_from(&phc) else {
        return false;
    };
    phc.algorithm.as_str() != Algorithm::Argon2id.ident().as_str()
        || params.m_cost() < cost.memory_kib
        || params.t_cost() < cost.iterations
        || params.p_cost() < cost.parallelism
}

/// Runs argon2 into `out` with this thread's memory area.
fn compute(
    argon: &Argon2<'_>,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), argon2::Error> {
    MEMORY.with_borrow_mut(|memory| {
        let blocks = argon.params().block_count();
        if memory.len() < blocks {
            memory.resize(blocks, Block::new());
        }
        argon.hash_password_into_with_memory(password, salt, out, &mut memory[..blocks])
    })
}

/// Hashes a password into a PHC string at `cost`, on a hashing thread.
pub async fn hash(password: Password, cost: HashCost) -> Result<String, PasswordError> {
    on_a_free_core(move || hash_blocking(&password, cost)).await?
}

fn hash_blocking(password: &Password, cost: HashCost) -> Result<String, PasswordError> {
    let failed = |e: &dyn std::fmt::Display| PasswordError::Hashing(e.to_string());
    let salt: [u8; 16] = rand::rng().random();
    let params = cost.params()?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut out = [0u8; 32];
    compute(&argon, password.expose().as_bytes(), &salt, &mut out).map_err(|e| failed(&e))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| failed(&e))?,
        salt: Some(Salt::new(&salt).map_err(|e| failed(&e))?),
        hash: Some(Output::new(&out).map_err(|e| failed(&e))?),
    };
    Ok(phc.to_string())
}

/// Checks a password against a stored PHC string, on a hashing thread. A malformed stored hash
/// counts as a mismatch.
pub async fn verify(password: String, stored_hash: String) -> Result<bool, PasswordError> {
    on_a_free_core(move || verify_blocking(&password, &stored_hash)).await
}

/// Spends the same time as a real check of a hash at `cost` and fails: used when there is no
/// account, so that an unknown email cannot be told from a wrong password by timing.
pub async fn verify_dummy(password: String, cost: HashCost) -> Result<bool, PasswordError> {
    on_a_free_core(move || {
        let dummy = dummy_hash(cost)?;
        let _ = verify_blocking(&password, &dummy);
        Ok(false)
    })
    .await?
}

/// A hash at `cost` of a password nobody has, made once per cost.
fn dummy_hash(cost: HashCost) -> Result<String, PasswordError> {
    static DUMMIES: std::sync::Mutex<Vec<(HashCost, String)>> = std::sync::Mutex::new(Vec::new());
    let known = |dummies: &[(HashCost, String)]| {
        dummies
            .iter()
            .find(|(made_at, _)| *made_at == cost)
            .map(|(_, hash)| hash.clone())
    };
    if let Some(hash) = known(&DUMMIES.lock().unwrap_or_else(|p| p.into_inner())) {
        return Ok(hash);
    }
    let password = Password::new("portcullis dummy password".to_owned())
        .map_err(|e| PasswordError::Hashing(e.to_string()))?;
    let hash = hash_blocking(&password, cost)?;
    let mut dummies = DUMMIES.lock().unwrap_or_else(|p| p.into_inner());
    if known(&dummies).is_none() {
        dummies.push((cost, hash.clone()));
    }
    Ok(hash)
}

/// Recomputes the stored hash's argon2 variant with its own parameters and salt, and compares.
fn verify_blocking(password: &str, stored_hash: &str) -> bool {
    let Ok(phc) = PasswordHash::new(stored_hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&phc.salt, &phc.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(phc.algorithm.as_str()) else {
        return false;
    };
    let version = match phc.version.map(Version::try_from) {
        None => Version::V0x13,
        Some(Ok(version)) => version,
        Some(Err(_)) => return false,
    };
    let Ok(params) = Params::try_from(&phc) else {
        return false;
    };
    // A stored hash names its own memory cost; beyond this it is refused rather than letting one
    // row grow a hashing thread's memory without bound.
    if params.m_cost() > MAX_VERIFY_MEMORY_KIB {
        return false;
    }
    let argon = Argon2::new(algorithm, version, params);
    let mut out = vec![0u8; expected.len()];
    compute(&argon, password.as_bytes(), salt, &mut out).is_ok()
        && constant_time::equal(&out, expected.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_only_its_own_password() {
        let password = Password::new("correct horse battery".into()).unwrap();
        let hash = hash(password, HashCost::default()).await.unwrap();
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
            !verify_dummy("portcullis dummy password".into(), HashCost::default())
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

    #[tokio::test]
    async fn a_hash_is_outdated_once_the_cost_is_raised() {
        let cheap = HashCost {
            memory_kib: 8_192,
            iterations: 1,
            parallelism: 1,
        };
        let hash = hash(Password::new("raise the cost".into()).unwrap(), cheap)
            .await
            .unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=8192,t=1,p=1$"));
        assert!(!is_outdated(&hash, cheap));
        assert!(is_outdated(&hash, HashCost::default()));
        let argon2i = "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
        assert!(is_outdated(argon2i, HashCost::default()));
        assert!(!is_outdated("not-a-hash", HashCost::default()));
    }

    /// Our hashes and the argon2 crate's own PHC hashing and verification agree both ways, with
    /// our parameters and with others found in stored hashes.
    #[tokio::test]
    async fn hashes_interoperate_with_the_reference_implementation() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        let ours = hash(
            Password::new("interop password".into()).unwrap(),
            HashCost::default(),
        )
        .await
        .unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"interop password", &parsed)
                .is_ok()
        );
        for (algorithm, m_cost, t_cost) in [
            (Algorithm::Argon2id, 19_456, 2),
            (Algorithm::Argon2id, 8_192, 3),
            (Algorithm::Argon2i, 4_096, 3),
        ] {
            let reference = Argon2::new(
                algorithm,
                Version::V0x13,
                Params::new(m_cost, t_cost, 1, None).unwrap(),
            )
            .hash_password_with_salt(b"interop password", b"saltsaltsaltsalt")
            .unwrap()
            .to_string();
            assert!(
                verify("interop password".into(), reference.clone())
                    .await
                    .unwrap(),
                "{reference}"
            );
            assert!(!verify("other password".into(), reference).await.unwrap());
        }
    }
}
