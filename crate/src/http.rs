//! The lab's HTTP/1.1 application: the requests the client sends and the `mybank.example` server
//! that answers them, on top of the TLS connections.
//!
//! Parsing uses `httparse`; the lab only needs complete requests and responses, which arrive in
//! one flight, but partial input is buffered rather than misread.

use serde::Serialize;

use crate::pki::SERVER_NAME;

/// A request the client will send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `POST`, …
    pub method: String,
    /// The request target, e.g. `/dashboard`.
    pub path: String,
}

impl Request {
    /// `GET path`.
    pub fn get(path: &str) -> Self {
        Self {
            method: "GET".to_owned(),
            path: path.to_owned(),
        }
    }

    /// The bytes as they go on the wire (inside TLS).
    pub fn to_bytes(&self) -> Vec<u8> {
        format!(
            "{} {} HTTP/1.1\r\nHost: {SERVER_NAME}\r\nUser-Agent: SessionLab/0.1\r\nAccept: text/html\r\n\r\n",
            self.method, self.path
        )
        .into_bytes()
    }
}

/// What the server made of one request, for the page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Exchange {
    /// The request line as received, e.g. `GET /dashboard HTTP/1.1`.
    pub request_line: String,
    /// The status the server answered with.
    pub status: u16,
}

/// The `mybank.example` server.
#[derive(Debug, Default)]
pub struct Server {
    pending: Vec<u8>,
}

impl Server {
    /// Feeds bytes the server's TLS connection delivered; returns the response bytes for every
    /// complete request they finish, and what each exchange was.
    pub fn receive(&mut self, bytes: &[u8]) -> (Vec<u8>, Vec<Exchange>) {
        self.pending.extend_from_slice(bytes);
        let mut out = Vec::new();
        let mut exchanges = Vec::new();
        loop {
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut request = httparse::Request::new(&mut headers);
            match request.parse(&self.pending) {
                Ok(httparse::Status::Complete(consumed)) => {
                    let method = request.method.unwrap_or_default().to_owned();
                    let path = request.path.unwrap_or_default().to_owned();
                    let (status, body) = route(&method, &path);
                    out.extend_from_slice(&response(status, &body));
                    exchanges.push(Exchange {
                        request_line: format!("{method} {path} HTTP/1.1"),
                        status,
                    });
                    self.pending.drain(..consumed);
                }
                Ok(httparse::Status::Partial) => break,
                Err(err) => {
                    let body = format!("<p>Bad request: {err}</p>");
                    out.extend_from_slice(&response(400, &body));
                    exchanges.push(Exchange {
                        request_line: String::from_utf8_lossy(&self.pending).into_owned(),
                        status: 400,
                    });
                    self.pending.clear();
                    break;
                }
            }
        }
        (out, exchanges)
    }
}

fn route(method: &str, path: &str) -> (u16, String) {
    match (method, path) {
        ("GET", "/dashboard") => (
            200,
            "<!doctype html><title>Dashboard</title><h1>MyBank dashboard</h1>\
             <p>Balance: 1,234.56 EUR</p>"
                .to_owned(),
        ),
        ("GET", _) => (404, "<p>Not found</p>".to_owned()),
        _ => (405, "<p>Method not allowed</p>".to_owned()),
    }
}

fn response(status: u16, body: &str) -> Vec<u8> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "",
    };
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// The status code of a complete HTTP response, if `bytes` start with one.
pub fn response_status(bytes: &[u8]) -> Option<u16> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut parsed = httparse::Response::new(&mut headers);
    match parsed.parse(bytes) {
        Ok(_) => parsed.code,
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dashboard_request_gets_200_and_unknown_path_404() {
        let mut server = Server::default();
        let (out, exchanges) = server.receive(&Request::get("/dashboard").to_bytes());
        assert_eq!(response_status(&out), Some(200));
        assert_eq!(exchanges[0].request_line, "GET /dashboard HTTP/1.1");
        let (out, _) = server.receive(&Request::get("/nope").to_bytes());
        assert_eq!(response_status(&out), Some(404));
    }

    #[test]
    fn a_request_split_in_two_is_answered_once_complete() {
        let mut server = Server::default();
        let bytes = Request::get("/dashboard").to_bytes();
        let (first, _) = server.receive(&bytes[..10]);
        assert!(first.is_empty());
        let (second, exchanges) = server.receive(&bytes[10..]);
        assert_eq!(response_status(&second), Some(200));
        assert_eq!(exchanges.len(), 1);
    }

    #[test]
    fn garbage_gets_400() {
        let mut server = Server::default();
        let (out, _) = server.receive(b"\x00\x01 not http\r\n\r\n");
        assert_eq!(response_status(&out), Some(400));
    }
}
