//! The server's login-session store: session id → (user, created, expires), the state behind
//! the `session_id` cookie.
//!
//! This is the HTTP session the lab contrasts with the TLS session: it lives on the server, is
//! named by a random cookie value, and ends after [`SESSION_LIFETIME_SECS`] on the lab clock,
//! whatever the TLS layer does. Expiry is absolute from login (no sliding renewal), so advancing
//! the clock by a quarter of an hour always logs the user out.

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::rand::{SecureRandom, SystemRandom};
use serde::Serialize;

use super::error::HttpError;
use crate::clock::rfc3339;

/// How long a login session lasts: 15 minutes. Short next to TLS tickets (hours), so moving the
/// lab clock by minutes logs the user out while TLS resumption still works.
pub const SESSION_LIFETIME_SECS: u64 = 15 * 60;

/// The `Max-Age` of the session cookie: the same as the session, so the browser forgets the
/// cookie when the server would refuse it anyway.
pub const COOKIE_MAX_AGE_SECS: u64 = SESSION_LIFETIME_SECS;

/// A session id carries 128 random bits: far beyond guessing, as OWASP recommends (≥ 64).
pub const SESSION_ID_BYTES: usize = 16;

/// One login session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// Who logged in.
    pub user: String,
    /// When (Unix seconds, lab clock).
    pub created: u64,
    /// The last second it is valid (Unix seconds, lab clock).
    pub expires: u64,
}

impl Session {
    /// Whether the session is still valid at `now`. It is through its `expires` second and gone
    /// after it, matching how a cookie jar reads `Max-Age` (RFC 6265: expired once *past* it).
    pub fn is_live(&self, now: u64) -> bool {
        now <= self.expires
    }
}

/// What looking a session id up found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// A live session.
    Live(Session),
    /// A session that had expired; it has been removed.
    Expired(Session),
    /// No such session (never issued, logged out, or pruned).
    Unknown,
}

/// The server's sessions, by id.
#[derive(Clone, Debug, Default)]
pub struct SessionStore {
    sessions: BTreeMap<String, Session>,
}

impl SessionStore {
    /// Starts a session for `user` at `now` under a fresh random id, returning the id.
    pub fn create(&mut self, user: &str, now: u64) -> Result<(String, Session), HttpError> {
        let random = SystemRandom::new();
        // A collision among 128-bit ids will not happen; drawing again keeps the map honest even
        // against a broken generator, and a generator that repeats itself fails loudly.
        for _attempt in 0..4 {
            let id = new_session_id(&random)?;
            if !self.sessions.contains_key(&id) {
                let session = Session {
                    user: user.to_owned(),
                    created: now,
                    expires: now.saturating_add(SESSION_LIFETIME_SECS),
                };
                self.sessions.insert(id.clone(), session.clone());
                return Ok((id, session));
            }
        }
        Err(HttpError::RandomUnavailable)
    }

    /// The session `id` names at `now`. An expired one is treated as absent and removed.
    pub fn lookup(&mut self, id: &str, now: u64) -> Lookup {
        match self.sessions.get(id) {
            None => Lookup::Unknown,
            Some(session) if session.is_live(now) => Lookup::Live(session.clone()),
            Some(_) => self
                .sessions
                .remove(id)
                .map_or(Lookup::Unknown, Lookup::Expired),
        }
    }

    /// Ends session `id` (logout), returning it if it existed.
    pub fn remove(&mut self, id: &str) -> Option<Session> {
        self.sessions.remove(id)
    }

    /// Removes every session expired at `now`, returning them with their ids.
    pub fn prune(&mut self, now: u64) -> Vec<(String, Session)> {
        let expired: Vec<String> = self
            .sessions
            .iter()
            .filter(|(_, session)| !session.is_live(now))
            .map(|(id, _)| id.clone())
            .collect();
        expired
            .into_iter()
            .filter_map(|id| self.sessions.remove(&id).map(|session| (id, session)))
            .collect()
    }

    /// The session stored under `id`, live or not, without pruning.
    pub fn get(&self, id: &str) -> Option<&Session> {
        self.sessions.get(id)
    }

    /// How many sessions are stored (expired ones not yet pruned included).
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    /// Whether no session is stored.
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }

    /// The store for the page at `now`, oldest session first.
    pub fn view(&self, now: u64) -> Vec<SessionEntryView> {
        let mut entries: Vec<SessionEntryView> = self
            .sessions
            .iter()
            .map(|(id, session)| SessionEntryView {
                id: id.clone(),
                user: session.user.clone(),
                created: session.created,
                created_text: rfc3339(session.created),
                expires: session.expires,
                expires_text: rfc3339(session.expires),
                live: session.is_live(now),
                seconds_left: session.expires.saturating_add(1).saturating_sub(now),
            })
            .collect();
        entries.sort_by(|a, b| (a.created, &a.id).cmp(&(b.created, &b.id)));
        entries
    }
}

/// One row of the server's session store, for the page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionEntryView {
    /// The session id: the `session_id` cookie's value.
    pub id: String,
    /// Who logged in.
    pub user: String,
    /// When the session started (Unix seconds).
    pub created: u64,
    /// The same, RFC 3339.
    pub created_text: String,
    /// The last second the session is valid (Unix seconds).
    pub expires: u64,
    /// The same, RFC 3339.
    pub expires_text: String,
    /// Whether the session is still valid now; an expired one is removed at the next request.
    pub live: bool,
    /// Seconds of validity left (0 once expired).
    pub seconds_left: u64,
}

/// 128 random bits as base64url without padding: 22 characters, safe in a cookie as they are.
fn new_session_id(random: &dyn SecureRandom) -> Result<String, HttpError> {
    let mut bytes = [0u8; SESSION_ID_BYTES];
    random
        .fill(&mut bytes)
        .map_err(|_| HttpError::RandomUnavailable)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::LAB_EPOCH;

    #[test]
    fn ids_are_22_base64url_characters_and_differ() -> Result<(), HttpError> {
        let mut store = SessionStore::default();
        let (first, _) = store.create("alice", LAB_EPOCH)?;
        let (second, _) = store.create("alice", LAB_EPOCH)?;
        for id in [&first, &second] {
            assert_eq!(id.len(), 22, "{id}");
            assert!(id
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_'));
        }
        assert_ne!(first, second);
        assert_eq!(store.len(), 2);
        Ok(())
    }

    #[test]
    fn a_session_lives_900_seconds_then_is_absent_and_pruned() -> Result<(), HttpError> {
        let mut store = SessionStore::default();
        let (id, session) = store.create("alice", LAB_EPOCH)?;
        assert_eq!(session.expires, LAB_EPOCH + 900);
        assert!(matches!(
            store.lookup(&id, LAB_EPOCH + 900),
            Lookup::Live(_)
        ));
        let view = store.view(LAB_EPOCH + 901);
        assert_eq!((view.len(), view[0].live), (1, false), "shown until pruned");
        assert_eq!(store.lookup(&id, LAB_EPOCH + 901), Lookup::Expired(session));
        assert!(store.is_empty());
        assert_eq!(store.lookup(&id, LAB_EPOCH + 901), Lookup::Unknown);
        Ok(())
    }

    #[test]
    fn prune_removes_only_expired_sessions() -> Result<(), HttpError> {
        let mut store = SessionStore::default();
        let (old, _) = store.create("alice", LAB_EPOCH)?;
        let (new, _) = store.create("alice", LAB_EPOCH + 600)?;
        let pruned = store.prune(LAB_EPOCH + 1000);
        assert_eq!(pruned.len(), 1);
        assert_eq!(pruned[0].0, old);
        assert!(store.get(&new).is_some());
        let view = store.view(LAB_EPOCH + 1000);
        assert_eq!(view[0].seconds_left, 501);
        assert_eq!(view[0].created_text, "2026-03-02T09:10:00Z");
        Ok(())
    }

    #[test]
    fn logout_removes_the_entry() -> Result<(), HttpError> {
        let mut store = SessionStore::default();
        let (id, _) = store.create("alice", LAB_EPOCH)?;
        assert!(store.remove(&id).is_some());
        assert_eq!(store.lookup(&id, LAB_EPOCH), Lookup::Unknown);
        Ok(())
    }
}
