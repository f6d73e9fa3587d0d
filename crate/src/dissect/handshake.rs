//! Handshake messages: the 4-byte header, reassembly bookkeeping for messages split across
//! records, and one parser per message type (TLS 1.2 and TLS 1.3 layouts).

use super::cert;
use super::extensions::{self, ExtContext};
use super::names::{self, KeyExchange};
use super::reader::{
    bytes, code_field, code_list, hex_preview, opaque_vector, plural, vector_field, ParseError,
    Reader,
};
use super::{Field, TlsVersion};

/// `SHA-256("HelloRetryRequest")`: a ServerHello with this random is a HelloRetryRequest.
pub(crate) const HELLO_RETRY_REQUEST_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// What a ServerHello told us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ServerHelloInfo {
    pub version: TlsVersion,
    pub suite: u16,
    pub retry: bool,
}

/// What the parsers need to know about the connection, and what they learn from it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Ctx {
    /// Whose layouts to use for messages that differ between versions; `None` means not yet
    /// known, in which case plaintext messages are read with TLS 1.2 layouts (TLS 1.3 sends
    /// those messages only encrypted).
    pub version: Option<TlsVersion>,
    /// The negotiated cipher suite, which decides the TLS 1.2 key-exchange layouts.
    pub suite: Option<u16>,
    /// Set when a ServerHello has been parsed.
    pub server_hello: Option<ServerHelloInfo>,
    /// Set when a ClientHello carried the early_data extension (0-RTT data may follow).
    pub offered_early_data: bool,
    /// Set when a ClientHello's supported_versions listed TLS 1.3.
    pub offered_tls13: bool,
    /// The version a ServerHello's supported_versions extension selected, while parsing it.
    pub selected_version: Option<u16>,
}

impl Ctx {
    pub fn new(version: Option<TlsVersion>) -> Self {
        Self {
            version,
            ..Self::default()
        }
    }

    fn layout(&self) -> TlsVersion {
        self.version.unwrap_or(TlsVersion::Tls12)
    }
}

/// A handshake message whose body continues in a later record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PendingMessage {
    pub msg_type: u8,
    pub body_len: usize,
    pub received: usize,
}

/// Parses every handshake message in `reader` (one record's worth, or decrypted content).
/// A message cut off at the end is recorded in `pending`; bytes at the start that complete a
/// message from an earlier record are shown as its continuation.
pub(crate) fn messages(
    reader: &mut Reader<'_>,
    ctx: &mut Ctx,
    pending: &mut Option<PendingMessage>,
    out: &mut Vec<Field>,
    names: &mut Vec<String>,
) {
    if let Some(earlier) = pending.take() {
        let wanted = earlier.body_len.saturating_sub(earlier.received);
        let (start, data) = match reader.take(wanted.min(reader.remaining()), "continuation") {
            Ok(taken) => taken,
            Err(_) => reader.take_rest(),
        };
        let received = earlier.received + data.len();
        let type_name = message_name(earlier.msg_type);
        let (value, note) = if received < earlier.body_len {
            *pending = Some(PendingMessage {
                received,
                ..earlier
            });
            (
                format!(
                    "bytes {}–{received} of the {}-byte body; continues in next record",
                    earlier.received, earlier.body_len
                ),
                "A handshake message may span several records; this record carries the middle of one.",
            )
        } else {
            (
                format!(
                    "bytes {}–{received} of the {}-byte body (complete)",
                    earlier.received, earlier.body_len
                ),
                "The end of a handshake message that began in an earlier record.",
            )
        };
        if !data.is_empty() {
            out.push(Field::leaf(
                format!("{type_name} (continued)"),
                start,
                start + data.len(),
                value,
                note,
            ));
            names.push(format!("{type_name} (continued)"));
        }
    }
    while !reader.is_empty() {
        let (field, name) = message(reader, ctx, pending);
        out.push(field);
        names.push(name);
    }
}

fn message_name(msg_type: u8) -> String {
    names::handshake_type_name(msg_type)
        .map_or_else(|| format!("unknown handshake ({msg_type})"), str::to_string)
}

/// One handshake message (or its beginning, when it continues in the next record).
fn message(
    reader: &mut Reader<'_>,
    ctx: &mut Ctx,
    pending: &mut Option<PendingMessage>,
) -> (Field, String) {
    let start = reader.offset();
    if reader.remaining() < 4 {
        let (start, rest) = reader.take_rest();
        let field = Field::problem(
            "handshake header",
            start,
            start + rest.len(),
            format!(
                "expected 4-byte handshake header (type, 3-byte length), found {}",
                bytes(rest.len())
            ),
        );
        return (field, "truncated handshake".to_string());
    }
    let (_, msg_type) = reader.u8("msg_type").unwrap_or_default();
    let (length_start, body_len) = reader.uint(3, "length").unwrap_or_default();
    let body_len = body_len as usize;
    let type_field = Field::leaf(
        "msg_type",
        start,
        start + 1,
        names::handshake_type_label(msg_type.into()),
        names::handshake_type_note(msg_type.into()),
    );
    let length_field = Field::leaf(
        "length",
        length_start,
        length_start + 3,
        bytes(body_len),
        "Length of the message body that follows (3 bytes: up to 16 MiB).",
    );
    let mut name = message_name(msg_type);
    let mut children = vec![type_field, length_field];

    if body_len > reader.remaining() {
        let (body_start, partial) = reader.take_rest();
        if !partial.is_empty() {
            children.push(Field::leaf(
                "partial body",
                body_start,
                body_start + partial.len(),
                format!("first {} of {}", bytes(partial.len()), bytes(body_len)),
                "The rest of this message should follow in the next record.",
            ));
        }
        *pending = Some(PendingMessage {
            msg_type,
            body_len,
            received: partial.len(),
        });
        let field = Field::parent(
            name.clone(),
            start,
            format!("{}; continues in next record", bytes(body_len)),
            names::handshake_type_note(msg_type.into()),
            children,
        );
        return (field, format!("{name} (partial)"));
    }

    let (body_start, body) = reader.take_rest_up_to(body_len);
    if msg_type == 2 && body.get(2..34) == Some(&HELLO_RETRY_REQUEST_RANDOM[..]) {
        name = "HelloRetryRequest".to_string();
    }
    let mut body_reader = Reader::new(body, body_start);
    let summary = body_reader
        .fill(&mut children, |body, out| match msg_type {
            0 | 14 => empty_body(body, &name),
            1 => client_hello(body, ctx, out),
            2 => server_hello(body, ctx, out),
            4 => new_session_ticket(body, ctx, out),
            5 => empty_body(body, &name),
            8 => encrypted_extensions(body, ctx, out),
            11 => certificate(body, ctx, out),
            12 => server_key_exchange(body, ctx, out),
            13 => certificate_request(body, ctx, out),
            15 => certificate_verify(body, out),
            16 => client_key_exchange(body, ctx, out),
            20 => finished(body, ctx, out),
            22 => certificate_status(body, out),
            24 => key_update(body, out),
            25 => compressed_certificate(body, out),
            _ => opaque_body(body, out),
        })
        .unwrap_or_else(|| "malformed".to_string());
    let note = if name == "HelloRetryRequest" {
        "TLS 1.3: the server asks the client to send a new ClientHello (e.g. with a key share for another group).".to_string()
    } else {
        names::handshake_type_note(msg_type.into())
    };
    (
        Field::parent(name.clone(), start, summary, note, children),
        name,
    )
}

impl<'a> Reader<'a> {
    /// Consumes `count` bytes, or everything left if fewer remain.
    pub(crate) fn take_rest_up_to(&mut self, count: usize) -> (usize, &'a [u8]) {
        match self.take(count.min(self.remaining()), "bytes") {
            Ok(taken) => taken,
            Err(_) => self.take_rest(),
        }
    }
}

fn empty_body(body: &mut Reader<'_>, name: &str) -> Result<String, ParseError> {
    if body.is_empty() {
        Ok(format!("empty: {name} has no body"))
    } else {
        Err(ParseError::new(
            "body",
            format!("expected an empty body, found {}", bytes(body.remaining())),
        ))
    }
}

fn opaque_body(body: &mut Reader<'_>, out: &mut Vec<Field>) -> Result<String, ParseError> {
    let (start, data) = body.take_rest();
    if !data.is_empty() {
        out.push(Field::leaf(
            "body",
            start,
            start + data.len(),
            hex_preview(data),
            "The body of a message this dissector does not parse.",
        ));
    }
    Ok(bytes(data.len()))
}

fn random(body: &mut Reader<'_>, out: &mut Vec<Field>, note: &str) -> Result<[u8; 32], ParseError> {
    let (start, data) = body.take(32, "random")?;
    let mut value = [0u8; 32];
    value.copy_from_slice(data);
    let (shown, note) = if value == HELLO_RETRY_REQUEST_RANDOM {
        (
            "HelloRetryRequest marker (SHA-256 of \"HelloRetryRequest\")".to_string(),
            "Not random at all: this fixed value turns the ServerHello into a HelloRetryRequest."
                .to_string(),
        )
    } else if value.ends_with(b"DOWNGRD\x01") || value.ends_with(b"DOWNGRD\x00") {
        (
            format!("{}, ends with downgrade marker \"DOWNGRD\"", hex_preview(data)),
            format!("{note} Its last 8 bytes spell DOWNGRD: the server supports TLS 1.3 but the client did not offer it, so a TLS 1.3 client would detect a forced downgrade."),
        )
    } else {
        (hex_preview(data), note.to_string())
    };
    out.push(Field::leaf("random", start, start + 32, shown, note));
    Ok(value)
}

fn legacy_version(body: &mut Reader<'_>, note: &str) -> Result<Field, ParseError> {
    code_field(
        body,
        2,
        "legacy_version",
        names::protocol_version_label,
        note,
    )
}

/// Number of leaves named `item` under the child named `list`.
fn count_items(children: &[Field], list: &str, item: &str) -> usize {
    children
        .iter()
        .filter(|f| f.name == list)
        .flat_map(|f| f.descendants())
        .filter(|f| f.name == item)
        .count()
}

fn client_hello(
    body: &mut Reader<'_>,
    ctx: &mut Ctx,
    out: &mut Vec<Field>,
) -> Result<String, ParseError> {
    let first = out.len();
    out.push(legacy_version(
        body,
        "The highest version the client supports; TLS 1.3 clients freeze it at TLS 1.2 and list real versions in supported_versions.",
    )?);
    random(
        body,
        out,
        "32 fresh random bytes from the client, mixed into every key so each session's keys are unique.",
    )?;
    out.push(opaque_vector(
        body,
        1,
        "legacy_session_id",
        "TLS 1.2: a session to resume. TLS 1.3 clients send 32 random bytes so middleboxes see a familiar TLS 1.2 resumption.",
    )?);
    out.push(code_list(
        body,
        2,
        "cipher_suites",
        "The cipher suites the client supports, most preferred first.",
        &names::CIPHER_SUITE,
    )?);
    out.push(code_list(
        body,
        1,
        "legacy_compression_methods",
        "Compression methods offered: always just null today.",
        &names::COMPRESSION_METHOD,
    )?);
    if !body.is_empty() {
        out.push(extensions::block(body, ExtContext::ClientHello, ctx)?);
    }
    let children = out.get(first..).unwrap_or_default();
    let suites = count_items(children, "cipher_suites", "cipher_suite");
    let extensions = children
        .iter()
        .find(|f| f.name == "extensions")
        .map_or(0, |f| f.children.len().saturating_sub(1));
    Ok(format!(
        "offers {suites} {}, {extensions} {}",
        plural("cipher suite", suites),
        plural("extension", extensions)
    ))
}

fn server_hello(
    body: &mut Reader<'_>,
    ctx: &mut Ctx,
    out: &mut Vec<Field>,
) -> Result<String, ParseError> {
    let (_, legacy) = body.clone().u16("legacy_version")?;
    out.push(legacy_version(
        body,
        "The chosen version for TLS 1.2 and below; a TLS 1.3 server puts 1.2 here and the real choice in supported_versions.",
    )?);
    let random_value = random(
        body,
        out,
        "32 fresh random bytes from the server, mixed into every key.",
    )?;
    let retry = random_value == HELLO_RETRY_REQUEST_RANDOM;
    out.push(opaque_vector(
        body,
        1,
        "legacy_session_id_echo",
        "Echoes the client's session ID (TLS 1.3), or names the session (TLS 1.2) so it can be resumed.",
    )?);
    let (_, suite) = body.clone().u16("cipher_suite")?;
    out.push(code_field(
        body,
        2,
        "cipher_suite",
        names::cipher_suite_label,
        "The cipher suite the server chose from the client's list.",
    )?);
    out.push(code_field(
        body,
        1,
        "legacy_compression_method",
        names::COMPRESSION_METHOD.label,
        "Compression: always null (0).",
    )?);
    ctx.selected_version = None;
    if !body.is_empty() {
        let context = if retry {
            ExtContext::HelloRetryRequest
        } else {
            ExtContext::ServerHello
        };
        out.push(extensions::block(body, context, ctx)?);
    }
    let version = match ctx.selected_version.unwrap_or(legacy) {
        0x0304 => TlsVersion::Tls13,
        _ => TlsVersion::Tls12,
    };
    ctx.server_hello = Some(ServerHelloInfo {
        version,
        suite,
        retry,
    });
    let suite_name = names::cipher_suite_name(suite)
        .map_or_else(|| format!("suite 0x{suite:04x}"), str::to_string);
    Ok(if retry {
        format!("retry requested; {} with {suite_name}", version.label())
    } else {
        format!("chooses {} with {suite_name}", version.label())
    })
}

fn new_session_ticket(
    body: &mut Reader<'_>,
    ctx: &mut Ctx,
    out: &mut Vec<Field>,
) -> Result<String, ParseError> {
    let (start, lifetime) = body.uint(4, "ticket_lifetime")?;
    let tls13 = ctx.layout() == TlsVersion::Tls13;
    out.push(Field::leaf(
        if tls13 {
            "ticket_lifetime"
        } else {
            "ticket_lifetime_hint"
        },
        start,
        start + 4,
        duration(lifetime),
        "How long the client may keep using this ticket to resume.",
    ));
    if tls13 {
        let (start, age_add) = body.uint(4, "ticket_age_add")?;
        out.push(Field::leaf(
            "ticket_age_add",
            start,
            start + 4,
            format!("{age_add}"),
            "A random number the client adds to the ticket's age when resuming, so observers cannot link connections.",
        ));
        out.push(opaque_vector(
            body,
            1,
            "ticket_nonce",
            "Unique per ticket: makes each ticket's resumption secret different.",
        )?);
    }
    let ticket = opaque_vector(
        body,
        2,
        "ticket",
        "Opaque to the client: the server's own encrypted record of the session, handed back when resuming.",
    )?;
    let ticket_len = ticket.len().saturating_sub(2);
    out.push(ticket);
    if tls13 {
        out.push(extensions::block(body, ExtContext::NewSessionTicket, ctx)?);
    }
    Ok(format!(
        "{} ticket, valid {}",
        bytes(ticket_len),
        duration(lifetime)
    ))
}

fn duration(seconds: u32) -> String {
    match seconds {
        0 => "0 seconds (do not reuse)".to_string(),
        s if s % 86_400 == 0 => format!("{s} seconds ({})", count(s / 86_400, "day")),
        s if s % 3_600 == 0 => format!("{s} seconds ({})", count(s / 3_600, "hour")),
        s if s % 60 == 0 => format!("{s} seconds ({})", count(s / 60, "minute")),
        s => format!("{s} seconds"),
    }
}

fn count(n: u32, unit: &str) -> String {
    format!("{n} {}", plural(unit, n as usize))
}

fn encrypted_extensions(
    body: &mut Reader<'_>,
    ctx: &mut Ctx,
    out: &mut Vec<Field>,
) -> Result<String, ParseError> {
    let block = extensions::block(body, ExtContext::EncryptedExtensions, ctx)?;
    let count = block.children.len().saturating_sub(1);
    out.push(block);
    Ok(format!("{count} {}", plural("extension", count)))
}

fn certificate(
    body: &mut Reader<'_>,
    ctx: &mut Ctx,
    out: &mut Vec<Field>,
) -> Result<String, ParseError> {
    let tls13 = ctx.layout() == TlsVersion::Tls13;
    if tls13 {
        out.push(opaque_vector(
            body,
            1,
            "certificate_request_context",
            "Empty for the server; for a client it echoes the CertificateRequest it answers.",
        )?);
    }
    let mut count = 0usize;
    let list = vector_field(
        body,
        3,
        "certificate_list",
        "The chain: the sender's own certificate first, then the CAs that vouch for it.",
        |list, items| {
            while !list.is_empty() {
                let position = count;
                let item = if tls13 {
                    certificate_entry(list, ctx, position)?
                } else {
                    certificate_der(list, position)?
                };
                items.push(item);
                count += 1;
            }
            Ok(format!("{count} {}", plural("certificate", count)))
        },
    )?;
    out.push(list);
    Ok(if count == 0 {
        "empty: no certificate to offer".to_string()
    } else {
        format!("{count} {}", plural("certificate", count))
    })
}

fn certificate_der(list: &mut Reader<'_>, position: usize) -> Result<Field, ParseError> {
    let start = list.offset();
    let (length, mut der) = list.vector(3, "certificate")?;
    let (der_start, der_bytes) = der.take_rest();
    let mut children = vec![length];
    if !der_bytes.is_empty() {
        children.push(cert::certificate(der_bytes, der_start, position));
    }
    let value = children
        .get(1)
        .map_or_else(|| "empty".to_string(), |c| c.value.clone());
    Ok(Field::parent(
        "certificate",
        start,
        value,
        position_note(position),
        children,
    ))
}

fn position_note(position: usize) -> String {
    if position == 0 {
        "The end-entity certificate: the one naming the sender.".to_string()
    } else {
        format!(
            "Certificate {} of the chain: an issuer vouching for the one before.",
            position + 1
        )
    }
}

fn certificate_entry(
    list: &mut Reader<'_>,
    ctx: &mut Ctx,
    position: usize,
) -> Result<Field, ParseError> {
    let saved = list.clone();
    let start = list.offset();
    let result = (|| {
        let der = certificate_der(list, position)?;
        let extensions = extensions::block(list, ExtContext::Certificate, ctx)?;
        Ok((der, extensions))
    })();
    match result {
        Ok((der, extensions)) => {
            let value = der.value.clone();
            Ok(Field::parent(
                "certificate_entry",
                start,
                value,
                position_note(position),
                vec![der, extensions],
            ))
        }
        Err(error) => {
            *list = saved;
            Err(error)
        }
    }
}

fn certificate_request(
    body: &mut Reader<'_>,
    ctx: &mut Ctx,
    out: &mut Vec<Field>,
) -> Result<String, ParseError> {
    if ctx.layout() == TlsVersion::Tls13 {
        out.push(opaque_vector(
            body,
            1,
            "certificate_request_context",
            "An identifier the client echoes in its Certificate (used after the handshake).",
        )?);
        out.push(extensions::block(
            body,
            ExtContext::CertificateRequest,
            ctx,
        )?);
        return Ok("asks the client for a certificate".to_string());
    }
    out.push(code_list(
        body,
        1,
        "certificate_types",
        "Kinds of client certificate (key types) the server accepts.",
        &names::CLIENT_CERTIFICATE_TYPE,
    )?);
    out.push(code_list(
        body,
        2,
        "supported_signature_algorithms",
        "Signature schemes the server accepts from the client.",
        &names::SIGNATURE_SCHEME,
    )?);
    out.push(extensions::distinguished_names(
        body,
        "certificate_authorities",
        "CAs the server trusts: the client should pick a certificate issued by one of them.",
    )?);
    Ok("asks the client for a certificate".to_string())
}

fn signature(
    body: &mut Reader<'_>,
    out: &mut Vec<Field>,
    what: &str,
) -> Result<String, ParseError> {
    let (_, scheme) = body.clone().u16("algorithm")?;
    out.push(code_field(
        body,
        2,
        "algorithm",
        names::signature_scheme_label,
        "The signature scheme used for the signature that follows.",
    )?);
    out.push(opaque_vector(body, 2, "signature", what)?);
    Ok(names::signature_scheme_name(scheme)
        .map_or_else(|| format!("scheme 0x{scheme:04x}"), str::to_string))
}

fn server_key_exchange(
    body: &mut Reader<'_>,
    ctx: &mut Ctx,
    out: &mut Vec<Field>,
) -> Result<String, ParseError> {
    let exchange = ctx.suite.and_then(names::key_exchange);
    if exchange == Some(KeyExchange::Dhe) {
        for (field, note) in [
            ("dh_p", "The Diffie-Hellman prime modulus."),
            ("dh_g", "The Diffie-Hellman generator."),
            (
                "dh_Ys",
                "The server's ephemeral Diffie-Hellman public value.",
            ),
        ] {
            out.push(opaque_vector(body, 2, field, note)?);
        }
        let scheme = signature(
            body,
            out,
            "The server's signature over both randoms and these parameters, made with its certificate key.",
        )?;
        return Ok(format!("finite-field DH parameters, signed with {scheme}"));
    }
    let (start, curve_type) = body.u8("curve_type")?;
    out.push(Field::leaf(
        "curve_type",
        start,
        start + 1,
        names::ec_curve_type_label(curve_type.into()),
        "How the curve is specified: named_curve (3) means by a standard two-byte code.",
    ));
    if curve_type != 3 {
        return Err(ParseError::new(
            "curve_type",
            format!("expected named_curve (3), found {curve_type}"),
        ));
    }
    let (_, group) = body.clone().u16("named_curve")?;
    out.push(code_field(
        body,
        2,
        "named_curve",
        names::named_group_label,
        "The curve the server chose for this key exchange.",
    )?);
    out.push(opaque_vector(
        body,
        1,
        "public",
        "The server's ephemeral public key; combined with the client's private key it yields the shared secret.",
    )?);
    let scheme = signature(
        body,
        out,
        "The server's signature over both randoms and its public key, made with its certificate key: proves the key is really the server's.",
    )?;
    let group_name = names::named_group_name(group)
        .map_or_else(|| format!("group 0x{group:04x}"), str::to_string);
    Ok(format!("ECDHE on {group_name}, signed with {scheme}"))
}

fn certificate_verify(body: &mut Reader<'_>, out: &mut Vec<Field>) -> Result<String, ParseError> {
    let scheme = signature(
        body,
        out,
        "Signature over the handshake transcript with the certificate's private key: proves the sender owns the certificate.",
    )?;
    Ok(format!("signed with {scheme}"))
}

fn client_key_exchange(
    body: &mut Reader<'_>,
    ctx: &mut Ctx,
    out: &mut Vec<Field>,
) -> Result<String, ParseError> {
    match ctx.suite.and_then(names::key_exchange) {
        Some(KeyExchange::Rsa) => {
            out.push(opaque_vector(
                body,
                2,
                "encrypted_pre_master_secret",
                "A random secret encrypted to the server's RSA key (no forward secrecy).",
            )?);
            Ok("RSA-encrypted pre-master secret".to_string())
        }
        Some(KeyExchange::Dhe) => {
            out.push(opaque_vector(
                body,
                2,
                "dh_Yc",
                "The client's ephemeral Diffie-Hellman public value.",
            )?);
            Ok("client DH public value".to_string())
        }
        Some(KeyExchange::Ecdhe) | None => {
            let public = opaque_vector(
                body,
                1,
                "public",
                "The client's ephemeral public key on the server's chosen curve; both sides now compute the same shared secret.",
            )?;
            let len = public.len().saturating_sub(1);
            out.push(public);
            Ok(format!("ECDHE public key, {}", bytes(len)))
        }
    }
}

fn finished(
    body: &mut Reader<'_>,
    ctx: &mut Ctx,
    out: &mut Vec<Field>,
) -> Result<String, ParseError> {
    let (start, data) = body.take_rest();
    if data.is_empty() {
        return Err(ParseError::new(
            "verify_data",
            "expected 12 bytes (TLS 1.2) or a hash-sized value (TLS 1.3), found 0 bytes",
        ));
    }
    let note = match ctx.layout() {
        TlsVersion::Tls12 => "PRF output over a hash of all handshake messages: if either side saw something different, this will not match.",
        TlsVersion::Tls13 => "HMAC over a hash of all handshake messages with the sender's finished key: if anything was tampered with, this will not match.",
    };
    out.push(Field::leaf(
        "verify_data",
        start,
        start + data.len(),
        hex_preview(data),
        note,
    ));
    Ok(format!("{} verify_data", bytes(data.len())))
}

fn certificate_status(body: &mut Reader<'_>, out: &mut Vec<Field>) -> Result<String, ParseError> {
    out.push(code_field(
        body,
        1,
        "status_type",
        names::certificate_status_type_label,
        "What kind of status follows: ocsp (1).",
    )?);
    out.push(opaque_vector(
        body,
        3,
        "ocsp_response",
        "A signed statement from the CA's OCSP responder that the certificate is not revoked.",
    )?);
    Ok("stapled OCSP response".to_string())
}

fn key_update(body: &mut Reader<'_>, out: &mut Vec<Field>) -> Result<String, ParseError> {
    let (start, request) = body.u8("request_update")?;
    out.push(Field::leaf(
        "request_update",
        start,
        start + 1,
        names::key_update_label(request.into()),
        names::key_update_note(request.into()),
    ));
    Ok(names::key_update_label(request.into()))
}

fn compressed_certificate(
    body: &mut Reader<'_>,
    out: &mut Vec<Field>,
) -> Result<String, ParseError> {
    out.push(super::reader::code_item(
        body,
        &names::CERTIFICATE_COMPRESSION,
    )?);
    let (start, length) = body.uint(3, "uncompressed_length")?;
    out.push(Field::leaf(
        "uncompressed_length",
        start,
        start + 3,
        bytes(length as usize),
        "Size of the Certificate message once decompressed.",
    ));
    out.push(opaque_vector(
        body,
        3,
        "compressed_certificate_message",
        "The compressed Certificate message (not decompressed here).",
    )?);
    Ok(format!(
        "compressed Certificate, {} uncompressed",
        bytes(length as usize)
    ))
}
