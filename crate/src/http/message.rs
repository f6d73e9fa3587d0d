//! HTTP/1.1 message framing: reading requests (server side) and responses (client side) out of a
//! byte stream that may arrive in arbitrary pieces, and writing responses.
//!
//! Heads are parsed with `httparse`; bodies are delimited by `Content-Length` alone. A message
//! that is not complete yet stays buffered (nothing is guessed from a prefix), and a message the
//! lab cannot delimit safely (chunked, conflicting lengths, oversized) is refused with a typed
//! [`HttpError`].

use super::error::HttpError;

/// The most header lines a message may carry; more is refused as malformed.
pub const MAX_HEADERS: usize = 32;
/// The most bytes a start line plus headers may take.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;
/// The most bytes a request body may take (the lab's forms are tiny).
pub const MAX_REQUEST_BODY_BYTES: usize = 16 * 1024;
/// The most bytes a response body may take (the synthetic video is 64 KiB).
pub const MAX_RESPONSE_BODY_BYTES: usize = 1024 * 1024;

/// One header line. Values that are not UTF-8 are kept lossily: the lab only shows them and
/// matches ASCII names and tokens in them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The name as sent (matching ignores case).
    pub name: String,
    /// The value as sent.
    pub value: String,
}

impl Header {
    /// A header line.
    pub fn new(name: &str, value: impl Into<String>) -> Self {
        Self {
            name: name.to_owned(),
            value: value.into(),
        }
    }
}

/// Headers as the page shows them: one `Name: value` per line.
pub fn headers_text(headers: &[Header]) -> String {
    headers
        .iter()
        .map(|header| format!("{}: {}\n", header.name, header.value))
        .collect()
}

/// Every value of the headers called `name`, in order.
pub fn header_values<'a>(headers: &'a [Header], name: &'a str) -> impl Iterator<Item = &'a str> {
    headers
        .iter()
        .filter(move |header| header.name.eq_ignore_ascii_case(name))
        .map(|header| header.value.as_str())
}

/// The first value of the header called `name`.
pub fn header_value<'a>(headers: &'a [Header], name: &'a str) -> Option<&'a str> {
    header_values(headers, name).next()
}

/// The standard reason phrase for the status codes the lab uses.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        206 => "Partial Content",
        303 => "See Other",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        421 => "Misdirected Request",
        500 => "Internal Server Error",
        _ => "",
    }
}

/// A request the server read completely.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedRequest {
    /// The method token, e.g. `POST`.
    pub method: String,
    /// The request target, e.g. `/dashboard`.
    pub target: String,
    /// The minor version: 1 for HTTP/1.1, 0 for HTTP/1.0.
    pub minor_version: u8,
    /// The header lines.
    pub headers: Vec<Header>,
    /// Exactly `Content-Length` bytes of body.
    pub body: Vec<u8>,
}

impl ParsedRequest {
    /// The request line, e.g. `GET /dashboard HTTP/1.1`.
    pub fn request_line(&self) -> String {
        format!(
            "{} {} HTTP/1.{}",
            self.method, self.target, self.minor_version
        )
    }

    /// The target's path, without any query string.
    pub fn path(&self) -> &str {
        self.target
            .split_once('?')
            .map_or(self.target.as_str(), |(path, _query)| path)
    }
}

/// A response the client read completely.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedResponse {
    /// The status code.
    pub status: u16,
    /// The reason phrase as sent.
    pub reason: String,
    /// The header lines.
    pub headers: Vec<Header>,
    /// Exactly `Content-Length` bytes of body.
    pub body: Vec<u8>,
}

/// Bytes that could not be read as a request, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable {
    /// Why.
    pub error: HttpError,
    /// The first line of what was buffered, lossily, for the page.
    pub first_line: String,
}

/// Buffers one connection's request bytes and yields each request once it is complete.
#[derive(Clone, Debug, Default)]
pub struct RequestReader {
    buffer: Vec<u8>,
}

impl RequestReader {
    /// Appends bytes that arrived.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// Drops whatever is buffered (the connection it came from has ended).
    pub fn clear(&mut self) {
        self.buffer.clear();
    }

    /// Whether bytes are waiting for the rest of their message.
    pub fn has_partial(&self) -> bool {
        !self.buffer.is_empty()
    }

    /// The next complete request, `None` while more bytes are needed. After an error the buffer
    /// is discarded: once framing is lost, nothing after it can be trusted to start a message.
    pub fn next_request(&mut self) -> Option<Result<ParsedRequest, Unreadable>> {
        if self.buffer.is_empty() {
            return None;
        }
        match parse_request(&self.buffer) {
            Ok(None) => None,
            Ok(Some((request, consumed))) => {
                self.buffer.drain(..consumed);
                Some(Ok(request))
            }
            Err(error) => {
                let first_line = first_line(&self.buffer);
                self.buffer.clear();
                Some(Err(Unreadable { error, first_line }))
            }
        }
    }
}

/// Buffers one connection's response bytes and yields each response once it is complete.
#[derive(Clone, Debug, Default)]
pub struct ResponseReader {
    buffer: Vec<u8>,
}

/// A response cut short: what had arrived of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartialResponse {
    /// The status code, if the head had arrived whole.
    pub status: Option<u16>,
    /// The announced body length, if the head had arrived whole.
    pub expected_body_length: Option<usize>,
    /// The body bytes that had arrived.
    pub body: Vec<u8>,
}

impl ResponseReader {
    /// Appends bytes that arrived.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// Drops whatever is buffered.
    pub fn clear(&mut self) {
        self.buffer.clear();
    }

    /// Drops whatever is buffered, reporting what had arrived of an unfinished response.
    pub fn take_partial(&mut self) -> Option<PartialResponse> {
        if self.buffer.is_empty() {
            return None;
        }
        let partial = match parse_response_head(&self.buffer) {
            Ok(Some(head)) => {
                let body = self.buffer.get(head.length..).unwrap_or_default();
                let expected = head.body_length.ok();
                let received = expected.map_or(body, |length| &body[..body.len().min(length)]);
                PartialResponse {
                    status: Some(head.response.status),
                    expected_body_length: expected,
                    body: received.to_vec(),
                }
            }
            Ok(None) | Err(_) => PartialResponse {
                status: None,
                expected_body_length: None,
                body: Vec::new(),
            },
        };
        self.buffer.clear();
        Some(partial)
    }

    /// The next complete response, `None` while more bytes are needed. After an error the
    /// buffer is discarded, as for requests.
    pub fn next_response(&mut self) -> Option<Result<ParsedResponse, HttpError>> {
        if self.buffer.is_empty() {
            return None;
        }
        let head = match parse_response_head(&self.buffer) {
            Ok(None) => return None,
            Ok(Some(head)) => head,
            Err(error) => return Some(self.fail(error)),
        };
        let body_length = match head.body_length {
            Ok(length) => length,
            Err(error) => return Some(self.fail(error)),
        };
        let end = head.length.saturating_add(body_length);
        let body = self.buffer.get(head.length..end)?.to_vec();
        self.buffer.drain(..end);
        Some(Ok(ParsedResponse {
            body,
            ..head.response
        }))
    }

    fn fail(&mut self, error: HttpError) -> Result<ParsedResponse, HttpError> {
        self.buffer.clear();
        Err(error)
    }
}

/// A response head: the response without its body, the head's length in bytes and the body's.
struct ResponseHead {
    response: ParsedResponse,
    length: usize,
    body_length: Result<usize, HttpError>,
}

/// `Ok(None)` while the head is incomplete.
fn parse_response_head(buffer: &[u8]) -> Result<Option<ResponseHead>, HttpError> {
    let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Response::new(&mut slots);
    let length = match parsed.parse(buffer)? {
        httparse::Status::Partial => return incomplete_head(buffer.len()),
        httparse::Status::Complete(length) => length,
    };
    if length > MAX_HEAD_BYTES {
        return Err(HttpError::HeadTooLarge {
            limit: MAX_HEAD_BYTES,
        });
    }
    let status = parsed.code.unwrap_or_default();
    let headers = owned_headers(parsed.headers);
    // RFC 9112 §6.3: informational, 204 and 304 responses never have a body.
    let body_length = if (100..200).contains(&status) || status == 204 || status == 304 {
        Ok(0)
    } else {
        content_length(&headers, MAX_RESPONSE_BODY_BYTES)
            .and_then(|length| length.ok_or(HttpError::MissingContentLength))
    };
    Ok(Some(ResponseHead {
        response: ParsedResponse {
            status,
            reason: parsed.reason.unwrap_or_default().to_owned(),
            headers,
            body: Vec::new(),
        },
        length,
        body_length,
    }))
}

/// `Ok(None)` while the request is incomplete; otherwise the request and the bytes it took.
fn parse_request(buffer: &[u8]) -> Result<Option<(ParsedRequest, usize)>, HttpError> {
    let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut slots);
    let head_length = match parsed.parse(buffer)? {
        httparse::Status::Partial => return incomplete_head(buffer.len()),
        httparse::Status::Complete(length) => length,
    };
    if head_length > MAX_HEAD_BYTES {
        return Err(HttpError::HeadTooLarge {
            limit: MAX_HEAD_BYTES,
        });
    }
    let headers = owned_headers(parsed.headers);
    // RFC 9112 §6.3: a request without Content-Length (or Transfer-Encoding) has no body.
    let body_length = content_length(&headers, MAX_REQUEST_BODY_BYTES)?.unwrap_or(0);
    let end = head_length.saturating_add(body_length);
    let Some(body) = buffer.get(head_length..end) else {
        return Ok(None);
    };
    let request = ParsedRequest {
        method: parsed.method.unwrap_or_default().to_owned(),
        target: parsed.path.unwrap_or_default().to_owned(),
        minor_version: parsed.version.unwrap_or(1),
        headers,
        body: body.to_vec(),
    };
    Ok(Some((request, end)))
}

/// An incomplete head is worth waiting for only while it stays within the limit.
fn incomplete_head<T>(buffered: usize) -> Result<Option<T>, HttpError> {
    if buffered > MAX_HEAD_BYTES {
        Err(HttpError::HeadTooLarge {
            limit: MAX_HEAD_BYTES,
        })
    } else {
        Ok(None)
    }
}

fn owned_headers(parsed: &[httparse::Header<'_>]) -> Vec<Header> {
    parsed
        .iter()
        .map(|header| Header {
            name: header.name.to_owned(),
            value: String::from_utf8_lossy(header.value).into_owned(),
        })
        .collect()
}

/// The body length `Content-Length` announces, `None` without one.
///
/// Every value (and every comma-separated item of one) must be the same decimal number: that is
/// RFC 9112 §6.3's rule, and disagreeing lengths are how request smuggling starts.
fn content_length(headers: &[Header], limit: usize) -> Result<Option<usize>, HttpError> {
    if header_value(headers, "transfer-encoding").is_some() {
        return Err(HttpError::TransferEncodingUnsupported);
    }
    let mut announced: Option<u64> = None;
    for value in header_values(headers, "content-length") {
        for item in value.split(',').map(str::trim) {
            let length =
                decimal(item).ok_or_else(|| HttpError::InvalidContentLength(value.to_owned()))?;
            if announced.is_some_and(|earlier| earlier != length) {
                return Err(HttpError::ConflictingContentLengths);
            }
            announced = Some(length);
        }
    }
    match announced {
        None => Ok(None),
        Some(length) => match usize::try_from(length) {
            Ok(length) if length <= limit => Ok(Some(length)),
            _ => Err(HttpError::BodyTooLarge { length, limit }),
        },
    }
}

/// A non-empty run of ASCII digits as a number (`u64::from_str` would also take a `+`).
fn decimal(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn first_line(bytes: &[u8]) -> String {
    const MAX_CHARS: usize = 120;
    let line = bytes
        .split(|&byte| byte == b'\n')
        .next()
        .unwrap_or_default();
    let text = String::from_utf8_lossy(line);
    let text = text.trim_end_matches('\r');
    if text.chars().count() > MAX_CHARS {
        format!("{}…", text.chars().take(MAX_CHARS).collect::<String>())
    } else {
        text.to_owned()
    }
}

/// A response the server is about to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Header lines, without `Content-Length` (added from the body when written).
    pub headers: Vec<Header>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// A response with no headers and no body yet.
    pub fn new(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A small HTML page.
    pub fn html(status: u16, page: String) -> Self {
        Self::new(status)
            .with_header("Content-Type", "text/html; charset=utf-8")
            .with_body(page.into_bytes())
    }

    /// Adds a header line.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push(Header::new(name, value));
        self
    }

    /// Sets the body.
    pub fn with_body(mut self, body: Vec<u8>) -> Self {
        self.body = body;
        self
    }

    /// The status line, e.g. `HTTP/1.1 303 See Other`.
    pub fn status_line(&self) -> String {
        format!("HTTP/1.1 {} {}", self.status, reason_phrase(self.status))
    }

    /// Every header as it goes on the wire, `Content-Length` last.
    pub fn wire_headers(&self) -> Vec<Header> {
        let mut headers = self.headers.clone();
        headers.push(Header::new("Content-Length", self.body.len().to_string()));
        headers
    }

    /// The bytes as they go on the wire (inside TLS).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut head = format!("{}\r\n", self.status_line());
        for header in self.wire_headers() {
            head.push_str(&format!("{}: {}\r\n", header.name, header.value));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POST: &[u8] =
        b"POST /login HTTP/1.1\r\nHost: mybank.example\r\nContent-Length: 5\r\n\r\nab=cdGET / HTTP/1.1\r\nHost: mybank.example\r\n\r\n";

    #[test]
    fn requests_are_delimited_by_content_length() {
        let mut reader = RequestReader::default();
        reader.push(POST);
        let first = reader.next_request();
        let second = reader.next_request();
        let Some(Ok(post)) = first else {
            panic!("expected the POST, got {first:?}");
        };
        assert_eq!(post.request_line(), "POST /login HTTP/1.1");
        assert_eq!(post.body, b"ab=cd");
        let Some(Ok(get)) = second else {
            panic!("expected the GET, got {second:?}");
        };
        assert_eq!(get.request_line(), "GET / HTTP/1.1");
        assert!(get.body.is_empty());
        assert_eq!(reader.next_request(), None);
        assert!(!reader.has_partial());
    }

    #[test]
    fn a_request_is_yielded_only_when_its_body_is_complete() {
        for split in 0..POST.len() {
            let mut reader = RequestReader::default();
            reader.push(&POST[..split]);
            let mut read = Vec::new();
            while let Some(request) = reader.next_request() {
                read.push(request);
            }
            reader.push(&POST[split..]);
            while let Some(request) = reader.next_request() {
                read.push(request);
            }
            let bodies: Vec<_> = read
                .into_iter()
                .map(|request| request.map(|request| request.body))
                .collect();
            assert_eq!(bodies, [Ok(b"ab=cd".to_vec()), Ok(Vec::new())], "{split}");
        }
    }

    #[test]
    fn unsafe_framing_is_refused() {
        let cases: [(&[u8], HttpError); 4] = [
            (
                b"POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
                HttpError::ConflictingContentLengths,
            ),
            (
                b"POST / HTTP/1.1\r\nContent-Length: +3\r\n\r\n",
                HttpError::InvalidContentLength("+3".to_owned()),
            ),
            (
                b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
                HttpError::TransferEncodingUnsupported,
            ),
            (
                b"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
                HttpError::InvalidContentLength("99999999999999999999999".to_owned()),
            ),
        ];
        for (bytes, expected) in cases {
            let mut reader = RequestReader::default();
            reader.push(bytes);
            let result = reader.next_request();
            assert!(
                matches!(&result, Some(Err(unreadable)) if unreadable.error == expected),
                "{result:?}"
            );
            assert!(!reader.has_partial(), "the buffer is discarded");
        }
    }

    #[test]
    fn an_endless_head_is_refused_once_over_the_limit() {
        let mut reader = RequestReader::default();
        reader.push(b"GET / HTTP/1.1\r\nX-Padding: ");
        reader.push(&vec![b'a'; MAX_HEAD_BYTES]);
        let result = reader.next_request();
        assert!(
            matches!(&result, Some(Err(unreadable)) if unreadable.error == HttpError::HeadTooLarge { limit: MAX_HEAD_BYTES }),
            "{result:?}"
        );
    }

    #[test]
    fn responses_round_trip_and_a_cut_one_reports_its_progress() {
        let response = Response::html(200, "<p>hello</p>".to_owned());
        let bytes = response.to_bytes();
        let mut reader = ResponseReader::default();
        reader.push(&bytes);
        let read = reader.next_response();
        let Some(Ok(read)) = read else {
            panic!("{read:?}");
        };
        assert_eq!((read.status, read.reason.as_str()), (200, "OK"));
        assert_eq!(read.body, b"<p>hello</p>");
        assert_eq!(read.headers, response.wire_headers());

        let cut = bytes.len() - 4;
        reader.push(&bytes[..cut]);
        assert_eq!(reader.next_response(), None);
        let partial = reader.take_partial();
        assert_eq!(
            partial,
            Some(PartialResponse {
                status: Some(200),
                expected_body_length: Some(12),
                body: b"<p>hello".to_vec(),
            })
        );
        assert_eq!(reader.take_partial(), None);
    }

    #[test]
    fn a_response_without_length_is_refused_but_a_204_needs_none() {
        let mut reader = ResponseReader::default();
        reader.push(b"HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\n\r\nbody");
        let first = reader.next_response();
        assert!(matches!(&first, Some(Ok(r)) if r.status == 204 && r.body.is_empty()));
        assert_eq!(
            reader.next_response(),
            Some(Err(HttpError::MissingContentLength))
        );
    }
}
