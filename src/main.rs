//! The `portcullis` binary: parse the command line, load the configuration, start logging, run.

use std::process::ExitCode;

use clap::Parser as _;
use portcullis::cli::{self, Cli};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match cli::load_config(&cli) {
        Ok(config) => config,
        Err(error) => return cli::config_failure(&error),
    };
    portcullis::telemetry::init(&config.log);
    cli::run(cli.command, config).await
}
