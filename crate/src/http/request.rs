//! The requests the lab's client builds: `GET`, form `POST`s and byte-range `GET`s, always for
//! `Host: mybank.example`, written exactly as the server will parse them.

use super::form::{encode_form, FORM_CONTENT_TYPE};
use super::message::{headers_text, Header};
use crate::pki::SERVER_NAME;

/// The `User-Agent` the lab's client announces.
pub const USER_AGENT: &str = "SessionLab/0.1";

/// The methods the lab's client uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
}

impl Method {
    /// The method token.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
        }
    }
}

/// The `Range: bytes=first-last` a request asks for; `last` `None` means "to the end".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByteRange {
    /// The first byte wanted (0-based).
    pub first: u64,
    /// The last byte wanted, inclusive.
    pub last: Option<u64>,
}

impl ByteRange {
    /// Bytes `first..=last`.
    pub fn between(first: u64, last: u64) -> Self {
        Self {
            first,
            last: Some(last),
        }
    }

    /// Bytes from `first` to the end: how a download resumes after the bytes it already has.
    pub fn from(first: u64) -> Self {
        Self { first, last: None }
    }

    /// The header value, e.g. `bytes=0-1023`.
    pub fn header_value(&self) -> String {
        match self.last {
            Some(last) => format!("bytes={}-{last}", self.first),
            None => format!("bytes={}-", self.first),
        }
    }
}

/// A request the client will send. Build it with [`Request::get`], [`Request::post_form`] (or
/// [`Request::login`], [`Request::logout`]) and [`Request::with_range`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    method: Method,
    target: String,
    form: Vec<(String, String)>,
    range: Option<ByteRange>,
    extra_headers: Vec<Header>,
}

/// A request as written: its bytes, and the parts the page shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodedRequest {
    /// The bytes as they go on the wire (inside TLS).
    pub bytes: Vec<u8>,
    /// The header lines, in the order written.
    pub headers: Vec<Header>,
    /// The body as text (forms are ASCII once encoded).
    pub body: String,
}

impl Request {
    /// `GET path`.
    pub fn get(path: &str) -> Self {
        Self {
            method: Method::Get,
            target: origin_form(path),
            form: Vec::new(),
            range: None,
            extra_headers: Vec::new(),
        }
    }

    /// `POST path` with `fields` as an `application/x-www-form-urlencoded` body.
    pub fn post_form(path: &str, fields: &[(&str, &str)]) -> Self {
        Self {
            method: Method::Post,
            target: origin_form(path),
            form: fields
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
            range: None,
            extra_headers: Vec::new(),
        }
    }

    /// `POST /login` with the user name and password.
    pub fn login(user: &str, password: &str) -> Self {
        Self::post_form("/login", &[("user", user), ("password", password)])
    }

    /// `POST /logout`, with an empty body.
    pub fn logout() -> Self {
        Self::post_form("/logout", &[])
    }

    /// The same request asking only for `range` of the resource.
    pub fn with_range(mut self, range: ByteRange) -> Self {
        self.range = Some(range);
        self
    }

    /// The same request with one more header line, written after the lab's own. The caller
    /// validates names and values (see [`crate::engine::RequestEdit`]).
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.extra_headers.push(Header::new(name, value));
        self
    }

    /// The method.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The request target, e.g. `/dashboard`.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The target's path, without any query: what cookie paths are matched against.
    pub fn path(&self) -> &str {
        self.target
            .split_once('?')
            .map_or(self.target.as_str(), |(path, _query)| path)
    }

    /// The range asked for, if any.
    pub fn range(&self) -> Option<ByteRange> {
        self.range
    }

    /// The request line, e.g. `GET /dashboard HTTP/1.1`.
    pub fn request_line(&self) -> String {
        format!("{} {} HTTP/1.1", self.method.as_str(), self.target)
    }

    /// The bytes with no `Cookie` header; [`super::Client::send`] adds the jar's cookies.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.encode(None).bytes
    }

    /// Writes the request, with `cookie` as the `Cookie` header when there is one.
    pub fn encode(&self, cookie: Option<&str>) -> EncodedRequest {
        let mut headers = vec![
            Header::new("Host", SERVER_NAME),
            Header::new("User-Agent", USER_AGENT),
        ];
        if let Some(range) = self.range {
            headers.push(Header::new("Range", range.header_value()));
        }
        headers.extend(self.extra_headers.iter().cloned());
        if let Some(cookie) = cookie {
            headers.push(Header::new("Cookie", cookie));
        }
        let body = match self.method {
            Method::Get => String::new(),
            Method::Post => encode_form(&self.form),
        };
        if self.method == Method::Post {
            if !body.is_empty() {
                headers.push(Header::new("Content-Type", FORM_CONTENT_TYPE));
            }
            // Sent even when 0: a POST without it leaves the server to guess there is no body.
            headers.push(Header::new("Content-Length", body.len().to_string()));
        }
        let text = format!(
            "{}\r\n{}\r\n{body}",
            self.request_line(),
            headers_text(&headers).replace('\n', "\r\n")
        );
        EncodedRequest {
            bytes: text.into_bytes(),
            headers,
            body,
        }
    }
}

/// `path` as an origin-form request target: a leading `/`, and every byte a target may not
/// contain (spaces, controls, non-ASCII, the backtick and `"<>\^{|}`) percent-encoded, so no
/// caller can break the request line or inject a header.
fn origin_form(path: &str) -> String {
    let mut target = String::with_capacity(path.len() + 1);
    if !path.starts_with('/') {
        target.push('/');
    }
    for byte in path.bytes() {
        let allowed = byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?%".contains(&byte);
        if allowed {
            target.push(char::from(byte));
        } else {
            target.push_str(&format!("%{byte:02X}"));
        }
    }
    target
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_get_is_written_with_host_and_no_body_headers() {
        let request = Request::get("/dashboard");
        assert_eq!(
            request.to_bytes(),
            b"GET /dashboard HTTP/1.1\r\nHost: mybank.example\r\nUser-Agent: SessionLab/0.1\r\n\r\n"
        );
    }

    #[test]
    fn a_login_carries_a_form_body_with_type_and_length() {
        let encoded = Request::login("alice", "correct horse").encode(Some("a=b"));
        let text = String::from_utf8(encoded.bytes).unwrap_or_default();
        assert_eq!(
            text,
            "POST /login HTTP/1.1\r\nHost: mybank.example\r\nUser-Agent: SessionLab/0.1\r\n\
             Cookie: a=b\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: 33\r\n\r\nuser=alice&password=correct+horse"
        );
        assert_eq!(encoded.body.len(), 33);
    }

    #[test]
    fn logout_sends_an_explicit_zero_length() {
        let text = String::from_utf8(Request::logout().to_bytes()).unwrap_or_default();
        assert!(text.ends_with("Content-Length: 0\r\n\r\n"), "{text}");
        assert!(!text.contains("Content-Type"), "{text}");
    }

    #[test]
    fn ranges_are_written_as_byte_ranges() {
        let text = String::from_utf8(
            Request::get("/video")
                .with_range(ByteRange::from(4096))
                .to_bytes(),
        )
        .unwrap_or_default();
        assert!(text.contains("\r\nRange: bytes=4096-\r\n"), "{text}");
        assert_eq!(ByteRange::between(0, 9).header_value(), "bytes=0-9");
    }

    #[test]
    fn targets_cannot_break_the_request_line() {
        let request = Request::get("a b\r\nX-Evil: 1");
        assert_eq!(request.target(), "/a%20b%0D%0AX-Evil:%201");
        assert_eq!(Request::get("/video?from=1").path(), "/video");
    }
}
