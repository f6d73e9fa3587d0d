//! Writes one fresh run's exports to a folder: `session.pcapng` (opens decrypted in Wireshark,
//! the keys are inside), `keylog.txt` (NSS key log) and `view.json` (the whole view data, every
//! step in full, derived keys and IVs included as lowercase hex).
//!
//! `cargo run -p sessionlab --example export -- DIR [tls12]`

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use sessionlab::options::TlsVersion;
use sessionlab::{export, view, Lab, Options};

/// Why the export stopped.
#[derive(Debug)]
enum ExportError {
    /// The command line was not `DIR [tls12|tls13]`.
    Usage(String),
    /// The lab could not run or its capture could not be built.
    Lab(sessionlab::Error),
    /// The view data could not be serialised.
    Json(serde_json::Error),
    /// A file or the folder could not be written.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Usage(why) => write!(
                f,
                "{why}\nusage: cargo run -p sessionlab --example export -- DIR [tls12|tls13]"
            ),
            Self::Lab(err) => write!(f, "the lab failed: {err}"),
            Self::Json(err) => write!(f, "could not serialise the view data: {err}"),
            Self::Io { path, source } => write!(f, "could not write {}: {source}", path.display()),
        }
    }
}

impl std::error::Error for ExportError {}

impl From<sessionlab::Error> for ExportError {
    fn from(err: sessionlab::Error) -> Self {
        Self::Lab(err)
    }
}

impl From<serde_json::Error> for ExportError {
    fn from(err: serde_json::Error) -> Self {
        Self::Json(err)
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(written) => {
            for path in written {
                println!("wrote {}", path.display());
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("export: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<Vec<PathBuf>, ExportError> {
    let mut args = std::env::args_os().skip(1);
    let dir = PathBuf::from(
        args.next()
            .ok_or_else(|| ExportError::Usage("no output folder given".to_owned()))?,
    );
    let version = match args.next().as_ref().and_then(|arg| arg.to_str()) {
        None | Some("tls13") => TlsVersion::Tls13,
        Some("tls12") => TlsVersion::Tls12,
        Some(other) => return Err(ExportError::Usage(format!("unknown version {other:?}"))),
    };

    let lab = Lab::new(Options::for_version(version))?;
    std::fs::create_dir_all(&dir).map_err(|source| ExportError::Io {
        path: dir.clone(),
        source,
    })?;
    let files = [
        ("session.pcapng", export::pcapng(lab.run())?),
        ("keylog.txt", export::key_log(lab.run()).into_bytes()),
        (
            "view.json",
            serde_json::to_string_pretty(&view::full_view(&lab))?.into_bytes(),
        ),
    ];
    files
        .iter()
        .map(|(name, bytes)| write(&dir.join(name), bytes))
        .collect()
}

fn write(path: &Path, bytes: &[u8]) -> Result<PathBuf, ExportError> {
    std::fs::write(path, bytes).map_err(|source| ExportError::Io {
        path: path.to_owned(),
        source,
    })?;
    Ok(path.to_owned())
}
