//! The TLS dissector: turns bytes seen on the wire into a tree of annotated fields.
//!
//! Every [`Field`] names a byte range of the input (absolute offsets), says what the bytes
//! mean in human terms and why they are there. The tree is built so that the leaves of each
//! record tile its bytes exactly — no gap, no overlap — which lets the page link a hex view
//! and the annotation tree both ways.
//!
//! Parsing never panics: truncated or malformed input becomes a leaf with a
//! [`problem`](Field::problem) saying what was expected and what was found.
//!
//! Context matters in TLS (the same bytes mean different things in TLS 1.2 and 1.3, before and
//! after the keys change), so the main entry point is [`ConnectionDissector`]: feed it one
//! connection's flights in order and it learns the negotiated version and cipher suite from the
//! ServerHello. The free functions dissect without context, and the `*_plaintext` entry points
//! serve the decryption module, which hands over record contents once it has decrypted them.

mod cert;
mod dn;
mod extensions;
mod handshake;
mod names;
mod reader;
mod record;

#[cfg(test)]
mod tests_crafted;
#[cfg(test)]
mod tests_live;
// Property tests need proptest, a native-only dev-dependency.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests_prop;
#[cfg(test)]
mod tests_support;

use serde::Serialize;

pub(crate) use dn::name_text;
pub use names::{
    alert_description_name, cipher_suite_name, content_type_name, extension_name,
    handshake_type_name, named_group_name, protocol_version_name, signature_scheme_name,
};
pub use record::ConnectionDissector;

/// One annotated byte range: a node of the dissection tree.
///
/// A node with children is exactly tiled by them (children are in order, contiguous, and span
/// `start..end`). A leaf's `value` describes its own bytes; a parent's `value` summarises them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Field {
    /// What the bytes are, e.g. `"cipher_suites"` or `"ClientHello"` (RFC spelling).
    pub name: String,
    /// Offset of the first byte, counted from the start of the dissected input.
    pub start: usize,
    /// Offset one past the last byte.
    pub end: usize,
    /// The value in human terms, e.g. `"TLS_AES_256_GCM_SHA384 (0x1302)"`.
    pub value: String,
    /// One line for students: what this field is for.
    pub note: String,
    /// Sub-fields, tiling `start..end` when non-empty.
    pub children: Vec<Field>,
    /// Set when the bytes are not what TLS expects here: what was expected and what was found.
    pub problem: Option<String>,
}

impl Field {
    /// A field with no children and no problem.
    pub fn leaf(
        name: impl Into<String>,
        start: usize,
        end: usize,
        value: impl Into<String>,
        note: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            start,
            end,
            value: value.into(),
            note: note.into(),
            children: Vec::new(),
            problem: None,
        }
    }

    /// A field whose range is the span of `children` (which must be non-empty and contiguous);
    /// falls back to `start..start` when there are no children.
    pub fn parent(
        name: impl Into<String>,
        start: usize,
        value: impl Into<String>,
        note: impl Into<String>,
        children: Vec<Field>,
    ) -> Self {
        let end = children.last().map_or(start, |last| last.end);
        Self {
            children,
            ..Self::leaf(name, start, end, value, note)
        }
    }

    /// A leaf marking bytes that could not be understood.
    pub fn problem(
        name: impl Into<String>,
        start: usize,
        end: usize,
        problem: impl Into<String>,
    ) -> Self {
        let problem = problem.into();
        Self {
            problem: Some(problem),
            ..Self::leaf(
                name,
                start,
                end,
                format!("{} bytes not understood", end.saturating_sub(start)),
                "These bytes do not fit what TLS expects at this point.",
            )
        }
    }

    /// Number of bytes covered.
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// True when the field covers no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// This field and all its descendants, depth first, parents before children.
    pub fn descendants(&self) -> Vec<&Field> {
        let mut all = vec![self];
        for child in &self.children {
            all.extend(child.descendants());
        }
        all
    }

    /// The first field named `name` in this subtree, depth first.
    pub fn find(&self, name: &str) -> Option<&Field> {
        self.descendants().into_iter().find(|f| f.name == name)
    }
}

/// The result of dissecting one input (a flight, or a decrypted record's contents).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Dissection {
    /// Top-level fields in input order, tiling the whole input.
    pub fields: Vec<Field>,
    /// Short names of what the input carries, in order, for titles: e.g.
    /// `["ServerHello", "ChangeCipherSpec", "encrypted record"]`.
    pub messages: Vec<String>,
}

impl Dissection {
    /// Every field in the tree, depth first.
    pub fn all_fields(&self) -> Vec<&Field> {
        self.fields.iter().flat_map(Field::descendants).collect()
    }

    /// The first field named `name` anywhere in the tree.
    pub fn find(&self, name: &str) -> Option<&Field> {
        self.all_fields().into_iter().find(|f| f.name == name)
    }

    /// Every field that reports a problem.
    pub fn problems(&self) -> Vec<&Field> {
        self.all_fields()
            .into_iter()
            .filter(|f| f.problem.is_some())
            .collect()
    }
}

/// Which way bytes travel: the same type the key schedule uses.
pub use crate::keys::Direction;

/// The protocol versions whose message layouts differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum TlsVersion {
    /// TLS 1.2 (RFC 5246).
    #[serde(rename = "TLS 1.2")]
    Tls12,
    /// TLS 1.3 (RFC 8446).
    #[serde(rename = "TLS 1.3")]
    Tls13,
}

impl TlsVersion {
    /// `"TLS 1.2"` or `"TLS 1.3"`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Tls12 => "TLS 1.2",
            Self::Tls13 => "TLS 1.3",
        }
    }
}

/// Dissects wire bytes (a sequence of TLS records) without earlier context. What the bytes
/// themselves reveal is still used: a ServerHello sets the version, a TLS 1.2
/// ChangeCipherSpec marks the records after it as encrypted. application_data records seen
/// before any ServerHello are shown as opaque.
pub fn dissect_records(wire: &[u8]) -> Dissection {
    ConnectionDissector::new().dissect_unknown_direction(wire)
}

/// Dissects a decrypted TLS 1.3 record: `TLSInnerPlaintext` = content ‖ real content type byte ‖
/// zero padding. Offsets are relative to `plaintext`.
pub fn dissect_tls13_plaintext(plaintext: &[u8]) -> Dissection {
    record::inner_plaintext(
        plaintext,
        &mut None,
        &mut handshake::Ctx::new(Some(TlsVersion::Tls13)),
    )
}

/// Dissects plain handshake-message bytes (one or more messages, the last possibly continuing
/// beyond `bytes`), using the layouts of `version`. Offsets are relative to `bytes`.
pub fn dissect_handshake(bytes: &[u8], version: TlsVersion) -> Dissection {
    let mut ctx = handshake::Ctx::new(Some(version));
    let mut dissection = Dissection::default();
    let mut reader = reader::Reader::new(bytes, 0);
    handshake::messages(
        &mut reader,
        &mut ctx,
        &mut None,
        &mut dissection.fields,
        &mut dissection.messages,
    );
    dissection
}

/// Dissects application data: the bytes, with a text preview when they are UTF-8.
/// Offsets are relative to `bytes`.
pub fn dissect_application_data(bytes: &[u8]) -> Dissection {
    let mut dissection = Dissection::default();
    if let Some(field) = record::application_data_field(bytes, 0) {
        dissection.fields.push(field);
    }
    dissection.messages.push("ApplicationData".into());
    dissection
}
