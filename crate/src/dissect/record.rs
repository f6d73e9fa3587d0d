//! The record layer and the per-connection state that decides how each record is shown.
//!
//! How to read a record depends on what came before it: after a TLS 1.2 ChangeCipherSpec the
//! sender's records are encrypted whatever their type; in TLS 1.3 every encrypted record wears
//! the outer type application_data. [`ConnectionDissector`] keeps just enough state (version,
//! cipher suite, which sides encrypt, half-received handshake messages) to get this right.

use super::handshake::{self, Ctx, PendingMessage};
use super::names::{self, RecordCipher};
use super::reader::{bytes, hex_preview, Reader};
use super::{Direction, Dissection, Field, TlsVersion};

/// TLS 1.2 allows a ciphertext of up to 2^14 + 2048 bytes (TLS 1.3: 2^14 + 256).
const MAX_RECORD_LENGTH: usize = (1 << 14) + 2048;
/// Every AEAD suite rustls implements appends a 16-byte tag.
const AEAD_TAG_LENGTH: usize = 16;
/// AES-GCM in TLS 1.2 sends 8 bytes of the nonce in each record.
const EXPLICIT_NONCE_LENGTH: usize = 8;

/// What one side of the connection is doing.
#[derive(Debug, Clone, Default)]
struct Side {
    /// TLS 1.2: this side has sent ChangeCipherSpec, so its later records are encrypted.
    encrypting: bool,
    /// A plaintext handshake message this side began in an earlier record.
    pending: Option<PendingMessage>,
    /// A decrypted handshake message this side began in an earlier record.
    decrypted_pending: Option<PendingMessage>,
}

/// Dissects one connection's traffic, fed in order, one flight (or record) at a time.
///
/// It learns the negotiated version and cipher suite from the ServerHello, so that encrypted
/// records are recognised and laid out for what they are, and TLS 1.2 and 1.3 messages are
/// read with the right layouts.
#[derive(Debug, Clone, Default)]
pub struct ConnectionDissector {
    version: Option<TlsVersion>,
    suite: Option<u16>,
    client: Side,
    server: Side,
    offered_early_data: bool,
    offered_tls13: bool,
}

impl ConnectionDissector {
    /// A dissector that has seen nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The protocol version the ServerHello chose, once seen.
    pub fn version(&self) -> Option<TlsVersion> {
        self.version
    }

    /// The cipher suite the ServerHello chose, once seen.
    pub fn cipher_suite(&self) -> Option<u16> {
        self.suite
    }

    /// Dissects bytes one side wrote to the wire (whole records, in order). Offsets are
    /// relative to `wire`.
    pub fn dissect_flight(&mut self, direction: Direction, wire: &[u8]) -> Dissection {
        let mut dissection = Dissection::default();
        let mut reader = Reader::new(wire, 0);
        while !reader.is_empty() {
            let field = self.record(&mut reader, direction, &mut dissection.messages);
            dissection.fields.push(field);
        }
        dissection
    }

    /// Dissects the decrypted contents of one TLS 1.3 record (`TLSInnerPlaintext`: content,
    /// real content type byte, zero padding). Offsets are relative to `plaintext`.
    pub fn dissect_tls13_plaintext(
        &mut self,
        direction: Direction,
        plaintext: &[u8],
    ) -> Dissection {
        let mut ctx = self.ctx(Some(TlsVersion::Tls13));
        let mut pending = self.side(direction).decrypted_pending.take();
        let dissection = inner_plaintext(plaintext, &mut pending, &mut ctx);
        self.side(direction).decrypted_pending = pending;
        self.learn(&ctx);
        dissection
    }

    /// Dissects the decrypted contents of one TLS 1.2 record of the given outer content type.
    /// Offsets are relative to `plaintext`.
    pub fn dissect_tls12_plaintext(
        &mut self,
        direction: Direction,
        content_type: u8,
        plaintext: &[u8],
    ) -> Dissection {
        let mut ctx = self.ctx(Some(TlsVersion::Tls12));
        let mut pending = self.side(direction).decrypted_pending.take();
        let mut dissection = Dissection::default();
        let mut reader = Reader::new(plaintext, 0);
        content(
            content_type,
            &mut reader,
            &mut ctx,
            &mut pending,
            &mut dissection.fields,
            &mut dissection.messages,
        );
        self.side(direction).decrypted_pending = pending;
        self.learn(&ctx);
        dissection
    }

    /// Used by [`dissect_records`](super::dissect_records): no direction is known, so the
    /// bytes are read as if one side wrote them all.
    pub(crate) fn dissect_unknown_direction(&mut self, wire: &[u8]) -> Dissection {
        self.dissect_flight(Direction::ClientToServer, wire)
    }

    fn side(&mut self, direction: Direction) -> &mut Side {
        match direction {
            Direction::ClientToServer => &mut self.client,
            Direction::ServerToClient => &mut self.server,
        }
    }

    fn ctx(&self, version: Option<TlsVersion>) -> Ctx {
        Ctx {
            suite: self.suite,
            ..Ctx::new(version)
        }
    }

    fn learn(&mut self, ctx: &Ctx) {
        if let Some(hello) = ctx.server_hello {
            self.version = Some(hello.version);
            self.suite = Some(hello.suite);
        }
        self.offered_early_data |= ctx.offered_early_data;
        self.offered_tls13 |= ctx.offered_tls13;
    }

    fn record(
        &mut self,
        reader: &mut Reader<'_>,
        direction: Direction,
        messages: &mut Vec<String>,
    ) -> Field {
        let start = reader.offset();
        if reader.remaining() < 5 {
            let (start, rest) = reader.take_rest();
            messages.push("truncated record".to_string());
            return Field::problem(
                "record header",
                start,
                start + rest.len(),
                format!(
                    "expected 5-byte record header (type, version, 2-byte length), found {}",
                    bytes(rest.len())
                ),
            );
        }
        let (_, content_type) = reader.u8("content_type").unwrap_or_default();
        let (_, version) = reader.u16("legacy_record_version").unwrap_or_default();
        let (_, length) = reader.u16("length").unwrap_or_default();
        let length = usize::from(length);
        let (payload_start, payload) = reader.take_rest_up_to(length);
        let payload_len = payload.len();
        let mut payload = Reader::new(payload, payload_start);

        let mut problems = Vec::new();
        if length > payload.remaining() {
            problems.push(format!(
                "length field says {} but only {} follow (truncated record)",
                bytes(length),
                bytes(payload.remaining())
            ));
        }
        if length > MAX_RECORD_LENGTH {
            problems.push(format!(
                "expected at most {MAX_RECORD_LENGTH} bytes (2^14 + 2048), found a length of {length}"
            ));
        }
        if length == 0 && content_type != 23 {
            problems.push(format!(
                "expected a non-empty {} record, found length 0",
                names::content_type_name(content_type).unwrap_or("unknown")
            ));
        }

        let type_note = names::content_type_note(content_type.into());
        let mut children = vec![
            Field::leaf(
                "content_type",
                start,
                start + 1,
                names::content_type_label(content_type.into()),
                type_note.clone(),
            ),
            Field::leaf(
                "legacy_record_version",
                start + 1,
                start + 3,
                names::protocol_version_label(version),
                "Record-layer version: frozen at TLS 1.2 (0x0303) since TLS 1.3, often 0x0301 in a first ClientHello for old middleboxes; ignored by receivers.",
            ),
            Field::leaf(
                "length",
                start + 3,
                start + 5,
                bytes(length),
                "How many bytes of record payload follow this 5-byte header (at most 2^14 plus protection overhead).",
            ),
        ];

        let tls12_encrypting = self.side(direction).encrypting;
        let early_data = direction == Direction::ClientToServer && self.offered_early_data;
        let type_name = names::content_type_name(content_type).unwrap_or("unknown");
        let value = match content_type {
            20 => self.change_cipher_spec(&mut payload, direction, &mut children, messages),
            _ if tls12_encrypting => {
                if let Some(field) = children.first_mut() {
                    field.note = format!(
                        "{type_note} Its body is encrypted: this side sent ChangeCipherSpec."
                    );
                }
                tls12_ciphertext(&mut payload, self.suite, &mut children);
                messages.push("encrypted record".to_string());
                format!("{type_name}, encrypted, {}", bytes(length))
            }
            23 if self.version == Some(TlsVersion::Tls13) || early_data => {
                if let Some(field) = children.first_mut() {
                    field.note = "The outer type of every encrypted TLS 1.3 record: the real type is hidden inside, so observers cannot tell handshake from data.".to_string();
                }
                tls13_ciphertext(&mut payload, &mut children);
                messages.push("encrypted record".to_string());
                format!("encrypted record, {}", bytes(length))
            }
            _ => {
                let mut ctx = self.ctx(self.version);
                let mut pending = self.side(direction).pending.take();
                let before = messages.len();
                content(
                    content_type,
                    &mut payload,
                    &mut ctx,
                    &mut pending,
                    &mut children,
                    messages,
                );
                // A message cut short by a truncated record will not continue in the next one.
                let truncated = length > payload_len;
                self.side(direction).pending = if truncated { None } else { pending };
                self.learn(&ctx);
                let carried = messages.get(before..).unwrap_or_default().join(", ");
                format!("{type_name}: {carried}")
            }
        };

        let mut field = Field::parent(
            "record",
            start,
            value,
            "A TLS record: a 5-byte header, then up to 16 KiB of one content type.",
            children,
        );
        if !problems.is_empty() {
            field.problem = Some(problems.join("; "));
        }
        field
    }

    fn change_cipher_spec(
        &mut self,
        payload: &mut Reader<'_>,
        direction: Direction,
        out: &mut Vec<Field>,
        messages: &mut Vec<String>,
    ) -> String {
        messages.push("ChangeCipherSpec".to_string());
        let compatibility_only = match self.version {
            Some(TlsVersion::Tls13) => true,
            Some(TlsVersion::Tls12) => false,
            None => self.offered_tls13 && direction == Direction::ClientToServer,
        };
        let note = if compatibility_only {
            "TLS 1.3: a dummy sent only so middleboxes believe this is a TLS 1.2 session resumption (RFC 8446 D.4); it changes nothing."
        } else {
            "TLS 1.2: from the next record on, this side encrypts with the newly agreed keys."
        };
        let (start, data) = payload.take_rest();
        if data.is_empty() {
            return "ChangeCipherSpec (empty)".to_string();
        }
        let mut field = Field::leaf(
            "change_cipher_spec",
            start,
            start + data.len(),
            hex_preview(data),
            note,
        );
        if data != [1] {
            field.problem = Some(format!(
                "expected the single byte 0x01, found {}",
                hex_preview(data)
            ));
        }
        out.push(field);
        if !compatibility_only {
            self.side(direction).encrypting = true;
        }
        "ChangeCipherSpec".to_string()
    }
}

/// Dispatches plaintext content of one type: handshake messages, alerts, application data.
pub(crate) fn content(
    content_type: u8,
    reader: &mut Reader<'_>,
    ctx: &mut Ctx,
    pending: &mut Option<PendingMessage>,
    out: &mut Vec<Field>,
    messages: &mut Vec<String>,
) {
    match content_type {
        22 => handshake::messages(reader, ctx, pending, out, messages),
        21 => alerts(reader, out, messages),
        23 => {
            let (start, data) = reader.take_rest();
            out.extend(application_data_field(data, start));
            messages.push("ApplicationData".to_string());
        }
        20 => {
            let (start, data) = reader.take_rest();
            let mut field = Field::leaf(
                "change_cipher_spec",
                start,
                start + data.len(),
                hex_preview(data),
                "A ChangeCipherSpec message.",
            );
            if data != [1] {
                field.problem = Some(format!(
                    "expected the single byte 0x01, found {}",
                    hex_preview(data)
                ));
            }
            if !data.is_empty() {
                out.push(field);
            }
            messages.push("ChangeCipherSpec".to_string());
        }
        other => {
            let (start, data) = reader.take_rest();
            if !data.is_empty() {
                let mut field = Field::leaf(
                    "payload",
                    start,
                    start + data.len(),
                    hex_preview(data),
                    names::content_type_note(other.into()),
                );
                if names::content_type_name(other).is_none() {
                    field.problem = Some(format!(
                        "expected content type 20, 21, 22 or 23, found {other}"
                    ));
                }
                out.push(field);
            }
            messages.push(
                names::content_type_name(other)
                    .map_or_else(|| format!("unknown content ({other})"), str::to_string),
            );
        }
    }
}

fn alerts(reader: &mut Reader<'_>, out: &mut Vec<Field>, messages: &mut Vec<String>) {
    while !reader.is_empty() {
        let start = reader.offset();
        if reader.remaining() < 2 {
            let (start, rest) = reader.take_rest();
            out.push(Field::problem(
                "alert",
                start,
                start + rest.len(),
                format!(
                    "expected 2-byte alert (level, description), found {}",
                    bytes(rest.len())
                ),
            ));
            messages.push("truncated alert".to_string());
            return;
        }
        let (_, level) = reader.u8("level").unwrap_or_default();
        let (_, description) = reader.u8("description").unwrap_or_default();
        let description_name = names::alert_description_name(description)
            .map_or_else(|| format!("unknown ({description})"), str::to_string);
        let level_name = match level {
            1 => "warning",
            2 => "fatal",
            _ => "unknown level",
        };
        let mut level_field = Field::leaf(
            "level",
            start,
            start + 1,
            names::alert_level_label(level.into()),
            names::alert_level_note(level.into()),
        );
        if !(1..=2).contains(&level) {
            level_field.problem = Some(format!(
                "expected level 1 (warning) or 2 (fatal), found {level}"
            ));
        }
        let description_field = Field::leaf(
            "description",
            start + 1,
            start + 2,
            names::alert_description_label(description.into()),
            names::alert_description_note(description.into()),
        );
        out.push(Field::parent(
            "Alert",
            start,
            format!("{level_name}: {description_name}"),
            "An alert: how TLS reports errors and announces the end of a connection.",
            vec![level_field, description_field],
        ));
        messages.push(format!("Alert ({description_name})"));
    }
}

/// Application data as one leaf, with a text preview when it is UTF-8. `None` when empty.
pub(crate) fn application_data_field(data: &[u8], start: usize) -> Option<Field> {
    if data.is_empty() {
        return None;
    }
    const PREVIEW_CHARS: usize = 120;
    let value = match std::str::from_utf8(data) {
        Ok(text) => {
            let preview: String = text.chars().take(PREVIEW_CHARS).collect();
            let ellipsis = if text.chars().count() > PREVIEW_CHARS {
                "…"
            } else {
                ""
            };
            format!(
                "\"{}{ellipsis}\" ({})",
                preview.escape_debug(),
                bytes(data.len())
            )
        }
        Err(_) => hex_preview(data),
    };
    Some(Field::leaf(
        "application_data",
        start,
        start + data.len(),
        value,
        "The application's own bytes (e.g. an HTTP request): TLS carries them without looking inside.",
    ))
}

/// A TLS 1.3 encrypted record's payload: ciphertext then the AEAD tag.
fn tls13_ciphertext(payload: &mut Reader<'_>, out: &mut Vec<Field>) {
    let (start, data) = payload.take_rest();
    let note = "The encrypted TLSInnerPlaintext: the real content, its real content type, and optional zero padding. Only holders of the traffic key can read it.";
    if data.len() <= AEAD_TAG_LENGTH {
        if !data.is_empty() {
            out.push(Field::problem(
                "encrypted_record",
                start,
                start + data.len(),
                format!(
                    "expected at least 17 bytes (content type byte + 16-byte tag), found {}",
                    bytes(data.len())
                ),
            ));
        }
        return;
    }
    let Some((ciphertext, tag)) = data.split_at_checked(data.len() - AEAD_TAG_LENGTH) else {
        return;
    };
    let split = start + ciphertext.len();
    out.push(Field::parent(
        "encrypted_record",
        start,
        format!("{} of ciphertext + 16-byte tag", bytes(ciphertext.len())),
        note,
        vec![
            Field::leaf(
                "encrypted_content",
                start,
                split,
                hex_preview(ciphertext),
                "Ciphertext: as long as the plaintext (content + 1 type byte + padding), unreadable without the key.",
            ),
            aead_tag(tag, split),
        ],
    ));
}

fn aead_tag(tag: &[u8], start: usize) -> Field {
    Field::leaf(
        "aead_tag",
        start,
        start + tag.len(),
        hex_preview(tag),
        "Authentication tag (last 16 bytes): decryption fails if any bit of the record, header included, was changed.",
    )
}

/// A TLS 1.2 encrypted record's payload, laid out according to the negotiated suite.
fn tls12_ciphertext(payload: &mut Reader<'_>, suite: Option<u16>, out: &mut Vec<Field>) {
    let (start, data) = payload.take_rest();
    if data.is_empty() {
        return;
    }
    let cipher = suite.map_or(RecordCipher::Other, names::record_cipher);
    let nonce_length = match cipher {
        RecordCipher::ExplicitNonceAead => EXPLICIT_NONCE_LENGTH,
        RecordCipher::ImplicitNonceAead => 0,
        RecordCipher::Other => {
            out.push(Field::leaf(
                "ciphertext",
                start,
                start + data.len(),
                hex_preview(data),
                "Encrypted record body; its layout depends on a cipher suite this dissector does not lay out.",
            ));
            return;
        }
    };
    let overhead = nonce_length + AEAD_TAG_LENGTH;
    if data.len() < overhead {
        out.push(Field::problem(
            "ciphertext",
            start,
            start + data.len(),
            format!(
                "expected at least {} (explicit nonce and tag), found {}",
                bytes(overhead),
                bytes(data.len())
            ),
        ));
        return;
    }
    let mut offset = start;
    if nonce_length > 0 {
        out.push(Field::leaf(
            "explicit_nonce",
            offset,
            offset + nonce_length,
            hex_preview(data.get(..nonce_length).unwrap_or_default()),
            "The per-record half of the AES-GCM nonce, sent in clear; the other 4 bytes come from the key exchange.",
        ));
        offset += nonce_length;
    }
    let ciphertext_length = data.len() - overhead;
    if ciphertext_length > 0 {
        out.push(Field::leaf(
            "ciphertext",
            offset,
            offset + ciphertext_length,
            hex_preview(data.get(nonce_length..nonce_length + ciphertext_length).unwrap_or_default()),
            if nonce_length > 0 {
                "The encrypted content: same length as the plaintext."
            } else {
                "The encrypted content: same length as the plaintext. ChaCha20-Poly1305 sends no nonce: both sides derive it from the record sequence number."
            },
        ));
        offset += ciphertext_length;
    }
    out.push(aead_tag(
        data.get(data.len() - AEAD_TAG_LENGTH..).unwrap_or_default(),
        offset,
    ));
}

/// A decrypted TLS 1.3 record: content ‖ real content type ‖ zero padding.
pub(crate) fn inner_plaintext(
    plaintext: &[u8],
    pending: &mut Option<PendingMessage>,
    ctx: &mut Ctx,
) -> Dissection {
    let mut dissection = Dissection::default();
    let Some(type_index) = plaintext.iter().rposition(|&b| b != 0) else {
        if !plaintext.is_empty() {
            dissection.fields.push(Field::problem(
                "TLSInnerPlaintext",
                0,
                plaintext.len(),
                "expected a non-zero content type byte after the content, found only zeros",
            ));
        }
        dissection.messages.push("malformed plaintext".to_string());
        return dissection;
    };
    let content_type = plaintext.get(type_index).copied().unwrap_or_default();
    let mut reader = Reader::new(plaintext.get(..type_index).unwrap_or_default(), 0);
    content(
        content_type,
        &mut reader,
        ctx,
        pending,
        &mut dissection.fields,
        &mut dissection.messages,
    );
    dissection.fields.push(Field::leaf(
        "content_type",
        type_index,
        type_index + 1,
        names::content_type_label(content_type.into()),
        "The real content type, hidden inside the encryption: the last non-zero byte of the plaintext.",
    ));
    let padding = plaintext.len() - type_index - 1;
    if padding > 0 {
        dissection.fields.push(Field::leaf(
            "padding",
            type_index + 1,
            plaintext.len(),
            format!("{} of zeros", bytes(padding)),
            "Optional zero padding that hides the true length of the content.",
        ));
    }
    dissection
}
