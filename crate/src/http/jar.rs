//! The client's cookie jar: what a browser keeps of `Set-Cookie` and sends back in `Cookie`.
//!
//! It follows RFC 6265 (and the parts of its successor draft, 6265bis, that browsers ship) for a
//! single host, `mybank.example`, with "now" from the lab clock:
//! - `Max-Age` wins over `Expires`; `Max-Age=0` (or negative, or an `Expires` in the past) deletes;
//!   a cookie is dropped once the clock is past its expiry;
//! - `Secure` cookies are sent only over TLS, and a plain-HTTP response can neither set one nor
//!   overwrite one;
//! - `Path` decides which requests carry the cookie (default: the request's directory);
//! - `HttpOnly` is recorded: it hides the cookie from script ([`CookieJar::document_cookie`]);
//! - `SameSite` is recorded but never decisive: every request in the lab is same-site.
//!
//! Parsing of `Set-Cookie` is the `cookie` crate's.

use cookie::Cookie;
use serde::Serialize;

use super::client::Transport;
use crate::clock::rfc3339;
use crate::pki::SERVER_NAME;

/// One cookie the jar holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCookie {
    /// The name.
    pub name: String,
    /// The value.
    pub value: String,
    /// The domain it is sent to (the host, for host-only cookies).
    pub domain: String,
    /// Whether it goes to `domain` exactly (no `Domain` attribute) rather than subdomains too.
    pub host_only: bool,
    /// The path prefix of requests that carry it.
    pub path: String,
    /// Sent only over TLS.
    pub secure: bool,
    /// Hidden from script.
    pub http_only: bool,
    /// `Strict`, `Lax` or `None`, if given.
    pub same_site: Option<String>,
    /// The last second it is valid (Unix seconds); `None` for a session cookie, kept until the
    /// browser closes (which the lab never does).
    pub expires_at: Option<u64>,
    /// When it was first stored (kept across updates, as RFC 6265 says).
    pub created_at: u64,
    /// The `Set-Cookie` value it came from, last.
    pub set_cookie: String,
    /// Ties `created_at` within one second, for the `Cookie` header's order.
    creation_order: u64,
}

impl StoredCookie {
    /// Whether the clock is past its expiry at `now`.
    pub fn is_expired(&self, now: u64) -> bool {
        self.expires_at.is_some_and(|expires_at| now > expires_at)
    }

    /// Whether a request for `path` over `transport` at `now` carries it, and if not, why.
    pub fn withheld_because(
        &self,
        path: &str,
        transport: Transport,
        now: u64,
    ) -> Option<WithholdReason> {
        if self.is_expired(now) {
            Some(WithholdReason::Expired)
        } else if !path_matches(path, &self.path) {
            Some(WithholdReason::PathMismatch)
        } else if self.secure && transport == Transport::PlainHttp {
            Some(WithholdReason::SecureOverPlainHttp)
        } else {
            None
        }
    }
}

/// Why a cookie in the jar was not sent with a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum WithholdReason {
    /// Its expiry had passed: the jar dropped it.
    Expired,
    /// The request's path is outside the cookie's `Path`.
    PathMismatch,
    /// It is `Secure` and the request went over plain HTTP.
    SecureOverPlainHttp,
}

impl WithholdReason {
    /// The reason in a sentence.
    pub fn explanation(self) -> &'static str {
        match self {
            Self::Expired => "Expired cookie dropped from the jar",
            Self::PathMismatch => "Request path is outside the cookie's Path",
            Self::SecureOverPlainHttp => "Secure cookie withheld over plain HTTP",
        }
    }
}

/// A cookie a request carried.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SentCookie {
    /// The name.
    pub name: String,
    /// The value.
    pub value: String,
}

/// A cookie in the jar that a request did not carry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WithheldCookie {
    /// The name.
    pub name: String,
    /// Why, as a code.
    pub reason: WithholdReason,
    /// Why, in a sentence (e.g. "Secure cookie withheld over plain HTTP").
    pub explanation: String,
}

/// What the jar picked for one request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CookieSelection {
    /// The `Cookie` header value, if any cookie goes.
    pub header: Option<String>,
    /// The cookies sent, in header order.
    pub sent: Vec<SentCookie>,
    /// The cookies not sent, and why.
    pub withheld: Vec<WithheldCookie>,
}

/// What one `Set-Cookie` did to the jar.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum JarUpdate {
    /// A new cookie was stored.
    Stored {
        /// Its name.
        name: String,
        /// Its last valid second, `None` for a session cookie.
        expires_at: Option<u64>,
    },
    /// A cookie with the same name, domain and path was replaced.
    Replaced {
        /// Its name.
        name: String,
        /// Its new last valid second, `None` for a session cookie.
        expires_at: Option<u64>,
    },
    /// The cookie arrived already expired (e.g. `Max-Age=0`) and removed its stored namesake.
    Deleted {
        /// Its name.
        name: String,
    },
    /// The cookie arrived already expired and there was nothing to delete.
    IgnoredExpired {
        /// Its name.
        name: String,
    },
    /// The jar refused it.
    Rejected {
        /// The `Set-Cookie` value.
        set_cookie: String,
        /// Why, in a sentence.
        reason: String,
    },
}

/// The jar.
#[derive(Clone, Debug, Default)]
pub struct CookieJar {
    cookies: Vec<StoredCookie>,
    stored_so_far: u64,
}

impl CookieJar {
    /// An empty jar.
    pub fn new() -> Self {
        Self::default()
    }

    /// The cookies held, expired ones not yet dropped included.
    pub fn cookies(&self) -> &[StoredCookie] {
        &self.cookies
    }

    /// The cookie called `name`, if held.
    pub fn get(&self, name: &str) -> Option<&StoredCookie> {
        self.cookies.iter().find(|cookie| cookie.name == name)
    }

    /// Applies the `Set-Cookie` value `set_cookie` from a response to a request for
    /// `request_path` that travelled over `transport`, at `now`.
    pub fn store(
        &mut self,
        set_cookie: &str,
        request_path: &str,
        transport: Transport,
        now: u64,
    ) -> JarUpdate {
        let reject = |reason: &str| JarUpdate::Rejected {
            set_cookie: set_cookie.to_owned(),
            reason: reason.to_owned(),
        };
        let parsed = match Cookie::parse(set_cookie) {
            Ok(parsed) => parsed,
            Err(err) => return reject(&format!("Not a cookie: {err}.")),
        };
        let name = parsed.name().to_owned();
        let secure = parsed.secure().unwrap_or(false);
        let (domain, host_only) = match parsed.domain() {
            None => (SERVER_NAME.to_owned(), true),
            Some(domain) => {
                let domain = domain.trim_start_matches('.').to_ascii_lowercase();
                if !domain.contains('.') {
                    // A whole top-level domain: a stand-in for the public-suffix list.
                    return reject(&format!("Domain={domain} is a top-level domain."));
                }
                if !domain_matches(SERVER_NAME, &domain) {
                    return reject(&format!("Domain={domain} does not cover {SERVER_NAME}."));
                }
                (domain, false)
            }
        };
        let path = match parsed.path() {
            Some(path) if path.starts_with('/') => path.to_owned(),
            _ => default_path(request_path),
        };
        if secure && transport == Transport::PlainHttp {
            return reject("A Secure cookie cannot be set over plain HTTP.");
        }
        if !secure
            && transport == Transport::PlainHttp
            && self.cookies.iter().any(|held| {
                held.name == name
                    && held.secure
                    && (domain_matches(&held.domain, &domain)
                        || domain_matches(&domain, &held.domain))
                    && path_matches(&path, &held.path)
            })
        {
            return reject("Plain HTTP may not overwrite a Secure cookie.");
        }
        if name.starts_with("__Secure-") && !secure {
            return reject("A __Secure- cookie must be Secure.");
        }
        if name.starts_with("__Host-") && (!secure || !host_only || path != "/") {
            return reject("A __Host- cookie must be Secure, have Path=/ and no Domain.");
        }

        let expires_at = match expiry(&parsed, now) {
            Expiry::Session => None,
            Expiry::At(expires_at) => Some(expires_at),
            Expiry::AlreadyExpired => {
                let before = self.cookies.len();
                self.cookies.retain(|held| {
                    !(held.name == name && held.domain == domain && held.path == path)
                });
                return if self.cookies.len() < before {
                    JarUpdate::Deleted { name }
                } else {
                    JarUpdate::IgnoredExpired { name }
                };
            }
        };
        let mut cookie = StoredCookie {
            name: name.clone(),
            value: parsed.value().to_owned(),
            domain,
            host_only,
            path,
            secure,
            http_only: parsed.http_only().unwrap_or(false),
            same_site: parsed.same_site().map(|same_site| same_site.to_string()),
            expires_at,
            created_at: now,
            set_cookie: set_cookie.to_owned(),
            creation_order: self.stored_so_far,
        };
        self.stored_so_far += 1;
        let existing = self.cookies.iter_mut().find(|held| {
            held.name == cookie.name && held.domain == cookie.domain && held.path == cookie.path
        });
        match existing {
            Some(held) => {
                cookie.created_at = held.created_at;
                cookie.creation_order = held.creation_order;
                *held = cookie;
                JarUpdate::Replaced { name, expires_at }
            }
            None => {
                self.cookies.push(cookie);
                JarUpdate::Stored { name, expires_at }
            }
        }
    }

    /// Drops every cookie expired at `now`, returning them.
    pub fn remove_expired(&mut self, now: u64) -> Vec<StoredCookie> {
        let (expired, kept) = std::mem::take(&mut self.cookies)
            .into_iter()
            .partition(|cookie| cookie.is_expired(now));
        self.cookies = kept;
        expired
    }

    /// Picks the cookies a request for `path` over `transport` carries at `now`, dropping expired
    /// ones first (they are reported as withheld). The header lists longer paths first, then
    /// older cookies, as RFC 6265 §5.4 asks.
    pub fn select(&mut self, path: &str, transport: Transport, now: u64) -> CookieSelection {
        let mut withheld: Vec<WithheldCookie> = self
            .remove_expired(now)
            .into_iter()
            .map(|cookie| withheld_cookie(&cookie.name, WithholdReason::Expired))
            .collect();
        let mut sent: Vec<&StoredCookie> = Vec::new();
        for cookie in &self.cookies {
            match cookie.withheld_because(path, transport, now) {
                None => sent.push(cookie),
                Some(reason) => withheld.push(withheld_cookie(&cookie.name, reason)),
            }
        }
        sent.sort_by(|a, b| {
            b.path
                .len()
                .cmp(&a.path.len())
                .then(a.created_at.cmp(&b.created_at))
                .then(a.creation_order.cmp(&b.creation_order))
        });
        let header = (!sent.is_empty()).then(|| {
            sent.iter()
                .map(|cookie| format!("{}={}", cookie.name, cookie.value))
                .collect::<Vec<_>>()
                .join("; ")
        });
        CookieSelection {
            header,
            sent: sent
                .into_iter()
                .map(|cookie| SentCookie {
                    name: cookie.name.clone(),
                    value: cookie.value.clone(),
                })
                .collect(),
            withheld,
        }
    }

    /// What a script on the page would read from `document.cookie` at `now`: live cookies that
    /// are not `HttpOnly`. The session cookie never shows here, so injected script cannot steal it.
    pub fn document_cookie(&self, now: u64) -> String {
        self.cookies
            .iter()
            .filter(|cookie| !cookie.http_only && !cookie.is_expired(now))
            .map(|cookie| format!("{}={}", cookie.name, cookie.value))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The jar for the page at `now`.
    pub fn view(&self, now: u64) -> Vec<CookieView> {
        self.cookies
            .iter()
            .map(|cookie| {
                let sent_over = |transport| {
                    cookie
                        .withheld_because(&cookie.path, transport, now)
                        .is_none()
                };
                CookieView {
                    name: cookie.name.clone(),
                    value: cookie.value.clone(),
                    domain: cookie.domain.clone(),
                    host_only: cookie.host_only,
                    path: cookie.path.clone(),
                    secure: cookie.secure,
                    http_only: cookie.http_only,
                    same_site: cookie.same_site.clone(),
                    expires_at: cookie.expires_at,
                    expires_at_text: cookie.expires_at.map(rfc3339),
                    created_at: cookie.created_at,
                    expired: cookie.is_expired(now),
                    sent_over_tls: sent_over(Transport::Tls),
                    sent_over_plain_http: sent_over(Transport::PlainHttp),
                    readable_by_script: !cookie.http_only,
                    set_cookie: cookie.set_cookie.clone(),
                }
            })
            .collect()
    }
}

/// One cookie of the jar, for the page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CookieView {
    /// The name.
    pub name: String,
    /// The value.
    pub value: String,
    /// The domain it goes to.
    pub domain: String,
    /// Whether only that exact host gets it.
    pub host_only: bool,
    /// The path prefix of requests that carry it.
    pub path: String,
    /// `Secure`: TLS only.
    pub secure: bool,
    /// `HttpOnly`: hidden from script.
    pub http_only: bool,
    /// `SameSite`, if given.
    pub same_site: Option<String>,
    /// The last second it is valid (Unix seconds); `None` for a session cookie.
    pub expires_at: Option<u64>,
    /// The same, RFC 3339.
    pub expires_at_text: Option<String>,
    /// When it was first stored (Unix seconds).
    pub created_at: u64,
    /// Whether the clock is past its expiry (the jar drops it at the next request).
    pub expired: bool,
    /// Whether a request to its path over TLS would carry it now.
    pub sent_over_tls: bool,
    /// Whether a request to its path over plain HTTP would carry it now.
    pub sent_over_plain_http: bool,
    /// Whether page script can read it (`document.cookie`): not when `HttpOnly`.
    pub readable_by_script: bool,
    /// The `Set-Cookie` value it came from.
    pub set_cookie: String,
}

fn withheld_cookie(name: &str, reason: WithholdReason) -> WithheldCookie {
    WithheldCookie {
        name: name.to_owned(),
        reason,
        explanation: reason.explanation().to_owned(),
    }
}

/// When a parsed cookie expires, per RFC 6265 §5.2.1–5.2.2.
enum Expiry {
    /// No `Max-Age` or `Expires`: kept for the browsing session.
    Session,
    /// Valid through this second.
    At(u64),
    /// Already expired on arrival: a deletion.
    AlreadyExpired,
}

fn expiry(parsed: &Cookie<'_>, now: u64) -> Expiry {
    if let Some(max_age) = parsed.max_age() {
        // `Max-Age` wins over `Expires`; zero or negative means "expire now".
        return match u64::try_from(max_age.whole_seconds()) {
            Ok(seconds) if seconds > 0 => Expiry::At(now.saturating_add(seconds)),
            _ => Expiry::AlreadyExpired,
        };
    }
    match parsed.expires_datetime() {
        None => Expiry::Session,
        Some(at) => {
            let at = u64::try_from(at.unix_timestamp()).unwrap_or(0);
            if now > at {
                Expiry::AlreadyExpired
            } else {
                Expiry::At(at)
            }
        }
    }
}

/// RFC 6265 §5.1.4's default-path: the request path up to (not including) its last `/`, or `/`.
fn default_path(request_path: &str) -> String {
    if !request_path.starts_with('/') {
        return "/".to_owned();
    }
    match request_path.rfind('/') {
        Some(0) | None => "/".to_owned(),
        Some(last_slash) => request_path[..last_slash].to_owned(),
    }
}

/// RFC 6265 §5.1.4's path-match: `/dash` matches `/dash`, `/dash/x`, but not `/dashboard`.
fn path_matches(request_path: &str, cookie_path: &str) -> bool {
    if request_path == cookie_path {
        return true;
    }
    request_path.starts_with(cookie_path)
        && (cookie_path.ends_with('/')
            || request_path.as_bytes().get(cookie_path.len()) == Some(&b'/'))
}

/// RFC 6265 §5.1.3's domain-match of a host name against a cookie domain.
fn domain_matches(host: &str, domain: &str) -> bool {
    host.eq_ignore_ascii_case(domain)
        || (host.len() > domain.len()
            && host
                .to_ascii_lowercase()
                .ends_with(&format!(".{}", domain.to_ascii_lowercase())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::LAB_EPOCH;

    const SESSION: &str = "session_id=abc; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=900";

    fn jar_with(set_cookies: &[&str]) -> CookieJar {
        let mut jar = CookieJar::new();
        for set_cookie in set_cookies {
            jar.store(set_cookie, "/login", Transport::Tls, LAB_EPOCH);
        }
        jar
    }

    #[test]
    fn the_session_cookie_is_stored_with_its_attributes() {
        let mut jar = CookieJar::new();
        let update = jar.store(SESSION, "/login", Transport::Tls, LAB_EPOCH);
        assert_eq!(
            update,
            JarUpdate::Stored {
                name: "session_id".to_owned(),
                expires_at: Some(LAB_EPOCH + 900)
            }
        );
        let cookie = jar.get("session_id");
        assert!(cookie.is_some_and(|c| c.secure
            && c.http_only
            && c.path == "/"
            && c.same_site.as_deref() == Some("Lax")
            && c.host_only
            && c.value == "abc"));
    }

    #[test]
    fn a_secure_cookie_goes_over_tls_only() {
        let mut jar = jar_with(&[SESSION, "theme=dark; Path=/"]);
        let tls = jar.select("/dashboard", Transport::Tls, LAB_EPOCH);
        assert_eq!(tls.header.as_deref(), Some("session_id=abc; theme=dark"));
        let plain = jar.select("/dashboard", Transport::PlainHttp, LAB_EPOCH);
        assert_eq!(plain.header.as_deref(), Some("theme=dark"));
        assert_eq!(
            plain.withheld,
            [WithheldCookie {
                name: "session_id".to_owned(),
                reason: WithholdReason::SecureOverPlainHttp,
                explanation: "Secure cookie withheld over plain HTTP".to_owned(),
            }]
        );
    }

    #[test]
    fn an_expired_cookie_is_dropped_and_reported() {
        let mut jar = jar_with(&[SESSION]);
        let at_900 = jar.select("/dashboard", Transport::Tls, LAB_EPOCH + 900);
        assert_eq!(at_900.sent.len(), 1, "valid through its last second");
        let view = jar.view(LAB_EPOCH + 901);
        assert!(view[0].expired && !view[0].sent_over_tls);
        let at_901 = jar.select("/dashboard", Transport::Tls, LAB_EPOCH + 901);
        assert_eq!(at_901.header, None);
        assert_eq!(at_901.withheld[0].reason, WithholdReason::Expired);
        assert!(jar.cookies().is_empty());
    }

    #[test]
    fn max_age_zero_deletes_and_wins_over_expires() {
        let mut jar = jar_with(&[SESSION]);
        let update = jar.store(
            "session_id=; Path=/; Secure; Max-Age=0; Expires=Wed, 01 Jan 2100 00:00:00 GMT",
            "/logout",
            Transport::Tls,
            LAB_EPOCH,
        );
        assert_eq!(
            update,
            JarUpdate::Deleted {
                name: "session_id".to_owned()
            }
        );
        assert!(jar.cookies().is_empty());
        let again = jar.store(
            "session_id=; Path=/; Max-Age=-5",
            "/",
            Transport::Tls,
            LAB_EPOCH,
        );
        assert_eq!(
            again,
            JarUpdate::IgnoredExpired {
                name: "session_id".to_owned()
            }
        );
    }

    #[test]
    fn expires_is_read_on_the_lab_clock() {
        // 2026-03-02 09:10:00 UTC is LAB_EPOCH + 600.
        let mut jar = jar_with(&["promo=1; Expires=Mon, 02 Mar 2026 09:10:00 GMT"]);
        assert_eq!(
            jar.get("promo").and_then(|c| c.expires_at),
            Some(LAB_EPOCH + 600)
        );
        let past = jar.store(
            "old=1; Expires=Mon, 02 Mar 2026 08:00:00 GMT",
            "/",
            Transport::Tls,
            LAB_EPOCH,
        );
        assert_eq!(
            past,
            JarUpdate::IgnoredExpired {
                name: "old".to_owned()
            }
        );
        assert!(jar
            .select("/", Transport::Tls, LAB_EPOCH + 601)
            .sent
            .is_empty());
    }

    #[test]
    fn paths_decide_which_requests_carry_a_cookie() {
        let mut jar = jar_with(&["a=1; Path=/video", "b=2", "c=3; Path=/"]);
        assert_eq!(
            jar.get("b").map(|c| c.path.as_str()),
            Some("/"),
            "default path of /login"
        );
        let video = jar.select("/video/part", Transport::Tls, LAB_EPOCH);
        assert_eq!(
            video.header.as_deref(),
            Some("a=1; b=2; c=3"),
            "longest path first"
        );
        let dashboard = jar.select("/videos", Transport::Tls, LAB_EPOCH);
        assert_eq!(dashboard.header.as_deref(), Some("b=2; c=3"));
        assert_eq!(dashboard.withheld[0].reason, WithholdReason::PathMismatch);
        assert_eq!(default_path("/a/b/c"), "/a/b");
        assert_eq!(default_path("nope"), "/");
    }

    #[test]
    fn a_cookie_is_replaced_keeping_its_creation_time() {
        let mut jar = jar_with(&[SESSION]);
        let update = jar.store(
            "session_id=xyz; Path=/; Secure; Max-Age=60",
            "/login",
            Transport::Tls,
            LAB_EPOCH + 10,
        );
        assert!(matches!(update, JarUpdate::Replaced { .. }));
        let cookie = jar.get("session_id");
        assert!(
            cookie.is_some_and(|c| c.value == "xyz" && c.created_at == LAB_EPOCH && !c.http_only)
        );
        assert_eq!(jar.cookies().len(), 1);
    }

    #[test]
    fn plain_http_cannot_set_or_clobber_secure_cookies() {
        let mut jar = jar_with(&[SESSION]);
        let set = jar.store("x=1; Secure", "/", Transport::PlainHttp, LAB_EPOCH);
        assert!(matches!(set, JarUpdate::Rejected { .. }));
        let clobber = jar.store(
            "session_id=evil; Path=/",
            "/",
            Transport::PlainHttp,
            LAB_EPOCH,
        );
        assert!(matches!(clobber, JarUpdate::Rejected { .. }));
        assert_eq!(jar.get("session_id").map(|c| c.value.as_str()), Some("abc"));
    }

    #[test]
    fn foreign_domains_prefix_rules_and_junk_are_rejected() {
        let mut jar = CookieJar::new();
        for set_cookie in [
            "a=1; Domain=other.example",
            "a=1; Domain=example",
            "__Host-a=1; Secure; Path=/x",
            "__Secure-a=1",
            "=novalue",
            "",
        ] {
            let update = jar.store(set_cookie, "/", Transport::Tls, LAB_EPOCH);
            assert!(
                matches!(update, JarUpdate::Rejected { .. }),
                "{set_cookie}: {update:?}"
            );
        }
        let domain = jar.store(
            "a=1; Domain=.MyBank.example",
            "/",
            Transport::Tls,
            LAB_EPOCH,
        );
        assert!(matches!(domain, JarUpdate::Stored { .. }));
        assert!(jar
            .get("a")
            .is_some_and(|c| !c.host_only && c.domain == "mybank.example"));
    }

    #[test]
    fn http_only_hides_a_cookie_from_script() {
        let jar = jar_with(&[SESSION, "theme=dark"]);
        assert_eq!(jar.document_cookie(LAB_EPOCH), "theme=dark");
        let view = jar.view(LAB_EPOCH);
        assert!(!view[0].readable_by_script && view[1].readable_by_script);
        assert!(view[0].sent_over_tls && !view[0].sent_over_plain_http);
        assert_eq!(
            view[0].expires_at_text.as_deref(),
            Some("2026-03-02T09:15:00Z")
        );
    }
}
