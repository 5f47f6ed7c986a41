//! Hot reload. The config file and every list and names file it names are
//! watched (notify, debounced; the folders are watched, so an editor that
//! saves by writing a temporary file and renaming it over is seen), and
//! SIGHUP asks too. A new config is validated completely before anything
//! changes; then it applies at once: lists and rules to items found from
//! then on, new sources start polling (their first poll under the backfill
//! rule), removed ones stop, changed ones restart, and held channels are
//! tried again. An invalid edit changes nothing: every error is logged with
//! its file and line, and the admins are told. The fixed edit is picked up
//! like any other.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use notify_debouncer_mini::notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_mini::{new_debouncer, DebounceEventResult, Debouncer};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::{tell_admins, Rules, Shared, Supervisor};
use crate::config::{Config, ConfigError};
use crate::metrics::OutcomeLabel;

pub use crate::ops::ReloadStatus as Status;

/// What an applied reload changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    pub sources_added: usize,
    pub sources_removed: usize,
    pub sources_restarted: usize,
}

pub struct Reloader {
    /// The config running now.
    current: std::sync::Mutex<Config>,
    supervisor: Arc<tokio::sync::Mutex<Supervisor>>,
    shared: Arc<Shared>,
    status: watch::Sender<Status>,
    /// One reload at a time.
    busy: tokio::sync::Mutex<()>,
}

impl Reloader {
    pub(super) fn new(
        config: Config,
        supervisor: Arc<tokio::sync::Mutex<Supervisor>>,
        shared: Arc<Shared>,
    ) -> Self {
        Reloader {
            current: std::sync::Mutex::new(config),
            supervisor,
            shared,
            status: watch::Sender::new(Status::default()),
            busy: tokio::sync::Mutex::new(()),
        }
    }

    pub fn status(&self) -> watch::Receiver<Status> {
        self.status.subscribe()
    }

    /// The config running now.
    pub(crate) fn config(&self) -> Config {
        self.current().clone()
    }

    fn current(&self) -> std::sync::MutexGuard<'_, Config> {
        self.current.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The files whose edits trigger a reload.
    fn files(&self) -> Vec<PathBuf> {
        let c = self.current();
        let mut files: BTreeSet<PathBuf> = BTreeSet::new();
        files.insert(c.path.clone());
        files.extend(c.lists.iter().map(|l| l.file.clone()));
        files.extend(c.names.iter().map(|n| n.file.clone()));
        if let Some(examples) = &c.learned {
            // The folder too: a file added to it changes its time.
            files.insert(examples.path.clone());
            files.extend(examples.files.iter().cloned());
        }
        files.into_iter().collect()
    }

    pub async fn reload(&self) -> Result<Applied, ConfigError> {
        let _one = self.busy.lock().await;
        let path = self.current().path.clone();
        let loaded = tokio::task::spawn_blocking(move || Config::load(&path))
            .await
            .expect("config loading does not panic");
        let config = match loaded {
            Ok(config) => config,
            Err(e) => {
                tracing::error!("config edit rejected; vigia keeps running on the previous config");
                for line in e.to_string().lines() {
                    tracing::error!("{line}");
                }
                let text = e.to_string();
                let lines: Vec<&str> = text.lines().take(20).collect();
                let _ = tell_admins(
                    &self.shared,
                    format!(
                        "⚠️ The config edit was not applied; vigia keeps running on the previous one.\n{}",
                        lines.join("\n")
                    ),
                )
                .await;
                self.shared
                    .metrics
                    .reloads
                    .get_or_create(&OutcomeLabel {
                        outcome: "rejected".into(),
                    })
                    .inc();
                self.shared.metrics.reloaded(false);
                self.status.send_modify(|s| {
                    s.rejected += 1;
                    s.last_error = Some(text.clone());
                });
                return Err(e);
            }
        };
        for w in &config.warnings {
            tracing::warn!("{w}");
        }
        self.warn_restart_needed(&config);
        *self.shared.rules.write().unwrap_or_else(|e| e.into_inner()) =
            Arc::new(Rules::new(&config));
        self.shared.admins.set(config.telegram.admins.clone());
        let (added, removed, restarted) = self.supervisor.lock().await.apply(&config.sources);
        // A reload is a natural moment to try held channels again.
        let probed = self
            .shared
            .store
            .call(|s| s.probe_held_now(Utc::now()))
            .await
            .unwrap_or(0);
        self.shared.wake.notify_one();
        tracing::info!(
            sources = config.sources.len(),
            added,
            removed,
            restarted,
            held_channels_retried = probed,
            lists = config.lists.len(),
            names = config.names.iter().map(|n| n.people.len()).sum::<usize>(),
            rules = config.rules.len(),
            "config reloaded"
        );
        *self.current() = config;
        self.shared
            .metrics
            .reloads
            .get_or_create(&OutcomeLabel {
                outcome: "applied".into(),
            })
            .inc();
        self.shared.metrics.reloaded(true);
        self.status.send_modify(|s| {
            s.applied += 1;
            s.last_error = None;
            s.last_applied_at = Some(Utc::now());
        });
        Ok(Applied {
            sources_added: added,
            sources_removed: removed,
            sources_restarted: restarted,
        })
    }

    /// Settings read only at start-up: say so when an edit changes them.
    fn warn_restart_needed(&self, new: &Config) {
        let old = self.current();
        let t = (&old.telegram, &new.telegram);
        let changed = [
            ("store.path", old.store_path != new.store_path),
            ("store.url", old.store_url != new.store_url),
            ("store.lease", old.store_lease != new.store_lease),
            ("store.ca_file", old.store_ca_file != new.store_ca_file),
            (
                "store.password_file",
                old.store_password_file != new.store_password_file,
            ),
            ("http.listen", old.http_listen != new.http_listen),
            ("telegram.api_url", t.0.api_url != t.1.api_url),
            ("telegram.token_file", t.0.token_file != t.1.token_file),
            ("telegram.limits", t.0.limits != t.1.limits),
            (
                "telegram.give_up_after",
                t.0.give_up_after != t.1.give_up_after,
            ),
            (
                "telegram.recheck_held",
                t.0.recheck_held != t.1.recheck_held,
            ),
            ("telegram.down_after", t.0.down_after != t.1.down_after),
            ("defaults.host_gap", old.host_gap != new.host_gap),
        ];
        for (key, _) in changed.iter().filter(|(_, c)| *c) {
            tracing::warn!(key, "this setting takes effect at the next restart");
        }
    }
}

/// Listens for SIGHUP; call before saying vigia has started, so a SIGHUP
/// from then on reloads instead of ending the process.
pub fn hangups() -> Option<tokio::signal::unix::Signal> {
    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        .inspect_err(|e| tracing::warn!(error = %e, "cannot listen for SIGHUP"))
        .ok()
}

/// The watch on the config's files, set up before the daemon says it has
/// started: an edit saved any time after that is seen.
pub struct Watch {
    reloader: Arc<Reloader>,
    debouncer: Option<Debouncer<RecommendedWatcher>>,
    events: mpsc::UnboundedReceiver<DebounceEventResult>,
    watched_dirs: BTreeSet<PathBuf>,
    files: BTreeSet<PathBuf>,
    /// Folders every file of which counts (the learned rule's examples).
    folders: BTreeSet<PathBuf>,
    seen: Fingerprint,
}

impl Watch {
    /// Watches the folders of the running config's files and notes how the
    /// files look now.
    pub fn start(reloader: Arc<Reloader>) -> Watch {
        let (tx, events) = mpsc::unbounded_channel::<DebounceEventResult>();
        let debouncer = match new_debouncer(Duration::from_millis(200), move |res| {
            let _ = tx.send(res);
        }) {
            Ok(d) => Some(d),
            Err(e) => {
                tracing::warn!(error = %e, "cannot watch the config files; reload with SIGHUP");
                None
            }
        };
        let seen = fingerprint(&reloader.files());
        let mut watch = Watch {
            reloader,
            debouncer,
            events,
            watched_dirs: BTreeSet::new(),
            files: BTreeSet::new(),
            folders: BTreeSet::new(),
            seen,
        };
        watch.rewatch();
        watch
    }

    /// (Re)watches the folders of every file the running config names.
    fn rewatch(&mut self) {
        self.files.clear();
        self.folders.clear();
        for file in self.reloader.files() {
            let (dir, name) = match (file.is_dir(), file.parent(), file.file_name()) {
                (true, ..) => {
                    let dir = file.canonicalize().unwrap_or_else(|_| file.clone());
                    self.folders.insert(dir.clone());
                    (dir, None)
                }
                (false, Some(dir), Some(name)) => (
                    dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf()),
                    Some(name),
                ),
                _ => continue,
            };
            if let Some(name) = name {
                self.files.insert(dir.join(name));
            }
            if let Some(d) = self.debouncer.as_mut() {
                if self.watched_dirs.insert(dir.clone()) {
                    if let Err(e) = d.watcher().watch(&dir, RecursiveMode::NonRecursive) {
                        tracing::warn!(dir = %dir.display(), error = %e, "cannot watch folder");
                    }
                }
            }
        }
    }

    /// Reloads on each change to the files and each `hangup`, until `cancel`.
    pub async fn run(
        mut self,
        mut hangup: Option<tokio::signal::unix::Signal>,
        cancel: CancellationToken,
    ) {
        loop {
            let hup = async {
                match hangup.as_mut() {
                    Some(h) => h.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = cancel.cancelled() => break,
                _ = hup => tracing::info!("SIGHUP: reloading the config"),
                Some(batch) = self.events.recv() => {
                    let touched = match batch {
                        Ok(batch) => batch.iter().any(|e| {
                            self.files.contains(&e.path)
                                || e.path.parent().is_some_and(|p| self.folders.contains(p))
                        }),
                        Err(e) => {
                            tracing::warn!(error = %e, "file watcher error");
                            false
                        }
                    };
                    // The watcher also reports opening a file (vigia's own
                    // reads too): only a changed file is an edit.
                    if !touched || fingerprint(&self.reloader.files()) == self.seen {
                        continue;
                    }
                    tracing::info!("config files changed: reloading");
                }
            }
            let _ = self.reloader.reload().await;
            self.seen = fingerprint(&self.reloader.files());
            self.rewatch();
        }
    }
}

type Fingerprint = Vec<Option<(u64, Option<std::time::SystemTime>, u64)>>;

/// What the files look like from outside: size, modification time and
/// inode, read with `stat` (opening them would itself be reported by the
/// watcher). An edit, or a file renamed over, changes it; a read does not.
fn fingerprint(files: &[PathBuf]) -> Fingerprint {
    use std::os::unix::fs::MetadataExt;
    files
        .iter()
        .map(|f| {
            std::fs::metadata(f)
                .ok()
                .map(|m| (m.len(), m.modified().ok(), m.ino()))
        })
        .collect()
}
