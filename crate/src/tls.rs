//! rustls configuration for the lab's two endpoints, and the observers that record what rustls
//! decides: the key-log secrets and each endpoint's negotiated state.

use std::sync::Arc;

use rustls::client::Resumption;
use rustls::pki_types::ServerName;
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, ClientConnection, RootCertStore, ServerConfig, ServerConnection};
use serde::Serialize;

use crate::clock::LabClock;
use crate::keys::KeyLogCollector;
use crate::observe::{ObservedClientCache, ObservedServerCache};
use crate::options::{group_name, suite_name, Resolved};
use crate::pki::{Pki, SERVER_NAME};
use crate::Error;

/// The application protocol both sides offer over ALPN.
pub const ALPN_HTTP11: &[u8] = b"http/1.1";

/// What a chapter asks of the client's configuration for one connection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ClientVariant {
    /// Present the lab's client certificate when the server asks (mutual TLS).
    pub with_certificate: bool,
}

/// What a chapter asks of the server's configuration for one connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ServerVariant {
    /// Ask for and verify a client certificate.
    pub require_client_certificate: bool,
    /// Accept 0-RTT data this time (only in chapters that enable early data).
    pub accept_early_data: bool,
    /// The application protocols the server accepts, in its preference order.
    pub alpn: &'static [&'static str],
    /// A key-exchange group (rustls' name, e.g. `X25519`) the server will not use this time,
    /// so that a client sending its key share for it gets a HelloRetryRequest.
    pub refuse_group: Option<&'static str>,
}

impl Default for ServerVariant {
    fn default() -> Self {
        Self {
            require_client_certificate: false,
            accept_early_data: true,
            alpn: &["http/1.1"],
            refuse_group: None,
        }
    }
}

/// How resumption state is kept across a run's connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionPolicy {
    /// The server issues self-encrypted tickets instead of keeping a session cache.
    pub stateless_tickets: bool,
    /// The client may send 0-RTT data and the server may accept it (needs the stateful cache).
    pub early_data: bool,
}

/// Every configuration a run uses. Variants are built on demand and share the state that makes
/// resumption possible: the client's ticket cache, the server's session cache or ticket key, and
/// the key log.
pub struct ConfigSet {
    options: Resolved,
    policy: SessionPolicy,
    clock: LabClock,
    roots: Arc<RootCertStore>,
    server_chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    server_key: rustls::pki_types::PrivateKeyDer<'static>,
    client_chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    client_key: rustls::pki_types::PrivateKeyDer<'static>,
    clients: Vec<(ClientVariant, Arc<ClientConfig>)>,
    servers: Vec<(ServerVariant, Arc<ServerConfig>)>,
    /// The client's ticket cache, observed.
    pub client_cache: Arc<ObservedClientCache>,
    /// The server's session cache, observed (used for TLS 1.2 session ids, and for TLS 1.3
    /// unless tickets are stateless).
    pub server_cache: Arc<ObservedServerCache>,
    /// The server's ticket key, when tickets are stateless.
    pub ticketer: Option<Arc<dyn rustls::server::ProducesTickets>>,
    /// The secrets of every connection in the run (logged by the client).
    pub key_log: Arc<KeyLogCollector>,
}

impl ConfigSet {
    /// The configurations for `options` and `pki`, on the lab clock.
    pub fn new(
        options: &Resolved,
        policy: SessionPolicy,
        pki: &Pki,
        clock: &LabClock,
    ) -> Result<Self, Error> {
        let mut roots = RootCertStore::empty();
        roots.add(pki.ca_cert.clone())?;
        let ticketer = if policy.stateless_tickets {
            let ticketer: Arc<dyn rustls::server::ProducesTickets> =
                rustls::crypto::ring::Ticketer::new()?;
            Some(ticketer)
        } else {
            None
        };
        Ok(Self {
            options: options.clone(),
            policy,
            clock: clock.clone(),
            roots: Arc::new(roots),
            server_chain: pki.server_chain.clone(),
            server_key: pki.server_private_key(),
            client_chain: pki.client_chain.clone(),
            client_key: pki.client_private_key(),
            clients: Vec::new(),
            servers: Vec::new(),
            client_cache: ObservedClientCache::new(clock.clone()),
            server_cache: ObservedServerCache::new(),
            ticketer,
            key_log: Arc::new(KeyLogCollector::default()),
        })
    }

    /// A new client connection to [`SERVER_NAME`] and the server connection that will answer it.
    pub fn connect(
        &mut self,
        client: ClientVariant,
        server: ServerVariant,
    ) -> Result<(ClientConnection, ServerConnection), Error> {
        let name = ServerName::try_from(SERVER_NAME).map_err(|_| Error::InvalidOption {
            field: "serverName",
            value: SERVER_NAME.to_owned(),
            reason: "not a DNS name".to_owned(),
        })?;
        let client = ClientConnection::new(self.client(client)?, name)?;
        let server = ServerConnection::new(self.server(server)?)?;
        Ok((client, server))
    }

    /// Another server connection with the same configuration (an attacker's replay target).
    pub fn server_connection(&mut self, server: ServerVariant) -> Result<ServerConnection, Error> {
        Ok(ServerConnection::new(self.server(server)?)?)
    }

    fn client(&mut self, variant: ClientVariant) -> Result<Arc<ClientConfig>, Error> {
        if let Some((_, config)) = self.clients.iter().find(|(v, _)| *v == variant) {
            return Ok(config.clone());
        }
        let versions = [self.options.version.rustls()];
        let builder = ClientConfig::builder_with_details(
            self.options.client_provider(),
            Arc::new(self.clock.clone()),
        )
        .with_protocol_versions(&versions)?
        .with_root_certificates(self.roots.clone());
        let mut config = if variant.with_certificate {
            builder.with_client_auth_cert(self.client_chain.clone(), self.client_key.clone_key())?
        } else {
            builder.with_no_client_auth()
        };
        config.alpn_protocols = vec![ALPN_HTTP11.to_vec()];
        config.key_log = self.key_log.clone();
        config.resumption = Resumption::store(self.client_cache.clone());
        config.enable_early_data = self.policy.early_data;
        let config = Arc::new(config);
        self.clients.push((variant, config.clone()));
        Ok(config)
    }

    fn server(&mut self, variant: ServerVariant) -> Result<Arc<ServerConfig>, Error> {
        if let Some((_, config)) = self.servers.iter().find(|(v, _)| *v == variant) {
            return Ok(config.clone());
        }
        let versions = [self.options.version.rustls()];
        let mut provider = self.options.server_provider();
        if let Some(refused) = variant.refuse_group {
            let mut restricted = (*provider).clone();
            restricted
                .kx_groups
                .retain(|group| crate::options::group_name(*group) != refused);
            provider = Arc::new(restricted);
        }
        let builder =
            ServerConfig::builder_with_details(provider.clone(), Arc::new(self.clock.clone()))
                .with_protocol_versions(&versions)?;
        let builder = if variant.require_client_certificate {
            let verifier =
                WebPkiClientVerifier::builder_with_provider(self.roots.clone(), provider)
                    .build()
                    .map_err(|err| Error::Config(rustls::Error::General(err.to_string())))?;
            builder.with_client_cert_verifier(verifier)
        } else {
            builder.with_no_client_auth()
        };
        let mut config =
            builder.with_single_cert(self.server_chain.clone(), self.server_key.clone_key())?;
        config.alpn_protocols = variant.alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
        config.session_storage = self.server_cache.clone();
        if let Some(ticketer) = &self.ticketer {
            config.ticketer = ticketer.clone();
        }
        if self.policy.early_data && variant.accept_early_data {
            config.max_early_data_size = 16 * 1024;
        }
        let config = Arc::new(config);
        self.servers.push((variant, config.clone()));
        Ok(config)
    }
}

/// What one endpoint has negotiated so far, as rustls reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointState {
    /// Whether rustls says the handshake is complete.
    pub handshake_done: bool,
    /// The negotiated protocol version, e.g. `TLSv1_3`.
    pub version: Option<String>,
    /// The negotiated cipher suite.
    pub cipher_suite: Option<String>,
    /// The key-exchange group used.
    pub key_exchange_group: Option<String>,
    /// `Full`, `FullWithHelloRetryRequest` or `Resumed`.
    pub handshake_kind: Option<String>,
    /// The server name in the ClientHello: the one the client asks for (client side; rustls
    /// sends it as server_name for the DNS name it was given), the one the server received
    /// (server side).
    pub sni: Option<String>,
    /// The agreed application protocol.
    pub alpn: Option<String>,
    /// The subject of the peer's end-entity certificate.
    pub peer_certificate_subject: Option<String>,
    /// The peer sent close_notify.
    pub peer_closed: bool,
    /// This side sent close_notify.
    pub sent_close: bool,
    /// The error that ended this endpoint's connection, if any.
    pub error: Option<String>,
    /// 0-RTT: `offered`, `accepted` or `rejected` (client side), or `accepted` (server side).
    pub early_data: Option<String>,
}

impl EndpointState {
    /// Reads the state of a client or server connection.
    pub fn of(conn: &rustls::CommonState, sni: Option<&str>) -> Self {
        Self {
            handshake_done: !conn.is_handshaking(),
            version: conn.protocol_version().map(|v| format!("{v:?}")),
            cipher_suite: conn.negotiated_cipher_suite().map(|s| suite_name(&s)),
            key_exchange_group: conn.negotiated_key_exchange_group().map(group_name),
            handshake_kind: conn.handshake_kind().map(|k| format!("{k:?}")),
            sni: sni.map(str::to_owned),
            alpn: conn
                .alpn_protocol()
                .map(|p| String::from_utf8_lossy(p).into_owned()),
            peer_certificate_subject: conn
                .peer_certificates()
                .and_then(|chain| chain.first())
                .and_then(|der| certificate_subject(der)),
            ..Self::default()
        }
    }
}

/// The subject of a DER certificate, as `CN=…, O=…`.
pub fn certificate_subject(der: &[u8]) -> Option<String> {
    x509_parser::parse_x509_certificate(der)
        .ok()
        .map(|(_, cert)| crate::dissect::name_text(cert.subject()))
}
