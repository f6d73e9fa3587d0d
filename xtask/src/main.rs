//! Project automation for Session Lab, run as `cargo xtask <command>`.
//!
//! Everything a developer or CI does goes through here, so that one command installs the
//! tools, builds the site, serves it, or runs every test, the same way on every machine.

mod bench;
mod dist;
mod e2e;
mod error;
mod http;
mod process;
mod setup;
mod test;
mod workspace;

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use crate::error::Error;
use crate::http::{Served, StaticServer};
use crate::workspace::Workspace;

/// The help text, also shown after a usage error.
pub const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  setup                  install the missing tools (run first by every command below)
  dist                   build the release site into dist/
  serve [--port N]       build dist/ and serve it on http://127.0.0.1:N/ (default 8080)
  test [--only STAGE]... run every check, stopping at the first failure;
                         --only runs just the named stages (comma-separated or repeated)
  test --list            list the test stages
  e2e [--dist DIR]       run only the end-to-end test against an already built site
                         (default dist/)
  bench [--dist DIR] [--samples N]
                         time the lab natively and in headless Chromium and print one
                         table (builds the site into target/bench-dist/ unless --dist
                         names a built one; N timed samples per handshake or record
                         workload, default 200)";

/// The port `serve` listens on unless told otherwise.
const DEFAULT_PORT: u16 = 8080;

/// A parsed command line.
#[derive(Debug, PartialEq, Eq)]
enum Task {
    Help,
    Setup,
    Dist,
    Serve { port: u16 },
    Test { only: Vec<String> },
    ListStages,
    EndToEnd { dist: Option<PathBuf> },
    Bench(bench::Settings),
}

fn parse(arguments: &[String]) -> Result<Task, Error> {
    let Some((command, options)) = arguments.split_first() else {
        return Ok(Task::Help);
    };
    let mut options = options.iter();
    let task = match command.as_str() {
        "help" | "-h" | "--help" => Task::Help,
        "setup" | "dist" => {
            if let Some(option) = options.next() {
                return Err(unknown_option(command, option));
            }
            if command == "setup" {
                Task::Setup
            } else {
                Task::Dist
            }
        }
        "serve" => {
            let mut port = DEFAULT_PORT;
            while let Some(option) = options.next() {
                match option.as_str() {
                    "--port" => {
                        let value = options
                            .next()
                            .ok_or_else(|| Error::Usage("--port needs a number".to_owned()))?;
                        port = value.parse().map_err(|_| {
                            Error::Usage(format!("--port: `{value}` is not a port number"))
                        })?;
                    }
                    other => return Err(unknown_option("serve", other)),
                }
            }
            Task::Serve { port }
        }
        "test" => {
            let mut only = Vec::new();
            let mut list = false;
            while let Some(option) = options.next() {
                match option.as_str() {
                    "--only" => {
                        let value = options.next().ok_or_else(|| {
                            Error::Usage(format!(
                                "--only needs a stage name; stages: {}",
                                test::stage_names()
                            ))
                        })?;
                        only.extend(value.split(',').map(str::to_owned));
                    }
                    "--list" => list = true,
                    other => return Err(unknown_option("test", other)),
                }
            }
            if list {
                Task::ListStages
            } else {
                Task::Test { only }
            }
        }
        "e2e" => {
            let mut dist = None;
            while let Some(option) = options.next() {
                match option.as_str() {
                    "--dist" => {
                        let value = options
                            .next()
                            .ok_or_else(|| Error::Usage("--dist needs a folder".to_owned()))?;
                        dist = Some(PathBuf::from(value));
                    }
                    other => return Err(unknown_option("e2e", other)),
                }
            }
            Task::EndToEnd { dist }
        }
        "bench" => {
            let mut settings = bench::Settings::default();
            while let Some(option) = options.next() {
                match option.as_str() {
                    "--dist" => {
                        let value = options
                            .next()
                            .ok_or_else(|| Error::Usage("--dist needs a folder".to_owned()))?;
                        settings.dist = Some(PathBuf::from(value));
                    }
                    "--samples" => {
                        let value = options
                            .next()
                            .ok_or_else(|| Error::Usage("--samples needs a number".to_owned()))?;
                        settings.samples = value
                            .parse()
                            .ok()
                            .filter(|samples| *samples > 0)
                            .ok_or_else(|| {
                                Error::Usage(format!("--samples: `{value}` is not a count"))
                            })?;
                    }
                    other => return Err(unknown_option("bench", other)),
                }
            }
            Task::Bench(settings)
        }
        other => return Err(Error::Usage(format!("unknown command `{other}`"))),
    };
    Ok(task)
}

fn unknown_option(command: &str, option: &str) -> Error {
    Error::Usage(format!("`{command}` has no option `{option}`"))
}

fn execute(task: Task) -> Result<(), Error> {
    let workspace = Workspace::locate();
    match task {
        Task::Help => println!("{USAGE}"),
        Task::Setup => setup::run(&workspace)?,
        Task::Dist => {
            setup::run(&workspace)?;
            dist::build(&workspace)?;
        }
        Task::Serve { port } => {
            setup::run(&workspace)?;
            dist::build(&workspace)?;
            serve(&workspace, port)?;
        }
        Task::Test { only } => {
            setup::run(&workspace)?;
            test::run(&workspace, &only)?;
        }
        Task::ListStages => {
            for stage in test::STAGES {
                println!("{:<12} {}", stage.name, stage.summary);
            }
        }
        Task::EndToEnd { dist } => {
            setup::run(&workspace)?;
            let dist = dist.unwrap_or_else(|| workspace.dist());
            e2e::run(&workspace, &dist)?;
        }
        Task::Bench(settings) => {
            setup::run(&workspace)?;
            bench::run(&workspace, &settings)?;
        }
    }
    Ok(())
}

fn serve(workspace: &Workspace, port: u16) -> Result<(), Error> {
    let address = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port));
    let server = StaticServer::bind(address, &workspace.dist(), "/")?;
    println!(
        "\nServing {} at {}  (Ctrl-C to stop)",
        workspace.dist().display(),
        server.url()?
    );
    server.serve_forever(Arc::new(|served: &Served| {
        println!("{} {} -> {}", served.method, served.target, served.status);
    }))
}

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    match parse(&arguments).and_then(execute) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("\nerror: {error}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn parses_every_command() {
        assert_eq!(parse(&[]).unwrap(), Task::Help);
        assert_eq!(parse(&words("serve")).unwrap(), Task::Serve { port: 8080 });
        assert_eq!(
            parse(&words("serve --port 9000")).unwrap(),
            Task::Serve { port: 9000 }
        );
        assert_eq!(
            parse(&words("test --only fmt,e2e --only doc")).unwrap(),
            Task::Test {
                only: words("fmt e2e doc")
            }
        );
        assert_eq!(parse(&words("test --list")).unwrap(), Task::ListStages);
        assert_eq!(
            parse(&words("bench")).unwrap(),
            Task::Bench(bench::Settings::default())
        );
        assert_eq!(
            parse(&words("bench --dist /tmp/site --samples 20")).unwrap(),
            Task::Bench(bench::Settings {
                dist: Some(PathBuf::from("/tmp/site")),
                samples: 20
            })
        );
        assert_eq!(
            parse(&words("e2e --dist /tmp/site")).unwrap(),
            Task::EndToEnd {
                dist: Some(PathBuf::from("/tmp/site"))
            }
        );
    }

    #[test]
    fn rejects_what_it_does_not_know() {
        assert!(parse(&words("deploy")).is_err());
        assert!(parse(&words("bench --samples 0")).is_err());
        assert!(parse(&words("bench --fast")).is_err());
        assert!(parse(&words("serve --port http")).is_err());
        assert!(parse(&words("serve --port")).is_err());
        assert!(
            parse(&words("dist --fast")).is_err(),
            "dist takes no options"
        );
    }
}
