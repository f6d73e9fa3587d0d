//! X.509 certificates inside Certificate messages.
//!
//! x509-parser supplies the meaning (names, dates, key types); a small DER walker of our own
//! supplies the byte ranges, so each part of the certificate (issuer, validity, subject, public
//! key, each extension, the signature) is a field over its real bytes and the tree still tiles.
//! If the walk fails, the certificate falls back to a single leaf carrying the parsed summary.
//!
//! The certificate's validity is only shown, never checked against the clock: x509-parser's
//! "valid now" helpers read the system clock, which panics on wasm32.

use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, ParsedExtension, X509Extension};
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;
use x509_parser::time::ASN1Time;
use x509_parser::x509::{AlgorithmIdentifier, SubjectPublicKeyInfo, X509Name};

use super::dn::name_text;
use super::reader::{bytes, hex_preview, ParseError, Reader};
use super::Field;

/// One DER certificate at absolute offset `base`; `position` is its place in the chain.
pub(crate) fn certificate(der: &[u8], base: usize, position: usize) -> Field {
    let end = base + der.len();
    let parsed = match X509Certificate::from_der(der) {
        Ok((_, parsed)) => parsed,
        Err(cert_error) => return not_a_certificate(der, base, &cert_error.to_string()),
    };
    let subject = name_text(parsed.subject());
    let issuer = name_text(parsed.issuer());
    let value = if position == 0 || subject != issuer {
        format!("{subject} (issued by {issuer})")
    } else {
        format!("{subject} (self-signed)")
    };
    let note = "An X.509 certificate: a CA's signed statement binding a name to a public key.";
    match walk_certificate(der, base, &parsed) {
        Ok(children) => Field::parent("x509_certificate", base, value, note, children),
        Err(error) => {
            let mut field = Field::leaf("x509_certificate", base, end, value, note);
            field.problem = Some(format!("could not lay out the DER structure: {error}"));
            field
        }
    }
}

/// Bytes that x509-parser rejected: perhaps a raw public key (RFC 7250), perhaps garbage.
fn not_a_certificate(der: &[u8], base: usize, cert_error: &str) -> Field {
    let end = base + der.len();
    if let Ok((rest, spki)) = SubjectPublicKeyInfo::from_der(der) {
        if rest.is_empty() {
            return Field::leaf(
                "raw_public_key",
                base,
                end,
                key_type(&spki),
                "A bare public key (RFC 7250 raw public key) instead of a certificate: the peer must already know and trust it.",
            );
        }
    }
    let mut field = Field::problem("x509_certificate", base, end, "");
    field.value = hex_preview(der);
    field.problem = Some(format!(
        "expected a DER X.509 certificate, found bytes x509-parser rejects ({cert_error})"
    ));
    field
}

/// A DER distinguished name (a CA name in CertificateRequest / certificate_authorities).
pub(crate) fn distinguished_name(der: &[u8], base: usize) -> Field {
    let end = base + der.len();
    match X509Name::from_der(der) {
        Ok(([], name)) => Field::leaf(
            "name",
            base,
            end,
            name_text(&name),
            "A distinguished name in DER: country, organisation, common name and so on.",
        ),
        _ => {
            let mut field = Field::problem("name", base, end, "");
            field.problem = Some(
                "expected a DER distinguished name, found bytes that do not parse as one"
                    .to_string(),
            );
            field
        }
    }
}

/// A DER tag-length-value: where it starts, where its contents start, where it ends.
struct Tlv<'a> {
    tag: u8,
    start: usize,
    content_start: usize,
    end: usize,
    content: Reader<'a>,
}

impl Tlv<'_> {
    fn header(&self, what: &str) -> Field {
        Field::leaf(
            "DER header",
            self.start,
            self.content_start,
            format!(
                "{} tag 0x{:02x}, {} of contents",
                what,
                self.tag,
                bytes(self.end - self.content_start)
            ),
            "ASN.1 DER framing: a tag saying what comes next and the length of its contents.",
        )
    }

    fn leaf(&self, name: &str, value: impl Into<String>, note: &str) -> Field {
        Field::leaf(name, self.start, self.end, value, note)
    }
}

fn read_tlv<'a>(reader: &mut Reader<'a>, what: &str) -> Result<Tlv<'a>, ParseError> {
    let saved = reader.clone();
    let result = (|| {
        let start = reader.offset();
        let (_, tag) = reader.u8(what)?;
        let (_, first) = reader.u8(what)?;
        let length = match first {
            0..=0x7f => usize::from(first),
            0x81..=0x84 => reader.uint(usize::from(first - 0x80), what)?.1 as usize,
            _ => {
                return Err(ParseError::new(
                    what,
                    format!("expected a DER length, found 0x{first:02x}"),
                ))
            }
        };
        let content_start = reader.offset();
        let (_, content) = reader.take(length, what)?;
        Ok(Tlv {
            tag,
            start,
            content_start,
            end: content_start + length,
            content: Reader::new(content, content_start),
        })
    })();
    if result.is_err() {
        *reader = saved;
    }
    result
}

fn expect_tag<'a>(reader: &mut Reader<'a>, tag: u8, what: &str) -> Result<Tlv<'a>, ParseError> {
    let tlv = read_tlv(reader, what)?;
    if tlv.tag != tag {
        return Err(ParseError::new(
            what,
            format!("expected DER tag 0x{tag:02x}, found 0x{:02x}", tlv.tag),
        ));
    }
    Ok(tlv)
}

fn walk_certificate(
    der: &[u8],
    base: usize,
    parsed: &X509Certificate<'_>,
) -> Result<Vec<Field>, ParseError> {
    let mut outer = Reader::new(der, base);
    let mut certificate = expect_tag(&mut outer, 0x30, "Certificate")?;
    let mut children = vec![certificate.header("SEQUENCE")];

    let mut tbs = expect_tag(&mut certificate.content, 0x30, "tbsCertificate")?;
    let mut tbs_children = vec![tbs.header("SEQUENCE")];
    let tbs_start = tbs.start;
    let fields = &mut tbs.content;

    let mut next = read_tlv(fields, "tbsCertificate field")?;
    if next.tag == 0xa0 {
        tbs_children.push(next.leaf(
            "version",
            format!("v{}", parsed.version().0 + 1),
            "The certificate format version; v3 allows extensions.",
        ));
        next = read_tlv(fields, "serialNumber")?;
    }
    tbs_children.push(next.leaf(
        "serialNumber",
        hex_preview(parsed.raw_serial()),
        "A number unique among the issuer's certificates, used e.g. to revoke it.",
    ));
    let signature = read_tlv(fields, "signature")?;
    tbs_children.push(signature.leaf(
        "signature",
        algorithm_name(&parsed.tbs_certificate.signature),
        "The issuer's signature algorithm, repeated inside the signed part so it cannot be swapped.",
    ));
    let issuer = read_tlv(fields, "issuer")?;
    tbs_children.push(issuer.leaf(
        "issuer",
        name_text(parsed.issuer()),
        "Who signed this certificate: the CA that vouches for it.",
    ));
    let mut validity = expect_tag(fields, 0x30, "validity")?;
    let not_before = read_tlv(&mut validity.content, "notBefore")?;
    let not_after = read_tlv(&mut validity.content, "notAfter")?;
    let from = rfc3339(parsed.validity().not_before);
    let until = rfc3339(parsed.validity().not_after);
    tbs_children.push(Field::parent(
        "validity",
        validity.start,
        format!("{from} to {until}"),
        "The period in which the certificate may be trusted; outside it, clients reject it.",
        vec![
            validity.header("SEQUENCE"),
            not_before.leaf("notBefore", from, "Not valid before this moment (UTC)."),
            not_after.leaf("notAfter", until, "Not valid after this moment (UTC)."),
        ],
    ));
    let subject = read_tlv(fields, "subject")?;
    tbs_children.push(subject.leaf(
        "subject",
        name_text(parsed.subject()),
        "Whom the certificate is about (for a server, the names that matter are in subjectAltName).",
    ));
    let spki = read_tlv(fields, "subjectPublicKeyInfo")?;
    tbs_children.push(spki.leaf(
        "subjectPublicKeyInfo",
        key_type(parsed.public_key()),
        "The subject's public key: signatures from the matching private key prove identity.",
    ));
    while !fields.is_empty() {
        let item = read_tlv(fields, "tbsCertificate field")?;
        match item.tag {
            0xa3 => tbs_children.push(extensions(item, parsed.extensions())?),
            0x81 | 0x82 => tbs_children.push(item.leaf(
                if item.tag == 0x81 {
                    "issuerUniqueID"
                } else {
                    "subjectUniqueID"
                },
                hex_preview(item.content.peek_rest()),
                "A legacy unique identifier (rarely used).",
            )),
            _ => tbs_children.push(item.leaf(
                "unknown field",
                hex_preview(item.content.peek_rest()),
                "A field this dissector does not know.",
            )),
        }
    }
    children.push(Field::parent(
        "tbsCertificate",
        tbs_start,
        name_text(parsed.subject()),
        "The \"to be signed\" part: everything the issuer's signature covers.",
        tbs_children,
    ));

    let algorithm = read_tlv(&mut certificate.content, "signatureAlgorithm")?;
    children.push(algorithm.leaf(
        "signatureAlgorithm",
        algorithm_name(&parsed.signature_algorithm),
        "How the issuer signed the certificate.",
    ));
    let value = read_tlv(&mut certificate.content, "signatureValue")?;
    children.push(value.leaf(
        "signatureValue",
        hex_preview(&parsed.signature_value.data),
        "The issuer's signature over tbsCertificate: anyone with the issuer's public key can check it.",
    ));
    if !certificate.content.is_empty() || !outer.is_empty() {
        return Err(ParseError::new(
            "Certificate",
            "expected the certificate to end after signatureValue, found more bytes",
        ));
    }
    Ok(children)
}

fn extensions(mut wrapper: Tlv<'_>, parsed: &[X509Extension<'_>]) -> Result<Field, ParseError> {
    let mut list = expect_tag(&mut wrapper.content, 0x30, "extensions")?;
    let mut children = vec![Field::leaf(
        "DER header",
        wrapper.start,
        list.content_start,
        format!(
            "[3] then SEQUENCE, {} of extensions",
            bytes(list.end - list.content_start)
        ),
        "ASN.1 DER framing: the explicit [3] tag and the SEQUENCE of extensions inside it.",
    )];
    let mut index = 0usize;
    while !list.content.is_empty() {
        let item = expect_tag(&mut list.content, 0x30, "extension")?;
        children.push(match parsed.get(index) {
            Some(extension) => {
                let (name, note) = extension_name(&extension.oid.to_id_string());
                let mut value = extension_value(extension);
                if extension.critical {
                    value.push_str(" (critical)");
                }
                item.leaf(name, value, note)
            }
            None => item.leaf("extension", "not parsed", "A certificate extension."),
        });
        index += 1;
    }
    if !wrapper.content.is_empty() {
        return Err(ParseError::new(
            "extensions",
            "unexpected bytes after the extension list",
        ));
    }
    Ok(Field::parent(
        "extensions",
        wrapper.start,
        format!("{index} {}", super::reader::plural("extension", index)),
        "v3 extensions: names, key usages and constraints on how the certificate may be used.",
        children,
    ))
}

fn extension_name(oid: &str) -> (&'static str, &'static str) {
    match oid {
        "2.5.29.17" => ("subjectAltName", "The names this certificate is valid for: the client checks the server name it wanted against these."),
        "2.5.29.19" => ("basicConstraints", "Whether this certificate may act as a CA and sign others."),
        "2.5.29.15" => ("keyUsage", "What the key may be used for (signing, key agreement, signing certificates …)."),
        "2.5.29.37" => ("extKeyUsage", "Purposes the certificate is for, e.g. TLS server or TLS client authentication."),
        "2.5.29.14" => ("subjectKeyIdentifier", "A short identifier of this certificate's key, to help build chains."),
        "2.5.29.35" => ("authorityKeyIdentifier", "Identifies the issuer's key, to find the next certificate up the chain."),
        "2.5.29.31" => ("cRLDistributionPoints", "Where to download the issuer's list of revoked certificates."),
        "2.5.29.32" => ("certificatePolicies", "The policies under which the certificate was issued."),
        "2.5.29.30" => ("nameConstraints", "Limits on the names a CA certificate may issue for."),
        "1.3.6.1.5.5.7.1.1" => ("authorityInfoAccess", "Where to find the issuer's certificate and its OCSP responder."),
        "1.3.6.1.4.1.11129.2.4.2" => ("signedCertificateTimestampList", "Certificate Transparency proofs embedded in the certificate."),
        _ => ("extension", "A certificate extension this dissector does not name."),
    }
}

fn extension_value(extension: &X509Extension<'_>) -> String {
    match extension.parsed_extension() {
        ParsedExtension::SubjectAlternativeName(san) => san
            .general_names
            .iter()
            .map(general_name)
            .collect::<Vec<_>>()
            .join(", "),
        ParsedExtension::BasicConstraints(constraints) => match constraints.path_len_constraint {
            Some(depth) if constraints.ca => format!("CA: yes, at most {depth} CAs below"),
            _ if constraints.ca => "CA: yes".to_string(),
            _ => "CA: no (an end-entity certificate)".to_string(),
        },
        ParsedExtension::KeyUsage(usage) => usage.to_string(),
        ParsedExtension::ExtendedKeyUsage(usage) => {
            let mut purposes = Vec::new();
            for (set, purpose) in [
                (usage.server_auth, "TLS server"),
                (usage.client_auth, "TLS client"),
                (usage.code_signing, "code signing"),
                (usage.email_protection, "email"),
                (usage.time_stamping, "time stamping"),
                (usage.ocsp_signing, "OCSP signing"),
                (usage.any, "any purpose"),
            ] {
                if set {
                    purposes.push(purpose.to_string());
                }
            }
            purposes.extend(usage.other.iter().map(|oid| oid.to_id_string()));
            purposes.join(", ")
        }
        ParsedExtension::SubjectKeyIdentifier(id) => hex_preview(id.0),
        ParsedExtension::AuthorityKeyIdentifier(aki) => aki
            .key_identifier
            .as_ref()
            .map_or_else(|| "no key identifier".to_string(), |id| hex_preview(id.0)),
        _ => format!(
            "{} ({})",
            hex_preview(extension.value),
            extension.oid.to_id_string()
        ),
    }
}

fn general_name(name: &GeneralName<'_>) -> String {
    match name {
        GeneralName::DNSName(dns) => format!("DNS:{dns}"),
        GeneralName::RFC822Name(email) => format!("email:{email}"),
        GeneralName::URI(uri) => format!("URI:{uri}"),
        GeneralName::IPAddress(ip) => match ip.len() {
            4 => format!(
                "IP:{}",
                ip.iter().map(u8::to_string).collect::<Vec<_>>().join(".")
            ),
            _ => format!("IP:{}", hex_preview(ip)),
        },
        GeneralName::DirectoryName(directory) => format!("DirName:{}", name_text(directory)),
        GeneralName::RegisteredID(oid) => format!("RID:{}", oid.to_id_string()),
        GeneralName::OtherName(oid, value) => {
            format!("othername:{}:{}", oid.to_id_string(), hex_preview(value))
        }
        GeneralName::X400Address(value) => format!("X400Address:{}", hex_preview(value.data)),
        GeneralName::EDIPartyName(value) => format!("EDIPartyName:{}", hex_preview(value.data)),
        GeneralName::Invalid(tag, value) => {
            format!("invalid (tag {}):{}", tag.0, hex_preview(value))
        }
    }
}

/// Human name of a public key: `"ECDSA P-256"`, `"Ed25519"`, `"RSA 2048"`, …
fn key_type(spki: &SubjectPublicKeyInfo<'_>) -> String {
    let algorithm = spki.algorithm.algorithm.to_id_string();
    match algorithm.as_str() {
        "1.2.840.10045.2.1" => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|oid| oid.to_id_string())
                .unwrap_or_default();
            match curve.as_str() {
                "1.2.840.10045.3.1.7" => "ECDSA P-256".to_string(),
                "1.3.132.0.34" => "ECDSA P-384".to_string(),
                "1.3.132.0.35" => "ECDSA P-521".to_string(),
                "1.3.132.0.10" => "ECDSA secp256k1".to_string(),
                other => format!("ECDSA (curve {other})"),
            }
        }
        "1.3.101.112" => "Ed25519".to_string(),
        "1.3.101.113" => "Ed448".to_string(),
        "1.2.840.113549.1.1.1" => match spki.parsed() {
            Ok(PublicKey::RSA(key)) => format!("RSA {}", key.key_size()),
            _ => "RSA".to_string(),
        },
        "1.2.840.113549.1.1.10" => "RSA-PSS".to_string(),
        "2.16.840.1.101.3.4.3.17" => "ML-DSA-44".to_string(),
        "2.16.840.1.101.3.4.3.18" => "ML-DSA-65".to_string(),
        "2.16.840.1.101.3.4.3.19" => "ML-DSA-87".to_string(),
        other => format!("unknown key type ({other})"),
    }
}

fn algorithm_name(algorithm: &AlgorithmIdentifier<'_>) -> String {
    let oid = algorithm.algorithm.to_id_string();
    let name = match oid.as_str() {
        "1.2.840.10045.4.3.2" => "ECDSA with SHA-256",
        "1.2.840.10045.4.3.3" => "ECDSA with SHA-384",
        "1.2.840.10045.4.3.4" => "ECDSA with SHA-512",
        "1.2.840.10045.4.1" => "ECDSA with SHA-1",
        "1.2.840.113549.1.1.5" => "RSA PKCS#1 v1.5 with SHA-1",
        "1.2.840.113549.1.1.11" => "RSA PKCS#1 v1.5 with SHA-256",
        "1.2.840.113549.1.1.12" => "RSA PKCS#1 v1.5 with SHA-384",
        "1.2.840.113549.1.1.13" => "RSA PKCS#1 v1.5 with SHA-512",
        "1.2.840.113549.1.1.10" => "RSA-PSS",
        "1.3.101.112" => "Ed25519",
        "1.3.101.113" => "Ed448",
        "2.16.840.1.101.3.4.3.17" => "ML-DSA-44",
        "2.16.840.1.101.3.4.3.18" => "ML-DSA-65",
        "2.16.840.1.101.3.4.3.19" => "ML-DSA-87",
        _ => return format!("unknown algorithm ({oid})"),
    };
    format!("{name} ({oid})")
}

/// `2026-01-31T12:00:00Z`, computed from the Unix time so no formatting crate is needed.
fn rfc3339(time: ASN1Time) -> String {
    rfc3339_from_unix(time.timestamp())
}

pub(crate) fn rfc3339_from_unix(timestamp: i64) -> String {
    let days = timestamp.div_euclid(86_400);
    let seconds = timestamp.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let shifted = days.saturating_add(719_468);
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era.saturating_add(era.saturating_mul(400));
    (if month <= 2 { year + 1 } else { year }, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_times_format_as_rfc3339() {
        assert_eq!(rfc3339_from_unix(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_from_unix(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_from_unix(1_767_225_599), "2025-12-31T23:59:59Z");
        assert_eq!(rfc3339_from_unix(-1), "1969-12-31T23:59:59Z");
        assert_eq!(rfc3339_from_unix(253_402_300_799), "9999-12-31T23:59:59Z");
    }

    #[test]
    fn garbage_is_a_problem_leaf_over_all_its_bytes() {
        let field = certificate(&[0x30, 0x03, 1, 2, 3], 7, 0);
        assert_eq!((field.start, field.end), (7, 12));
        assert!(field.problem.is_some());
        assert!(field.children.is_empty());
    }
}
