//! Whole conversations between the lab's client and server, byte for byte: login, cookies,
//! expiry on the lab clock, logout, ranges, and input cut at every possible point.

use super::*;
use crate::clock::LAB_EPOCH;

/// A client and a server joined directly (the TLS layer is the engine's business), with a lab
/// time that tests move by hand.
struct Conversation {
    client: Client,
    server: Server,
    now: u64,
}

impl Conversation {
    fn new() -> Self {
        Self {
            client: Client::new(),
            server: Server::new(),
            now: LAB_EPOCH,
        }
    }

    /// One request and its response, as both sides recorded them.
    fn round_trip(
        &mut self,
        request: &Request,
        transport: Transport,
    ) -> (ClientExchange, Exchange) {
        let sent = self.client.send(request, transport, self.now);
        let served = self.server.receive(&sent.bytes, self.now);
        let received = self.client.receive(&served.response_bytes, self.now);
        assert_eq!(received.error, None);
        let [client_exchange] = <[_; 1]>::try_from(received.exchanges).unwrap_or_else(|e| {
            panic!("expected one client exchange, got {e:?}");
        });
        let [server_exchange] = <[_; 1]>::try_from(served.exchanges).unwrap_or_else(|e| {
            panic!("expected one server exchange, got {e:?}");
        });
        (client_exchange, server_exchange)
    }

    fn login(&mut self) -> (ClientExchange, Exchange) {
        self.round_trip(&Request::login(DEMO_USER, DEMO_PASSWORD), Transport::Tls)
    }

    fn session_id(&self) -> Option<String> {
        self.client
            .jar()
            .get(SESSION_COOKIE)
            .map(|cookie| cookie.value.clone())
    }
}

#[test]
fn login_sets_a_session_cookie_and_the_dashboard_then_answers_200() {
    let mut lab = Conversation::new();
    let (login, served_login) = lab.login();
    assert_eq!(login.response.status, 303);
    assert!(login
        .response
        .response_headers
        .contains("Location: /dashboard\n"));
    let [set_cookie] = <[_; 1]>::try_from(login.response.set_cookies.clone()).unwrap_or_default();
    let id = lab.session_id().unwrap_or_default();
    assert_eq!(id.len(), 22, "128 bits in base64url without padding");
    assert_eq!(
        set_cookie,
        format!("session_id={id}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=900")
    );
    assert!(matches!(
        login.jar_updates.as_slice(),
        [JarUpdate::Stored { expires_at: Some(at), .. }] if *at == LAB_EPOCH + 900
    ));
    assert!(matches!(
        served_login.session_events.as_slice(),
        [SessionEvent::Created { user, .. }] if user == "alice"
    ));
    assert_eq!(
        lab.server.store().get(&id).map(|s| s.user.as_str()),
        Some("alice")
    );

    lab.now += 60;
    let (dashboard, served) = lab.round_trip(&Request::get("/dashboard"), Transport::Tls);
    assert_eq!(dashboard.response.status, 200);
    assert!(dashboard.response.body_preview.contains("Welcome, alice"));
    assert!(dashboard
        .response
        .body_preview
        .contains(server::DEMO_BALANCE));
    assert_eq!(
        dashboard.request.cookies_sent,
        [SentCookie {
            name: SESSION_COOKIE.to_owned(),
            value: id.clone()
        }]
    );
    assert!(dashboard
        .request
        .request_headers
        .contains(&format!("Cookie: session_id={id}\n")));
    assert!(matches!(
        served.session_events.as_slice(),
        [SessionEvent::Live { user, .. }] if user == "alice"
    ));
}

#[test]
fn the_server_parses_exactly_what_the_client_wrote() {
    let mut lab = Conversation::new();
    lab.login();
    for request in [
        Request::get("/dashboard"),
        Request::login("alice", "wrong & odd=value"),
        Request::get("/video").with_range(ByteRange::between(10, 20)),
        Request::logout(),
    ] {
        let (client, server) = lab.round_trip(&request, Transport::Tls);
        assert_eq!(client.request.request_line, server.request_line);
        assert_eq!(client.request.request_headers, server.request_headers);
        assert_eq!(client.request.request_body, server.request_body);
        assert_eq!(client.response.status, server.status);
        assert_eq!(client.response.response_headers, server.response_headers);
        assert_eq!(client.response.set_cookies, server.set_cookies);
    }
}

#[test]
fn without_a_cookie_the_dashboard_answers_401() {
    let mut lab = Conversation::new();
    let (dashboard, served) = lab.round_trip(&Request::get("/dashboard"), Transport::Tls);
    assert_eq!(dashboard.response.status, 401);
    assert!(dashboard.request.cookies_sent.is_empty());
    assert_eq!(served.session_events, [SessionEvent::NoCookie]);
}

#[test]
fn wrong_credentials_answer_401_and_start_no_session() {
    let mut lab = Conversation::new();
    for (user, password) in [("alice", "tr0ub4dor"), ("mallory", DEMO_PASSWORD)] {
        let (login, served) = lab.round_trip(&Request::login(user, password), Transport::Tls);
        assert_eq!(login.response.status, 401);
        assert!(login
            .response
            .body_preview
            .contains("Wrong user name or password"));
        assert!(login.response.set_cookies.is_empty());
        assert!(served.session_events.is_empty());
    }
    assert!(lab.server.store().is_empty());
    assert!(lab.client.jar().cookies().is_empty());
}

#[test]
fn a_malformed_login_form_answers_400() {
    let mut lab = Conversation::new();
    let (missing, _) = lab.round_trip(
        &Request::post_form("/login", &[("user", "alice")]),
        Transport::Tls,
    );
    assert_eq!(missing.response.status, 400);
    let raw = b"POST /login HTTP/1.1\r\nHost: mybank.example\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\nuser=%G";
    let served = lab.server.receive(raw, lab.now);
    assert_eq!(response_status(&served.response_bytes), Some(400));
    let json = b"POST /login HTTP/1.1\r\nHost: mybank.example\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
    let served = lab.server.receive(json, lab.now);
    assert_eq!(response_status(&served.response_bytes), Some(400));
}

#[test]
fn after_901_seconds_the_jar_drops_the_cookie_and_the_dashboard_answers_401() {
    let mut lab = Conversation::new();
    lab.login();
    let id = lab.session_id().unwrap_or_default();

    lab.now += 900;
    let (last_second, _) = lab.round_trip(&Request::get("/dashboard"), Transport::Tls);
    assert_eq!(last_second.response.status, 200, "valid through second 900");

    lab.now += 1;
    let store = lab.server.store_view(lab.now);
    assert!(
        store.len() == 1 && !store[0].live,
        "expired, shown until pruned"
    );
    let (expired, served) = lab.round_trip(&Request::get("/dashboard"), Transport::Tls);
    assert_eq!(expired.response.status, 401);
    assert!(expired.request.cookies_sent.is_empty());
    assert_eq!(
        expired.request.cookies_withheld[0].reason,
        WithholdReason::Expired
    );
    assert!(lab.client.jar().cookies().is_empty(), "the jar dropped it");
    assert_eq!(served.session_events, [SessionEvent::NoCookie]);
    assert!(lab.server.store().get(&id).is_none(), "pruned");
}

#[test]
fn a_stale_cookie_presented_anyway_finds_the_session_expired_and_removed() {
    let mut lab = Conversation::new();
    lab.login();
    let id = lab.session_id().unwrap_or_default();
    // A client that ignores Max-Age (a script, a stolen cookie) still gets nothing.
    let stale = Request::get("/dashboard").encode(Some(&format!("session_id={id}")));
    let served = lab.server.receive(&stale.bytes, LAB_EPOCH + 901);
    assert_eq!(response_status(&served.response_bytes), Some(401));
    assert!(matches!(
        served.exchanges[0].session_events.as_slice(),
        [SessionEvent::Expired { expires, .. }] if *expires == LAB_EPOCH + 900
    ));
    assert!(lab.server.store().is_empty());
    let again = lab.server.receive(&stale.bytes, LAB_EPOCH + 902);
    assert_eq!(
        again.exchanges[0].session_events,
        [SessionEvent::Unknown { id }]
    );
}

#[test]
fn the_secure_session_cookie_is_not_sent_over_plain_http() {
    let mut lab = Conversation::new();
    lab.login();
    let (plain, served) = lab.round_trip(&Request::get("/dashboard"), Transport::PlainHttp);
    assert_eq!(plain.response.status, 401);
    assert!(plain.request.cookies_sent.is_empty());
    assert!(!plain.request.request_headers.contains("Cookie"));
    assert_eq!(
        plain.request.cookies_withheld,
        [WithheldCookie {
            name: SESSION_COOKIE.to_owned(),
            reason: WithholdReason::SecureOverPlainHttp,
            explanation: "Secure cookie withheld over plain HTTP".to_owned(),
        }]
    );
    assert_eq!(served.session_events, [SessionEvent::NoCookie]);
    assert!(lab.session_id().is_some(), "withheld, not dropped");
    let view = lab.client.jar_view(lab.now);
    assert!(view[0].sent_over_tls && !view[0].sent_over_plain_http && !view[0].readable_by_script);
}

#[test]
fn logout_removes_the_session_and_deletes_the_cookie() {
    let mut lab = Conversation::new();
    lab.login();
    let id = lab.session_id().unwrap_or_default();
    let (logout, served) = lab.round_trip(&Request::logout(), Transport::Tls);
    assert_eq!(logout.response.status, 303);
    assert!(logout.response.response_headers.contains("Location: /\n"));
    assert_eq!(
        logout.response.set_cookies,
        ["session_id=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0"]
    );
    assert_eq!(
        served.session_events,
        [SessionEvent::Ended {
            id: id.clone(),
            user: "alice".to_owned()
        }]
    );
    assert!(lab.server.store().get(&id).is_none());
    assert_eq!(
        logout.jar_updates,
        [JarUpdate::Deleted {
            name: SESSION_COOKIE.to_owned()
        }]
    );
    assert!(lab.client.jar().cookies().is_empty());
    let (dashboard, _) = lab.round_trip(&Request::get("/dashboard"), Transport::Tls);
    assert_eq!(dashboard.response.status, 401);
}

#[test]
fn logging_in_again_replaces_the_old_session() {
    let mut lab = Conversation::new();
    lab.login();
    let first = lab.session_id().unwrap_or_default();
    let (_, served) = lab.login();
    let second = lab.session_id().unwrap_or_default();
    assert_ne!(first, second);
    assert!(matches!(
        served.session_events.as_slice(),
        [SessionEvent::Ended { id, .. }, SessionEvent::Created { .. }] if *id == first
    ));
    assert_eq!(lab.server.store().len(), 1);
}

#[test]
fn the_video_is_served_whole_or_by_range() {
    let mut lab = Conversation::new();
    let full = video_body();
    let (whole, _) = lab.round_trip(&Request::get(VIDEO_PATH), Transport::Tls);
    assert_eq!(whole.response.status, 200);
    assert_eq!(whole.response.body, full);
    assert!(whole
        .response
        .response_headers
        .contains("Accept-Ranges: bytes\n"));

    let (part, _) = lab.round_trip(
        &Request::get(VIDEO_PATH).with_range(ByteRange::between(1000, 4999)),
        Transport::Tls,
    );
    assert_eq!(part.response.status, 206);
    assert_eq!(part.response.body, full[1000..5000]);
    assert!(part
        .response
        .response_headers
        .contains("Content-Range: bytes 1000-4999/65536\nContent-Length: 4000\n"));

    let (tail, _) = lab.round_trip(
        &Request::get(VIDEO_PATH).with_range(ByteRange::from(65_000)),
        Transport::Tls,
    );
    assert_eq!(
        (tail.response.status, tail.response.body.as_slice()),
        (206, &full[65_000..])
    );

    let (past, _) = lab.round_trip(
        &Request::get(VIDEO_PATH).with_range(ByteRange::from(65_536)),
        Transport::Tls,
    );
    assert_eq!(past.response.status, 416);
    assert!(past
        .response
        .response_headers
        .contains("Content-Range: bytes */65536\n"));
    assert_eq!(past.response.body_length, 0);
}

#[test]
fn a_download_cut_by_a_dropped_connection_resumes_from_the_last_byte_received() {
    let mut lab = Conversation::new();
    let sent = lab
        .client
        .send(&Request::get(VIDEO_PATH), Transport::Tls, lab.now);
    let served = lab.server.receive(&sent.bytes, lab.now);
    let cut = served.response_bytes.len() / 3;
    let received = lab.client.receive(&served.response_bytes[..cut], lab.now);
    assert!(received.exchanges.is_empty() && received.error.is_none());

    let interrupted = lab.client.new_connection();
    lab.server.new_connection();
    let [dropped] = <[_; 1]>::try_from(interrupted).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(dropped.status, Some(200));
    assert_eq!(dropped.expected_body_length, Some(VIDEO_LENGTH));
    let have = dropped.received_body_length;
    assert!(have > 0 && have < VIDEO_LENGTH);

    let (rest, _) = lab.round_trip(
        &Request::get(VIDEO_PATH).with_range(ByteRange::from(have as u64)),
        Transport::Tls,
    );
    assert_eq!(rest.response.status, 206);
    let mut joined = dropped.received_body;
    joined.extend_from_slice(&rest.response.body);
    assert_eq!(joined, video_body());
}

#[test]
fn input_split_at_any_point_is_read_the_same() {
    let mut lab = Conversation::new();
    lab.login();
    let sent = lab.client.send(
        &Request::login(DEMO_USER, DEMO_PASSWORD),
        Transport::Tls,
        lab.now,
    );
    let reference = lab.server.receive(&sent.bytes, lab.now);
    let reference = lab.client.receive(&reference.response_bytes, lab.now);
    let status = reference.exchanges[0].response.status;

    let mut request_split = Conversation::new();
    for split in 0..=sent.bytes.len() {
        let first = request_split.server.receive(&sent.bytes[..split], lab.now);
        let second = request_split.server.receive(&sent.bytes[split..], lab.now);
        let statuses: Vec<u16> = first
            .exchanges
            .iter()
            .chain(&second.exchanges)
            .map(|exchange| exchange.status)
            .collect();
        assert_eq!(statuses, [303], "request split at {split}");
    }

    let response = login_response_bytes();
    for split in 0..=response.len() {
        let mut client = Client::new();
        client.send(
            &Request::login(DEMO_USER, DEMO_PASSWORD),
            Transport::Tls,
            lab.now,
        );
        let first = client.receive(&response[..split], lab.now);
        let second = client.receive(&response[split..], lab.now);
        assert_eq!((first.error, second.error), (None, None));
        let exchanges: Vec<_> = first
            .exchanges
            .into_iter()
            .chain(second.exchanges)
            .collect();
        assert_eq!(exchanges.len(), 1, "response split at {split}");
        assert_eq!(exchanges[0].response.status, status);
        assert!(client.jar().get(SESSION_COOKIE).is_some());
    }
}

/// A successful login's answer, as the server writes it.
fn login_response_bytes() -> Vec<u8> {
    let mut server = Server::new();
    let login = Request::login(DEMO_USER, DEMO_PASSWORD);
    server.receive(&login.to_bytes(), LAB_EPOCH).response_bytes
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let mut lab = Conversation::new();
    let mut bytes = Vec::new();
    for request in [Request::get("/"), Request::get("/nope"), Request::logout()] {
        bytes.extend(lab.client.send(&request, Transport::Tls, lab.now).bytes);
    }
    let served = lab.server.receive(&bytes, lab.now);
    let received = lab.client.receive(&served.response_bytes, lab.now);
    let statuses: Vec<u16> = received
        .exchanges
        .iter()
        .map(|exchange| exchange.response.status)
        .collect();
    assert_eq!(statuses, [200, 404, 303]);
    assert_eq!(lab.client.awaiting_responses(), 0);
}

#[test]
fn garbage_gets_400_and_the_server_recovers_for_the_next_request() {
    let mut lab = Conversation::new();
    let served = lab.server.receive(b"\x00\x01 not http\r\n\r\n", lab.now);
    assert_eq!(response_status(&served.response_bytes), Some(400));
    assert_eq!(served.exchanges[0].status, 400);
    assert!(served.exchanges[0].summary.contains("Unreadable request"));
    let (home, _) = lab.round_trip(&Request::get("/"), Transport::Tls);
    assert_eq!(home.response.status, 200);
}

#[test]
fn unknown_paths_wrong_methods_and_wrong_hosts_are_refused() {
    let mut lab = Conversation::new();
    let (missing, _) = lab.round_trip(&Request::get("/nope"), Transport::Tls);
    assert_eq!(missing.response.status, 404);
    let (get_login, _) = lab.round_trip(&Request::get("/login"), Transport::Tls);
    assert_eq!(get_login.response.status, 405);
    assert!(get_login
        .response
        .response_headers
        .contains("Allow: POST\n"));
    let (post_video, _) = lab.round_trip(&Request::post_form(VIDEO_PATH, &[]), Transport::Tls);
    assert!(
        post_video.response.status == 405
            && post_video
                .response
                .response_headers
                .contains("Allow: GET\n")
    );

    let no_host = lab.server.receive(b"GET / HTTP/1.1\r\n\r\n", lab.now);
    assert_eq!(response_status(&no_host.response_bytes), Some(400));
    let other = lab
        .server
        .receive(b"GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n", lab.now);
    assert_eq!(response_status(&other.response_bytes), Some(421));
    let with_port = lab.server.receive(
        b"GET / HTTP/1.1\r\nHost: MyBank.example:443\r\n\r\n",
        lab.now,
    );
    assert_eq!(response_status(&with_port.response_bytes), Some(200));
}

#[test]
fn a_response_nobody_asked_for_is_an_error() {
    let mut client = Client::new();
    let received = client.receive(&login_response_bytes(), LAB_EPOCH);
    assert_eq!(received.error, Some(HttpError::UnsolicitedResponse));
    assert!(client.jar().cookies().is_empty(), "its cookie is not taken");
}

#[test]
fn view_data_serialises_in_camel_case() -> Result<(), serde_json::Error> {
    let mut lab = Conversation::new();
    let (login, served) = lab.login();
    let login = serde_json::to_value(&login)?;
    assert_eq!(login["request"]["transport"], "tls");
    assert_eq!(login["response"]["status"], 303);
    assert_eq!(login["jarUpdates"][0]["kind"], "stored");
    assert!(login["jarUpdates"][0]["expiresAt"].is_u64());
    let served = serde_json::to_value(&served)?;
    assert_eq!(served["sessionEvents"][0]["kind"], "created");
    let jar = serde_json::to_value(lab.client.jar_view(lab.now))?;
    assert_eq!(jar[0]["httpOnly"], true);
    assert_eq!(jar[0]["sentOverPlainHttp"], false);
    let store = serde_json::to_value(lab.server.store_view(lab.now))?;
    assert_eq!(store[0]["user"], "alice");
    assert_eq!(store[0]["live"], true);
    let (plain, _) = lab.round_trip(&Request::get("/dashboard"), Transport::PlainHttp);
    let plain = serde_json::to_value(&plain)?;
    assert_eq!(
        plain["request"]["cookiesWithheld"][0]["reason"],
        "secureOverPlainHttp"
    );
    Ok(())
}
