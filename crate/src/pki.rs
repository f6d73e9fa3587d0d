//! The run's public-key infrastructure, made fresh for each lab: a CA the client trusts and a
//! certificate for `mybank.example` that it signs.
//!
//! Validity periods are set relative to the lab clock's start, so advancing the clock can reach
//! "certificate expired" for real. The client verifies the chain and the name normally.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SignatureAlgorithm,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde::Serialize;

use crate::clock::{self, LAB_EPOCH};
use crate::options::CertKeyType;
use crate::Error;

/// The name the server answers to and the client asks for.
pub const SERVER_NAME: &str = "mybank.example";

/// The subject of the lab's client certificate (mutual TLS).
pub const CLIENT_NAME: &str = "alice (lab client certificate)";

/// How long before the lab's start the server certificate became valid.
pub const SERVER_CERT_VALID_BEFORE_EPOCH: u64 = 86_400;
/// How long after the lab's start the server certificate stays valid: 90 days, so advancing the
/// clock by months reaches its expiry while hours (tickets) and minutes (cookies) do not.
pub const SERVER_CERT_VALID_AFTER_EPOCH: u64 = 90 * 86_400;
/// The CA's lifetime after the lab's start: ten years.
pub const CA_VALID_AFTER_EPOCH: u64 = 3650 * 86_400;

/// The CA and the server's certificate and key.
pub struct Pki {
    /// The CA certificate the client trusts.
    pub ca_cert: CertificateDer<'static>,
    /// The server's certificate chain: its own certificate, then the CA's.
    pub server_chain: Vec<CertificateDer<'static>>,
    /// The server's private key, PKCS#8.
    server_key: Vec<u8>,
    /// A client certificate chain the same CA signed, for mutual TLS.
    pub client_chain: Vec<CertificateDer<'static>>,
    /// The client certificate's private key, PKCS#8.
    client_key: Vec<u8>,
    /// What the page shows about these certificates.
    pub summary: PkiSummary,
}

/// The facts about the run's certificates the page shows.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PkiSummary {
    /// The CA certificate's key type.
    pub ca_key: String,
    /// The server certificate's key type.
    pub server_key: String,
    /// The server certificate is valid from (RFC 3339).
    pub not_before: String,
    /// The server certificate is valid until (RFC 3339).
    pub not_after: String,
    /// The server certificate's `notAfter`, in Unix seconds.
    pub not_after_unix: u64,
}

impl Pki {
    /// Makes a CA and a server certificate for [`SERVER_NAME`] with `key_type` keys.
    pub fn generate(key_type: CertKeyType) -> Result<Self, Error> {
        Self::generate_with_rsa_key(key_type, None)
    }

    /// Like [`Pki::generate`], with the server's RSA-2048 key (PKCS#8) made elsewhere when
    /// `rsa_key` is given: the page has the browser's WebCrypto make it, in a tenth of the time
    /// generating it in wasm takes. The key is used only for [`CertKeyType::Rsa2048`].
    pub fn generate_with_rsa_key(
        key_type: CertKeyType,
        rsa_key: Option<&[u8]>,
    ) -> Result<Self, Error> {
        let (ca_key, ca_alg) = match key_type {
            CertKeyType::EcdsaP256 | CertKeyType::Rsa2048 => generate_key(CertKeyType::EcdsaP256)?,
            CertKeyType::Ed25519 => generate_key(CertKeyType::Ed25519)?,
        };
        let (server_key, server_alg) = match (key_type, rsa_key) {
            (CertKeyType::Rsa2048, Some(pkcs8)) => (given_rsa_key(pkcs8)?, &rcgen::PKCS_RSA_SHA256),
            _ => generate_key(key_type)?,
        };

        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "Session Lab Root CA");
        ca_params
            .distinguished_name
            .push(DnType::OrganizationName, "Session Lab");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        ca_params.not_before = at(LAB_EPOCH - 30 * 86_400)?;
        ca_params.not_after = at(LAB_EPOCH + CA_VALID_AFTER_EPOCH)?;
        let ca_cert = ca_params.self_signed(&ca_key)?;
        let issuer = Issuer::new(ca_params, ca_key);

        let not_before = LAB_EPOCH - SERVER_CERT_VALID_BEFORE_EPOCH;
        let not_after = LAB_EPOCH + SERVER_CERT_VALID_AFTER_EPOCH;
        let mut server_params = CertificateParams::new(vec![SERVER_NAME.to_owned()])?;
        server_params
            .distinguished_name
            .push(DnType::CommonName, SERVER_NAME);
        server_params
            .distinguished_name
            .push(DnType::OrganizationName, "MyBank (lab)");
        server_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        server_params.not_before = at(not_before)?;
        server_params.not_after = at(not_after)?;
        let server_cert = server_params.signed_by(&server_key, &issuer)?;

        // The client certificate never needs RSA: it shows mutual TLS, not key types.
        let (client_key, _) = generate_key(match key_type {
            CertKeyType::Ed25519 => CertKeyType::Ed25519,
            CertKeyType::EcdsaP256 | CertKeyType::Rsa2048 => CertKeyType::EcdsaP256,
        })?;
        let mut client_params = CertificateParams::new(Vec::<String>::new())?;
        client_params
            .distinguished_name
            .push(DnType::CommonName, CLIENT_NAME);
        client_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        client_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        client_params.not_before = at(not_before)?;
        client_params.not_after = at(not_after)?;
        let client_cert = client_params.signed_by(&client_key, &issuer)?;

        Ok(Self {
            ca_cert: ca_cert.der().clone(),
            server_chain: vec![server_cert.der().clone(), ca_cert.der().clone()],
            server_key: server_key.serialize_der(),
            client_chain: vec![client_cert.der().clone(), ca_cert.der().clone()],
            client_key: client_key.serialize_der(),
            summary: PkiSummary {
                ca_key: algorithm_label(ca_alg).to_owned(),
                server_key: algorithm_label(server_alg).to_owned(),
                not_before: clock::rfc3339(not_before),
                not_after: clock::rfc3339(not_after),
                not_after_unix: not_after,
            },
        })
    }

    /// The server's private key, as rustls takes it.
    pub fn server_private_key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.server_key.clone()))
    }

    /// The client certificate's private key, as rustls takes it.
    pub fn client_private_key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.client_key.clone()))
    }
}

fn generate_key(key_type: CertKeyType) -> Result<(KeyPair, &'static SignatureAlgorithm), Error> {
    match key_type {
        CertKeyType::EcdsaP256 => Ok((
            KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?,
            &rcgen::PKCS_ECDSA_P256_SHA256,
        )),
        CertKeyType::Ed25519 => Ok((
            KeyPair::generate_for(&rcgen::PKCS_ED25519)?,
            &rcgen::PKCS_ED25519,
        )),
        // Our own RSA-2048 key: no need to check it as a given one is.
        CertKeyType::Rsa2048 => Ok((
            KeyPair::from_pkcs8_der_and_sign_algo(
                &PrivatePkcs8KeyDer::from(generate_rsa_pkcs8()?),
                &rcgen::PKCS_RSA_SHA256,
            )?,
            &rcgen::PKCS_RSA_SHA256,
        )),
    }
}

/// A fresh RSA-2048 private key, PKCS#8. ring signs with RSA keys but cannot generate them; the
/// `rsa` crate does, natively and in the Measure build of the wasm.
#[cfg(any(not(target_arch = "wasm32"), feature = "measure"))]
pub fn generate_rsa_pkcs8() -> Result<Vec<u8>, Error> {
    use rsa::pkcs8::EncodePrivateKey;
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048)
        .map_err(|err| Error::RsaKey(err.to_string()))?;
    let der = key
        .to_pkcs8_der()
        .map_err(|err| Error::RsaKey(err.to_string()))?;
    Ok(der.as_bytes().to_vec())
}

/// The page's wasm makes no RSA keys (the `rsa` crate would add 36 kB gzip to every download):
/// the page hands the lab one from WebCrypto, or from the Measure build where WebCrypto is
/// missing.
#[cfg(all(target_arch = "wasm32", not(feature = "measure")))]
pub fn generate_rsa_pkcs8() -> Result<Vec<u8>, Error> {
    Err(Error::NoRsaKeyGenerator)
}

/// The server key from an RSA-2048 private key in PKCS#8, checked to be one.
fn given_rsa_key(pkcs8: &[u8]) -> Result<KeyPair, Error> {
    let key = ring::rsa::KeyPair::from_pkcs8(pkcs8).map_err(|rejected| {
        Error::GivenRsaKey(format!(
            "not an RSA-2048 private key in PKCS#8 (ring: {rejected})"
        ))
    })?;
    let bits = key.public().modulus_len() * 8;
    if bits != 2048 {
        return Err(Error::GivenRsaKey(format!(
            "its modulus has {bits} bits; the lab's RSA certificates are RSA-2048"
        )));
    }
    let der = PrivatePkcs8KeyDer::from(pkcs8.to_vec());
    Ok(KeyPair::from_pkcs8_der_and_sign_algo(
        &der,
        &rcgen::PKCS_RSA_SHA256,
    )?)
}

fn algorithm_label(alg: &'static SignatureAlgorithm) -> &'static str {
    if alg == &rcgen::PKCS_ED25519 {
        "Ed25519"
    } else if alg == &rcgen::PKCS_RSA_SHA256 {
        "RSA-2048"
    } else {
        "ECDSA P-256"
    }
}

fn at(unix_seconds: u64) -> Result<time::OffsetDateTime, Error> {
    i64::try_from(unix_seconds)
        .ok()
        .and_then(|seconds| time::OffsetDateTime::from_unix_timestamp(seconds).ok())
        .ok_or(Error::DateOutOfRange(unix_seconds))
}
