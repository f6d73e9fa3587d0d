//! What the learner chose before a run, validated once.
//!
//! The same [`Options`] value comes from the page's controls and (later) from the URL fragment.
//! Suites and groups are kept as lists, in preference order, because real hellos carry lists and
//! later chapters (HelloRetryRequest, shareable URLs) need them. Names are the ones rustls itself
//! reports (`CipherSuite::as_str`, `NamedGroup::as_str`), so no table of names is typed here.

use std::sync::Arc;

use rustls::crypto::{ring as ring_provider, CryptoProvider, SupportedKxGroup};
use rustls::{SupportedCipherSuite, SupportedProtocolVersion};
use serde::{Deserialize, Serialize};

use crate::Error;

/// The TLS version both endpoints are restricted to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TlsVersion {
    /// TLS 1.3 (RFC 8446).
    #[serde(rename = "tls13")]
    Tls13,
    /// TLS 1.2 (RFC 5246).
    #[serde(rename = "tls12")]
    Tls12,
}

impl TlsVersion {
    /// Every version, newest first.
    pub const ALL: [Self; 2] = [Self::Tls13, Self::Tls12];

    /// The name the page shows.
    pub fn label(self) -> &'static str {
        match self {
            Self::Tls13 => "TLS 1.3",
            Self::Tls12 => "TLS 1.2",
        }
    }

    /// The short name used in options and URLs.
    pub fn key(self) -> &'static str {
        match self {
            Self::Tls13 => "tls13",
            Self::Tls12 => "tls12",
        }
    }

    pub(crate) fn rustls(self) -> &'static SupportedProtocolVersion {
        match self {
            Self::Tls13 => &rustls::version::TLS13,
            Self::Tls12 => &rustls::version::TLS12,
        }
    }

    fn of_suite(suite: &SupportedCipherSuite) -> Self {
        match suite {
            SupportedCipherSuite::Tls13(_) => Self::Tls13,
            SupportedCipherSuite::Tls12(_) => Self::Tls12,
        }
    }
}

/// The key type of the server's certificate (and of the CA that signs it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CertKeyType {
    /// ECDSA over NIST P-256 with SHA-256.
    #[serde(rename = "ecdsa-p256")]
    EcdsaP256,
    /// Ed25519 (RFC 8410).
    #[serde(rename = "ed25519")]
    Ed25519,
    /// RSA with a 2048-bit modulus, generated in the page when chosen. Its CA uses ECDSA P-256, so
    /// only one RSA key has to be generated.
    #[serde(rename = "rsa-2048")]
    Rsa2048,
}

impl CertKeyType {
    /// Every key type, in the order the page lists them.
    pub const ALL: [Self; 3] = [Self::EcdsaP256, Self::Ed25519, Self::Rsa2048];

    /// The name the page shows.
    pub fn label(self) -> &'static str {
        match self {
            Self::EcdsaP256 => "ECDSA P-256",
            Self::Ed25519 => "Ed25519",
            Self::Rsa2048 => "RSA-2048",
        }
    }

    /// The short name used in options and URLs.
    pub fn key(self) -> &'static str {
        match self {
            Self::EcdsaP256 => "ecdsa-p256",
            Self::Ed25519 => "ed25519",
            Self::Rsa2048 => "rsa-2048",
        }
    }
}

/// Everything the learner sets before a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Options {
    /// The one protocol version both sides allow.
    pub version: TlsVersion,
    /// The cipher suites the client offers, most preferred first (rustls names, e.g.
    /// `TLS13_AES_128_GCM_SHA256`). The server accepts every suite rustls has.
    pub client_suites: Vec<String>,
    /// The key-exchange groups the client supports, most preferred first; the first gets a key
    /// share in a TLS 1.3 ClientHello.
    pub client_groups: Vec<String>,
    /// The key-exchange groups the server accepts.
    pub server_groups: Vec<String>,
    /// The server certificate's key type.
    pub cert_key: CertKeyType,
}

impl Default for Options {
    fn default() -> Self {
        Self::for_version(TlsVersion::Tls13)
    }
}

impl Options {
    /// rustls' defaults for `version`: every suite of that version and every group, in rustls'
    /// order, with an ECDSA P-256 certificate.
    pub fn for_version(version: TlsVersion) -> Self {
        let groups: Vec<String> = ring_provider::ALL_KX_GROUPS
            .iter()
            .map(|group| group_name(*group))
            .collect();
        Self {
            version,
            client_suites: ring_provider::ALL_CIPHER_SUITES
                .iter()
                .filter(|suite| TlsVersion::of_suite(suite) == version)
                .map(suite_name)
                .collect(),
            client_groups: groups.clone(),
            server_groups: groups,
            cert_key: CertKeyType::EcdsaP256,
        }
    }

    /// Checks every field and resolves the names into what rustls needs.
    pub fn resolve(&self) -> Result<Resolved, Error> {
        let client_suites = self
            .client_suites
            .iter()
            .map(|name| self.resolve_suite(name))
            .collect::<Result<Vec<_>, _>>()?;
        if client_suites.is_empty() {
            return Err(invalid(
                "clientSuites",
                "",
                "the client must offer at least one cipher suite",
            ));
        }
        Ok(Resolved {
            version: self.version,
            client_suites,
            client_groups: resolve_groups("clientGroups", &self.client_groups)?,
            server_groups: resolve_groups("serverGroups", &self.server_groups)?,
            cert_key: self.cert_key,
        })
    }

    fn resolve_suite(&self, name: &str) -> Result<SupportedCipherSuite, Error> {
        let suite = ring_provider::ALL_CIPHER_SUITES
            .iter()
            .find(|suite| suite_name(suite) == name)
            .ok_or_else(|| {
                invalid(
                    "clientSuites",
                    name,
                    "rustls has no cipher suite of that name",
                )
            })?;
        let suite_version = TlsVersion::of_suite(suite);
        if suite_version != self.version {
            return Err(invalid(
                "clientSuites",
                name,
                &format!(
                    "it is a {} suite, but the run is restricted to {}",
                    suite_version.label(),
                    self.version.label()
                ),
            ));
        }
        Ok(*suite)
    }
}

/// [`Options`] checked and turned into rustls values.
#[derive(Clone, Debug)]
pub struct Resolved {
    /// The protocol version both sides allow.
    pub version: TlsVersion,
    /// The client's suites, in preference order.
    pub client_suites: Vec<SupportedCipherSuite>,
    /// The client's groups, in preference order.
    pub client_groups: Vec<&'static dyn SupportedKxGroup>,
    /// The server's groups, in preference order.
    pub server_groups: Vec<&'static dyn SupportedKxGroup>,
    /// The server certificate's key type.
    pub cert_key: CertKeyType,
}

impl Resolved {
    /// The crypto provider for the client: ring, with only the chosen suites and groups.
    pub fn client_provider(&self) -> Arc<CryptoProvider> {
        Arc::new(CryptoProvider {
            cipher_suites: self.client_suites.clone(),
            kx_groups: self.client_groups.clone(),
            ..ring_provider::default_provider()
        })
    }

    /// The crypto provider for the server: ring with every suite, and the chosen groups.
    pub fn server_provider(&self) -> Arc<CryptoProvider> {
        Arc::new(CryptoProvider {
            kx_groups: self.server_groups.clone(),
            ..ring_provider::default_provider()
        })
    }
}

/// The values the page may offer for each option, computed from what rustls supports.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Catalogue {
    /// Versions: `(key, label)`.
    pub versions: Vec<Choice>,
    /// Every cipher suite, with the version it belongs to.
    pub suites: Vec<SuiteChoice>,
    /// Every key-exchange group.
    pub groups: Vec<Choice>,
    /// Every certificate key type.
    pub cert_keys: Vec<Choice>,
    /// Every chapter of the session story.
    pub chapters: Vec<crate::chapters::ChapterSummary>,
}

/// One value an option can take.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Choice {
    /// The value as options and URLs spell it.
    pub key: String,
    /// The name the page shows.
    pub label: String,
}

/// One cipher suite the page may offer.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SuiteChoice {
    /// The rustls name, e.g. `TLS13_AES_128_GCM_SHA256`.
    pub name: String,
    /// The IANA code point.
    pub code: u16,
    /// The version key (`tls13` or `tls12`).
    pub version: String,
}

impl Catalogue {
    /// Everything rustls' ring provider supports.
    pub fn of_rustls() -> Self {
        let choice = |key: &str, label: &str| Choice {
            key: key.to_owned(),
            label: label.to_owned(),
        };
        Self {
            versions: TlsVersion::ALL
                .iter()
                .map(|v| choice(v.key(), v.label()))
                .collect(),
            suites: ring_provider::ALL_CIPHER_SUITES
                .iter()
                .map(|suite| SuiteChoice {
                    name: suite_name(suite),
                    code: u16::from(suite.suite()),
                    version: TlsVersion::of_suite(suite).key().to_owned(),
                })
                .collect(),
            groups: ring_provider::ALL_KX_GROUPS
                .iter()
                .map(|group| {
                    let name = group_name(*group);
                    choice(&name, &name)
                })
                .collect(),
            cert_keys: CertKeyType::ALL
                .iter()
                .map(|k| choice(k.key(), k.label()))
                .collect(),
            chapters: crate::chapters::all().iter().map(|c| c.summary()).collect(),
        }
    }
}

/// rustls' name for a suite (`TLS13_AES_128_GCM_SHA256`), or its code point if it has none.
///
/// The names of the suites the ring provider has are written out here: rustls'
/// `CipherSuite::as_str` holds the name of every suite IANA ever registered, which is 12 kB of
/// strings in the page's wasm for nine names. A test checks these against `as_str`.
pub fn suite_name(suite: &SupportedCipherSuite) -> String {
    let code = u16::from(suite.suite());
    let name = match code {
        0x1301 => "TLS13_AES_128_GCM_SHA256",
        0x1302 => "TLS13_AES_256_GCM_SHA384",
        0x1303 => "TLS13_CHACHA20_POLY1305_SHA256",
        0xc02b => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        0xc02c => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        0xcca9 => "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        0xc02f => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        0xc030 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        0xcca8 => "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        _ => return format!("0x{code:04x}"),
    };
    name.to_owned()
}

/// rustls' name for a group (`X25519`), or its code point if it has none; written out for the
/// same reason as [`suite_name`].
pub fn group_name(group: &dyn SupportedKxGroup) -> String {
    let code = u16::from(group.name());
    let name = match code {
        0x001d => "X25519",
        0x0017 => "secp256r1",
        0x0018 => "secp384r1",
        _ => return format!("0x{code:04x}"),
    };
    name.to_owned()
}

fn resolve_groups(
    field: &'static str,
    names: &[String],
) -> Result<Vec<&'static dyn SupportedKxGroup>, Error> {
    if names.is_empty() {
        return Err(invalid(
            field,
            "",
            "at least one key-exchange group is needed",
        ));
    }
    names
        .iter()
        .map(|name| {
            ring_provider::ALL_KX_GROUPS
                .iter()
                .copied()
                .find(|group| group_name(*group) == *name)
                .ok_or_else(|| {
                    invalid(field, name, "rustls has no key-exchange group of that name")
                })
        })
        .collect()
}

fn invalid(field: &'static str, value: &str, reason: &str) -> Error {
    Error::InvalidOption {
        field,
        value: value.to_owned(),
        reason: reason.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_out_names_are_rustls_names() {
        let provider = ring_provider::default_provider();
        for suite in &provider.cipher_suites {
            assert_eq!(Some(suite_name(suite).as_str()), suite.suite().as_str());
        }
        for group in &provider.kx_groups {
            assert_eq!(Some(group_name(*group).as_str()), group.name().as_str());
        }
    }

    #[test]
    fn defaults_offer_every_suite_of_the_version() {
        let tls13 = Options::default().resolve().map(|r| r.client_suites.len());
        assert_eq!(tls13.ok(), Some(3));
        let tls12 = Options::for_version(TlsVersion::Tls12)
            .resolve()
            .map(|r| r.client_suites.len());
        assert_eq!(tls12.ok(), Some(6));
    }

    #[test]
    fn refuses_a_suite_of_the_other_version() {
        let options = Options {
            client_suites: vec!["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256".into()],
            ..Options::default()
        };
        let err = options.resolve().err().map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("TLS 1.2 suite")));
    }

    #[test]
    fn refuses_unknown_names_and_empty_lists() {
        let unknown_group = Options {
            client_groups: vec!["X448".into()],
            ..Options::default()
        };
        assert!(matches!(
            unknown_group.resolve(),
            Err(Error::InvalidOption {
                field: "clientGroups",
                ..
            })
        ));
        let no_suites = Options {
            client_suites: vec![],
            ..Options::default()
        };
        assert!(no_suites.resolve().is_err());
    }

    #[test]
    fn options_round_trip_through_json_in_camel_case() {
        let json = serde_json::to_value(Options::default()).ok();
        let version = json.as_ref().and_then(|j| j.get("version")).cloned();
        assert_eq!(version, Some(serde_json::json!("tls13")));
        assert!(json.as_ref().and_then(|j| j.get("clientSuites")).is_some());
        let back: Option<Options> = json.and_then(|j| serde_json::from_value(j).ok());
        assert_eq!(back, Some(Options::default()));
    }
}
