//! `cargo xtask setup`: installs whatever the build and the tests need and is missing.
//!
//! Every check is a quick probe (a `--version` call, a `dpkg-query`, a file read), so running
//! it before each `serve`/`dist`/`test` costs well under a second once all is in place. Each
//! tool gets one line saying whether it was present or has just been installed.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::error::Error;
use crate::process::{self, describe, probe};
use crate::workspace::{Workspace, BINARYEN_NPM_PACKAGE, TRUNK_VERSION, WASM_OPT_VERSION};

/// The compilation target of the browser build.
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Debian packages: clang compiles ring's C for wasm32; Chromium and its driver run the
/// browser tests; tshark checks exported captures.
const DEBIAN_PACKAGES: &[&str] = &["clang", "chromium", "chromium-driver", "tshark"];

/// Answers tshark's install-time question (may non-root users capture?) so the install
/// never waits for a person.
const TSHARK_DEBCONF_ANSWER: &str =
    "wireshark-common wireshark-common/install-setuid boolean false\n";

/// Runs every check and installs what is missing.
pub fn run(workspace: &Workspace) -> Result<(), Error> {
    let started = Instant::now();
    ensure_wasm_target()?;
    ensure_debian_packages()?;
    ensure_wasm_bindgen(workspace)?;
    ensure_trunk()?;
    ensure_wasm_opt(workspace)?;
    ensure_e2e_packages(workspace)?;
    println!("setup: done in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

fn report_present(tool: &str, detail: &str) {
    println!("setup: {tool:<28} present ({detail})");
}

fn report_installed(tool: &str, detail: &str, since: Instant) {
    println!(
        "setup: {tool:<28} installed ({detail}) in {:.1} s",
        since.elapsed().as_secs_f64()
    );
}

fn ensure_wasm_target() -> Result<(), Error> {
    let tool = "rustup target";
    let installed =
        probe("rustup", &["target", "list", "--installed"]).ok_or_else(|| Error::MissingTool {
            what: "rustup".to_owned(),
            remedy: "see https://rustup.rs (the project builds with the toolchain rustup manages)"
                .to_owned(),
        })?;
    if installed.lines().any(|line| line.trim() == WASM_TARGET) {
        report_present(tool, WASM_TARGET);
        return Ok(());
    }
    let since = Instant::now();
    process::run(Command::new("rustup").args(["target", "add", WASM_TARGET]))?;
    report_installed(tool, WASM_TARGET, since);
    Ok(())
}

/// Whether dpkg knows `package` as installed.
fn debian_package_installed(package: &str) -> bool {
    probe(
        "dpkg-query",
        &["--show", "--showformat=${db:Status-Status}", package],
    )
    .is_some_and(|status| status.trim() == "installed")
}

fn ensure_debian_packages() -> Result<(), Error> {
    let missing: Vec<&str> = DEBIAN_PACKAGES
        .iter()
        .copied()
        .filter(|package| !debian_package_installed(package))
        .collect();
    for package in DEBIAN_PACKAGES.iter().filter(|p| !missing.contains(p)) {
        report_present(&format!("apt {package}"), "dpkg");
    }
    if missing.is_empty() {
        return Ok(());
    }

    let needs_debconf_answer = missing.contains(&"tshark");
    let running_as_root = probe("id", &["-u"]).is_some_and(|uid| uid.trim() == "0");
    if !running_as_root {
        return Err(Error::MissingTool {
            what: format!("Debian package(s) {}", missing.join(", ")),
            remedy: apt_command_for(&missing),
        });
    }

    let since = Instant::now();
    if needs_debconf_answer {
        preseed_debconf(TSHARK_DEBCONF_ANSWER)?;
    }
    process::run(Command::new("apt-get").arg("update"))?;
    process::run(
        Command::new("apt-get")
            .args(["install", "-y"])
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )?;
    for package in &missing {
        report_installed(&format!("apt {package}"), "apt-get", since);
    }
    Ok(())
}

/// The one command a person with sudo runs to install `missing` the way setup would.
fn apt_command_for(missing: &[&str]) -> String {
    let mut command = String::from("sudo sh -c '");
    if missing.contains(&"tshark") {
        command.push_str(&format!(
            "echo \"{}\" | debconf-set-selections && ",
            TSHARK_DEBCONF_ANSWER.trim_end()
        ));
    }
    command.push_str(&format!(
        "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y {}'",
        missing.join(" ")
    ));
    command
}

fn preseed_debconf(answer: &str) -> Result<(), Error> {
    let mut command = Command::new("debconf-set-selections");
    command.stdin(Stdio::piped());
    let description = describe(&command);
    println!("$ echo '{}' | {description}", answer.trim_end());
    let mut child = command.spawn().map_err(|source| Error::Spawn {
        command: description.clone(),
        source,
    })?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(answer.as_bytes())
            .map_err(Error::io("writing to debconf-set-selections"))?;
    }
    let status = child
        .wait()
        .map_err(Error::io("waiting for debconf-set-selections"))?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::CommandFailed {
            command: description,
            status,
        })
    }
}

/// The second word of a `NAME VERSION` line, as `wasm-bindgen --version` and
/// `trunk --version` print.
fn version_word(output: &str, position: usize) -> Option<&str> {
    output.split_whitespace().nth(position)
}

fn ensure_wasm_bindgen(workspace: &Workspace) -> Result<(), Error> {
    let tool = "wasm-bindgen-cli";
    // The CLI must match the crate exactly; Cargo.lock is the single source of the version.
    let wanted = workspace.locked_version("wasm-bindgen")?;
    let found = probe("wasm-bindgen", &["--version"]);
    if found.as_deref().and_then(|text| version_word(text, 1)) == Some(wanted.as_str())
        && probe("wasm-bindgen-test-runner", &["--version"]).is_some()
    {
        report_present(tool, &wanted);
        return Ok(());
    }
    let since = Instant::now();
    // No `--locked`: the CLI's own lockfile pins a crate version the registry mirror lacks.
    process::run(Command::new("cargo").args([
        "install",
        "wasm-bindgen-cli",
        "--version",
        &wanted,
    ]))?;
    report_installed(tool, &wanted, since);
    Ok(())
}

fn ensure_trunk() -> Result<(), Error> {
    let tool = "trunk";
    let found = probe("trunk", &["--version"]);
    if found.as_deref().and_then(|text| version_word(text, 1)) == Some(TRUNK_VERSION) {
        report_present(tool, TRUNK_VERSION);
        return Ok(());
    }
    let since = Instant::now();
    process::run(Command::new("cargo").args([
        "install",
        "trunk",
        "--locked",
        "--version",
        TRUNK_VERSION,
    ]))?;
    report_installed(tool, TRUNK_VERSION, since);
    Ok(())
}

/// The npm client, or a message saying how to get it.
fn require_npm() -> Result<(), Error> {
    if probe("npm", &["--version"]).is_some() && probe("node", &["--version"]).is_some() {
        Ok(())
    } else {
        Err(Error::MissingTool {
            what: "Node.js 20+ with npm".to_owned(),
            remedy: "apt-get install -y nodejs npm   (Node.js 20 or newer is needed)".to_owned(),
        })
    }
}

fn ensure_wasm_opt(workspace: &Workspace) -> Result<(), Error> {
    let tool = "wasm-opt (npm binaryen)";
    let wasm_opt = workspace.binaryen_bin().join("wasm-opt");
    // Trunk reads the third word of `wasm-opt --version` ("wasm-opt version 132 ..."); so do we.
    let found = probe(&wasm_opt, &["--version"]);
    if found.as_deref().and_then(|text| version_word(text, 2)) == Some(WASM_OPT_VERSION) {
        report_present(tool, &format!("version {WASM_OPT_VERSION}"));
        return Ok(());
    }
    require_npm()?;
    let prefix = workspace.binaryen_prefix();
    fs::create_dir_all(&prefix).map_err(Error::io(format!("creating {}", prefix.display())))?;
    let since = Instant::now();
    process::run(
        Command::new("npm")
            .arg("install")
            .arg("--prefix")
            .arg(&prefix)
            .args(["--no-audit", "--no-fund", "--no-save", BINARYEN_NPM_PACKAGE]),
    )?;
    let found = probe(&wasm_opt, &["--version"]).unwrap_or_default();
    if version_word(&found, 2) != Some(WASM_OPT_VERSION) {
        return Err(Error::WrongToolVersion {
            tool: "wasm-opt",
            wanted: WASM_OPT_VERSION.to_owned(),
            found: found.trim().to_owned(),
        });
    }
    report_installed(tool, &format!("version {WASM_OPT_VERSION}"), since);
    Ok(())
}

/// The exact version `package.json` pins for `dependency`.
fn pinned_npm_version(package_json: &str, dependency: &str) -> Option<String> {
    json_string_after(package_json, &format!("\"{dependency}\""))
}

/// The string value following the first occurrence of `quoted_key` and a colon.
/// Enough for npm's machine-written, one-key-a-line JSON; no JSON parser needed.
fn json_string_after(text: &str, quoted_key: &str) -> Option<String> {
    let after_key = &text[text.find(quoted_key)? + quoted_key.len()..];
    let after_colon = after_key.trim_start().strip_prefix(':')?.trim_start();
    let value = after_colon.strip_prefix('"')?;
    Some(value[..value.find('"')?].to_owned())
}

fn installed_npm_version(e2e: &Path, dependency: &str) -> Option<String> {
    let manifest = e2e
        .join("node_modules")
        .join(dependency)
        .join("package.json");
    let text = fs::read_to_string(manifest).ok()?;
    json_string_after(&text, "\"version\"")
}

fn ensure_e2e_packages(workspace: &Workspace) -> Result<(), Error> {
    let tool = "npm ci (tests/e2e)";
    let e2e = workspace.e2e();
    let manifest_path = e2e.join("package.json");
    let manifest = fs::read_to_string(&manifest_path)
        .map_err(Error::io(format!("reading {}", manifest_path.display())))?;
    let dependency = "playwright-core";
    let wanted = pinned_npm_version(&manifest, dependency).ok_or_else(|| {
        Error::Check(format!(
            "{} must pin {dependency} to an exact version",
            manifest_path.display()
        ))
    })?;
    let detail = format!("{dependency} {wanted}");
    if installed_npm_version(&e2e, dependency).as_deref() == Some(wanted.as_str()) {
        report_present(tool, &detail);
        return Ok(());
    }
    require_npm()?;
    let since = Instant::now();
    process::run(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&e2e)
            // The tests drive Debian's Chromium; never fetch a browser build.
            .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"),
    )?;
    report_installed(tool, &detail, since);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_versions_the_way_the_tools_print_them() {
        assert_eq!(version_word("wasm-bindgen 0.2.130\n", 1), Some("0.2.130"));
        assert_eq!(version_word("trunk 0.21.14", 1), Some("0.21.14"));
        assert_eq!(
            version_word("wasm-opt version 132 (version_132)", 2),
            Some("132")
        );
        assert_eq!(version_word("", 1), None);
    }

    #[test]
    fn tells_a_non_root_user_the_exact_apt_command() {
        assert_eq!(
            apt_command_for(&["clang", "chromium"]),
            "sudo sh -c 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y clang chromium'"
        );
        assert_eq!(
            apt_command_for(&["tshark"]),
            "sudo sh -c 'echo \"wireshark-common wireshark-common/install-setuid boolean false\" \
             | debconf-set-selections && apt-get update && \
             DEBIAN_FRONTEND=noninteractive apt-get install -y tshark'"
        );
    }

    #[test]
    fn finds_the_pinned_and_the_installed_npm_versions() {
        let manifest = "{\n  \"name\": \"e2e\",\n  \"dependencies\": {\n    \"playwright-core\": \"1.65.1\"\n  }\n}";
        assert_eq!(
            pinned_npm_version(manifest, "playwright-core").as_deref(),
            Some("1.65.1")
        );
        assert_eq!(pinned_npm_version(manifest, "left-pad"), None);
        assert_eq!(
            json_string_after("{\"version\" : \"2.0.0\"}", "\"version\"").as_deref(),
            Some("2.0.0")
        );
    }
}
