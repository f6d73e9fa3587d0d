//! Distinguished names as text (`CN=…, O=…`), written here rather than through x509-parser's
//! `Display`: that impl looks attribute names up in oid-registry's table of every OID it
//! knows, and the table and its lookup code are a large part of the page's wasm, while a
//! certificate name in this lab uses a handful of attribute types.
//!
//! The text is the one x509-parser writes for the attributes below: relative names joined by
//! `", "`, attributes within one by `" + "`, string values as they are, other values in upper
//! case hex. An attribute type outside the table is shown as its dotted OID, and a string
//! value that is not UTF-8 as hex, where x509-parser would give up on the whole name.

use x509_parser::asn1_rs::{Any, Tag};
use x509_parser::x509::X509Name;

/// Short names for the attribute types that certificate names use (RFC 4514's abbreviations,
/// and x509-parser's `Email`), keyed by dotted OID.
const ATTRIBUTE_NAMES: &[(&str, &str)] = &[
    ("2.5.4.3", "CN"),
    ("2.5.4.6", "C"),
    ("2.5.4.7", "L"),
    ("2.5.4.8", "ST"),
    ("2.5.4.10", "O"),
    ("2.5.4.11", "OU"),
    ("0.9.2342.19200300.100.1.25", "DC"),
    ("1.2.840.113549.1.9.1", "Email"),
    ("2.5.4.4", "surname"),
    ("2.5.4.5", "serialNumber"),
    ("2.5.4.12", "title"),
    ("2.5.4.42", "givenName"),
];

/// `name` as `CN=…, O=…`.
pub(crate) fn name_text(name: &X509Name<'_>) -> String {
    let mut text = String::new();
    for (index, relative) in name.iter().enumerate() {
        if index > 0 {
            text.push_str(", ");
        }
        for (position, attribute) in relative.iter().enumerate() {
            if position > 0 {
                text.push_str(" + ");
            }
            let oid = attribute.attr_type().to_id_string();
            match ATTRIBUTE_NAMES.iter().find(|(dotted, _)| *dotted == oid) {
                Some((_, short)) => text.push_str(short),
                None => text.push_str(&oid),
            }
            text.push('=');
            push_value(&mut text, attribute.attr_value());
        }
    }
    text
}

fn push_value(text: &mut String, value: &Any<'_>) {
    match value.tag() {
        Tag::NumericString
        | Tag::VisibleString
        | Tag::PrintableString
        | Tag::GeneralString
        | Tag::ObjectDescriptor
        | Tag::GraphicString
        | Tag::T61String
        | Tag::VideotexString
        | Tag::Utf8String
        | Tag::Ia5String => match core::str::from_utf8(value.data) {
            Ok(string) => text.push_str(string),
            Err(_) => push_hex(text, value.data),
        },
        Tag::BmpString => {
            // UCS-2 in big-endian pairs; an odd trailing byte cannot be a character.
            let units = value
                .data
                .chunks_exact(2)
                .map(|pair| u16::from_be_bytes([pair[0], pair[1]]));
            text.extend(
                char::decode_utf16(units).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)),
            );
        }
        _ => push_hex(text, value.data),
    }
}

fn push_hex(text: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use x509_parser::prelude::FromDer;

    /// DER of a name: one RDN per attribute, plus one multi-valued RDN.
    fn name_der() -> Vec<u8> {
        fn attribute(oid: &[u8], tag: u8, value: &[u8]) -> Vec<u8> {
            let mut inner = vec![0x06, oid.len() as u8];
            inner.extend_from_slice(oid);
            inner.extend_from_slice(&[tag, value.len() as u8]);
            inner.extend_from_slice(value);
            let mut seq = vec![0x30, inner.len() as u8];
            seq.extend(inner);
            seq
        }
        fn set(attributes: &[Vec<u8>]) -> Vec<u8> {
            let inner: Vec<u8> = attributes.concat();
            let mut set = vec![0x31, inner.len() as u8];
            set.extend(inner);
            set
        }
        let cn = [0x55, 0x04, 0x03];
        let c = [0x55, 0x04, 0x06];
        let o = [0x55, 0x04, 0x0a];
        let ou = [0x55, 0x04, 0x0b];
        let email = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01];
        let rdns = [
            set(&[attribute(&c, 0x13, b"GB")]),
            set(&[attribute(&o, 0x0c, b"Session Lab")]),
            set(&[
                attribute(&ou, 0x0c, b"Lab"),
                attribute(&cn, 0x1e, &[0x00, b'B', 0x00, 0xe9]),
            ]),
            set(&[attribute(&email, 0x16, b"a@b.example")]),
            set(&[attribute(&cn, 0x04, &[0xde, 0xad])]),
        ]
        .concat();
        let mut der = vec![0x30, rdns.len() as u8];
        der.extend(rdns);
        der
    }

    #[test]
    fn writes_what_x509_parser_writes() {
        let der = name_der();
        let (rest, name) = X509Name::from_der(&der).expect("a valid name");
        assert!(rest.is_empty());
        assert_eq!(name_text(&name), name.to_string());
        assert_eq!(
            name_text(&name),
            "C=GB, O=Session Lab, OU=Lab + CN=Bé, Email=a@b.example, CN=DEAD"
        );
    }

    #[test]
    fn unknown_types_are_dotted_oids() {
        // SEQUENCE { SET { SEQUENCE { OID 1.2.3, UTF8String "x" } } }
        let der = [
            0x30, 0x0c, 0x31, 0x0a, 0x30, 0x08, 0x06, 0x02, 0x2a, 0x03, 0x0c, 0x02, b'x', b'y',
        ];
        let (_, name) = X509Name::from_der(&der).expect("a valid name");
        assert_eq!(name_text(&name), "1.2.3=xy");
    }
}
