//! `cargo xtask bench`: how fast the lab is natively and in headless Chromium, on this machine,
//! in one run, printed as one table.
//!
//! 1. Builds the release site with Trunk into `target/bench-dist/` (not `dist/`, which a
//!    concurrent `cargo xtask dist` or e2e run may be using), unless `--dist` names a built site.
//! 2. Runs the core's drivers natively: `cargo run --release -p sessionlab --example bench --
//!    --lines`, timed with `Instant`.
//! 3. Measures every file of the site, raw and `gzip -9`, and the same for the TLS stack alone:
//!    the `tls_floor` example (an in-memory rustls handshake and nothing else) built for wasm
//!    the way the page is, the part of the download budget no page running rustls can avoid.
//! 4. Serves the site plus the benchmark page (`tests/bench/page/`, copied to `bench/` beside
//!    the site) on loopback, and runs `tests/bench/driver.mjs`, which drives Chromium: the same
//!    drivers compiled to wasm and timed with `performance.now()`, navigation to first step, and
//!    every step of the real page.
//! 5. Joins both sides' result lines (tab-separated `key=value`, see `sessionlab::bench`) into
//!    one Markdown table with budgets marked pass or miss, prints it, and keeps it (and the raw
//!    lines) in `target/bench/`.
//! 6. Rewrites the `native` member of `web/measure-reference.json` from this run's handshake
//!    figures: the page's Measure panel quotes them, with this run's date and machine, beside
//!    what it measures in the learner's browser. The file's other members (rustls' published
//!    figures, kept by hand) are left as they are.
//!
//! Budgets are reported, not enforced: the command fails only if the bench itself fails.

use std::collections::BTreeMap;
use std::fs;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::dist;
use crate::e2e::{BASE_PATH, CHROMIUM};
use crate::error::Error;
use crate::http::{Served, StaticServer};
use crate::process;
use crate::workspace::Workspace;

/// Timed samples per handshake or record workload unless `--samples` says otherwise.
pub const DEFAULT_SAMPLES: u32 = 200;
/// First handshakes timed, each alone, in a fresh page (their median is the "cold" figure).
const COLD_HANDSHAKES: u32 = 5;
/// Fresh navigations timed to the first rendered step.
const NAVIGATIONS: u32 = 5;
/// Where the benchmark page is served, below the site.
const BENCH_FOLDER: &str = "bench";

/// How both sides are built (the report's header and the page's reference figures).
const BUILDS: &str = "the release profile on both sides (opt-level \"z\", LTO, one codegen unit; \
                      ring at opt-level 3 with its C built with -msimd128 for wasm, and on wasm its P-256 \
                      signature checks in variable time (vendor/ring); rustls at \"s\"); the wasm is the site's \
                      Measure build (the page's lab plus the benchmark drivers; wasm-bindgen, wasm-opt -Oz)";

/// Budget: everything the page downloads, gzip, in bytes (300 kB, 1 kB = 1000 bytes).
const DOWNLOAD_BUDGET_BYTES: u64 = 300_000;
/// Budget: a full TLS 1.3 handshake in wasm (steady) ÷ native, Ed25519 certificate + X25519.
const ED25519_RATIO_BUDGET: f64 = 2.5;
/// Budget: the same with an ECDSA P-256 certificate + X25519.
const ECDSA_RATIO_BUDGET: f64 = 5.0;
/// Budget: every step rendered within one frame.
const FRAME_BUDGET_MS: f64 = 16.0;
/// Budget: the first step rendered this soon after navigation start.
const FIRST_STEP_BUDGET_MS: f64 = 500.0;

/// What `cargo xtask bench` was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// A built site to measure instead of building `dist/`.
    pub dist: Option<PathBuf>,
    /// Timed samples per handshake or record workload.
    pub samples: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            dist: None,
            samples: DEFAULT_SAMPLES,
        }
    }
}

/// Runs the whole benchmark and prints the table.
pub fn run(workspace: &Workspace, settings: &Settings) -> Result<(), Error> {
    let started = Instant::now();
    let load_before = load_average();
    let mut stages: Vec<(&str, Duration)> = Vec::new();

    let dist = match &settings.dist {
        Some(dist) => dist.clone(),
        None => {
            let since = Instant::now();
            let built = workspace.root().join("target").join("bench-dist");
            build_site(workspace, &built)?;
            stages.push(("build the site", since.elapsed()));
            built
        }
    };
    // The site is measured from a copy: `dist/` is shared, and another build may rewrite it
    // while the bench runs.
    let site = workspace.root().join("target").join("bench-site");
    snapshot(&dist, &site)?;

    let since = Instant::now();
    let samples = settings.samples.to_string();
    let native = process::capture(workspace.cargo().args([
        "run",
        "--release",
        "-p",
        "sessionlab",
        "--example",
        "bench",
        "--",
        "--lines",
        "--samples",
        &samples,
    ]))?;
    stages.push(("native (build and run)", since.elapsed()));

    let since = Instant::now();
    let files = file_sizes(&site)?;
    stages.push(("file sizes", since.elapsed()));

    let since = Instant::now();
    let tls_floor = build_tls_floor(workspace)?;
    stages.push(("the TLS stack alone (build)", since.elapsed()));

    let since = Instant::now();
    let browser = run_browser(workspace, &site, settings.samples);
    if let Err(error) = fs::remove_dir_all(&site) {
        eprintln!("bench: could not remove {}: {error}", site.display());
    }
    let browser = browser?;
    stages.push(("browser", since.elapsed()));

    let results = Results::new(&format!("{native}\n{browser}"));
    let context = Context {
        machine: Machine::read(),
        load_before,
        load_after: load_average(),
        samples: settings.samples,
    };
    let report = Report::build(&results, &files, &tls_floor, &context);
    let mut text = report.render();
    text.push_str(&format!(
        "\nThe bench took {}: {}.\n",
        minutes(started.elapsed()),
        stages
            .iter()
            .map(|(stage, took)| format!("{stage} {}", minutes(*took)))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    println!("\n{text}");

    let folder = workspace.root().join("target").join("bench");
    fs::create_dir_all(&folder).map_err(Error::io(format!("creating {}", folder.display())))?;
    let report_file = folder.join("report.md");
    fs::write(&report_file, &text)
        .map_err(Error::io(format!("writing {}", report_file.display())))?;
    let lines_file = folder.join("results.tsv");
    fs::write(&lines_file, format!("{native}\n{browser}"))
        .map_err(Error::io(format!("writing {}", lines_file.display())))?;
    println!(
        "bench: table in {}, raw results in {}",
        report_file.display(),
        lines_file.display()
    );

    let reference = workspace.root().join("web").join(REFERENCE_FILE);
    if settings.samples < DEFAULT_SAMPLES {
        println!(
            "bench: {} left as it was: the page quotes only runs of at least {DEFAULT_SAMPLES} \
             samples, and this one took {}",
            reference.display(),
            settings.samples
        );
        return Ok(());
    }
    if !browser_handshakes_measured(&results) {
        println!(
            "bench: {} left as it was: this run did not time every handshake in the browser \
             (SESSIONLAB_BENCH_ONLY), and the page quotes both halves of one run",
            reference.display()
        );
        return Ok(());
    }
    let facts = ReferenceFacts {
        date: utc_date(SystemTime::now()),
        rustls: workspace.locked_version("rustls")?,
    };
    update_reference(&reference, &native_reference(&results, &context, &facts))?;
    println!(
        "bench: the page's quoted native figures are in {}",
        reference.display()
    );
    Ok(())
}

/// Builds the release site into `out`, as `cargo xtask dist` builds `dist/`, and checks it.
fn build_site(workspace: &Workspace, out: &Path) -> Result<(), Error> {
    dist::build_into(workspace, out)
}

/// Trunk's staging folder inside the site folder while a build is under way.
const TRUNK_STAGE: &str = ".stage";
/// How long to wait for someone else's build of `dist/` to finish.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(600);

/// Copies the built site `dist` to `site`, waiting while a build is writing it, and checks the
/// copy: complete, and built with the core's `Bench` drivers.
fn snapshot(dist: &Path, site: &Path) -> Result<(), Error> {
    let deadline = Instant::now() + SETTLE_TIMEOUT;
    loop {
        let building = dist.join(TRUNK_STAGE).exists();
        if !building {
            if !dist.join("index.html").is_file() {
                return Err(Error::Check(format!(
                    "{} has no index.html: build the site first (`cargo xtask dist`)",
                    dist.display()
                )));
            }
            if site.exists() {
                fs::remove_dir_all(site)
                    .map_err(Error::io(format!("removing {}", site.display())))?;
            }
            copy_folder(dist, site)?;
            match check_snapshot(site) {
                Ok(()) => return Ok(()),
                // A build started while the files were copied: wait for it and copy again.
                Err(_) if dist.join(TRUNK_STAGE).exists() => {}
                Err(error) => return Err(error),
            }
        }
        if Instant::now() > deadline {
            return Err(Error::Check(format!(
                "{} is still being rebuilt by another build after {} s",
                dist.display(),
                SETTLE_TIMEOUT.as_secs()
            )));
        }
        println!(
            "bench: {} is being rebuilt by another build; waiting for it to finish",
            dist.display()
        );
        std::thread::sleep(Duration::from_secs(5));
    }
}

/// The copied site is whole and carries the core's benchmark drivers.
fn check_snapshot(site: &Path) -> Result<(), Error> {
    dist::check_site(site)?;
    let glue = site.join(format!("{}.js", dist::MEASURE_BUILD));
    let javascript =
        fs::read_to_string(&glue).map_err(Error::io(format!("reading {}", glue.display())))?;
    if !javascript.contains("class Bench") {
        return Err(Error::Check(format!(
            "{} has no `Bench` class: the site's Measure build lacks the core's benchmark drivers \
             (the crate's `measure` feature); rebuild it with `cargo xtask dist`",
            glue.display()
        )));
    }
    if site.join(BENCH_FOLDER).exists() {
        return Err(Error::Check(format!(
            "the site already has a `{BENCH_FOLDER}` folder, where the bench page would go"
        )));
    }
    Ok(())
}

/// Adds the bench page to the copied site, serves it, runs the browser driver, and returns
/// its result lines.
fn run_browser(workspace: &Workspace, site: &Path, samples: u32) -> Result<String, Error> {
    let bench = workspace.root().join("tests").join("bench");
    let driver = bench.join("driver.mjs");
    copy_folder(&bench.join("page"), &site.join(BENCH_FOLDER))?;

    let loopback = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0));
    // The bench page is cross-origin isolated (5 µs timer); the site's page is served plainly.
    let server = StaticServer::bind(loopback, site, BASE_PATH)?.cross_origin_isolated(BENCH_FOLDER);
    let url = server.url()?;
    let failures: Arc<Mutex<Vec<String>>> = Arc::default();
    let log_failures = Arc::clone(&failures);
    let running = server.spawn(Arc::new(move |served: &Served| {
        if served.status >= 400 {
            log_failures
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(format!(
                    "{} {} -> {}",
                    served.method, served.target, served.status
                ));
        }
    }))?;
    println!("bench: serving {} at {url}", site.display());
    let outcome = process::capture(
        Command::new("node")
            .arg(&driver)
            .current_dir(workspace.root())
            .env("SESSIONLAB_URL", &url)
            .env("SESSIONLAB_CHROMIUM", CHROMIUM)
            .env("SESSIONLAB_E2E_DIR", workspace.e2e())
            .env("SESSIONLAB_BENCH_SAMPLES", samples.to_string())
            .env("SESSIONLAB_BENCH_COLD", COLD_HANDSHAKES.to_string())
            .env("SESSIONLAB_BENCH_NAVIGATIONS", NAVIGATIONS.to_string()),
    );
    running.stop();
    let failures = failures.lock().unwrap_or_else(PoisonError::into_inner);
    if !failures.is_empty() {
        eprintln!(
            "bench: the server answered with errors:\n    {}",
            failures.join("\n    ")
        );
    }
    outcome
}

/// Copies the files below `from` into `to`, creating folders as needed.
fn copy_folder(from: &Path, to: &Path) -> Result<(), Error> {
    fs::create_dir_all(to).map_err(Error::io(format!("creating {}", to.display())))?;
    let entries = fs::read_dir(from).map_err(Error::io(format!("listing {}", from.display())))?;
    for entry in entries {
        let entry = entry.map_err(Error::io(format!("listing {}", from.display())))?;
        if entry.file_name() == TRUNK_STAGE {
            continue;
        }
        let source = entry.path();
        let target = to.join(entry.file_name());
        if source.is_dir() {
            copy_folder(&source, &target)?;
        } else {
            fs::copy(&source, &target).map_err(Error::io(format!(
                "copying {} to {}",
                source.display(),
                target.display()
            )))?;
        }
    }
    Ok(())
}

/// One file of the site and its size.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileSize {
    /// Relative to the site, with `/` separators.
    path: String,
    raw: u64,
    gzip: u64,
}

/// Every file below `dist`, raw and as `gzip -9` makes it, sorted by path.
fn file_sizes(dist: &Path) -> Result<Vec<FileSize>, Error> {
    let mut sizes = Vec::new();
    let mut pending = vec![dist.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let entries =
            fs::read_dir(&folder).map_err(Error::io(format!("listing {}", folder.display())))?;
        for entry in entries {
            let path = entry
                .map_err(Error::io(format!("listing {}", folder.display())))?
                .path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let raw = fs::metadata(&path)
                .map_err(Error::io(format!("reading {}", path.display())))?
                .len();
            let gzipped = process::output(Command::new("gzip").args(["-9", "-c"]).arg(&path))?;
            let relative = path.strip_prefix(dist).unwrap_or(&path);
            sizes.push(FileSize {
                path: relative
                    .components()
                    .map(|part| part.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/"),
                raw,
                gzip: gzipped.len() as u64,
            });
        }
    }
    sizes.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(sizes)
}

/// The example that is the TLS stack alone, and the function it exports.
const TLS_FLOOR: &str = "tls_floor";
const TLS_FLOOR_EXPORT: &str = "tls_floor_handshake";

/// Builds the `tls_floor` example as the page's wasm is built (release profile, wasm-bindgen
/// for the `web` target, `wasm-opt -Oz`) into `target/bench/tls-floor/`, and returns its files'
/// sizes.
fn build_tls_floor(workspace: &Workspace) -> Result<Vec<FileSize>, Error> {
    let built = dist::build_wasm(
        workspace,
        "tls-floor",
        &["--example", TLS_FLOOR],
        &format!("examples/{TLS_FLOOR}.wasm"),
    )?;
    let out = workspace
        .root()
        .join("target")
        .join("bench")
        .join("tls-floor");
    if out.exists() {
        fs::remove_dir_all(&out).map_err(Error::io(format!("removing {}", out.display())))?;
    }
    let wasm = dist::for_the_web(workspace, &built, &out, TLS_FLOOR)?;
    // Were the handshake's export lost, wasm-opt would have removed the handshake with it and
    // the module would weigh next to nothing.
    let bytes = fs::read(&wasm).map_err(Error::io(format!("reading {}", wasm.display())))?;
    if !bytes
        .windows(TLS_FLOOR_EXPORT.len())
        .any(|window| window == TLS_FLOOR_EXPORT.as_bytes())
    {
        return Err(Error::Check(format!(
            "{} does not export {TLS_FLOOR_EXPORT}: its size would not be the TLS stack's",
            wasm.display()
        )));
    }
    file_sizes(&out)
}

/// The CPU, as `/proc/cpuinfo` names it, and how many logical CPUs there are.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Machine {
    cpu: String,
    logical_cpus: usize,
}

impl Machine {
    fn read() -> Machine {
        let text = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let mut machine = Machine::from_cpuinfo(&text);
        if machine.logical_cpus == 0 {
            machine.logical_cpus = std::thread::available_parallelism().map_or(0, usize::from);
        }
        machine
    }

    fn from_cpuinfo(text: &str) -> Machine {
        let field = |line: &str, name: &str| {
            line.split_once(':')
                .filter(|(key, _)| key.trim() == name)
                .map(|(_, value)| value.trim().to_owned())
        };
        let cpu = text
            .lines()
            .find_map(|line| field(line, "model name"))
            .unwrap_or_else(|| "unknown CPU".to_owned());
        let logical_cpus = text
            .lines()
            .filter(|line| field(line, "processor").is_some())
            .count();
        Machine { cpu, logical_cpus }
    }
}

/// The 1-minute load average, from `/proc/loadavg`.
fn load_average() -> Option<String> {
    fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next().map(str::to_owned))
}

/// One result line: its kind and fields.
#[derive(Debug, Clone, PartialEq)]
struct Line {
    kind: String,
    fields: BTreeMap<String, String>,
}

impl Line {
    fn get(&self, key: &str) -> Option<&str> {
        self.fields.get(key).map(String::as_str)
    }

    fn number(&self, key: &str) -> Option<f64> {
        self.get(key)
            .and_then(|value| value.parse::<f64>().ok())
            .filter(|value| value.is_finite())
    }
}

/// Parses `kind<TAB>key=value<TAB>…` lines, skipping anything else.
fn parse_lines(text: &str) -> Vec<Line> {
    text.lines()
        .filter_map(|line| {
            let mut parts = line.split('\t');
            let kind = parts.next()?.trim();
            if kind.is_empty() || kind.contains(' ') {
                return None;
            }
            let fields: BTreeMap<String, String> = parts
                .filter_map(|part| part.split_once('='))
                .map(|(key, value)| (key.to_owned(), value.to_owned()))
                .collect();
            (!fields.is_empty()).then(|| Line {
                kind: kind.to_owned(),
                fields,
            })
        })
        .collect()
}

/// All result lines of a run, native and browser.
struct Results {
    lines: Vec<Line>,
}

impl Results {
    fn new(text: &str) -> Results {
        Results {
            lines: parse_lines(text),
        }
    }

    fn of_kind<'a>(&'a self, kind: &str) -> impl Iterator<Item = &'a Line> + 'a {
        let kind = kind.to_owned();
        self.lines.iter().filter(move |line| line.kind == kind)
    }

    /// A driver result: `kind` workload `id` measured on `target` in `phase`.
    fn measured(&self, kind: &str, id: &str, target: &str, phase: &str) -> Option<&Line> {
        self.of_kind(kind).find(|line| {
            line.get("id") == Some(id)
                && line.get("target") == Some(target)
                && line.get("phase") == Some(phase)
        })
    }

    /// Workload ids of `kind`, in the order first seen.
    fn ids(&self, kind: &str) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for line in self.of_kind(kind) {
            if let Some(id) = line.get("id") {
                if !ids.iter().any(|seen| seen == id) {
                    ids.push(id.to_owned());
                }
            }
        }
        ids
    }

    fn median(&self, kind: &str, id: &str, target: &str, phase: &str) -> Option<f64> {
        self.measured(kind, id, target, phase)
            .and_then(|line| line.number("median_ms"))
    }
}

/// Facts about the run that are not measurements.
struct Context {
    machine: Machine,
    load_before: Option<String>,
    load_after: Option<String>,
    samples: u32,
}

/// Whether a budget is met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Pass,
    Miss,
    Unknown,
}

impl Verdict {
    fn of(met: Option<bool>) -> Verdict {
        match met {
            Some(true) => Verdict::Pass,
            Some(false) => Verdict::Miss,
            None => Verdict::Unknown,
        }
    }

    fn word(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Miss => "MISS",
            Verdict::Unknown => "not measured",
        }
    }
}

/// One budget's outcome.
#[derive(Debug, Clone, PartialEq)]
struct Budget {
    name: String,
    verdict: Verdict,
}

/// The table's columns.
const COLUMNS: [&str; 7] = [
    "Measure",
    "Native",
    "Browser",
    "Browser, cold",
    "Browser ÷ native",
    "Resumed ÷ full (native / browser)",
    "Budget",
];

/// The report: header lines, one table, notes and budgets.
struct Report {
    header: Vec<String>,
    rows: Vec<[String; 7]>,
    notes: Vec<String>,
    budgets: Vec<Budget>,
}

impl Report {
    fn build(
        results: &Results,
        files: &[FileSize],
        tls_floor: &[FileSize],
        context: &Context,
    ) -> Report {
        let mut report = Report {
            header: Vec::new(),
            rows: Vec::new(),
            notes: Vec::new(),
            budgets: Vec::new(),
        };
        report.describe(results, context);
        report.handshakes(results);
        report.records(results);
        report.labs(results);
        report.steps(results);
        report.navigation(results);
        report.files(results, files, tls_floor);
        report
    }

    fn row(&mut self, cells: [String; 7]) {
        self.rows.push(cells);
    }

    /// Records a budget and returns the text of its table cell.
    fn budget(&mut self, name: &str, rule: &str, met: Option<bool>) -> String {
        let verdict = Verdict::of(met);
        self.budgets.push(Budget {
            name: format!("{name} ({rule})"),
            verdict,
        });
        format!("{rule}: {}", verdict.word())
    }

    fn describe(&mut self, results: &Results, context: &Context) {
        let machine = &context.machine;
        let load = |value: &Option<String>| value.clone().unwrap_or_else(|| "?".to_owned());
        self.header.push(format!(
            "Machine: {}, {} logical CPUs (1-minute load average {} at the start, {} at the end: \
             other processes share these CPUs).",
            machine.cpu,
            machine.logical_cpus,
            load(&context.load_before),
            load(&context.load_after)
        ));
        let version = results
            .of_kind("browser")
            .find_map(|line| line.get("version"))
            .unwrap_or("?");
        let timer = results.of_kind("timer").next();
        self.header.push(format!(
            "Browser: Chromium {version}, headless, driven by playwright-core. The bench page is \
             served with cross-origin isolation headers: its performance.now() resolution {} ms, \
             crossOriginIsolated {}. The site's own page (navigation and steps) is served as a \
             static host serves it, without them.",
            timer
                .and_then(|line| line.get("resolution_ms"))
                .unwrap_or("?"),
            timer
                .and_then(|line| line.get("cross_origin_isolated"))
                .unwrap_or("?")
        ));
        self.header.push(format!("Builds: {BUILDS}."));
        let handshakes = |target: &str| {
            let counts: Vec<u64> = results
                .of_kind("handshake")
                .filter(|line| line.get("target") == Some(target))
                .filter(|line| line.get("phase") == Some("steady"))
                .filter_map(|line| line.get("iterations")?.parse().ok())
                .collect();
            match (counts.iter().min(), counts.iter().max()) {
                (Some(low), Some(high)) => format!("{low}–{high}"),
                _ => "?".to_owned(),
            }
        };
        self.header.push(format!(
            "Method: the same drivers (`sessionlab::bench`) natively (timed with Instant) and \
             as wasm in the page (timed with performance.now()). Handshakes and records: median \
             of {} samples after a warm-up of at least 150 iterations and 0.5 s (at most 2 s); \
             each sample times a batch lasting at least 2 ms, so each row times {} handshakes \
             natively and {} in the browser. \"Cold\": median of the first {COLD_HANDSHAKES} \
             handshakes (each timed alone) in a fresh page: a new browser context, the wasm at a \
             URL of its own. A handshake is a new client and server connection pair in one \
             process or page, over an in-memory buffer until both are idle (tickets included). \
             Records: one 16 KiB application-data record sealed by the rustls client and opened \
             by the rustls server (MB = 10^6 bytes of plaintext). Labs: \
             `Lab::with_chapter(default options)` (certificates, the whole chapter, its \
             analysis), median of 5 after one warm-up; cold = the first in a fresh page. A cold \
             full handshake follows only the making of its certificates and configurations; a \
             cold resumed one follows the one full handshake that made its ticket or session. \
             Steps: the real page (dist/index.html); each ArrowRight is dispatched at the start \
             of a frame (in a requestAnimationFrame callback) and timed until that frame has \
             been rendered (a message posted from the callback); each chapter is walked several \
             times, in rounds through all chapters (so a chapter's walks lie a round apart), \
             and a step's time is its median over the walks, so that a step slow every time \
             stands apart from a one-off pause (the worst single press is shown too). Three \
             views: the page at its top; the flight's bytes in view, pressing as fast as frames \
             come (a held key: the work a step leaves for idle time never runs); the same at a \
             reader's pace, a pause before each press, so that the page finishes that work \
             (records below the window, hex rows, parts put off) and the next step replaces it. \
             First step: navigation start → the frame after `#lab-status` says ready, in \
             {NAVIGATIONS} fresh pages.",
            context.samples,
            handshakes("native"),
            handshakes("wasm")
        ));
        for note in results.of_kind("note").filter_map(|line| line.get("text")) {
            self.notes.push(format!("The page: {note}."));
        }
    }

    fn handshakes(&mut self, results: &Results) {
        for id in results.ids("handshake") {
            let native = results.median("handshake", &id, "native", "steady");
            let wasm = results.median("handshake", &id, "wasm", "steady");
            let cold = results.median("handshake", &id, "wasm", "cold");
            let ratio = ratio_of(wasm, native);
            let line = results
                .of_kind("handshake")
                .find(|line| line.get("id") == Some(id.as_str()));
            let label = line
                .and_then(|line| line.get("label"))
                .unwrap_or(&id)
                .to_owned();
            let resumed = line.and_then(|line| line.get("full")).map(|full| {
                let native_full = results.median("handshake", full, "native", "steady");
                let wasm_full = results.median("handshake", full, "wasm", "steady");
                format!(
                    "{} / {}",
                    times(ratio_of(native, native_full)),
                    times(ratio_of(wasm, wasm_full))
                )
            });
            let budget = match id.as_str() {
                "tls13-full-ed25519-x25519" => self.budget(
                    "full TLS 1.3 handshake, Ed25519 + X25519, browser ÷ native",
                    "≤ 2.5×",
                    ratio.map(|r| r <= ED25519_RATIO_BUDGET),
                ),
                "tls13-full-ecdsa-p256-x25519" => self.budget(
                    "full TLS 1.3 handshake, ECDSA P-256 + X25519, browser ÷ native",
                    "≤ 5×",
                    ratio.map(|r| r <= ECDSA_RATIO_BUDGET),
                ),
                _ => String::new(),
            };
            self.row([
                label,
                ms(native),
                ms(wasm),
                ms(cold),
                times(ratio),
                resumed.unwrap_or_default(),
                budget,
            ]);
        }
    }

    fn records(&mut self, results: &Results) {
        for id in results.ids("records") {
            let rate = |target| {
                results
                    .measured("records", &id, target, "steady")
                    .and_then(|line| line.number("mb_per_s"))
            };
            let (native, wasm) = (rate("native"), rate("wasm"));
            self.row([
                format!("16 KiB records, seal + open, {id}"),
                per_second(native),
                per_second(wasm),
                String::new(),
                // Time per record, browser ÷ native.
                times(ratio_of(native, wasm)),
                String::new(),
                String::new(),
            ]);
        }
    }

    fn labs(&mut self, results: &Results) {
        for id in results.ids("lab") {
            let native = results.median("lab", &id, "native", "steady");
            let wasm = results.median("lab", &id, "wasm", "steady");
            self.row([
                format!("Lab made, chapter {id}"),
                ms(native),
                ms(wasm),
                ms(results.median("lab", &id, "wasm", "cold")),
                times(ratio_of(wasm, native)),
                String::new(),
                String::new(),
            ]);
        }
    }

    fn steps(&mut self, results: &Results) {
        const FRAME_BUDGET_NAME: &str = "every step rendered within one frame";
        const FRAME_BUDGET_RULE: &str = "slowest step ≤ 16 ms";
        let chapters: Vec<Line> = results.of_kind("steps").cloned().collect();
        // The budget holds each step to a frame by its typical time (its median over the
        // walks); a garbage collection or a compile on another core can stretch any one press.
        let slowest = chapters
            .iter()
            .filter_map(|line| line.number("slowest_median_ms"))
            .reduce(f64::max);
        for (index, line) in chapters.iter().enumerate() {
            let chapter = line.get("chapter").unwrap_or("?");
            let mut chapter = if line.get("source") == Some("default") {
                "the page's default chapter".to_owned()
            } else {
                format!("chapter {chapter}")
            };
            match line.get("view") {
                Some("bytes") => chapter.push_str(", bytes in view"),
                Some("reading") => chapter.push_str(&format!(
                    ", bytes in view, a press {} after the step before (reading)",
                    ms(line.number("pause_ms"))
                )),
                _ => {}
            }
            let budget = if index == 0 {
                self.budget(
                    FRAME_BUDGET_NAME,
                    FRAME_BUDGET_RULE,
                    slowest.map(|s| s <= FRAME_BUDGET_MS),
                )
            } else {
                String::new()
            };
            self.row([
                format!(
                    "Step: ArrowRight → view rendered, {chapter} ({} presses × {} walks)",
                    line.get("presses").unwrap_or("?"),
                    line.get("walks").unwrap_or("?")
                ),
                String::new(),
                format!(
                    "median {} · slowest step {} (step {}) · worst press {}",
                    ms(line.number("median_ms")),
                    ms(line.number("slowest_median_ms")),
                    line.get("slowest_step").unwrap_or("?"),
                    ms(line.number("worst_ms"))
                ),
                String::new(),
                String::new(),
                String::new(),
                budget,
            ]);
            self.notes.push(format!(
                "Steps, {chapter}: the slowest step, {}, was \"{}\"; the page's key handler alone \
                 (wasm + DOM updates) took median {}, worst {}; the rest is style, layout and \
                 paint.",
                line.get("slowest_step").unwrap_or("?"),
                line.get("slowest_title").unwrap_or("?"),
                ms(line.number("handler_median_ms")),
                ms(line.number("handler_worst_ms"))
            ));
        }
        let typical: Vec<f64> = chapters.iter().flat_map(step_medians).collect();
        if !typical.is_empty() {
            let over = typical.iter().filter(|&&ms| ms > FRAME_BUDGET_MS).count();
            self.notes.push(format!(
                "Steps over {FRAME_BUDGET_MS} ms by their median over the walks: {over} of {} \
                 (every view, every chapter).",
                typical.len()
            ));
        }
        if chapters.is_empty() {
            let budget = self.budget(FRAME_BUDGET_NAME, FRAME_BUDGET_RULE, None);
            self.row(empty_row("Step: ArrowRight → view rendered", budget));
        }
    }

    fn navigation(&mut self, results: &Results) {
        let painted: Vec<f64> = results
            .of_kind("navigation")
            .filter_map(|line| line.number("painted_ms"))
            .collect();
        let median = median_of(&painted);
        let worst = painted.iter().copied().fold(None, |worst: Option<f64>, v| {
            Some(worst.map_or(v, |w| w.max(v)))
        });
        let budget = self.budget(
            "first step rendered after navigation",
            "median ≤ 500 ms",
            median.map(|m| m <= FIRST_STEP_BUDGET_MS),
        );
        self.row([
            format!(
                "First step rendered, from navigation start ({} fresh pages)",
                painted.len()
            ),
            String::new(),
            String::new(),
            format!("median {} · worst {}", ms(median), ms(worst)),
            String::new(),
            String::new(),
            budget,
        ]);
    }

    fn files(&mut self, results: &Results, files: &[FileSize], tls_floor: &[FileSize]) {
        let requested: Vec<&str> = results
            .of_kind("request")
            .filter_map(|line| line.get("path"))
            .map(|path| if path.is_empty() { "index.html" } else { path })
            .collect();
        for file in files {
            let downloaded = requested.contains(&file.path.as_str());
            self.row([
                format!(
                    "dist/{}{}",
                    file.path,
                    if downloaded || requested.is_empty() {
                        ""
                    } else {
                        " (not downloaded by the page)"
                    }
                ),
                String::new(),
                size(file.gzip, file.raw),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ]);
        }
        let (count, gzip, raw) = totals(files);
        self.row([
            format!("All of dist/ ({count} files)"),
            String::new(),
            size(gzip, raw),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ]);
        let missing: Vec<&str> = requested
            .iter()
            .copied()
            .filter(|path| !files.iter().any(|file| file.path == *path))
            .collect();
        if !missing.is_empty() {
            self.notes.push(format!(
                "The page requested files that dist/ does not have: {}.",
                missing.join(", ")
            ));
        }
        let (count, gzip, raw) = totals(
            files
                .iter()
                .filter(|file| requested.contains(&file.path.as_str())),
        );
        let met = (!requested.is_empty()).then_some(gzip <= DOWNLOAD_BUDGET_BYTES);
        let budget = self.budget("everything the page downloads", "≤ 300 kB gzip", met);
        self.row([
            format!("Downloaded by the page ({count} files, {gzip} bytes gzip)"),
            String::new(),
            size(gzip, raw),
            String::new(),
            String::new(),
            String::new(),
            budget,
        ]);
        self.tls_floor(&requested, files, tls_floor);
    }

    /// The TLS stack alone, beside the download budget: what is left of the budget once a page
    /// runs rustls at all, against what the page's files other than its wasm weigh.
    fn tls_floor(&mut self, requested: &[&str], files: &[FileSize], tls_floor: &[FileSize]) {
        if tls_floor.is_empty() {
            return;
        }
        let (count, gzip, raw) = totals(tls_floor);
        self.row([
            format!(
                "The TLS stack alone: a wasm doing only an in-memory rustls handshake \
                 (example {TLS_FLOOR}, {count} files)"
            ),
            String::new(),
            size(gzip, raw),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ]);
        let (_, besides_wasm, _) = totals(files.iter().filter(|file| {
            requested.contains(&file.path.as_str()) && !file.path.ends_with(".wasm")
        }));
        self.notes.push(format!(
            "Download budget: the TLS stack alone (rustls, webpki, ring and std; example \
             {TLS_FLOOR}, built with the page's profile and tools) is {} kB gzip, which leaves \
             {} kB of the 300 kB for everything else; the page's other files (HTML, CSS, \
             JavaScript, its icon) are {} kB gzip.",
            kilobytes(gzip),
            kilobytes(DOWNLOAD_BUDGET_BYTES.saturating_sub(gzip)),
            kilobytes(besides_wasm)
        ));
    }

    fn render(&self) -> String {
        let mut text = String::from("## Session Lab benchmark\n\n");
        for line in &self.header {
            text.push_str(line);
            text.push_str("\n\n");
        }
        let header: [String; 7] = COLUMNS.map(str::to_owned);
        let widths: Vec<usize> = (0..COLUMNS.len())
            .map(|column| {
                std::iter::once(&header)
                    .chain(&self.rows)
                    .map(|row| row[column].chars().count())
                    .max()
                    .unwrap_or(0)
                    .max(3)
            })
            .collect();
        let render_row = |row: &[String; 7]| {
            let cells: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(cell, width)| {
                    format!(
                        "{cell}{}",
                        " ".repeat(width.saturating_sub(cell.chars().count()))
                    )
                })
                .collect();
            format!("| {} |\n", cells.join(" | "))
        };
        text.push_str(&render_row(&header));
        let rule: Vec<String> = widths
            .iter()
            .enumerate()
            .map(|(column, width)| {
                if column == 0 || column + 1 == COLUMNS.len() {
                    "-".repeat(*width)
                } else {
                    format!("{}:", "-".repeat(width.saturating_sub(1)))
                }
            })
            .collect();
        text.push_str(&format!("| {} |\n", rule.join(" | ")));
        for row in &self.rows {
            text.push_str(&render_row(row));
        }
        if !self.notes.is_empty() {
            text.push('\n');
            for note in &self.notes {
                text.push_str(&format!("- {note}\n"));
            }
        }
        let passed = self
            .budgets
            .iter()
            .filter(|budget| budget.verdict == Verdict::Pass)
            .count();
        text.push_str(&format!(
            "\nBudgets (reported, not enforced): {passed} of {} met.\n",
            self.budgets.len()
        ));
        for budget in &self.budgets {
            text.push_str(&format!("- {}: {}\n", budget.name, budget.verdict.word()));
        }
        text
    }
}

fn empty_row(measure: &str, budget: String) -> [String; 7] {
    [
        measure.to_owned(),
        String::new(),
        "not measured".to_owned(),
        String::new(),
        String::new(),
        String::new(),
        budget,
    ]
}

fn ratio_of(numerator: Option<f64>, denominator: Option<f64>) -> Option<f64> {
    match (numerator, denominator) {
        (Some(n), Some(d)) if d > 0.0 => Some(n / d),
        _ => None,
    }
}

/// Each step's median over the walks, from a `steps` line (none from a driver that did not
/// report them).
fn step_medians(line: &Line) -> Vec<f64> {
    line.get("step_medians_ms")
        .map(|list| list.split(',').filter_map(|ms| ms.parse().ok()).collect())
        .unwrap_or_default()
}

fn median_of(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => Some(sorted[middle]),
        _ => Some((sorted[middle - 1] + sorted[middle]) / 2.0),
    }
}

/// Milliseconds with about three significant digits; `–` when missing.
fn ms(value: Option<f64>) -> String {
    match value {
        None => "–".to_owned(),
        Some(v) if v < 1.0 => format!("{v:.3} ms"),
        Some(v) if v < 10.0 => format!("{v:.2} ms"),
        Some(v) if v < 100.0 => format!("{v:.1} ms"),
        Some(v) => format!("{v:.0} ms"),
    }
}

fn times(value: Option<f64>) -> String {
    match value {
        None => "–".to_owned(),
        Some(v) if v < 10.0 => format!("{v:.2}×"),
        Some(v) => format!("{v:.1}×"),
    }
}

fn per_second(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |v| format!("{v:.0} MB/s"))
}

/// How many `files`, and their gzip and raw sizes added up.
fn totals<'a>(files: impl IntoIterator<Item = &'a FileSize>) -> (usize, u64, u64) {
    files
        .into_iter()
        .fold((0, 0, 0), |(count, gzip, raw), file| {
            (count + 1, gzip + file.gzip, raw + file.raw)
        })
}

/// `bytes` in kB (1000 bytes), one decimal.
fn kilobytes(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1000.0)
}

/// `gzip` and `raw` bytes, in kB (1000 bytes).
fn size(gzip: u64, raw: u64) -> String {
    format!("{} kB gzip ({} kB raw)", kilobytes(gzip), kilobytes(raw))
}

fn minutes(duration: Duration) -> String {
    let seconds = duration.as_secs();
    if seconds >= 60 {
        format!("{} min {:02} s", seconds / 60, seconds % 60)
    } else {
        format!("{:.1} s", duration.as_secs_f64())
    }
}

// ---------------------------------------------------------------------------------------------
// The page's quoted reference figures (`web/measure-reference.json`)

/// The file below `web/` that the page's Measure panel reads its quoted figures from.
const REFERENCE_FILE: &str = "measure-reference.json";
/// Where the part kept by hand starts: the top-level `published` member (two-space indent).
const PUBLISHED_MEMBER: &str = "\n  \"published\":";

/// What the reference says about this run besides its measurements.
struct ReferenceFacts {
    /// The run's date, `YYYY-MM-DD` (UTC).
    date: String,
    /// The rustls version in Cargo.lock.
    rustls: String,
}

/// The `native` member of the reference file: this run's handshake figures, and where, when
/// and how they were measured. JSON written by hand (the xtask is std-only), indented to sit
/// at the top level of the file.
fn native_reference(results: &Results, context: &Context, facts: &ReferenceFacts) -> String {
    let machine = &context.machine;
    let load = |value: &Option<String>| value.clone().unwrap_or_else(|| "?".to_owned());
    let browser = results
        .of_kind("browser")
        .find_map(|line| line.get("version"))
        .unwrap_or("?");
    let facts = [
        (
            "source",
            "this project's own benchmark (cargo xtask bench), native half".to_owned(),
        ),
        ("command", "cargo xtask bench".to_owned()),
        ("date", facts.date.clone()),
        (
            "machine",
            format!("{}, {} logical CPUs", machine.cpu, machine.logical_cpus),
        ),
        (
            "load",
            format!(
                "1-minute load average {} at the start, {} at the end (other processes share \
                 these CPUs)",
                load(&context.load_before),
                load(&context.load_after)
            ),
        ),
        (
            "software",
            format!("rustls {} with its ring provider", facts.rustls),
        ),
        ("build", BUILDS.to_owned()),
        (
            "method",
            format!(
                "the core's drivers (sessionlab::bench) run natively and timed with Instant: \
                 median of {} samples after a warm-up of at least 150 iterations and 0.5 s, each \
                 sample a batch of handshakes lasting at least 2 ms; a handshake is a new rustls \
                 client and server connection pair in one process, over an in-memory buffer, \
                 until both are idle (tickets included)",
                context.samples
            ),
        ),
        (
            "browser",
            format!("Chromium {browser}, headless, on the same machine in the same run"),
        ),
    ];
    let mut text = String::from("{\n");
    for (key, value) in facts {
        text.push_str(&format!(
            "    {}: {},\n",
            json_string(key),
            json_string(&value)
        ));
    }
    text.push_str(&format!("    \"samples\": {},\n", context.samples));
    text.push_str("    \"handshakes\": [");
    let ids = results.ids("handshake");
    for (index, id) in ids.iter().enumerate() {
        let line = results
            .of_kind("handshake")
            .find(|line| line.get("id") == Some(id.as_str()));
        let label = line.and_then(|line| line.get("label")).unwrap_or(id);
        let full = line
            .and_then(|line| line.get("full"))
            .map_or_else(|| "null".to_owned(), json_string);
        text.push_str(&format!(
            "{}\n      {{ \"id\": {}, \"label\": {}, \"full\": {full}, \"nativeMs\": {}, \
             \"browserMs\": {}, \"browserColdMs\": {} }}",
            if index == 0 { "" } else { "," },
            json_string(id),
            json_string(label),
            json_number(results.median("handshake", id, "native", "steady")),
            json_number(results.median("handshake", id, "wasm", "steady")),
            json_number(results.median("handshake", id, "wasm", "cold")),
        ));
    }
    text.push_str(if ids.is_empty() {
        "]\n  }"
    } else {
        "\n    ]\n  }"
    });
    text
}

/// Whether the run timed every handshake it timed natively in the browser too (a partial run,
/// `SESSIONLAB_BENCH_ONLY=steps` for one, has native figures only).
fn browser_handshakes_measured(results: &Results) -> bool {
    let ids = results.ids("handshake");
    !ids.is_empty()
        && ids
            .iter()
            .all(|id| results.median("handshake", id, "wasm", "steady").is_some())
}

/// The reference file with its `native` member replaced by `native` and everything from the
/// `published` member on kept as it was.
fn splice_reference(existing: &str, native: &str) -> Result<String, String> {
    let start = existing.find(PUBLISHED_MEMBER).ok_or_else(|| {
        "it has no top-level \"published\" member (indented by two spaces); restore the file \
         from git"
            .to_owned()
    })?;
    let kept = existing[start + 1..].trim_end();
    if !kept.ends_with('}') {
        return Err("it does not end with the closing brace of its top-level object".to_owned());
    }
    Ok(format!(
        "{{\n  \"about\": {},\n  \"native\": {native},\n{kept}\n",
        json_string(
            "Figures the Measure panel quotes rather than measures. `native` is rewritten by \
             `cargo xtask bench`; `published` is kept by hand, quoted exactly from its source."
        )
    ))
}

/// Rewrites the `native` member of the reference file at `path`.
fn update_reference(path: &Path, native: &str) -> Result<(), Error> {
    let existing =
        fs::read_to_string(path).map_err(Error::io(format!("reading {}", path.display())))?;
    let text = splice_reference(&existing, native)
        .map_err(|reason| Error::Check(format!("{}: {reason}", path.display())))?;
    fs::write(path, text).map_err(Error::io(format!("writing {}", path.display())))
}

/// A JSON string literal.
fn json_string(value: &str) -> String {
    let mut text = String::with_capacity(value.len() + 2);
    text.push('"');
    for c in value.chars() {
        match c {
            '"' => text.push_str("\\\""),
            '\\' => text.push_str("\\\\"),
            '\n' => text.push_str("\\n"),
            '\t' => text.push_str("\\t"),
            c if c.is_control() => text.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => text.push(c),
        }
    }
    text.push('"');
    text
}

/// A JSON number of milliseconds (six decimals: nanoseconds), or `null`.
fn json_number(value: Option<f64>) -> String {
    value
        .filter(|v| v.is_finite())
        .map_or_else(|| "null".to_owned(), |v| format!("{v:.6}"))
}

/// The UTC calendar date of `time`, `YYYY-MM-DD`.
fn utc_date(time: SystemTime) -> String {
    let days = time
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs() / 86_400);
    let (year, month, day) = civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar (Howard
/// Hinnant's `civil_from_days`, for days on or after the epoch).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NATIVE: &str = "\
handshake\tid=tls13-full-ed25519-x25519\tlabel=TLS 1.3 full, Ed25519, X25519\ttarget=native\tphase=steady\tmedian_ms=0.300000\titerations=1400
handshake\tid=tls13-full-ecdsa-p256-x25519\tlabel=TLS 1.3 full, ECDSA P-256, X25519\ttarget=native\tphase=steady\tmedian_ms=0.320000\titerations=1200
handshake\tid=tls13-resumed-x25519\tlabel=TLS 1.3 resumed\ttarget=native\tphase=steady\tmedian_ms=0.200000\titerations=2000\tfull=tls13-full-ecdsa-p256-x25519
records\tid=TLS13_AES_128_GCM_SHA256\ttarget=native\tphase=steady\tmedian_ms=0.010000\tmb_per_s=1638.4
lab\tid=whole-session\ttarget=native\tphase=steady\tmedian_ms=12.0";

    const BROWSER: &str = "\
browser\tversion=156.0.1
timer\tresolution_ms=0.1000\tcross_origin_isolated=false
navigation\trun=1\tready_ms=300\tpainted_ms=320.5
navigation\trun=2\tready_ms=280\tpainted_ms=610
navigation\trun=3\tready_ms=290\tpainted_ms=300
request\tpath=
request\tpath=sessionlab_bg.wasm
steps\tchapter=default\tsource=default\tview=top\tsteps=12\tpresses=11\twalks=3\tmedian_ms=3.2\tworst_ms=17.5\tslowest_step=2\tslowest_title=ServerHello\tslowest_median_ms=12.5\tstep_medians_ms=12.5,3.1\thandler_median_ms=1\thandler_worst_ms=2
steps\tchapter=default\tsource=default\tview=bytes\tsteps=12\tpresses=11\twalks=3\tmedian_ms=5.2\tworst_ms=19.5\tslowest_step=2\tslowest_title=ServerHello\tslowest_median_ms=16.5\tstep_medians_ms=16.5,5.0\thandler_median_ms=1\thandler_worst_ms=2
note\ttext=the page has no chapter picker
handshake\tid=tls13-full-ed25519-x25519\ttarget=wasm\tphase=steady\tmedian_ms=0.810000\titerations=600
handshake\tid=tls13-full-ecdsa-p256-x25519\ttarget=wasm\tphase=steady\tmedian_ms=1.830000\titerations=300
handshake\tid=tls13-full-ecdsa-p256-x25519\ttarget=wasm\tphase=cold\tmedian_ms=4.1
handshake\tid=tls13-resumed-x25519\ttarget=wasm\tphase=steady\tmedian_ms=0.5\tfull=tls13-full-ecdsa-p256-x25519
records\tid=TLS13_AES_128_GCM_SHA256\ttarget=wasm\tphase=steady\tmedian_ms=0.040000\tmb_per_s=409.6
lab\tid=whole-session\ttarget=wasm\tphase=steady\tmedian_ms=40
lab\tid=whole-session\ttarget=wasm\tphase=cold\tmedian_ms=90";

    fn context() -> Context {
        Context {
            machine: Machine {
                cpu: "Test CPU".to_owned(),
                logical_cpus: 2,
            },
            load_before: Some("1.00".to_owned()),
            load_after: None,
            samples: 200,
        }
    }

    fn files() -> Vec<FileSize> {
        vec![
            FileSize {
                path: "index.html".to_owned(),
                raw: 7000,
                gzip: 2000,
            },
            FileSize {
                path: "sessionlab_bg.wasm".to_owned(),
                raw: 1_700_000,
                gzip: 600_000,
            },
            FileSize {
                path: "unused.txt".to_owned(),
                raw: 10,
                gzip: 30,
            },
        ]
    }

    #[test]
    fn says_what_the_tls_stack_alone_leaves_of_the_download_budget() {
        let results = Results::new(&format!("{NATIVE}\n{BROWSER}"));
        let tls_floor = [
            FileSize {
                path: "tls_floor.js".to_owned(),
                raw: 9_800,
                gzip: 2_500,
            },
            FileSize {
                path: "tls_floor_bg.wasm".to_owned(),
                raw: 635_000,
                gzip: 262_000,
            },
        ];
        let text = Report::build(&results, &files(), &tls_floor, &context()).render();
        assert!(
            text.contains(
                "a wasm doing only an in-memory rustls handshake (example tls_floor, 2 files)"
            ),
            "{text}"
        );
        assert!(text.contains("264.5 kB gzip (644.8 kB raw)"), "{text}");
        // 300 − 264.5 kB; of the page's requested files, only index.html is not wasm.
        assert!(
            text.contains(
                "is 264.5 kB gzip, which leaves 35.5 kB of the 300 kB for everything else; the \
                 page's other files (HTML, CSS, JavaScript, its icon) are 2.0 kB gzip."
            ),
            "{text}"
        );
        let without = Report::build(&results, &files(), &[], &context()).render();
        assert!(!without.contains("TLS stack alone"), "{without}");
    }

    #[test]
    fn parses_result_lines_and_skips_noise() {
        let lines =
            parse_lines("handshake\tid=a\tmedian_ms=1.5\nCompiling foo\n\nnote\ttext=x=y\n");
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].kind, "handshake");
        assert_eq!(lines[0].number("median_ms"), Some(1.5));
        assert_eq!(lines[1].get("text"), Some("x=y"));
    }

    #[test]
    fn reads_the_cpu_from_cpuinfo() {
        let text = "processor\t: 0\nmodel name\t: Example CPU @ 2.0GHz\n\nprocessor\t: 1\nmodel name\t: Example CPU @ 2.0GHz\n";
        assert_eq!(
            Machine::from_cpuinfo(text),
            Machine {
                cpu: "Example CPU @ 2.0GHz".to_owned(),
                logical_cpus: 2
            }
        );
    }

    /// BROWSER with its one step slower than a frame over its walks brought to 15.9 ms (its
    /// slowest single press stays at 19.5 ms).
    fn browser_without_a_slow_step() -> String {
        BROWSER
            .replace("slowest_median_ms=16.5", "slowest_median_ms=15.9")
            .replace("step_medians_ms=16.5,", "step_medians_ms=15.9,")
    }

    #[test]
    fn the_frame_budget_holds_steps_to_their_median_over_the_walks() {
        let verdict = |browser: &str| {
            let results = Results::new(&format!("{NATIVE}\n{browser}"));
            let report = Report::build(&results, &files(), &[], &context());
            let budget = report
                .budgets
                .iter()
                .find(|budget| budget.name.starts_with("every step rendered"))
                .map(|budget| budget.verdict);
            (budget, report.render())
        };
        // One press at 19.5 ms, but no step slower than 15.9 ms over its walks.
        let one_off = browser_without_a_slow_step();
        let (met, text) = verdict(&one_off);
        assert_eq!(met, Some(Verdict::Pass));
        assert!(
            text.contains("Steps over 16 ms by their median over the walks: 0 of 4"),
            "{text}"
        );
        assert!(
            text.contains("slowest step 15.9 ms (step 2) · worst press 19.5 ms"),
            "{text}"
        );
        assert!(
            text.contains("the slowest step, 2, was \"ServerHello\""),
            "{text}"
        );
        // A step slower than a frame over its walks misses, whatever the other presses did.
        let (missed, text) = verdict(BROWSER);
        assert_eq!(missed, Some(Verdict::Miss));
        assert!(
            text.contains("Steps over 16 ms by their median over the walks: 1 of 4"),
            "{text}"
        );
    }

    #[test]
    fn a_step_slower_than_a_frame_at_a_readers_pace_misses_too() {
        // The fast walks keep every step under 16 ms; the reader's walk has one at 17.0 ms.
        let reading = "steps\tchapter=default\tsource=default\tview=reading\tsteps=12\t\
                       presses=11\twalks=3\tpause_ms=400\tmedian_ms=6.0\tworst_ms=18.0\t\
                       slowest_step=3\tslowest_title=Finished\tslowest_median_ms=17.0\t\
                       step_medians_ms=6.0,17.0\thandler_median_ms=1\thandler_worst_ms=2";
        let browser = browser_without_a_slow_step();
        let results = Results::new(&format!("{NATIVE}\n{browser}\n{reading}"));
        let report = Report::build(&results, &files(), &[], &context());
        let verdict = report
            .budgets
            .iter()
            .find(|budget| budget.name.starts_with("every step rendered"))
            .map(|budget| budget.verdict);
        assert_eq!(verdict, Some(Verdict::Miss));
        let text = report.render();
        assert!(
            text.contains("bytes in view, a press 400 ms after the step before (reading)"),
            "{text}"
        );
        assert!(
            text.contains("Steps over 16 ms by their median over the walks: 1 of 6"),
            "{text}"
        );
    }

    #[test]
    fn joins_both_sides_and_judges_the_budgets() {
        let results = Results::new(&format!("{NATIVE}\n{BROWSER}"));
        let report = Report::build(&results, &files(), &[], &context());
        let verdicts: Vec<(&str, Verdict)> = report
            .budgets
            .iter()
            .map(|budget| (budget.name.as_str(), budget.verdict))
            .collect();
        assert_eq!(
            verdicts,
            vec![
                // 0.81 / 0.30 = 2.7× > 2.5×.
                (
                    "full TLS 1.3 handshake, Ed25519 + X25519, browser ÷ native (≤ 2.5×)",
                    Verdict::Miss
                ),
                // 1.83 / 0.32 = 5.7× > 5×.
                (
                    "full TLS 1.3 handshake, ECDSA P-256 + X25519, browser ÷ native (≤ 5×)",
                    Verdict::Miss
                ),
                // With the bytes in view, step 2 took 16.5 ms (median of its walks).
                (
                    "every step rendered within one frame (slowest step ≤ 16 ms)",
                    Verdict::Miss
                ),
                // The median navigation took 320.5 ms.
                (
                    "first step rendered after navigation (median ≤ 500 ms)",
                    Verdict::Pass
                ),
                // 602 kB downloaded.
                (
                    "everything the page downloads (≤ 300 kB gzip)",
                    Verdict::Miss
                ),
            ]
        );
        let text = report.render();
        assert!(text.contains("Test CPU, 2 logical CPUs"));
        assert!(text.contains("Chromium 156.0.1"));
        assert!(text.contains("| TLS 1.3 full, ECDSA P-256, X25519"));
        assert!(text.contains("5.72×"));
        // Resumed ÷ full: 0.2 / 0.32 natively, 0.5 / 1.83 in the browser.
        assert!(text.contains("0.62× / 0.27×"));
        // Records: 1638.4 MB/s ÷ 409.6 MB/s = 4× the time.
        assert!(text.contains("4.00×"));
        assert!(text.contains("dist/unused.txt (not downloaded by the page)"));
        assert!(text.contains("Downloaded by the page (2 files, 602000 bytes gzip)"));
        assert!(text.contains("median 320 ms · worst 610 ms"));
        assert!(text.contains("Budgets (reported, not enforced): 1 of 5 met."));
        assert!(text.contains("the page has no chapter picker"));
        // Every row has every column.
        let rows: Vec<&str> = text.lines().filter(|line| line.starts_with("| ")).collect();
        assert!(rows
            .iter()
            .all(|row| row.matches(" | ").count() == COLUMNS.len() - 1));
    }

    #[test]
    fn formats_numbers_for_people() {
        assert_eq!(ms(Some(0.3214)), "0.321 ms");
        assert_eq!(ms(Some(2.345)), "2.35 ms");
        assert_eq!(ms(Some(45.67)), "45.7 ms");
        assert_eq!(ms(Some(1234.0)), "1234 ms");
        assert_eq!(ms(None), "–");
        assert_eq!(times(Some(5.724)), "5.72×");
        assert_eq!(times(Some(12.34)), "12.3×");
        assert_eq!(size(295_118, 692_012), "295.1 kB gzip (692.0 kB raw)");
        assert_eq!(minutes(Duration::from_secs(125)), "2 min 05 s");
        assert_eq!(median_of(&[3.0, 1.0]), Some(2.0));
        assert_eq!(median_of(&[]), None);
    }
    #[test]
    fn writes_the_native_reference_and_keeps_the_published_part() {
        let results = Results::new(&format!("{NATIVE}\n{BROWSER}"));
        let facts = ReferenceFacts {
            date: "2026-11-26".to_owned(),
            rustls: "0.23.46".to_owned(),
        };
        let native = native_reference(&results, &context(), &facts);
        assert!(native.starts_with("{\n    \"source\": "));
        assert!(native.ends_with("\n    ]\n  }"));
        assert!(native.contains("\"date\": \"2026-11-26\""));
        assert!(native.contains("\"machine\": \"Test CPU, 2 logical CPUs\""));
        assert!(native.contains("rustls 0.23.46 with its ring provider"));
        assert!(native.contains("Chromium 156.0.1, headless"));
        assert!(native.contains(
            "{ \"id\": \"tls13-resumed-x25519\", \"label\": \"TLS 1.3 resumed\", \"full\": \
             \"tls13-full-ecdsa-p256-x25519\", \"nativeMs\": 0.200000, \"browserMs\": 0.500000, \
             \"browserColdMs\": null }"
        ));
        assert!(native.contains("\"full\": null, \"nativeMs\": 0.300000"));
        assert!(browser_handshakes_measured(&results));
        assert!(!browser_handshakes_measured(&Results::new(NATIVE)));

        let published = "  \"published\": [\n    { \"title\": \"kept \\\" as is\" }\n  ]\n}\n";
        let old = format!("{{\n  \"about\": \"old\",\n  \"native\": {{ \"x\": 1 }},\n{published}");
        let new = splice_reference(&old, &native).expect("spliced");
        assert!(new.starts_with("{\n  \"about\": \"Figures the Measure panel quotes"));
        assert!(new.contains(&format!("\n  \"native\": {native},\n")));
        assert!(new.ends_with(published));
        assert!(!new.contains("\"x\": 1"));
        // Rewriting again changes nothing.
        assert_eq!(splice_reference(&new, &native).expect("spliced"), new);
        assert!(splice_reference("{ \"native\": {} }", &native).is_err());
        assert!(splice_reference("{\n  \"published\": [", &native).is_err());
    }

    #[test]
    fn json_strings_numbers_and_dates() {
        assert_eq!(
            json_string("a \"b\" \\ c\n\u{1}é"),
            "\"a \\\"b\\\" \\\\ c\\n\\u0001é\""
        );
        assert_eq!(json_number(Some(0.3164)), "0.316400");
        assert_eq!(json_number(None), "null");
        assert_eq!(json_number(Some(f64::NAN)), "null");
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(59), (1970, 3, 1));
        // 2000-02-29 and 2026-11-26.
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_783), (2026, 11, 26));
        assert_eq!(
            utc_date(UNIX_EPOCH + Duration::from_secs(20_783 * 86_400 + 86_399)),
            "2026-11-26"
        );
    }
}
