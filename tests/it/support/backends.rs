//! Runs a scenario, written once, on both backends.

pub use portcullis::config::Backend;

/// `on_both_backends!(scenario)` expands to `mod scenario { postgres(), sqlite() }`, each calling
/// `scenario(Backend)`, so test output reads `module::scenario::postgres`.
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::support::Backend::Postgres).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::support::Backend::Sqlite).await;
                }
            }
        )+
    };
}
