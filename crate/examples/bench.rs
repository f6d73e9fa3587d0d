//! Native timings of the benchmark workloads in `sessionlab::bench`: the same drivers the page
//! runs as wasm, timed here with `std::time::Instant`. `cargo xtask bench` runs this in release
//! mode and puts the figures next to the browser's.
//!
//! `cargo run --release -p sessionlab --example bench -- [--lines | --json] [--samples N]
//! [--only PREFIX]`
//!
//! - `--lines`: one tab-separated line per workload (what the xtask reads); `--json`: a JSON
//!   array; neither: a readable table.
//! - `--samples N`: timed samples per handshake or record workload (default 200); each sample is
//!   a batch of at least 2 ms. Labs are made 1 + 5 times.
//! - `--only PREFIX`: only workloads whose id starts with PREFIX (e.g. `handshake:tls13`).
//!
//! Progress goes to standard error.

// The page's wasm build has no benchmark drivers (the crate's `measure` feature adds them): the
// example is for native runs, and compiles to nothing there.
#[cfg(any(not(target_arch = "wasm32"), feature = "measure"))]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    native::main()
}

#[cfg(all(target_arch = "wasm32", not(feature = "measure")))]
fn main() {}

#[cfg(any(not(target_arch = "wasm32"), feature = "measure"))]
mod native {
    use std::error::Error;
    use std::fmt;
    use std::time::Instant;

    use sessionlab::bench::{plan_for, workload_ids, BenchError, Outcome, Suite};

    /// Timed samples per handshake or record workload unless `--samples` says otherwise.
    const DEFAULT_SAMPLES: u32 = 200;

    /// How the results are printed.
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Format {
        Table,
        Lines,
        Json,
    }

    /// A command line this example does not understand.
    #[derive(Debug)]
    struct Usage(String);

    impl fmt::Display for Usage {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(
                f,
                "{}\nusage: bench [--lines | --json] [--samples N] [--only PREFIX]",
                self.0
            )
        }
    }

    impl Error for Usage {}

    struct Arguments {
        format: Format,
        samples: u32,
        only: Option<String>,
    }

    fn parse(arguments: impl Iterator<Item = String>) -> Result<Arguments, Usage> {
        let mut parsed = Arguments {
            format: Format::Table,
            samples: DEFAULT_SAMPLES,
            only: None,
        };
        let mut arguments = arguments;
        while let Some(argument) = arguments.next() {
            match argument.as_str() {
                "--lines" => parsed.format = Format::Lines,
                "--json" => parsed.format = Format::Json,
                "--samples" => {
                    let value = arguments
                        .next()
                        .ok_or_else(|| Usage("--samples needs a number".to_owned()))?;
                    parsed.samples = value
                        .parse()
                        .ok()
                        .filter(|samples| *samples > 0)
                        .ok_or_else(|| Usage(format!("--samples: `{value}` is not a count")))?;
                }
                "--only" => {
                    parsed.only = Some(
                        arguments
                            .next()
                            .ok_or_else(|| Usage("--only needs a prefix".to_owned()))?,
                    );
                }
                other => return Err(Usage(format!("unknown argument `{other}`"))),
            }
        }
        Ok(parsed)
    }

    pub fn main() -> Result<(), Box<dyn Error>> {
        let arguments = parse(std::env::args().skip(1))?;
        let origin = Instant::now();
        let mut clock =
            || -> Result<f64, BenchError> { Ok(origin.elapsed().as_secs_f64() * 1000.0) };
        let mut suite = Suite::new();
        let mut outcomes: Vec<Outcome> = Vec::new();
        for id in workload_ids() {
            if arguments
                .only
                .as_deref()
                .is_some_and(|prefix| !id.starts_with(prefix))
            {
                continue;
            }
            let plan = plan_for(&id, arguments.samples);
            let started = Instant::now();
            let outcome = suite.steady(&id, &plan, &mut clock)?;
            eprintln!(
                "bench (native): {id}: median {:.4} ms over {} samples of {} ({:.1} s)",
                outcome.median_ms,
                outcome.samples,
                outcome.batch,
                started.elapsed().as_secs_f64()
            );
            if arguments.format == Format::Lines {
                // As soon as measured, so a consumer sees progress.
                println!("{}", outcome.to_line());
            }
            outcomes.push(outcome);
        }
        match arguments.format {
            Format::Lines => {}
            Format::Json => println!("{}", serde_json::to_string_pretty(&outcomes)?),
            Format::Table => {
                println!("| workload | median ms | min ms | max ms | samples × batch | MB/s |");
                println!("|---|---:|---:|---:|---:|---:|");
                for outcome in &outcomes {
                    println!(
                        "| {} | {:.4} | {:.4} | {:.4} | {} × {} | {} |",
                        outcome.label,
                        outcome.median_ms,
                        outcome.min_ms,
                        outcome.max_ms,
                        outcome.samples,
                        outcome.batch,
                        outcome
                            .mb_per_s
                            .map_or_else(String::new, |rate| format!("{rate:.0}"))
                    );
                }
            }
        }
        Ok(())
    }
}
