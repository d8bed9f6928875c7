//! Layering: embedded `config/default.toml`, then the file named by `--config` or
//! PORTCULLIS_CONFIG, then environment variables; each value remembers where it came from so that
//! an error can name its source.

use std::path::PathBuf;

use figment::providers::{Format, Toml};
use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider};

use super::Config;

const DEFAULTS: &str = include_str!("../../config/default.toml");
const ENV_PREFIX: &str = "PORTCULLIS_";
/// Names an operator expects, mapped onto their full keys.
const ENV_ALIASES: [(&str, &str); 3] = [
    ("DATABASE_URL", "database.url"),
    ("PORTCULLIS_ISSUER", "server.issuer"),
    ("PORTCULLIS_LISTEN", "server.listen"),
];
/// Variables with our prefix that are not settings.
const ENV_NOT_SETTINGS: [&str; 1] = ["PORTCULLIS_CONFIG"];

/// Where configuration comes from. Tests build this directly instead of touching the process
/// environment.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub file: Option<PathBuf>,
    pub env: Vec<(String, String)>,
}

impl Sources {
    /// The process environment, with `--config` taking precedence over PORTCULLIS_CONFIG.
    pub fn from_process(config_flag: Option<PathBuf>) -> Self {
        let env: Vec<(String, String)> = std::env::vars().collect();
        let file = config_flag.or_else(|| {
            env.iter()
                .find(|(name, value)| name == "PORTCULLIS_CONFIG" && !value.is_empty())
                .map(|(_, value)| PathBuf::from(value))
        });
        Self { file, env }
    }
}

/// A configuration problem, already phrased for an operator.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(String);

pub(super) fn load(sources: &Sources) -> Result<Config, ConfigError> {
    let mut figment = Figment::new().merge(Named::new(
        Toml::string(DEFAULTS),
        Metadata::named("built-in defaults (config/default.toml)"),
    ));
    if let Some(path) = &sources.file {
        if !path.is_file() {
            return Err(ConfigError(format!(
                "configuration file {} does not exist or is not a file",
                path.display()
            )));
        }
        figment = figment.merge(Named::new(
            Toml::file_exact(path),
            Metadata::named(format!("file {}", path.display())),
        ));
    }
    for setting in env_settings(&sources.env)? {
        figment = figment.merge(setting);
    }
    let config: Config = figment.extract().map_err(describe)?;
    config.validate().map_err(|(key, message)| {
        ConfigError(format!(
            "{key} {message} (set in {})",
            source_of(&figment, key)
        ))
    })?;
    Ok(config)
}

/// Turns every relevant environment variable into a one-key provider.
fn env_settings(env: &[(String, String)]) -> Result<Vec<EnvSetting>, ConfigError> {
    let mut aliases = Vec::new();
    let mut settings = Vec::new();
    for (name, value) in env {
        let (base, from_file) = match name.strip_suffix("_FILE") {
            Some(base) => (base, true),
            None => (name.as_str(), false),
        };
        let key = if let Some((_, key)) = ENV_ALIASES.iter().find(|(alias, _)| *alias == base) {
            (*key).to_owned()
        } else if let Some(rest) = base.strip_prefix(ENV_PREFIX) {
            if ENV_NOT_SETTINGS.contains(&base) {
                continue;
            }
            if !rest.contains("__") {
                return Err(ConfigError(format!(
                    "unknown environment variable {name}: settings are named \
                     PORTCULLIS_<SECTION>__<KEY>, for example PORTCULLIS_SERVER__LISTEN"
                )));
            }
            rest.to_ascii_lowercase().replace("__", ".")
        } else {
            continue;
        };
        let value = if from_file {
            let contents = std::fs::read_to_string(value).map_err(|e| {
                ConfigError(format!("{name}: cannot read secret file {value}: {e}"))
            })?;
            Value::from(contents.trim_end_matches(['\r', '\n']).to_owned())
        } else {
            // The same lenient parsing figment's own Env provider uses: "10" is a number.
            value
                .parse::<Value>()
                .unwrap_or_else(|_| Value::from(value.clone()))
        };
        let setting = EnvSetting {
            variable: name.clone(),
            key,
            value,
        };
        // Full names win over short aliases when both are set.
        if ENV_ALIASES.iter().any(|(alias, _)| *alias == base) {
            aliases.push(setting);
        } else {
            settings.push(setting);
        }
    }
    aliases.extend(settings);
    Ok(aliases)
}

/// Names the source of a key's effective value for error messages.
fn source_of(figment: &Figment, key: &str) -> String {
    figment
        .find_metadata(key)
        .map(|metadata| metadata.name.to_string())
        .unwrap_or_else(|| "configuration".to_owned())
}

/// Formats figment's errors as one line per problem: key, what is wrong, where it was set.
fn describe(errors: figment::Error) -> ConfigError {
    let lines: Vec<String> = errors
        .into_iter()
        .map(|error| {
            let source = error
                .metadata
                .as_ref()
                .map(|metadata| metadata.name.to_string())
                .unwrap_or_else(|| "configuration".to_owned());
            let key = error.path.join(".");
            if key.is_empty() {
                format!("{} (in {source})", error.kind)
            } else {
                format!("{key}: {} (set in {source})", error.kind)
            }
        })
        .collect();
    ConfigError(lines.join("; "))
}

/// A provider whose metadata we name ourselves, so messages read "set in file X".
struct Named<P> {
    inner: P,
    metadata: Metadata,
}

impl<P: Provider> Named<P> {
    fn new(inner: P, metadata: Metadata) -> Self {
        Self { inner, metadata }
    }
}

impl<P: Provider> Provider for Named<P> {
    fn metadata(&self) -> Metadata {
        self.metadata.clone()
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        self.inner.data()
    }
}

/// One setting from one environment variable.
struct EnvSetting {
    variable: String,
    key: String,
    value: Value,
}

impl Provider for EnvSetting {
    fn metadata(&self) -> Metadata {
        Metadata::named(format!("environment variable {}", self.variable))
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        let dict = figment::util::nest(&self.key, self.value.clone())
            .into_dict()
            .unwrap_or_default();
        Ok(Map::from([(Profile::Default, dict)]))
    }
}
