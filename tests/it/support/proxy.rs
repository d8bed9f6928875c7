//! A TCP proxy in front of PostgreSQL that a test can cut and restore, to take the database away
//! from one server without disturbing any other test.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::AbortHandle;

pub struct TcpProxy {
    pub address: SocketAddr,
    up: watch::Sender<bool>,
    connections: Arc<Mutex<Vec<AbortHandle>>>,
    /// Connection attempts refused while down: what a test waits on to know a client noticed
    /// the outage and is retrying.
    refused: Arc<AtomicUsize>,
    accept_loop: AbortHandle,
}

impl TcpProxy {
    /// Starts forwarding to `target`, up (`true`) or down.
    pub async fn start(target: SocketAddr, up: bool) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (up_tx, up_rx) = watch::channel(up);
        let connections: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let tracked = connections.clone();
        let refused = Arc::new(AtomicUsize::new(0));
        let counted = refused.clone();
        let accept_loop = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !*up_rx.borrow() {
                    drop(inbound); // refused: the "database" is down
                    counted.fetch_add(1, Ordering::SeqCst);
                    continue;
                }
                let task = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                tracked.lock().unwrap().push(task.abort_handle());
            }
        })
        .abort_handle();
        Self {
            address,
            up: up_tx,
            connections,
            refused,
            accept_loop,
        }
    }

    /// How many connection attempts have been refused so far.
    pub fn refused(&self) -> usize {
        self.refused.load(Ordering::SeqCst)
    }

    /// Cuts every open connection and refuses new ones.
    pub fn go_down(&self) {
        self.up.send_replace(false);
        for connection in self.connections.lock().unwrap().drain(..) {
            connection.abort();
        }
    }

    pub fn come_up(&self) {
        self.up.send_replace(true);
    }

    /// A database URL equal to `url` but routed through this proxy.
    pub fn route(&self, url: &str) -> String {
        let mut url = url::Url::parse(url).unwrap();
        url.set_host(Some(&self.address.ip().to_string())).unwrap();
        url.set_port(Some(self.address.port())).unwrap();
        url.to_string()
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.accept_loop.abort();
        self.go_down();
    }
}

/// Where the test PostgreSQL server listens.
pub fn postgres_address() -> SocketAddr {
    let url = url::Url::parse(&super::db::admin_url()).unwrap();
    let host = url.host_str().unwrap_or("127.0.0.1");
    let host = if host == "localhost" {
        "127.0.0.1"
    } else {
        host
    };
    format!("{host}:{}", url.port().unwrap_or(5432))
        .parse()
        .unwrap()
}
