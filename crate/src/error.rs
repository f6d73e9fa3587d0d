//! The core's one error type. Every fallible operation in the crate returns [`Error`]; the wasm
//! boundary turns it into a `JsError` with the same message.
//!
//! A TLS alert or a failed handshake is *not* an [`Error`]: it is an outcome the lab records and
//! shows. [`Error`] is for what stops the lab from running at all.

use std::fmt;

/// Why the lab could not be built or run.
#[derive(Debug)]
pub enum Error {
    /// An option the learner chose (or a URL carried) is not one the lab understands, or the
    /// combination is one rustls refuses to configure.
    InvalidOption {
        /// The option's name, as the page and the URL spell it.
        field: &'static str,
        /// What was given.
        value: String,
        /// Why it is refused, in a sentence for the page.
        reason: String,
    },
    /// rustls refused a configuration it was given.
    Config(rustls::Error),
    /// rcgen could not make a key or certificate for the run's PKI.
    Certificate(rcgen::Error),
    /// A certificate date does not fit the certificate format.
    DateOutOfRange(u64),
    /// Generating the RSA key failed.
    RsaKey(String),
    /// The RSA key handed to the lab is not a usable RSA-2048 private key.
    GivenRsaKey(String),
    /// RSA certificates were asked for without a key, in a build that cannot make one (the
    /// page's wasm: the page brings the key).
    NoRsaKeyGenerator,
    /// Moving bytes between rustls and the in-memory wire failed. In-memory buffers cannot fail
    /// for I/O reasons, so this signals a bug in the engine.
    Wire(std::io::Error),
    /// A step asked for does not exist in the run.
    StepOutOfRange {
        /// The step asked for (0-based).
        index: usize,
        /// How many steps the run has.
        total: usize,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidOption {
                field,
                value,
                reason,
            } => write!(f, "option {field} = {value:?} is not usable: {reason}"),
            Self::Config(err) => write!(f, "rustls refused the configuration: {err}"),
            Self::Certificate(err) => write!(f, "could not make the lab's certificates: {err}"),
            Self::DateOutOfRange(secs) => write!(f, "{secs} is not a usable certificate date"),
            Self::RsaKey(err) => write!(f, "could not generate the RSA key: {err}"),
            Self::GivenRsaKey(why) => {
                write!(f, "the RSA key given to the lab is not usable: {why}")
            }
            Self::NoRsaKeyGenerator => write!(
                f,
                "RSA certificates need an RSA-2048 key from the page (WebCrypto): this build of the lab makes none itself"
            ),
            Self::Wire(err) => write!(f, "the in-memory wire failed: {err}"),
            Self::StepOutOfRange { index, total } => {
                write!(
                    f,
                    "step {} does not exist: the run has {total} steps",
                    index + 1
                )
            }
        }
    }
}

impl std::error::Error for Error {}

impl From<rustls::Error> for Error {
    fn from(err: rustls::Error) -> Self {
        Self::Config(err)
    }
}

impl From<rcgen::Error> for Error {
    fn from(err: rcgen::Error) -> Self {
        Self::Certificate(err)
    }
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        Self::Wire(err)
    }
}
