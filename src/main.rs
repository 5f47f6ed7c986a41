//! The `vigia` command: a thin layer over the library that parses arguments,
//! maps errors to exit codes (0 ok, 1 runtime failure, 2 invalid config or
//! usage) and waits for SIGINT/SIGTERM.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use vigia::config::{Config, ConfigError, DEFAULT_PATH};
use vigia::delivery::Sink;

#[derive(Parser)]
#[command(
    name = "vigia",
    version,
    about = "Watches feeds for detention reports and alerts Telegram channels"
)]
struct Cli {
    /// The config file, or the folder holding its vigia.toml.
    #[arg(long, global = true, env = "VIGIA_CONFIG", default_value = DEFAULT_PATH)]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the daemon until SIGINT or SIGTERM.
    Run,
    /// Validate the config and every file it names.
    Check,
    /// Match feed files or URLs without storing or sending anything.
    Replay {
        /// Treat the inputs as coming from this configured source (its tags).
        #[arg(long)]
        source: Option<String>,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
        /// Show items that would not alert too.
        #[arg(long)]
        all: bool,
        /// Feed files or http(s) URLs.
        #[arg(required = true)]
        inputs: Vec<String>,
    },
    /// Say why an item did or did not alert: which lists and names it
    /// matched, which rule came closest and what it lacked.
    Why {
        /// The link of an item vigia has stored, a feed or page file, or an
        /// http(s) URL.
        #[arg(required = true)]
        inputs: Vec<String>,
    },
    /// Send one test alert to every channel (or one).
    SendTest {
        #[arg(long)]
        channel: Option<String>,
    },
    /// Exit 0 when the running daemon's health endpoint answers ok.
    Health,
    /// Print `[[source]]` entries for the feeds of a feed reader's OPML export
    /// (append them to vigia.toml); feeds already configured are left out.
    ImportOpml {
        /// The OPML file.
        file: PathBuf,
    },
    /// Print the configured feeds as OPML, for a feed reader.
    ExportOpml,
    /// Run this config (`--config`: an edited copy) over the items stored in
    /// the last days beside the config running now, and show per rule and
    /// channel what would newly alert and what would no longer. Nothing is
    /// sent or stored.
    Backtest {
        /// How many days of stored items to run over.
        #[arg(long, default_value_t = 30)]
        days: u32,
        /// The config running now, whose store is read.
        #[arg(long, env = "VIGIA_CONFIG", default_value = DEFAULT_PATH)]
        against: PathBuf,
        /// The whole report as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Write a consistent copy of the store to PATH (safe while vigia runs).
    Backup {
        /// The copy to write; it must not exist yet.
        path: PathBuf,
    },
    /// Copy a SQLite store (store.path, or --from) into the empty
    /// PostgreSQL store of store.url, keeping every item, alert and story.
    /// Stop vigia first.
    MigrateStore {
        /// The SQLite store to copy (default: the config's store.path).
        #[arg(long)]
        from: Option<PathBuf>,
    },
}

const EXIT_RUNTIME: u8 = 1;
const EXIT_CONFIG: u8 = 2;

fn load(path: &std::path::Path) -> Result<Config, ExitCode> {
    // A folder stands for the vigia.toml in it.
    let file = if path.is_dir() {
        path.join("vigia.toml")
    } else {
        path.to_path_buf()
    };
    let path = file.as_path();
    match Config::load(path) {
        Ok(config) => Ok(config),
        Err(ConfigError::Invalid(errors)) => {
            for e in &errors {
                eprintln!("error: {e}");
            }
            eprintln!(
                "{}: {} error(s); nothing was started",
                path.display(),
                errors.len()
            );
            Err(ExitCode::from(EXIT_CONFIG))
        }
        Err(e) => {
            eprintln!("error: {e}");
            Err(ExitCode::from(EXIT_CONFIG))
        }
    }
}

fn sink(config: &Config) -> Result<Sink, ExitCode> {
    match config.telegram_token() {
        Ok(Some(token)) => Ok(Sink::telegram(token, config.telegram.api_url.clone())),
        Ok(None) => {
            tracing::warn!("no Telegram token (TELEGRAM_BOT_TOKEN, TELEGRAM_BOT_TOKEN_FILE or telegram.token_file): alerts are printed to standard output, and kept to send once a token is set");
            Ok(Sink::Stdout)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Err(ExitCode::from(EXIT_CONFIG))
        }
    }
}

/// Completes on SIGINT or SIGTERM. The handlers are installed here, before
/// the daemon starts and says so: a signal sent as soon as vigia reports it
/// started is a clean shutdown, never the default kill.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler installs");
        let mut int = signal(SignalKind::interrupt()).expect("SIGINT handler installs");
        async move {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn summary(config: &Config) -> String {
    let lists: Vec<String> = config
        .lists
        .iter()
        .map(|l| format!("{} ({})", l.name, l.terms.len()))
        .collect();
    let people: usize = config.names.iter().map(|n| n.people.len()).sum();
    let examples = match &config.learned {
        Some(e) => format!(
            ", {} examples ({} alert) in {} file(s)",
            e.items.len(),
            e.items.iter().filter(|e| e.alert).count(),
            e.files.len()
        ),
        None => String::new(),
    };
    format!(
        "{}: ok: {} sources, {} lists [{}], {} people in {} names file(s){examples}, {} rules, {} channels",
        config.path.display(),
        config.sources.len(),
        config.lists.len(),
        lists.join(", "),
        people,
        config.names.len(),
        config.rules.len(),
        config.channels.len()
    )
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    vigia::ops::init_logging();
    if let Command::ImportOpml { file } = &cli.command {
        return import_opml(&cli.config, file);
    }
    let config = match load(&cli.config) {
        Ok(c) => c,
        Err(code) => return code,
    };
    vigia::ops::set_log_format(config.log_format);
    let is_run = matches!(cli.command, Command::Run);
    for w in &config.warnings {
        // In the daemon's log (JSON, if so configured); on the terminal otherwise.
        if is_run {
            tracing::warn!("{w}");
        } else {
            eprintln!("warning: {w}");
        }
    }
    match cli.command {
        Command::Check => {
            if let Err(e) = config.telegram_token() {
                eprintln!("warning: {e}");
            }
            println!("{}", summary(&config));
            ExitCode::SUCCESS
        }
        Command::Run => {
            let sink = match sink(&config) {
                Ok(s) => s,
                Err(code) => return code,
            };
            match vigia::daemon::run(&config, sink, shutdown_signal()).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(EXIT_RUNTIME)
                }
            }
        }
        Command::Replay {
            source,
            json,
            all,
            inputs,
        } => {
            let opts = vigia::replay::Options {
                source,
                json,
                all,
                color: None,
            };
            let mut out = std::io::stdout().lock();
            match vigia::replay::replay(&config, &inputs, &opts, &mut out).await {
                Ok(_) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(if e.is_usage() {
                        EXIT_CONFIG
                    } else {
                        EXIT_RUNTIME
                    })
                }
            }
        }
        Command::SendTest { channel } => send_test(&config, channel).await,
        Command::Why { inputs } => {
            // The store is read if it is there; `why` never creates one.
            let store = match config.store_location() {
                Ok(vigia::store::Location::Sqlite(path)) => path
                    .exists()
                    .then(|| vigia::store::Store::open(&path))
                    .transpose(),
                // PostgreSQL's client blocks: off the async workers.
                Ok(location) => tokio::task::block_in_place(|| {
                    vigia::store::Store::connect(&location).map(Some)
                }),
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(EXIT_CONFIG);
                }
            };
            let store = match store {
                Ok(s) => s.map(std::sync::Arc::new),
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(EXIT_RUNTIME);
                }
            };
            let matcher = vigia::matching::Matcher::new(&config);
            let mut failed = false;
            for input in &inputs {
                let mut out = String::new();
                match vigia::replay::why(&config, &matcher, store.as_ref(), input, &mut out).await {
                    Ok(_) => print!("{out}"),
                    Err(e) => {
                        failed = true;
                        eprintln!(
                            "error: {input}: not a stored item's link, and it cannot be read: {e}"
                        );
                    }
                }
            }
            if failed {
                ExitCode::from(EXIT_RUNTIME)
            } else {
                ExitCode::SUCCESS
            }
        }
        Command::ImportOpml { .. } => unreachable!("handled before the config is read"),
        Command::ExportOpml => {
            print!("{}", vigia::config::opml::export(&config));
            ExitCode::SUCCESS
        }
        Command::Backtest {
            days,
            against,
            json,
        } => tokio::task::block_in_place(|| backtest(&config, &against, days, json)),
        Command::Backup { path } => {
            let location = match config.store_location() {
                Ok(l) => l,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(EXIT_CONFIG);
                }
            };
            let backup = tokio::task::block_in_place(|| {
                vigia::store::Store::connect(&location).and_then(|store| store.backup(&path))
            });
            match backup {
                Ok(()) => {
                    println!("{location} → {}", path.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(EXIT_RUNTIME)
                }
            }
        }
        Command::MigrateStore { from } => {
            tokio::task::block_in_place(|| migrate_store(&config, from))
        }
        Command::Health => match vigia::ops::check_health(config.http_listen).await {
            Ok(body) => {
                println!("{body}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("unhealthy: {e}");
                ExitCode::from(EXIT_RUNTIME)
            }
        },
    }
}

/// Prints the OPML file's feeds as sources. The config is read only to
/// leave out what it already polls: an import works without one.
fn import_opml(config: &std::path::Path, file: &std::path::Path) -> ExitCode {
    let feeds = match vigia::config::opml::read(file) {
        Ok(feeds) => feeds,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let config = match Config::load(config) {
        Ok(c) => Some(c),
        Err(e) => {
            eprintln!("warning: feeds already configured are not left out: {e}");
            None
        }
    };
    print!(
        "{}",
        vigia::config::opml::to_sources(&feeds, config.as_ref())
    );
    eprintln!("{} feed(s) read from {}", feeds.len(), file.display());
    ExitCode::SUCCESS
}

/// `vigia backtest`: the loaded config is the candidate; `against` is the
/// one running now, and its store is read.
fn migrate_store(config: &Config, from: Option<PathBuf>) -> ExitCode {
    let from = from.unwrap_or_else(|| config.store_path.clone());
    let to = match config.store_location() {
        Ok(to @ vigia::store::Location::Postgres(_)) => to,
        Ok(_) => {
            eprintln!(
                "error: {} sets no store.url: say which PostgreSQL store to copy into",
                config.path.display()
            );
            return ExitCode::from(EXIT_CONFIG);
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    if !from.exists() {
        eprintln!("error: no SQLite store at {}", from.display());
        return ExitCode::from(EXIT_RUNTIME);
    }
    let copied = vigia::store::Store::open(&from).and_then(|source| {
        vigia::store::Store::connect(&to).and_then(|target| target.copy_from(&source))
    });
    match copied {
        Ok(tables) => {
            for (table, rows) in tables {
                println!("{table}: {rows} rows");
            }
            println!("{} → {to}", from.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_RUNTIME)
        }
    }
}

fn backtest(candidate: &Config, against: &std::path::Path, days: u32, json: bool) -> ExitCode {
    if days == 0 {
        eprintln!("error: --days must be at least 1");
        return ExitCode::from(EXIT_CONFIG);
    }
    let current = match load(against) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let location = match current.store_location() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    if current.store_url.is_none() && !current.store_path.exists() {
        eprintln!(
            "error: no store at {} ({}'s store.path): nothing has been found to backtest on yet",
            current.store_path.display(),
            current.path.display()
        );
        return ExitCode::from(EXIT_RUNTIME);
    }
    let since = chrono::Utc::now() - chrono::Duration::days(i64::from(days));
    let report = vigia::store::Store::connect(&location)
        .and_then(|store| vigia::backtest::backtest(&store, &current, candidate, since));
    match report {
        Ok(report) => {
            if json {
                println!(
                    "{}",
                    serde_json::to_string(&report).expect("reports serialize")
                );
            } else {
                print!("{}", vigia::backtest::render(&report, u64::from(days)));
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_RUNTIME)
        }
    }
}

async fn send_test(config: &Config, only: Option<String>) -> ExitCode {
    if let Some(name) = &only {
        if !config.channels.contains_key(name) {
            eprintln!("error: no channel named {name:?} in [channels]");
            return ExitCode::from(EXIT_CONFIG);
        }
    }
    let sink = match sink(config) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut failed = false;
    for (name, chat) in &config.channels {
        if only.as_ref().is_some_and(|o| o != name) {
            continue;
        }
        let alert = vigia::delivery::test_alert(name, &chat.to_string());
        match sink.send(&alert).await {
            Ok(_) => println!("{name}: ok"),
            Err(e) => {
                failed = true;
                eprintln!("{name}: failed: {e}");
            }
        }
    }
    if failed {
        ExitCode::from(EXIT_RUNTIME)
    } else {
        ExitCode::SUCCESS
    }
}
