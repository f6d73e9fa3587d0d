//! `cargo xtask test`: every check the project has, in order, stopping at the first failure.
//!
//! Stages are a plain list: to add one, write a `fn(&Workspace) -> Result<(), Error>` and add
//! a [`Stage`] to [`STAGES`]. Cheap static checks run first so a formatting slip fails in
//! seconds, not after the browser builds.

use std::env;
use std::time::{Duration, Instant};

use crate::dist;
use crate::e2e;
use crate::error::Error;
use crate::process;
use crate::setup::WASM_TARGET;
use crate::workspace::Workspace;

/// One step of the test run.
pub struct Stage {
    /// Short name, used by `--only`.
    pub name: &'static str,
    /// What the stage proves, for the banner.
    pub summary: &'static str,
    /// Runs the stage.
    pub run: fn(&Workspace) -> Result<(), Error>,
}

/// All stages, in the order they run.
pub const STAGES: &[Stage] = &[
    Stage {
        name: "fmt",
        summary: "code is formatted (cargo fmt --check)",
        run: fmt,
    },
    Stage {
        name: "clippy",
        summary: "clippy finds nothing, native targets",
        run: clippy_native,
    },
    Stage {
        name: "clippy-wasm",
        summary: "clippy finds nothing, wasm32 targets",
        run: clippy_wasm,
    },
    Stage {
        name: "doc",
        summary: "docs build without warnings, native",
        run: doc_native,
    },
    Stage {
        name: "doc-wasm",
        summary: "docs build without warnings, wasm32",
        run: doc_wasm,
    },
    Stage {
        name: "test",
        summary: "native tests pass",
        run: test_native,
    },
    Stage {
        name: "test-wasm",
        summary: "browser tests pass in headless Chromium",
        run: test_wasm,
    },
    Stage {
        name: "dist",
        summary: "the release site builds and passes its checks",
        run: dist::build,
    },
    Stage {
        name: "e2e",
        summary: "the built site works end to end in Chromium",
        run: e2e_on_dist,
    },
];

/// The chromedriver Debian's `chromium-driver` installs.
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Runs the stages named in `only` (all when empty), stopping at the first failure.
pub fn run(workspace: &Workspace, only: &[String]) -> Result<(), Error> {
    for name in only {
        if !STAGES.iter().any(|stage| stage.name == name) {
            return Err(Error::Usage(format!(
                "unknown stage `{name}`; stages: {}",
                stage_names()
            )));
        }
    }
    let selected: Vec<&Stage> = STAGES
        .iter()
        .filter(|stage| only.is_empty() || only.iter().any(|name| name == stage.name))
        .collect();

    let mut finished: Vec<(&str, Duration)> = Vec::new();
    for (position, stage) in selected.iter().enumerate() {
        banner(&format!(
            "stage {}/{}: {} — {}",
            position + 1,
            selected.len(),
            stage.name,
            stage.summary
        ));
        let started = Instant::now();
        if let Err(error) = (stage.run)(workspace) {
            banner(&format!("FAILED at stage `{}`", stage.name));
            return Err(error);
        }
        finished.push((stage.name, started.elapsed()));
    }

    banner("all stages passed");
    for (name, took) in &finished {
        println!("  {name:<12} ok  {:>7.1} s", took.as_secs_f64());
    }
    Ok(())
}

/// The stage names, comma-separated, for messages.
pub fn stage_names() -> String {
    STAGES
        .iter()
        .map(|stage| stage.name)
        .collect::<Vec<_>>()
        .join(", ")
}

fn banner(title: &str) {
    let rule = "=".repeat(72);
    println!("\n{rule}\n== {title}\n{rule}");
}

fn fmt(workspace: &Workspace) -> Result<(), Error> {
    process::run(workspace.cargo().args(["fmt", "--all", "--check"]))
}

fn clippy_native(workspace: &Workspace) -> Result<(), Error> {
    process::run(workspace.cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))
}

/// Both wasm builds: the page's, and the Measure build (the crate's `measure` feature).
fn clippy_wasm(workspace: &Workspace) -> Result<(), Error> {
    for features in [None, Some("sessionlab/measure")] {
        let mut command = workspace.cargo();
        command.args([
            "clippy",
            "-p",
            "sessionlab",
            "-p",
            "sessionlab-tests",
            "--all-targets",
            "--target",
            WASM_TARGET,
        ]);
        if let Some(features) = features {
            command.args(["--features", features]);
        }
        process::run(command.args(["--", "-D", "warnings"]))?;
    }
    Ok(())
}

fn doc_native(workspace: &Workspace) -> Result<(), Error> {
    process::run(
        workspace
            .cargo()
            .args(["doc", "--workspace", "--no-deps"])
            .env("RUSTDOCFLAGS", "-D warnings"),
    )
}

fn doc_wasm(workspace: &Workspace) -> Result<(), Error> {
    process::run(
        workspace
            .cargo()
            .args([
                "doc",
                "-p",
                "sessionlab",
                "--no-deps",
                "--target",
                WASM_TARGET,
                "--features",
                "measure",
            ])
            .env("RUSTDOCFLAGS", "-D warnings"),
    )
}

fn test_native(workspace: &Workspace) -> Result<(), Error> {
    process::run(workspace.cargo().args(["test", "--workspace"]))
}

fn test_wasm(workspace: &Workspace) -> Result<(), Error> {
    let mut command = workspace.cargo();
    // No `-q`: wasm-bindgen-test-runner rejects `--quiet`.
    command.args(["test", "-p", "sessionlab-tests", "--target", WASM_TARGET]);
    // A person's own choices win; otherwise use Debian's driver and the project's flags.
    if env::var_os("CHROMEDRIVER").is_none() {
        command.env("CHROMEDRIVER", CHROMEDRIVER);
    }
    if env::var_os("WASM_BINDGEN_TEST_WEBDRIVER_JSON").is_none() {
        command.env(
            "WASM_BINDGEN_TEST_WEBDRIVER_JSON",
            workspace.browser_tests().join("webdriver.json"),
        );
    }
    process::run(&mut command)
}

fn e2e_on_dist(workspace: &Workspace) -> Result<(), Error> {
    e2e::run(workspace, &workspace.dist())
}
