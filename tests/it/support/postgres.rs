//! A real PostgreSQL for the tests: a throwaway cluster from the Debian
//! packages, started once per test binary in a temporary folder (as
//! `nobody` when the tests run as root, which PostgreSQL refuses), on a
//! free loopback port, with a password and TLS. Each test gets a database of its
//! own. The cluster stops, and its folder goes, when the test binary
//! exits: a shell beside it waits for the binary's end of a pipe to close.
//!
//! Also compiled into the library's unit tests (`src/store/tests.rs`).

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use super::vigia_store::{Location, PostgresTarget};

pub const USER: &str = "vigia";
/// The cluster's password: a test that looks for it in logs searches for this.
pub const PASSWORD: &str = "s3cret-pg-pass-7f2c";

struct Cluster {
    port: u16,
    /// The CA that signed the server's certificate: connections verify it.
    ca: PathBuf,
    /// Dropped only when the process exits: then the cluster stops.
    _stop: Mutex<ChildStdin>,
    /// The shell; it outlives the tests, and its end is the process's.
    _shell: Mutex<std::process::Child>,
}

static CLUSTER: OnceLock<Cluster> = OnceLock::new();
static DATABASES: AtomicUsize = AtomicUsize::new(0);

/// PostgreSQL's programs: Debian keeps them in a versioned folder.
fn bin_dir() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|b| b.join("initdb").exists())
        .collect();
    found.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    found.pop().unwrap_or_else(|| {
        panic!(
            "the PostgreSQL tests need PostgreSQL's server programs \
             (/usr/lib/postgresql/*/bin/initdb): apt-get install postgresql"
        )
    })
}

/// `nobody`'s user and group, when running as root.
fn run_as() -> Option<(u32, u32)> {
    if std::fs::metadata("/proc/self").ok()?.uid() != 0 {
        return None;
    }
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    let nobody: Vec<&str> = passwd
        .lines()
        .find(|l| l.starts_with("nobody:"))?
        .split(':')
        .collect();
    Some((nobody.get(2)?.parse().ok()?, nobody.get(3)?.parse().ok()?))
}

fn command(program: &Path, user: Option<(u32, u32)>) -> Command {
    let mut c = Command::new(program);
    if let Some((uid, gid)) = user {
        c.uid(uid).gid(gid);
    }
    c
}

fn start() -> Cluster {
    let bin = bin_dir();
    let user = run_as();
    let dir = tempfile::Builder::new()
        .prefix("vigia-pg-")
        .tempdir()
        .expect("temp dir")
        .keep();
    if let Some((uid, gid)) = user {
        std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).expect("chown the cluster's folder");
    }
    let data = dir.join("data");
    let pwfile = dir.join("pw");
    std::fs::write(&pwfile, PASSWORD).unwrap();
    if let Some((uid, gid)) = user {
        std::os::unix::fs::chown(&pwfile, Some(uid), Some(gid)).unwrap();
    }
    let out = command(&bin.join("initdb"), user)
        .arg("-D")
        .arg(&data)
        .args(["-U", USER, "-A", "scram-sha-256", "--no-sync", "-E", "UTF8"])
        .args(["--locale", "C"])
        .arg(format!("--pwfile={}", pwfile.display()))
        .output()
        .expect("run initdb");
    assert!(
        out.status.success(),
        "initdb failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // TLS as a real server has it: a certificate for 127.0.0.1 signed by
    // a CA of the tests' own, which clients are given (`ca_file`).
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "vigia test CA");
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
    let server_key = rcgen::KeyPair::generate().unwrap();
    let server = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&server_key, &ca)
        .unwrap();
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    let (cert_file, key_file) = (dir.join("server.pem"), dir.join("server.key"));
    std::fs::write(&cert_file, server.pem()).unwrap();
    std::fs::write(&key_file, server_key.serialize_pem()).unwrap();
    std::fs::set_permissions(
        &key_file,
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    if let Some((uid, gid)) = user {
        for f in [&ca_file, &cert_file, &key_file] {
            std::os::unix::fs::chown(f, Some(uid), Some(gid)).unwrap();
        }
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // The shell starts the server, then waits for its stdin to close (the
    // test binary exiting, however it exits) to stop it and remove its folder.
    let script = format!(
        "'{postgres}' -D '{data}' -p {port} -k '{dir}' -c listen_addresses=127.0.0.1 \
         -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=200 \
         -c ssl=on -c ssl_cert_file='{cert}' -c ssl_key_file='{key}' & \
         pid=$!; read _; kill -INT $pid; wait $pid; rm -rf '{dir}'",
        cert = cert_file.display(),
        key = key_file.display(),
        postgres = bin.join("postgres").display(),
        data = data.display(),
        dir = dir.display(),
    );
    let mut child = command(Path::new("/bin/sh"), user)
        .args(["-c", &script])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start PostgreSQL");
    let stop = child.stdin.take().unwrap();
    let mut log = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        if log.read_line(&mut line).unwrap_or(0) == 0 {
            panic!("PostgreSQL stopped before it was ready:\n{seen}");
        }
        seen.push_str(&line);
        if line.contains("ready to accept connections") {
            break;
        }
    }
    // Keep draining its log so that it never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut sink = std::io::sink();
        let _ = std::io::copy(&mut log, &mut sink);
        let _ = sink.flush();
    });
    Cluster {
        port,
        ca: ca_file,
        _stop: Mutex::new(stop),
        _shell: Mutex::new(child),
    }
}

/// The URL of a database on the cluster, without the password.
pub fn url(database: &str) -> String {
    let cluster = CLUSTER.get_or_init(start);
    format!("postgres://{USER}@127.0.0.1:{}/{database}", cluster.port)
}

/// The CA the cluster's certificate chains to.
pub fn ca_file() -> PathBuf {
    CLUSTER.get_or_init(start).ca.clone()
}

/// A new, empty database on the test cluster.
pub fn database() -> PostgresTarget {
    let n = DATABASES.fetch_add(1, Ordering::Relaxed);
    let name = format!("t{}_{n}", std::process::id());
    let mut admin = postgres::Config::new();
    let cluster = CLUSTER.get_or_init(start);
    admin
        .host("127.0.0.1")
        .port(cluster.port)
        .user(USER)
        .password(PASSWORD)
        .dbname("postgres");
    let mut client = admin
        .connect(postgres::NoTls)
        .expect("connect to the test cluster");
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create a test database");
    PostgresTarget {
        url: url(&name),
        password: Some(PASSWORD.to_owned()),
        lease: std::time::Duration::from_secs(15),
        ca_file: Some(ca_file()),
    }
}

/// A new, empty PostgreSQL store location.
pub fn location() -> Location {
    Location::Postgres(database())
}
