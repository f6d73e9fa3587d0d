//! Lowercase hex for the view types: bytes stay bytes in Rust and become hex strings only when
//! serialised, so the page and the tests read the same values.

use serde::Serializer;

/// The bytes as lowercase hex with no separators, e.g. `[0x0a, 0xff]` → `"0aff"`.
pub fn encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

/// serde `serialize_with` for a byte field: lowercase hex.
pub(crate) fn serialize<S: Serializer, B: AsRef<[u8]>>(
    bytes: &B,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&encode(bytes.as_ref()))
}

/// serde `serialize_with` for an optional byte field: lowercase hex or `null`.
pub(crate) fn serialize_option<S: Serializer, B: AsRef<[u8]>>(
    bytes: &Option<B>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match bytes {
        Some(bytes) => serializer.serialize_str(&encode(bytes.as_ref())),
        None => serializer.serialize_none(),
    }
}
