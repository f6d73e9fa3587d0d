//! The one error type of the xtask: every failure names what was being done, so the
//! message printed at exit is enough to act on without a backtrace.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::process::ExitStatus;

/// Everything that can stop an xtask command.
#[derive(Debug)]
pub enum Error {
    /// The command line was not understood.
    Usage(String),
    /// A file-system or socket operation failed.
    Io {
        /// What was being attempted, e.g. "reading Cargo.lock".
        context: String,
        /// The underlying error.
        source: io::Error,
    },
    /// A program could not be started at all (usually: not installed).
    Spawn {
        /// The command line that was tried.
        command: String,
        /// The underlying error.
        source: io::Error,
    },
    /// A program ran and exited unsuccessfully.
    CommandFailed {
        /// The command line that failed.
        command: String,
        /// How it exited.
        status: ExitStatus,
    },
    /// A package is needed in Cargo.lock but is not there.
    MissingLockedPackage {
        /// The crate name looked up.
        package: &'static str,
        /// Where it was looked up.
        lockfile: PathBuf,
    },
    /// A tool is missing and the xtask may not install it itself.
    MissingTool {
        /// What is missing.
        what: String,
        /// The exact command a person should run to install it.
        remedy: String,
    },
    /// A tool is present but at a version other than the one the project pins.
    WrongToolVersion {
        /// The tool's name.
        tool: &'static str,
        /// The version the project pins.
        wanted: String,
        /// What the tool said when asked for its version.
        found: String,
    },
    /// A build product or a configuration file broke one of the project's rules.
    Check(String),
}

impl Error {
    /// Wraps an I/O error with what was being done when it happened.
    pub fn io(context: impl Into<String>) -> impl FnOnce(io::Error) -> Error {
        let context = context.into();
        move |source| Error::Io { context, source }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(message) => write!(f, "{message}\n\n{}", crate::USAGE),
            Error::Io { context, source } => write!(f, "{context}: {source}"),
            Error::Spawn { command, source } => {
                write!(f, "could not start `{command}`: {source}")
            }
            Error::CommandFailed { command, status } => {
                write!(f, "`{command}` failed ({status})")
            }
            Error::MissingLockedPackage { package, lockfile } => write!(
                f,
                "package `{package}` not found in {}; run `cargo generate-lockfile`",
                lockfile.display()
            ),
            Error::MissingTool { what, remedy } => {
                write!(f, "{what} is missing; install it with:\n    {remedy}")
            }
            Error::WrongToolVersion {
                tool,
                wanted,
                found,
            } => write!(f, "{tool}: the project pins {wanted}, found {found}"),
            Error::Check(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } | Error::Spawn { source, .. } => Some(source),
            _ => None,
        }
    }
}
