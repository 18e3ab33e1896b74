//! Helpers shared by the `picket run` tests: temporary directories, the binary, the
//! summary's sink lines, waiting on conditions with deadlines, and a tiny HTTP server.

#![allow(dead_code)] // Each test file uses its own part.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A temporary directory removed on drop.
pub(crate) struct TempDir(PathBuf);

static N: AtomicU32 = AtomicU32::new(0);

impl TempDir {
    pub(crate) fn new(tag: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!(
            "picket-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }

    /// Writes a file in the directory and returns its path.
    pub(crate) fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The binary under test.
pub(crate) fn picket() -> Command {
    Command::new(env!("CARGO_BIN_EXE_picket"))
}

/// A rule that turns every event of every aircraft into an alert (many alerts from a short
/// scenario window).
pub(crate) const EVERYTHING: &str = r#"
version = 1
[[rule]]
name = "everything"
when = "true"
events = ["any"]
cooldown = "0s"
"#;

/// `picket run` over the scenario window the sink tests use: half an hour of the caracas scenario, in which
/// every aircraft is first seen (a dozen alerts under [`EVERYTHING`]) in a fraction of a
/// second of run time.
pub(crate) const WINDOW: &[&str] = &["run", "--scenario", "caracas", "--duration", "30m"];

/// Runs [`WINDOW`] with the rules [`EVERYTHING`] and `config` (written in `dir`) and a JSON
/// lines sink; returns (stderr, the JSON lines written).
pub(crate) fn run_window(dir: &TempDir, config: &str) -> (String, String) {
    let rules = dir.write("all.toml", EVERYTHING);
    let config = dir.write("picket.toml", config);
    // A new file per run: the JSON lines sink appends.
    let jsonl = dir.path().join(format!("alerts-{}.jsonl", free_port()));
    let out = run(picket()
        .args(WINDOW)
        .arg("--rules")
        .arg(&rules)
        .arg("--config")
        .arg(&config)
        .arg("--jsonl")
        .arg(&jsonl));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (stderr, std::fs::read_to_string(&jsonl).unwrap())
}

/// Runs the command to its end (it must finish by itself: no input waits on us).
pub(crate) fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("picket runs");
    if !out.status.success() {
        panic!(
            "picket failed: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out
}

/// A sink's counters from the summary: (sent, dropped, failed, retries).
pub(crate) fn sink_counts(stderr: &str, name: &str) -> (u64, u64, u64, u64) {
    let prefix = format!("sink        {name} (");
    let line = stderr
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no summary line for sink {name} in:\n{stderr}"));
    let rest = line.split_once("): ").unwrap().1;
    let nums: Vec<u64> = rest
        .split(", ")
        .take(4)
        .map(|part| part.split(' ').next().unwrap().parse().unwrap())
        .collect();
    (nums[0], nums[1], nums[2], nums[3])
}

/// The summary's Mode S frame count.
pub(crate) fn frames(stderr: &str) -> u64 {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("frames      "))
        .unwrap_or_else(|| panic!("no frames line in:\n{stderr}"));
    line["frames      ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// Event ids of a JSON lines file of alerts, in order, with their (id, phase) pairs.
pub(crate) fn alert_keys(jsonl: &str) -> Vec<(String, String)> {
    jsonl
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["id"].as_str().unwrap().to_string(),
                v["phase"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Waits until `cond` holds or the deadline passes; returns whether it held.
pub(crate) fn wait_for(deadline: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + deadline;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A free TCP port on 127.0.0.1 (bound, then released).
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Lines read from a child's pipe on a thread, for waiting on a message.
#[derive(Clone, Default)]
pub(crate) struct Lines(pub(crate) Arc<Mutex<Vec<String>>>, Arc<AtomicBool>);

impl Lines {
    pub(crate) fn follow(pipe: impl Read + Send + 'static) -> Lines {
        let lines = Lines::default();
        let l = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                l.0.lock().unwrap().push(line);
            }
            l.1.store(true, Ordering::Release);
        });
        lines
    }

    /// Everything, once the pipe has closed (the child has ended).
    pub(crate) fn all(&self) -> String {
        assert!(
            wait_for(Duration::from_secs(20), || self.1.load(Ordering::Acquire)),
            "the pipe did not close"
        );
        self.text()
    }

    pub(crate) fn any(&self, f: impl Fn(&str) -> bool) -> bool {
        self.0.lock().unwrap().iter().any(|l| f(l))
    }

    pub(crate) fn text(&self) -> String {
        self.0.lock().unwrap().join("\n")
    }
}

/// One request the HTTP server received.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Request {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A tiny HTTP/1.1 server on 127.0.0.1:0 that records requests and answers each with the
/// status `answer(n)` gives for the n-th request (0-based). With `hang`, it reads requests
/// and never answers (a slow webhook).
pub(crate) struct HttpServer {
    pub(crate) port: u16,
    pub(crate) requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
}

impl HttpServer {
    pub(crate) fn start(answer: impl Fn(usize) -> u16 + Send + Sync + 'static, hang: bool) -> HttpServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let answer = Arc::new(answer);
        let (reqs, stopped) = (requests.clone(), stop.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stopped.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (reqs, answer) = (reqs.clone(), answer.clone());
                std::thread::spawn(move || serve(conn, &reqs, &*answer, hang));
            }
        });
        HttpServer { port, requests, stop }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub(crate) fn received(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(
    conn: TcpStream,
    reqs: &Mutex<Vec<Request>>,
    answer: &(dyn Fn(usize) -> u16 + Send + Sync),
    hang: bool,
) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut writer = conn;
    loop {
        let mut start = String::new();
        if reader.read_line(&mut start).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = start.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let path = parts.next().unwrap_or("").to_string();
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                headers.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        let len: usize = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0u8; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let n = {
            let mut r = reqs.lock().unwrap();
            r.push(Request {
                method,
                path,
                headers,
                body: String::from_utf8_lossy(&body).into_owned(),
            });
            r.len() - 1
        };
        if hang {
            // Hold the connection open without answering until the client gives up.
            let mut sink = Vec::new();
            let _ = reader.read_to_end(&mut sink);
            return;
        }
        let status = answer(n);
        let reply = format!("HTTP/1.1 {status} X\r\nContent-Length: 2\r\n\r\nok");
        if writer.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}
