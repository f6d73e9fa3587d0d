//! A small static-file HTTP/1.1 server for the built site.
//!
//! It serves one folder under one base path (`/` for `cargo xtask serve`, a deeper path such as
//! `/static/lab/` for the end-to-end test, which proves the site works from any sub-path). It
//! answers GET and HEAD, sends the MIME types browsers insist on (`application/wasm` for
//! streaming compilation, `text/javascript` for modules), never lists a folder, and reports every
//! request it answers to a caller-supplied log. One thread per connection and
//! `Connection: close` keep it simple; the site is a handful of files on loopback.

use std::fs;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::error::Error;

/// The longest request head accepted; browsers send a few hundred bytes.
const MAX_REQUEST_HEAD: usize = 16 * 1024;
/// How long a connection may stay silent before it is dropped.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// One answered request, as given to the request log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served {
    /// The request method, e.g. `GET`.
    pub method: String,
    /// The request target exactly as the client sent it (path and query).
    pub target: String,
    /// The status code sent back.
    pub status: u16,
}

/// Receives every answered request.
pub type RequestLog = Arc<dyn Fn(&Served) + Send + Sync>;

/// A bound server that has not started answering yet.
pub struct StaticServer {
    listener: TcpListener,
    site: Arc<Site>,
}

/// What is served and where.
#[derive(Clone, Debug)]
struct Site {
    root: PathBuf,
    /// Always starts and ends with `/`.
    base_path: String,
    /// Responses to paths under this prefix (a folder of the site, with the base path, ending
    /// in `/`) carry the cross-origin isolation headers.
    isolated: Option<String>,
}

impl StaticServer {
    /// Binds `address` (port 0 picks a free port) to serve the folder `root` under `base_path`.
    pub fn bind(address: SocketAddr, root: &Path, base_path: &str) -> Result<StaticServer, Error> {
        let listener =
            TcpListener::bind(address).map_err(Error::io(format!("binding {address}")))?;
        let trimmed = base_path.trim_matches('/');
        let base_path = if trimmed.is_empty() {
            "/".to_owned()
        } else {
            format!("/{trimmed}/")
        };
        let site = Site {
            root: root.to_path_buf(),
            base_path,
            isolated: None,
        };
        Ok(StaticServer {
            listener,
            site: Arc::new(site),
        })
    }

    /// Makes the responses for the site's folder `folder` carry
    /// `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy:
    /// require-corp`, so that the pages there are cross-origin isolated: Chromium then gives
    /// `performance.now()` a 5 µs resolution instead of 100 µs, which the benchmark page's
    /// timings need. Only that folder: the site's own page is served as a static host serves it
    /// (no such headers; isolation also slows a fresh page's start, by ~80 ms measured here).
    pub fn cross_origin_isolated(self, folder: &str) -> StaticServer {
        let site = Arc::unwrap_or_clone(self.site);
        let site = Site {
            isolated: Some(format!("{}{}/", site.base_path, folder.trim_matches('/'))),
            ..site
        };
        StaticServer {
            listener: self.listener,
            site: Arc::new(site),
        }
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> Result<SocketAddr, Error> {
        self.listener
            .local_addr()
            .map_err(Error::io("reading the server's address"))
    }

    /// The site's URL, ending in `/`.
    pub fn url(&self) -> Result<String, Error> {
        Ok(format!(
            "http://{}{}",
            self.local_addr()?,
            self.site.base_path
        ))
    }

    /// Answers requests on this thread until the process ends.
    pub fn serve_forever(self, log: RequestLog) -> Result<(), Error> {
        let never = AtomicBool::new(false);
        accept_loop(&self.listener, &self.site, &log, &never);
        Ok(())
    }

    /// Answers requests on a background thread until [`RunningServer::stop`].
    pub fn spawn(self, log: RequestLog) -> Result<RunningServer, Error> {
        let address = self.local_addr()?;
        let stopping = Arc::new(AtomicBool::new(false));
        let thread_stopping = Arc::clone(&stopping);
        let thread = thread::Builder::new()
            .name("static-server".to_owned())
            .spawn(move || accept_loop(&self.listener, &self.site, &log, &thread_stopping))
            .map_err(Error::io("starting the server thread"))?;
        Ok(RunningServer {
            address,
            stopping,
            thread: Some(thread),
        })
    }
}

/// A server answering on a background thread; stopped when dropped.
pub struct RunningServer {
    address: SocketAddr,
    stopping: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl RunningServer {
    /// Stops accepting connections and waits for the accept loop to end.
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        // `accept` blocks; a throw-away connection wakes it so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.address, Duration::from_secs(1));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if self.thread.is_some() {
            self.shut_down();
        }
    }
}

fn accept_loop(listener: &TcpListener, site: &Arc<Site>, log: &RequestLog, stopping: &AtomicBool) {
    for connection in listener.incoming() {
        if stopping.load(Ordering::SeqCst) {
            break;
        }
        // A failed accept (e.g. the peer gave up) concerns one connection, not the server.
        let Ok(stream) = connection else { continue };
        let site = Arc::clone(site);
        let log = Arc::clone(log);
        let spawned = thread::Builder::new()
            .name("static-connection".to_owned())
            .spawn(move || {
                if let Some(served) = answer(stream, &site) {
                    log(&served);
                }
            });
        if let Err(error) = spawned {
            eprintln!("static server: cannot start a connection thread: {error}");
        }
    }
}

/// A response about to be written.
struct Response {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
    extra_headers: Vec<(&'static str, String)>,
}

impl Response {
    fn text(status: u16, body: &str) -> Response {
        Response {
            status,
            content_type: "text/plain; charset=utf-8",
            body: body.as_bytes().to_vec(),
            extra_headers: Vec::new(),
        }
    }

    fn redirect(location: String) -> Response {
        let mut response = Response::text(301, "Moved Permanently\n");
        response.extra_headers.push(("Location", location));
        response
    }
}

/// Reads one request from `stream`, writes the answer, and returns what to log.
/// `None` means the client sent nothing usable (or went away) and nothing was logged.
fn answer(stream: TcpStream, site: &Site) -> Option<Served> {
    stream.set_read_timeout(Some(READ_TIMEOUT)).ok()?;
    let mut reader = BufReader::new(stream);
    let head = read_request_head(&mut reader).ok()?;
    let mut stream = reader.into_inner();

    let mut words = head.lines().next().unwrap_or_default().split(' ');
    let (method, target, version) = (
        words.next().unwrap_or_default().to_owned(),
        words.next().unwrap_or_default().to_owned(),
        words.next().unwrap_or_default(),
    );
    let mut response = if !version.starts_with("HTTP/1.") || target.is_empty() {
        Response::text(400, "Bad Request\n")
    } else if method != "GET" && method != "HEAD" {
        let mut response = Response::text(405, "Method Not Allowed\n");
        response
            .extra_headers
            .push(("Allow", "GET, HEAD".to_owned()));
        response
    } else {
        respond_to_path(site, &target)
    };
    if site
        .isolated
        .as_deref()
        .is_some_and(|folder| target.starts_with(folder))
    {
        response.extra_headers.extend([
            ("Cross-Origin-Opener-Policy", "same-origin".to_owned()),
            ("Cross-Origin-Embedder-Policy", "require-corp".to_owned()),
        ]);
    }
    let status = response.status;
    // A client that hung up mid-response is not the server's problem; the log still tells.
    let _ = write_response(&mut stream, &response, method == "HEAD");
    Some(Served {
        method,
        target,
        status,
    })
}

fn read_request_head(reader: &mut BufReader<TcpStream>) -> io::Result<String> {
    let mut head = String::new();
    loop {
        let before = head.len();
        let read = reader.read_line(&mut head)?;
        let line = &head[before..];
        if read == 0 || head.len() > MAX_REQUEST_HEAD {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "incomplete or oversized request head",
            ));
        }
        if line == "\r\n" || line == "\n" {
            return Ok(head);
        }
    }
}

fn respond_to_path(site: &Site, target: &str) -> Response {
    let path = target.split(['?', '#']).next().unwrap_or_default();
    let Some(path) = percent_decode(path) else {
        return Response::text(400, "Bad Request\n");
    };
    // The base path without its slash: send the browser to the folder form, or relative
    // URLs in the page would resolve one level too high.
    if site.base_path.len() > 1 && path == site.base_path[..site.base_path.len() - 1] {
        return Response::redirect(site.base_path.clone());
    }
    let Some(relative) = path.strip_prefix(&site.base_path) else {
        return not_found();
    };
    let Some(mut file) = file_under(&site.root, relative) else {
        return not_found();
    };
    if file.is_dir() {
        if !relative.is_empty() && !relative.ends_with('/') {
            return if file.join("index.html").is_file() {
                Response::redirect(format!("{path}/"))
            } else {
                not_found()
            };
        }
        file.push("index.html");
    }
    match fs::read(&file) {
        Ok(body) => Response {
            status: 200,
            content_type: mime_type(&file),
            body,
            extra_headers: Vec::new(),
        },
        Err(_) => not_found(),
    }
}

fn not_found() -> Response {
    Response::text(404, "Not Found\n")
}

/// Maps a decoded URL path below the base path to a file below `root`, refusing anything
/// that could climb out of it.
fn file_under(root: &Path, relative: &str) -> Option<PathBuf> {
    if relative.contains('\\') || relative.contains('\0') {
        return None;
    }
    let mut file = root.to_path_buf();
    for component in Path::new(relative).components() {
        match component {
            Component::Normal(segment) => file.push(segment),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(file)
}

/// Decodes `%XX` escapes; `None` for a malformed escape or a non-UTF-8 result.
fn percent_decode(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = std::str::from_utf8(bytes.get(index + 1..index + 3)?).ok()?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

/// The Content-Type for a file, by extension.
fn mime_type(file: &Path) -> &'static str {
    let extension = file
        .extension()
        .and_then(|extension| extension.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    match extension.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "txt" | "md" => "text/plain; charset=utf-8",
        "pem" => "application/x-pem-file",
        "pcap" | "pcapng" => "application/vnd.tcpdump.pcap",
        _ => "application/octet-stream",
    }
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Unknown",
    }
}

fn write_response(stream: &mut TcpStream, response: &Response, head_only: bool) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n\
         Cache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n",
        response.status,
        reason_phrase(response.status),
        response.content_type,
        response.body.len()
    );
    for (name, value) in &response.extra_headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    if !head_only {
        stream.write_all(&response.body)?;
    }
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::net::{Ipv4Addr, SocketAddrV4};
    use std::sync::atomic::AtomicUsize;
    use std::sync::Mutex;

    /// A fresh folder holding a tiny site.
    fn site_folder() -> PathBuf {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let folder = std::env::temp_dir().join(format!(
            "xtask-http-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        fs::create_dir_all(folder.join("assets")).unwrap();
        fs::create_dir_all(folder.join("empty")).unwrap();
        fs::write(folder.join("index.html"), "<!doctype html><p>home").unwrap();
        fs::write(folder.join("app.js"), "export {};").unwrap();
        fs::write(folder.join("app_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
        fs::write(folder.join("assets").join("index.html"), "assets").unwrap();
        folder
    }

    fn start(base_path: &str) -> (RunningServer, String, Arc<Mutex<Vec<Served>>>) {
        let loopback = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0));
        serve(StaticServer::bind(loopback, &site_folder(), base_path).unwrap())
    }

    fn serve(server: StaticServer) -> (RunningServer, String, Arc<Mutex<Vec<Served>>>) {
        let url = server.url().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log_seen = Arc::clone(&seen);
        let running = server
            .spawn(Arc::new(move |served: &Served| {
                log_seen.lock().unwrap().push(served.clone())
            }))
            .unwrap();
        (running, url, seen)
    }

    /// Sends a raw request and returns (status, headers, body).
    fn request(server: &RunningServer, raw: &str) -> (u16, String, Vec<u8>) {
        let mut stream = TcpStream::connect(server.address).unwrap();
        stream.write_all(raw.as_bytes()).unwrap();
        let mut reply = Vec::new();
        stream.read_to_end(&mut reply).unwrap();
        let split = reply.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8(reply[..split].to_vec()).unwrap();
        let status = head[9..12].parse().unwrap();
        (status, head, reply[split + 4..].to_vec())
    }

    fn get(server: &RunningServer, path: &str) -> (u16, String, Vec<u8>) {
        request(
            server,
            &format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n"),
        )
    }

    #[test]
    fn serves_files_under_the_base_path_with_their_mime_types() {
        let (server, url, seen) = start("/static/lab/");
        assert!(url.starts_with("http://127.0.0.1:") && url.ends_with("/static/lab/"));

        let (status, head, body) = get(&server, "/static/lab/");
        assert_eq!(status, 200);
        assert!(head.contains("Content-Type: text/html"));
        assert_eq!(body, b"<!doctype html><p>home");

        let (_, head, _) = get(&server, "/static/lab/app.js?v=1");
        assert!(head.contains("Content-Type: text/javascript"));
        let (_, head, body) = get(&server, "/static/lab/app_bg.wasm");
        assert!(head.contains("Content-Type: application/wasm"));
        assert!(head.contains("Content-Length: 8"));
        assert_eq!(body.len(), 8);

        server.stop();
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 3);
        assert_eq!(seen[1].target, "/static/lab/app.js?v=1");
        assert_eq!(seen[1].status, 200);
    }

    #[test]
    fn isolation_headers_only_when_asked_for() {
        const ISOLATION: [&str; 2] = [
            "Cross-Origin-Opener-Policy: same-origin",
            "Cross-Origin-Embedder-Policy: require-corp",
        ];
        let has = |head: &str, header: &str| head.lines().any(|line| line == header);
        let (plain, _, _) = start("/");
        let (_, head, _) = get(&plain, "/app.js");
        assert!(ISOLATION.iter().all(|header| !has(&head, header)), "{head}");

        let loopback = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0));
        let bound = StaticServer::bind(loopback, &site_folder(), "/lab/").unwrap();
        let (isolated, url, _) = serve(bound.cross_origin_isolated("assets"));
        assert!(url.ends_with("/lab/"), "the base path survives: {url}");
        for path in [
            "/lab/assets/",
            "/lab/assets/index.html?fresh=1",
            "/lab/assets/missing",
        ] {
            let (_, head, _) = get(&isolated, path);
            assert!(
                ISOLATION.iter().all(|header| has(&head, header)),
                "{path}: {head}"
            );
        }
        for path in ["/lab/", "/lab/app.js", "/lab/assets"] {
            let (_, head, _) = get(&isolated, path);
            assert!(
                ISOLATION.iter().all(|header| !has(&head, header)),
                "{path}: {head}"
            );
        }
    }

    #[test]
    fn head_sends_headers_only() {
        let (server, _, _) = start("/");
        let (status, head, body) = request(&server, "HEAD /app.js HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(status, 200);
        assert!(head.contains("Content-Length: 10"));
        assert!(body.is_empty());
    }

    #[test]
    fn refuses_what_is_not_a_file_of_the_site() {
        let (server, _, _) = start("/static/lab/");
        assert_eq!(get(&server, "/index.html").0, 404, "outside the base path");
        assert_eq!(get(&server, "/static/lab/missing.js").0, 404);
        assert_eq!(get(&server, "/static/lab/empty/").0, 404, "no listing");
        assert_eq!(get(&server, "/static/lab/../lab/index.html").0, 404);
        assert_eq!(get(&server, "/static/lab/%2e%2e/secret").0, 404);
        assert_eq!(get(&server, "/static/lab/%zz").0, 400);
        let (status, head, _) = request(&server, "POST /static/lab/ HTTP/1.1\r\n\r\n");
        assert_eq!(status, 405);
        assert!(head.contains("Allow: GET, HEAD"));
        assert_eq!(request(&server, "nonsense\r\n\r\n").0, 400);
    }

    #[test]
    fn redirects_folders_to_their_slash_form() {
        let (server, _, _) = start("/static/lab");
        let (status, head, _) = get(&server, "/static/lab");
        assert_eq!(status, 301);
        assert!(head
            .split("\r\n")
            .any(|line| line == "Location: /static/lab/"));
        let (status, head, _) = get(&server, "/static/lab/assets");
        assert_eq!(status, 301);
        assert!(head.contains("Location: /static/lab/assets/"));
        assert_eq!(get(&server, "/static/lab/assets/").2, b"assets");
    }

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(percent_decode("/a%20b").as_deref(), Some("/a b"));
        assert_eq!(percent_decode("/a%2"), None);
        assert_eq!(percent_decode("/%ff"), None);
    }
}
