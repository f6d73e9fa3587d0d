//! `cargo xtask dist`: the release site in `dist/`, built by Trunk, plus the Measure build of
//! the wasm (the crate's `measure` feature: the benchmark drivers and RSA key generation, which
//! the page's own wasm leaves out and the page loads only when needed), then checked for the
//! mistakes that would only show in a browser: a wasm module importing from `env` (C built for
//! the wrong target) and inline scripts, which the page's Content-Security-Policy blocks.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::Error;
use crate::process;
use crate::setup::WASM_TARGET;
use crate::workspace::{Workspace, WASM_OPT_VERSION};

/// The Measure build's file names in `dist/`: `sessionlab_measure.js` and its wasm.
pub const MEASURE_BUILD: &str = "sessionlab_measure";

/// Builds `dist/` in release mode and checks the result.
pub fn build(workspace: &Workspace) -> Result<(), Error> {
    build_into(workspace, &workspace.dist())?;
    println!("dist: {} is ready", workspace.dist().display());
    Ok(())
}

/// Builds the release site into `out` (Trunk's build and the Measure build) and checks it.
pub fn build_into(workspace: &Workspace, out: &Path) -> Result<(), Error> {
    check_trunk_pins(workspace)?;
    process::run(
        Command::new("trunk")
            .args(["build", "--release", "--dist"])
            .arg(out)
            .current_dir(workspace.root())
            .env("PATH", workspace.tool_path()?),
    )?;
    build_measure(workspace, out)?;
    check_site(out)
}

/// The Measure build, made the way Trunk makes the page's (same profile, wasm-bindgen for the
/// `web` target, `wasm-opt -Oz`), in a target folder of its own so that the two feature sets do
/// not rebuild each other.
fn build_measure(workspace: &Workspace, out: &Path) -> Result<(), Error> {
    let built = build_wasm(
        workspace,
        "measure",
        &["--lib", "--features", "measure"],
        "sessionlab.wasm",
    )?;
    for_the_web(workspace, &built, out, MEASURE_BUILD).map(|_| ())
}

/// Builds a target of the sessionlab package (`selection`: `--lib`, `--example NAME`, features)
/// for wasm32 with the release profile, in `target/FOLDER` so that it does not rebuild the
/// page's; returns the path of `artifact` (relative to the profile's output folder).
pub fn build_wasm(
    workspace: &Workspace,
    folder: &str,
    selection: &[&str],
    artifact: &str,
) -> Result<PathBuf, Error> {
    let target = workspace.root().join("target").join(folder);
    process::run(
        workspace
            .cargo()
            .args(["build", "--release", "-p", "sessionlab"])
            .args(selection)
            .args(["--target", WASM_TARGET, "--target-dir"])
            .arg(&target),
    )?;
    Ok(target.join(WASM_TARGET).join("release").join(artifact))
}

/// Makes a wasm that cargo built ready for the page, as Trunk makes the page's own: wasm-bindgen
/// for the `web` target (`NAME.js` and `NAME_bg.wasm` in `out`), then `wasm-opt -Oz`. Returns
/// the wasm's path.
pub fn for_the_web(
    workspace: &Workspace,
    built: &Path,
    out: &Path,
    name: &str,
) -> Result<PathBuf, Error> {
    process::run(
        Command::new("wasm-bindgen")
            .args([
                "--target",
                "web",
                "--no-typescript",
                "--out-name",
                name,
                "--out-dir",
            ])
            .arg(out)
            .arg(built)
            .env("PATH", workspace.tool_path()?),
    )?;
    let wasm = out.join(format!("{name}_bg.wasm"));
    process::run(
        Command::new("wasm-opt")
            .arg("-Oz")
            .arg("--output")
            .arg(&wasm)
            .arg(&wasm)
            .env("PATH", workspace.tool_path()?),
    )?;
    Ok(wasm)
}

/// `Trunk.toml` must pin the same wasm-bindgen as Cargo.lock and the wasm-opt setup installs;
/// offline Trunk would otherwise stop with a less direct message.
fn check_trunk_pins(workspace: &Workspace) -> Result<(), Error> {
    let locked = workspace.locked_version("wasm-bindgen")?;
    let pinned = workspace.trunk_setting("tools", "wasm_bindgen")?;
    if pinned.as_deref() != Some(locked.as_str()) {
        return Err(Error::Check(format!(
            "Trunk.toml [tools] wasm_bindgen is {pinned:?} but Cargo.lock has wasm-bindgen {locked}; \
             make them equal"
        )));
    }
    let wanted_wasm_opt = format!("version_{WASM_OPT_VERSION}");
    let pinned = workspace.trunk_setting("tools", "wasm_opt")?;
    if pinned.as_deref() != Some(wanted_wasm_opt.as_str()) {
        return Err(Error::Check(format!(
            "Trunk.toml [tools] wasm_opt is {pinned:?}; the set-up step installs {wanted_wasm_opt}"
        )));
    }
    Ok(())
}

/// Checks a built site folder.
pub fn check_site(dist: &Path) -> Result<(), Error> {
    let index = dist.join("index.html");
    let html =
        fs::read_to_string(&index).map_err(Error::io(format!("reading {}", index.display())))?;
    if let Some(script) = first_inline_script(&html) {
        return Err(Error::Check(format!(
            "{} has an inline script, which the page's CSP blocks: {script}",
            index.display()
        )));
    }

    let files = files_in(dist)?;
    let modules: Vec<String> = files
        .iter()
        .filter(|file| file.parent().and_then(Path::file_name) == Some("js".as_ref()))
        .filter_map(|file| file.file_name()?.to_str().map(str::to_owned))
        .collect();
    let missing = modules_not_preloaded(&html, &modules);
    if !missing.is_empty() {
        return Err(Error::Check(format!(
            "{} does not preload {}: add <link rel=\"modulepreload\" href=\"js/…\"> for each \
             (without it the browser finds them one import level at a time)",
            index.display(),
            missing.join(", ")
        )));
    }
    if !files
        .iter()
        .any(|file| file.extension().is_some_and(|e| e == "wasm"))
    {
        return Err(Error::Check(format!(
            "no .wasm file in {}: did Trunk build the crate?",
            dist.display()
        )));
    }
    for file in files
        .iter()
        .filter(|file| file.extension().is_some_and(|e| e == "js"))
    {
        let text =
            fs::read_to_string(file).map_err(Error::io(format!("reading {}", file.display())))?;
        if imports_env_module(&text) {
            return Err(Error::Check(format!(
                "{} imports from \"env\": C code in the wasm was compiled for the host, not \
                 wasm32 (is CC_wasm32_unknown_unknown set to gcc? clang is needed)",
                file.display()
            )));
        }
    }
    Ok(())
}

/// The page's modules in `js/` (`modules`, file names) that `html` neither preloads nor loads
/// itself; workers (`*-worker.js`) are not the page's.
fn modules_not_preloaded(html: &str, modules: &[String]) -> Vec<String> {
    modules
        .iter()
        .filter(|name| name.ends_with(".js") && !name.ends_with("-worker.js"))
        .filter(|name| {
            !html.contains(&format!("<link rel=\"modulepreload\" href=\"js/{name}\">"))
                && !html.contains(&format!("<script type=\"module\" src=\"js/{name}\">"))
        })
        .cloned()
        .collect()
}

/// Every regular file below `folder`.
fn files_in(folder: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut files = Vec::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(current) = pending.pop() {
        let entries =
            fs::read_dir(&current).map_err(Error::io(format!("listing {}", current.display())))?;
        for entry in entries {
            let path = entry
                .map_err(Error::io(format!("listing {}", current.display())))?
                .path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    Ok(files)
}

/// Whether wasm-bindgen's JS imports the host-C `env` module: the sign of objects compiled
/// for the wrong target, which makes the page fail to load.
fn imports_env_module(javascript: &str) -> bool {
    let compact: String = javascript.split_whitespace().collect();
    compact.contains("from\"env\"") || compact.contains("from'env'")
}

/// The opening tag of the first `<script>` that has code inside instead of a `src`.
fn first_inline_script(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let mut rest = 0;
    while let Some(found) = lower[rest..].find("<script") {
        let start = rest + found;
        let tag_end = start + lower[start..].find('>')?;
        let tag = &lower[start..=tag_end];
        let close = lower[tag_end..]
            .find("</script")
            .map_or(lower.len(), |offset| tag_end + offset);
        let has_code = !lower[tag_end + 1..close].trim().is_empty();
        // JSON data blocks are not executed, so the CSP does not apply to them.
        let is_data = tag.contains("application/json") || tag.contains("importmap");
        if !tag.contains("src=") && has_code && !is_data {
            return Some(html[start..=tag_end].to_owned());
        }
        rest = close;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_module_must_be_preloaded_or_loaded() {
        let html = r#"<link rel="modulepreload" href="js/dom.js">
            <script type="module" src="js/main.js"></script>"#;
        let modules = [
            "main.js",
            "dom.js",
            "tree.js",
            "measure-worker.js",
            "notes.txt",
        ]
        .map(str::to_owned);
        assert_eq!(modules_not_preloaded(html, &modules), ["tree.js"]);
    }

    #[test]
    fn spots_the_env_import_in_any_spacing() {
        assert!(imports_env_module("import * as x from \"env\";"));
        assert!(imports_env_module("import*as x from'env'"));
        assert!(!imports_env_module("import * as x from \"./env.js\";"));
    }

    #[test]
    fn spots_inline_scripts_but_not_module_files() {
        let html = r#"<head><script type="module" src="./main.js"></script></head>"#;
        assert_eq!(first_inline_script(html), None);
        let html = r#"<SCRIPT type="module" src="a.js"></SCRIPT><script type="module">import init from './x.js';</script>"#;
        assert_eq!(
            first_inline_script(html).as_deref(),
            Some(r#"<script type="module">"#)
        );
        assert_eq!(
            first_inline_script(r#"<script type="application/json">{}</script>"#),
            None
        );
    }
}
