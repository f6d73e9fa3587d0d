//! Why an HTTP message could not be read, or a login session could not be made.
//!
//! The server never returns these to its caller: it answers the peer with a 4xx/5xx response and
//! records the reason in the exchange. The client reports them beside the exchanges it did read.

use std::fmt;

/// What went wrong reading or handling HTTP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HttpError {
    /// `httparse` rejected the start line or a header.
    Malformed(httparse::Error),
    /// The start line and headers did not end within this many bytes.
    HeadTooLarge {
        /// The most the lab buffers for a head.
        limit: usize,
    },
    /// The announced body is longer than the lab accepts.
    BodyTooLarge {
        /// The announced `Content-Length`.
        length: u64,
        /// The most the lab accepts.
        limit: usize,
    },
    /// A `Content-Length` value is not a decimal number.
    InvalidContentLength(String),
    /// Two `Content-Length` values disagree, so the message's end is ambiguous (the classic
    /// request-smuggling ingredient): the message is refused rather than guessed at.
    ConflictingContentLengths,
    /// The message uses `Transfer-Encoding`, which the lab's endpoints do not implement; reading
    /// it by `Content-Length` instead would misplace the next message's start.
    TransferEncodingUnsupported,
    /// A response that must carry a body gave no `Content-Length`; only closing the connection
    /// would end it, and the lab does not delimit bodies that way.
    MissingContentLength,
    /// A response arrived while the client had no request waiting for one.
    UnsolicitedResponse,
    /// A form body is not valid `application/x-www-form-urlencoded`.
    MalformedForm(String),
    /// The random number generator failed, so no session id could be drawn.
    RandomUnavailable,
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(err) => write!(f, "malformed HTTP: {err}"),
            Self::HeadTooLarge { limit } => {
                write!(f, "the message head did not end within {limit} bytes")
            }
            Self::BodyTooLarge { length, limit } => write!(
                f,
                "the body is {length} bytes long; at most {limit} are accepted"
            ),
            Self::InvalidContentLength(value) => {
                write!(f, "Content-Length {value:?} is not a decimal number")
            }
            Self::ConflictingContentLengths => {
                write!(f, "the Content-Length headers disagree")
            }
            Self::TransferEncodingUnsupported => {
                write!(
                    f,
                    "Transfer-Encoding is not supported; send a Content-Length"
                )
            }
            Self::MissingContentLength => {
                write!(f, "the response has a body but no Content-Length")
            }
            Self::UnsolicitedResponse => {
                write!(f, "a response arrived with no request waiting for it")
            }
            Self::MalformedForm(why) => write!(f, "the form body is malformed: {why}"),
            Self::RandomUnavailable => {
                write!(f, "the random number generator failed; no session id drawn")
            }
        }
    }
}

impl std::error::Error for HttpError {}

impl From<httparse::Error> for HttpError {
    fn from(err: httparse::Error) -> Self {
        Self::Malformed(err)
    }
}
