//! What each command does.

use crate::domain::audit::AuditActor;
use std::io::Read as _;
use std::process::ExitCode;

use serde_json::json;

use super::{
    AuditCommand, ClientCommand, Command, CreateClientArgs, CreateUserArgs, KeysCommand,
    MailCommand, UserCommand,
};
use crate::admin::{self, AdminError};
use crate::app::{self, App};
use crate::config::{Backend, Config};
use crate::crypto::password::HashCost;
use crate::identity::password_policy::PasswordPolicy;

/// Runs a command with a loaded configuration.
pub async fn run(command: Option<Command>, config: Config) -> ExitCode {
    let result = match command.unwrap_or(Command::Serve { no_migrate: false }) {
        Command::Serve { .. } => serve(config).await,
        Command::Migrate => migrate(config).await,
        Command::CheckConfig => check_config(&config),
        Command::User(UserCommand::Create(args)) => create_user(config, args).await,
        Command::Client(ClientCommand::Create(args)) => create_client(config, args).await,
        Command::Keys(command) => keys(config, command).await,
        Command::Mail(MailCommand::Test { to }) => mail_test(config, &to).await,
        Command::Audit(AuditCommand::Verify) => audit_verify(config).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("portcullis: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Prints the effective configuration (secrets redacted) on stdout, and a line on stderr for
/// each risky setting.
fn check_config(config: &Config) -> anyhow::Result<()> {
    for (key, why) in config.warnings() {
        eprintln!("portcullis: warning: {key}: {why}");
    }
    print_json(&serde_json::to_value(config).unwrap_or_default())
}

async fn serve(config: Config) -> anyhow::Result<()> {
    App::build(config).await?.run(app::shutdown_signal()).await
}

async fn migrate(mut config: Config) -> anyhow::Result<()> {
    config.database.migrate = true;
    let store = app::open_store(&config).await?;
    let schema = store.schema_version().await?;
    store.close().await;
    let backend = match config.database.url.backend() {
        Backend::Postgres => "postgres",
        Backend::Sqlite => "sqlite",
    };
    print_json(&json!({ "backend": backend, "schema_version": schema.applied }))
}

async fn create_user(config: Config, args: CreateUserArgs) -> anyhow::Result<()> {
    let password = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin().read_to_string(&mut line)?;
        let line = line.strip_suffix('\n').unwrap_or(&line);
        let line = line.strip_suffix('\r').unwrap_or(line);
        let policy = PasswordPolicy::new(&config.password);
        let checked = policy.check(line.to_owned(), &args.email, args.name.as_deref());
        Some(checked.map_err(AdminError::Invalid)?)
    } else {
        None
    };
    let store = app::open_store(&config).await?;
    let input = admin::users::CreateUser {
        email: args.email,
        name: args.name,
        roles: args.roles,
        password,
        hash_cost: HashCost::configured(&config.password),
    };
    let operator = AuditActor::Operator("portcullis user create".to_owned());
    let result = admin::users::create_user(store.as_ref(), input, operator).await;
    store.close().await;
    let user = result?;
    print_json(&json!({
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "roles": user.roles,
    }))
}

async fn create_client(config: Config, args: CreateClientArgs) -> anyhow::Result<()> {
    let hasher = app::token_hasher(&config)?;
    let store = app::open_store(&config).await?;
    let input = admin::clients::CreateClient {
        name: args.name,
        client_id: args.client_id,
        redirect_uris: args.redirect_uris,
        post_logout_redirect_uris: args.post_logout_redirect_uris,
        web_origins: args.web_origins,
        grant_types: args.grant_types,
        scopes: args.scopes,
        public: args.public,
        first_party: args.first_party,
        audience: args.audience,
        access_token_alg: args.access_token_alg,
        id_token_alg: args.id_token_alg,
        access_token_ttl: args.access_token_ttl,
    };
    let operator = AuditActor::Operator("portcullis client create".to_owned());
    let result = admin::clients::create_client(store.as_ref(), &hasher, input, operator).await;
    store.close().await;
    let created = result?;
    print_json(&json!({
        "client_id": created.client.id,
        "client_secret": created.secret.as_ref().map(|s| s.expose()),
        "client_type": created.client.kind,
        "first_party": created.client.first_party,
        "grant_types": created.client.grant_types,
        "redirect_uris": created.client.redirect_uris,
        "web_origins": created.client.web_origins,
        "scopes": created.client.scopes,
        "audience": created.client.audience,
        "access_token_alg": created.client.access_token_alg,
        "id_token_alg": created.client.id_token_alg,
    }))
}

async fn keys(config: Config, command: KeysCommand) -> anyhow::Result<()> {
    let store = app::open_store(&config).await?;
    let config = std::sync::Arc::new(config);
    let rotation = app::key_rotation(store.clone(), config)?;
    let now = time::OffsetDateTime::now_utc();
    let result = async {
        rotation.ensure_initial_keys(now).await?;
        let created = match command {
            KeysCommand::List => Vec::new(),
            KeysCommand::Rotate => {
                let operator = AuditActor::Operator("portcullis keys rotate".to_owned());
                rotation.rotate(now, true, &operator).await?
            }
        };
        let ring = rotation.load(now).await?;
        anyhow::Ok((created, ring.statuses(now)))
    }
    .await;
    store.close().await;
    let (created, keys) = result?;
    match command {
        KeysCommand::List => print_json(&json!({ "keys": keys })),
        KeysCommand::Rotate => print_json(&json!({ "created": created, "keys": keys })),
    }
}

async fn mail_test(config: Config, to: &str) -> anyhow::Result<()> {
    let to = crate::domain::Email::parse(to).map_err(|e| AdminError::Invalid(vec![e]))?;
    let store = app::open_store(&config).await?;
    let result = async {
        let clock = crate::domain::time::Clock::default();
        let transport = crate::email::Transport::from_config(&config)?;
        let sender = std::sync::Arc::new(crate::email::Sender::new(
            store.clone(),
            transport,
            &config.email,
            clock.clone(),
        )?);
        let mail = crate::email::messages::test(to, &config.issuer(), clock.now())?;
        let id = mail.id;
        sender.enqueue(mail).await?;
        let round = sender.deliver_due().await?;
        anyhow::Ok((id, round))
    }
    .await;
    store.close().await;
    let (id, round) = result?;
    print_json(&json!({
        "id": id,
        "claimed": round.claimed,
        "sent": round.sent,
        "failed": round.failed,
    }))?;
    if round.failed > 0 {
        anyhow::bail!(
            "{} of {} messages could not be delivered",
            round.failed,
            round.claimed
        );
    }
    Ok(())
}

async fn audit_verify(config: Config) -> anyhow::Result<()> {
    let store = app::open_store(&config).await?;
    let keys = app::audit_keys(&config)?;
    let result = async {
        let clock = crate::domain::time::Clock::default();
        let expect = crate::audit::verification::Expectations::of(&config.audit);
        anyhow::Ok(
            crate::audit::verification::verify(store.as_ref(), &keys, clock.now(), expect).await?,
        )
    }
    .await;
    store.close().await;
    let report = result?;
    print_json(&serde_json::to_value(&report)?)?;
    if !report.intact {
        anyhow::bail!(
            "the audit log is not intact: {} findings",
            report.findings.len()
        );
    }
    Ok(())
}

fn print_json(value: &serde_json::Value) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
