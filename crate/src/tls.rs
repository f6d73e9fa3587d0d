//! rustls configuration for the lab's two endpoints, and the observers that record what rustls
//! decides: the key-log secrets and each endpoint's negotiated state.

use std::sync::Arc;

use rustls::client::Resumption;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, RootCertStore, ServerConfig, ServerConnection};
use serde::Serialize;

use crate::clock::LabClock;
use crate::keys::KeyLogCollector;
use crate::options::{group_name, suite_name, Resolved};
use crate::pki::{Pki, SERVER_NAME};
use crate::Error;

/// The application protocol both sides offer over ALPN.
pub const ALPN_HTTP11: &[u8] = b"http/1.1";

/// The two configurations of a run. They outlive connections: the client's ticket cache and
/// the server's session store live inside them, which is what makes resumption possible.
pub struct Configs {
    /// The client's configuration.
    pub client: Arc<ClientConfig>,
    /// The server's configuration.
    pub server: Arc<ServerConfig>,
    /// The secrets of every connection in the run (logged by the client).
    pub key_log: Arc<KeyLogCollector>,
}

impl Configs {
    /// Builds both configurations from the learner's options, the run's PKI and the lab clock.
    pub fn new(options: &Resolved, pki: &Pki, clock: &LabClock) -> Result<Self, Error> {
        let versions = [options.version.rustls()];
        let mut roots = RootCertStore::empty();
        roots.add(pki.ca_cert.clone())?;

        let key_log = Arc::new(KeyLogCollector::default());
        let mut client =
            ClientConfig::builder_with_details(options.client_provider(), Arc::new(clock.clone()))
                .with_protocol_versions(&versions)?
                .with_root_certificates(roots)
                .with_no_client_auth();
        client.alpn_protocols = vec![ALPN_HTTP11.to_vec()];
        client.key_log = key_log.clone();
        client.resumption = Resumption::in_memory_sessions(32);

        let mut server =
            ServerConfig::builder_with_details(options.server_provider(), Arc::new(clock.clone()))
                .with_protocol_versions(&versions)?
                .with_no_client_auth()
                .with_single_cert(pki.server_chain.clone(), pki.server_private_key())?;
        server.alpn_protocols = vec![ALPN_HTTP11.to_vec()];

        Ok(Self {
            client: Arc::new(client),
            server: Arc::new(server),
            key_log,
        })
    }

    /// A new client connection to [`SERVER_NAME`] and the server connection that will answer it.
    pub fn connect(&self) -> Result<(ClientConnection, ServerConnection), Error> {
        let name = ServerName::try_from(SERVER_NAME).map_err(|_| Error::InvalidOption {
            field: "serverName",
            value: SERVER_NAME.to_owned(),
            reason: "not a DNS name".to_owned(),
        })?;
        let client = ClientConnection::new(self.client.clone(), name)?;
        let server = ServerConnection::new(self.server.clone())?;
        Ok((client, server))
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
    /// The server name the client asked for (server side only).
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
        .map(|(_, cert)| cert.subject().to_string())
}
