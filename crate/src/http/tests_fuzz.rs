//! Property tests: no input makes the server or the client's readers panic, and where the bytes
//! are cut never changes what is read. Native only (proptest is a native dev-dependency).

use proptest::collection::vec;
use proptest::prelude::*;

use super::*;
use crate::clock::LAB_EPOCH;

/// Requests that are almost right, so the fuzzing reaches past the request line.
fn near_miss_request() -> impl Strategy<Value = Vec<u8>> {
    let pieces = prop::sample::select(vec![
        "GET / HTTP/1.1\r\n",
        "POST /login HTTP/1.1\r\n",
        "GET /video HTTP/1.1\r\n",
        "Host: mybank.example\r\n",
        "Content-Length: 5\r\n",
        "Content-Length: 99999999999\r\n",
        "Transfer-Encoding: chunked\r\n",
        "Content-Type: application/x-www-form-urlencoded\r\n",
        "Cookie: session_id=abc; x=y\r\n",
        "Range: bytes=0-10\r\n",
        "Range: bytes=-5,7-\r\n",
        "user=alice&password=correct+horse",
        "%zz&&==",
        "\r\n",
        "\n",
        ":",
    ]);
    vec(pieces, 0..12).prop_map(|pieces| pieces.concat().into_bytes())
}

proptest! {
    #[test]
    fn random_bytes_never_panic_the_server(bytes in vec(any::<u8>(), 0..600), split in 0usize..600) {
        let mut server = Server::new();
        let split = split.min(bytes.len());
        server.receive(&bytes[..split], LAB_EPOCH);
        server.receive(&bytes[split..], LAB_EPOCH);
        server.new_connection();
        server.receive(&bytes, LAB_EPOCH + 1000);
    }

    #[test]
    fn near_miss_requests_never_panic_the_server(first in near_miss_request(), second in near_miss_request()) {
        let mut server = Server::new();
        let served = server.receive(&first, LAB_EPOCH);
        for exchange in &served.exchanges {
            prop_assert!((200..600).contains(&exchange.status));
        }
        server.receive(&second, LAB_EPOCH);
    }

    #[test]
    fn random_bytes_never_panic_the_client(bytes in vec(any::<u8>(), 0..600), split in 0usize..600) {
        let mut client = Client::new();
        client.send(&Request::get("/dashboard"), Transport::Tls, LAB_EPOCH);
        let split = split.min(bytes.len());
        client.receive(&bytes[..split], LAB_EPOCH);
        client.receive(&bytes[split..], LAB_EPOCH);
        client.new_connection();
        client.receive(&bytes, LAB_EPOCH);
        let _ = response_status(&bytes);
    }

    #[test]
    fn near_miss_responses_never_panic_the_client(
        status in prop::sample::select(vec!["HTTP/1.1 200 OK\r\n", "HTTP/1.1 100 Continue\r\n", "HTTP/1.1 204 No Content\r\n", "HTTP/1.0 303 See Other\r\n"]),
        headers in vec(prop::sample::select(vec![
            "Content-Length: 3\r\n",
            "Content-Length: 3, 4\r\n",
            "Set-Cookie: session_id=x; Max-Age=-1\r\n",
            "Set-Cookie: a=b; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Domain=.example\r\n",
            "Set-Cookie: ;;;=\r\n",
            "Set-Cookie: __Host-x=1; Secure; Path=/\r\n",
            "Transfer-Encoding: chunked\r\n",
        ]), 0..5),
        body in vec(any::<u8>(), 0..8),
        transport in prop::sample::select(vec![Transport::Tls, Transport::PlainHttp]),
    ) {
        let mut bytes = status.as_bytes().to_vec();
        bytes.extend(headers.concat().into_bytes());
        bytes.extend_from_slice(b"\r\n");
        bytes.extend(body);
        let mut client = Client::new();
        client.send(&Request::get("/"), transport, LAB_EPOCH);
        client.send(&Request::get("/"), transport, LAB_EPOCH);
        client.receive(&bytes, LAB_EPOCH);
        client.receive(&bytes, LAB_EPOCH);
        client.jar_view(LAB_EPOCH);
        client.new_connection();
    }

    #[test]
    fn set_cookie_strings_never_panic_the_jar(set_cookie in ".{0,80}", path in ".{0,20}", now in any::<u64>()) {
        let mut jar = CookieJar::new();
        jar.store(&set_cookie, &path, Transport::Tls, now);
        jar.select(&path, Transport::PlainHttp, now);
        jar.view(now);
    }

    #[test]
    fn a_conversation_cut_anywhere_reads_the_same(cuts in vec(0usize..2000, 0..6)) {
        let mut server = Server::new();
        let login = Request::login(DEMO_USER, DEMO_PASSWORD).to_bytes();
        let mut bytes = login.clone();
        bytes.extend(Request::get("/video").with_range(ByteRange::between(5, 9)).to_bytes());
        bytes.extend(login);
        let mut cuts: Vec<usize> = cuts.into_iter().map(|cut| cut.min(bytes.len())).collect();
        cuts.sort_unstable();
        let mut statuses = Vec::new();
        let mut start = 0;
        for cut in cuts.into_iter().chain([bytes.len()]) {
            let served = server.receive(&bytes[start..cut], LAB_EPOCH);
            statuses.extend(served.exchanges.iter().map(|exchange| exchange.status));
            start = cut;
        }
        prop_assert_eq!(statuses, vec![303, 206, 303]);
    }
}
