//! The command line: `serve` (the default), `migrate`, `check-config`, `user create`,
//! `client create`, `keys list|rotate` and `mail test`. Commands that print data print JSON on stdout; messages go to stderr; any
//! failure exits non-zero with one readable line.

mod commands;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::config::Config;

pub use commands::run;

#[derive(Debug, Parser)]
#[command(
    name = "portcullis",
    version,
    about = "OAuth 2.0 / OpenID Connect authorization server"
)]
pub struct Cli {
    /// Configuration file (TOML) layered over the built-in defaults; also PORTCULLIS_CONFIG.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the default when no command is given).
    Serve {
        /// Do not apply pending migrations; refuse to start if the schema is behind.
        #[arg(long)]
        no_migrate: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load and validate the configuration, then print it with secrets redacted.
    CheckConfig,
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage OAuth clients.
    #[command(subcommand)]
    Client(ClientCommand),
    /// Inspect and rotate signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Outgoing mail.
    #[command(subcommand)]
    Mail(MailCommand),
    /// The tamper-evident audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Checks every event's MAC, the hash chain and every signed checkpoint, reading only;
    /// prints the report. Exits non-zero when anything was edited, deleted,
    /// reordered or left unsealed too long.
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Queue a test message to an address and deliver due mail once from this process, to check
    /// `email.*`; prints what the delivery round did. Exits non-zero when a delivery failed (the
    /// error is logged).
    Test {
        #[arg(long, value_name = "EMAIL")]
        to: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List signing keys with their state (published, signing, retired).
    List,
    /// Publish successors for all algorithms now; they sign after `keys.jwks_max_age` (plus
    /// `keys.reload_interval`), when every cached JWKS has them.
    Rotate,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user; prints {"id", "email", ...}.
    Create(CreateUserArgs),
}

#[derive(Debug, Args)]
pub struct CreateUserArgs {
    #[arg(long)]
    pub email: String,
    #[arg(long)]
    pub name: Option<String>,
    /// A role to give the user (repeatable); missing roles are created.
    #[arg(long = "role", value_name = "ROLE")]
    pub roles: Vec<String>,
    /// Read the password from standard input (one line). Without it the user has no password.
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Register a client; prints {"client_id", "client_secret"} (the secret is shown only once).
    Create(CreateClientArgs),
}

#[derive(Debug, Args)]
pub struct CreateClientArgs {
    #[arg(long)]
    pub name: String,
    /// The client_id to use; generated when absent.
    #[arg(long = "client-id", value_name = "ID")]
    pub client_id: Option<String>,
    /// A redirect URI (repeatable): absolute, no fragment, https unless loopback.
    #[arg(long = "redirect-uri", value_name = "URI")]
    pub redirect_uris: Vec<String>,
    /// A post-logout redirect URI (repeatable), same rules.
    #[arg(long = "post-logout-redirect-uri", value_name = "URI")]
    pub post_logout_redirect_uris: Vec<String>,
    /// An origin (repeatable) whose browser code may call /token, /userinfo and /revoke (CORS),
    /// such as https://app.example. Default: the origins of the redirect URIs.
    #[arg(long = "web-origin", value_name = "ORIGIN")]
    pub web_origins: Vec<String>,
    /// A grant type (repeatable): authorization_code, refresh_token, client_credentials, password.
    /// Default: authorization_code and refresh_token.
    #[arg(long = "grant-type", value_name = "TYPE")]
    pub grant_types: Vec<String>,
    /// A scope the client may request (repeatable). Default: openid profile email offline_access.
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// A public client (browser or native app): no secret, PKCE required.
    #[arg(long)]
    pub public: bool,
    /// A first-party client: its users are not asked for consent.
    #[arg(long)]
    pub first_party: bool,
    /// `aud` of the client's access tokens (default: the issuer).
    #[arg(long)]
    pub audience: Option<String>,
    /// Access-token signing algorithm: ES256 (default) or RS256.
    #[arg(long, value_name = "ALG")]
    pub access_token_alg: Option<String>,
    /// ID-token signing algorithm: RS256 (default) or ES256.
    #[arg(long, value_name = "ALG")]
    pub id_token_alg: Option<String>,
    /// Access-token lifetime for this client, such as "5m" (at most 1h).
    #[arg(long, value_name = "DURATION")]
    pub access_token_ttl: Option<String>,
}

/// What `main` reports when configuration fails, before logging exists.
pub fn config_failure(error: &crate::config::ConfigError) -> ExitCode {
    eprintln!("portcullis: {error}");
    ExitCode::from(2)
}

/// Loads the configuration for a parsed command line.
pub fn load_config(cli: &Cli) -> Result<Config, crate::config::ConfigError> {
    let mut config = Config::load(&crate::config::Sources::from_process(cli.config.clone()))?;
    if let Some(Command::Serve { no_migrate: true }) = cli.command {
        config.database.migrate = false;
    }
    Ok(config)
}
