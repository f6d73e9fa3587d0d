//! Observers around rustls' session stores, so the page can show where each side keeps its TLS
//! session state: the client's ticket cache and the server's session cache.
//!
//! Each wrapper delegates to rustls' own in-memory store and records what rustls asked of it,
//! stamped with the lab clock. Contents rustls keeps private (a ticket's lifetime) are read from
//! the NewSessionTicket messages themselves, by the dissector.

use std::sync::{Arc, Mutex, PoisonError};

use rustls::client::{ClientSessionMemoryCache, ClientSessionStore};
use rustls::pki_types::ServerName;
use rustls::server::{ServerSessionMemoryCache, StoresServerSessions};
use rustls::NamedGroup;
use serde::Serialize;

use crate::clock::LabClock;
use crate::view::hex;

/// What the client's ticket cache holds at one moment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientCacheState {
    /// TLS 1.3 tickets held, each with the lab time it arrived and its suite.
    pub tickets: Vec<HeldTicket>,
    /// A TLS 1.2 session (id or ticket) is held.
    pub tls12_session: Option<HeldTicket>,
    /// The key-exchange group rustls remembers to use first next time.
    pub kx_hint: Option<String>,
    /// The last things rustls did with the cache, newest last.
    pub events: Vec<String>,
    /// How many things rustls has done with the cache in all (`events` keeps the latest few).
    pub noted: usize,
}

/// One TLS session the client keeps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HeldTicket {
    /// The cipher suite it resumes (rustls does not expose it for TLS 1.2 sessions).
    pub suite: Option<String>,
    /// Lab time it was stored (Unix seconds).
    pub stored_at: u64,
}

/// The client's ticket cache: rustls' memory cache, observed.
#[derive(Debug)]
pub struct ObservedClientCache {
    inner: ClientSessionMemoryCache,
    clock: LabClock,
    state: Mutex<ClientCacheState>,
}

impl ObservedClientCache {
    /// An observed cache for up to 32 servers.
    pub fn new(clock: LabClock) -> Arc<Self> {
        Arc::new(Self {
            inner: ClientSessionMemoryCache::new(32),
            clock,
            state: Mutex::new(ClientCacheState::default()),
        })
    }

    /// What the cache holds now.
    pub fn state(&self) -> ClientCacheState {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ClientCacheState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn note(&self, state: &mut ClientCacheState, event: String) {
        state.events.push(event);
        state.noted += 1;
        let excess = state.events.len().saturating_sub(6);
        state.events.drain(..excess);
    }
}

impl ClientSessionStore for ObservedClientCache {
    fn set_kx_hint(&self, server_name: ServerName<'static>, group: NamedGroup) {
        let mut state = self.lock();
        state.kx_hint = Some(format!("{group:?}"));
        drop(state);
        self.inner.set_kx_hint(server_name, group);
    }

    fn kx_hint(&self, server_name: &ServerName<'_>) -> Option<NamedGroup> {
        self.inner.kx_hint(server_name)
    }

    fn set_tls12_session(
        &self,
        server_name: ServerName<'static>,
        value: rustls::client::Tls12ClientSessionValue,
    ) {
        let mut state = self.lock();
        state.tls12_session = Some(HeldTicket {
            suite: None,
            stored_at: self.clock.now(),
        });
        self.note(&mut state, "stored a TLS 1.2 session".to_owned());
        drop(state);
        self.inner.set_tls12_session(server_name, value);
    }

    fn tls12_session(
        &self,
        server_name: &ServerName<'_>,
    ) -> Option<rustls::client::Tls12ClientSessionValue> {
        let found = self.inner.tls12_session(server_name);
        let mut state = self.lock();
        let event = if found.is_some() {
            "looked up the TLS 1.2 session to offer"
        } else {
            "found no TLS 1.2 session to offer"
        };
        self.note(&mut state, event.to_owned());
        found
    }

    fn remove_tls12_session(&self, server_name: &ServerName<'static>) {
        let mut state = self.lock();
        state.tls12_session = None;
        self.note(&mut state, "removed the TLS 1.2 session".to_owned());
        drop(state);
        self.inner.remove_tls12_session(server_name);
    }

    fn insert_tls13_ticket(
        &self,
        server_name: ServerName<'static>,
        value: rustls::client::Tls13ClientSessionValue,
    ) {
        let mut state = self.lock();
        state.tickets.push(HeldTicket {
            suite: Some(format!("{:?}", value.suite().common.suite)),
            stored_at: self.clock.now(),
        });
        // rustls keeps at most 8 tickets per server, dropping the oldest.
        let excess = state.tickets.len().saturating_sub(8);
        state.tickets.drain(..excess);
        self.note(&mut state, "stored a TLS 1.3 ticket".to_owned());
        drop(state);
        self.inner.insert_tls13_ticket(server_name, value);
    }

    fn take_tls13_ticket(
        &self,
        server_name: &ServerName<'static>,
    ) -> Option<rustls::client::Tls13ClientSessionValue> {
        let taken = self.inner.take_tls13_ticket(server_name);
        let mut state = self.lock();
        match &taken {
            Some(_) => {
                // rustls hands out the newest ticket; each is used once.
                state.tickets.pop();
                self.note(
                    &mut state,
                    "took a ticket to offer (each is used once)".to_owned(),
                );
            }
            None => {
                state.tickets.clear();
                self.note(
                    &mut state,
                    "had no usable ticket: a full handshake follows".to_owned(),
                );
            }
        }
        taken
    }
}

/// What the server's session cache holds at one moment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerCacheState {
    /// Session ids (or stateful ticket ids) stored, as hex prefixes.
    pub entries: Vec<String>,
    /// The last things rustls did with the cache, newest last.
    pub events: Vec<String>,
    /// How many things rustls has done with the cache in all (`events` keeps the latest few).
    pub noted: usize,
}

/// The server's stateful session cache: rustls' memory cache, observed.
#[derive(Debug)]
pub struct ObservedServerCache {
    inner: Arc<ServerSessionMemoryCache>,
    state: Mutex<ServerCacheState>,
}

impl ObservedServerCache {
    /// An observed cache of up to 256 sessions.
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            inner: ServerSessionMemoryCache::new(256),
            state: Mutex::new(ServerCacheState::default()),
        })
    }

    /// What the cache holds now.
    pub fn state(&self) -> ServerCacheState {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ServerCacheState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn note(state: &mut ServerCacheState, event: String) {
        state.events.push(event);
        state.noted += 1;
        let excess = state.events.len().saturating_sub(6);
        state.events.drain(..excess);
    }
}

fn short_id(key: &[u8]) -> String {
    let shown = key.get(..8).unwrap_or(key);
    format!("{}…", hex(shown))
}

impl StoresServerSessions for ObservedServerCache {
    fn put(&self, key: Vec<u8>, value: Vec<u8>) -> bool {
        let id = short_id(&key);
        let stored = self.inner.put(key, value);
        let mut state = self.lock();
        if stored {
            state.entries.push(id.clone());
            Self::note(&mut state, format!("stored session {id}"));
        }
        stored
    }

    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        let found = self.inner.get(key);
        let mut state = self.lock();
        let event = match found {
            Some(_) => format!("found session {} (kept for reuse)", short_id(key)),
            None => format!("has no session {}", short_id(key)),
        };
        Self::note(&mut state, event);
        found
    }

    fn take(&self, key: &[u8]) -> Option<Vec<u8>> {
        let taken = self.inner.take(key);
        let id = short_id(key);
        let mut state = self.lock();
        if taken.is_some() {
            state.entries.retain(|e| *e != id);
            Self::note(&mut state, format!("took session {id}: single use"));
        } else {
            Self::note(&mut state, format!("has no session {id} to take"));
        }
        taken
    }

    fn can_cache(&self) -> bool {
        self.inner.can_cache()
    }
}
