//! The end-to-end stage: serve a built site under a sub-path on a random loopback port, run
//! the JavaScript tests in `tests/e2e/` against it with Node's test runner, and check the
//! server's own request log as a second witness (nothing outside the base path, no errors).

use std::fs;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, PoisonError};

use crate::error::Error;
use crate::http::{Served, StaticServer};
use crate::process;
use crate::workspace::Workspace;

/// The sub-path the site is served under, deeper than `/` so that a URL the build wrongly
/// made absolute fails the test.
pub const BASE_PATH: &str = "/static/lab/";
/// The browser the tests drive: Debian's Chromium; Playwright never downloads its own.
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// Runs the end-to-end tests against the site in `dist`.
pub fn run(workspace: &Workspace, dist: &Path) -> Result<(), Error> {
    if !dist.join("index.html").is_file() {
        return Err(Error::Check(format!(
            "{} has no index.html: build the site first (`cargo xtask dist`)",
            dist.display()
        )));
    }
    let tests = test_files(&workspace.e2e())?;
    let screenshots = workspace.screenshots();
    fs::create_dir_all(&screenshots)
        .map_err(Error::io(format!("creating {}", screenshots.display())))?;

    let loopback = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0));
    let server = StaticServer::bind(loopback, dist, BASE_PATH)?;
    let url = server.url()?;
    let requests: Arc<Mutex<Vec<Served>>> = Arc::default();
    let log_requests = Arc::clone(&requests);
    let running = server.spawn(Arc::new(move |served: &Served| {
        println!(
            "[http] {} {} -> {}",
            served.method, served.target, served.status
        );
        log_requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(served.clone());
    }))?;
    println!("e2e: serving {} at {url}", dist.display());

    let outcome = process::run(
        Command::new("node")
            .args(["--test", "--test-reporter=spec", "--test-concurrency=1"])
            .args(&tests)
            .current_dir(workspace.e2e())
            .env("SESSIONLAB_URL", &url)
            .env("SESSIONLAB_SCREENSHOTS", &screenshots)
            .env("SESSIONLAB_CHROMIUM", CHROMIUM),
    );
    running.stop();
    outcome?;

    let requests = requests.lock().unwrap_or_else(PoisonError::into_inner);
    check_request_log(&requests)?;
    println!(
        "e2e: {} requests served, all under {BASE_PATH} and successful; screenshots in {}",
        requests.len(),
        screenshots.display()
    );
    Ok(())
}

/// The `*.test.mjs` files of the end-to-end package, in a stable order.
fn test_files(e2e: &Path) -> Result<Vec<PathBuf>, Error> {
    let entries = fs::read_dir(e2e).map_err(Error::io(format!("listing {}", e2e.display())))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(Error::io(format!("listing {}", e2e.display())))?
            .path();
        if path
            .file_name()
            .and_then(|name| name.to_str())
            .is_some_and(|name| name.ends_with(".test.mjs"))
        {
            files.push(path);
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(Error::Check(format!(
            "no *.test.mjs files in {}",
            e2e.display()
        )));
    }
    Ok(files)
}

/// The server-side view of the run: every request stayed under the base path and succeeded.
fn check_request_log(requests: &[Served]) -> Result<(), Error> {
    if requests.is_empty() {
        return Err(Error::Check(
            "the site was never requested: did the tests run?".to_owned(),
        ));
    }
    let bad: Vec<String> = requests
        .iter()
        .filter(|served| !served.target.starts_with(BASE_PATH) || served.status >= 400)
        .map(|served| format!("{} {} -> {}", served.method, served.target, served.status))
        .collect();
    if bad.is_empty() {
        Ok(())
    } else {
        Err(Error::Check(format!(
            "the server saw requests outside {BASE_PATH} or answered them with an error:\n    {}",
            bad.join("\n    ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn served(target: &str, status: u16) -> Served {
        Served {
            method: "GET".to_owned(),
            target: target.to_owned(),
            status,
        }
    }

    #[test]
    fn the_request_log_must_stay_under_the_base_path_and_succeed() {
        assert!(check_request_log(&[served("/static/lab/", 200)]).is_ok());
        assert!(check_request_log(&[]).is_err());
        assert!(check_request_log(&[served("/favicon.ico", 404)]).is_err());
        assert!(check_request_log(&[served("/static/lab/x.js", 404)]).is_err());
    }
}
