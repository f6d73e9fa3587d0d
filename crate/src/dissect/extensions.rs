//! Hello and handshake extensions: the `extensions` block and one body parser per extension
//! type, where the layout depends on which message carries the extension.

use super::cert;
use super::handshake::Ctx;
use super::names;
use super::reader::{
    bytes, code_field, code_list, hex_preview, opaque_vector, plural, vector_field, CodeKind,
    ParseError, Reader,
};
use super::Field;

/// The message an extension block belongs to, which decides each extension's layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExtContext {
    ClientHello,
    ServerHello,
    HelloRetryRequest,
    EncryptedExtensions,
    Certificate,
    CertificateRequest,
    NewSessionTicket,
}

/// The 2-byte-length-prefixed list of extensions ending a message.
pub(crate) fn block(
    reader: &mut Reader<'_>,
    context: ExtContext,
    ctx: &mut Ctx,
) -> Result<Field, ParseError> {
    vector_field(
        reader,
        2,
        "extensions",
        "Optional features, each a type code, a length and data.",
        |list, out| {
            let mut count = 0usize;
            while !list.is_empty() {
                out.push(extension(list, context, ctx)?);
                count += 1;
            }
            Ok(format!("{count} {}", plural("extension", count)))
        },
    )
}

fn extension(
    list: &mut Reader<'_>,
    context: ExtContext,
    ctx: &mut Ctx,
) -> Result<Field, ParseError> {
    let saved = list.clone();
    let start = list.offset();
    let (_, code) = list.u16("extension_type")?;
    let type_field = Field::leaf(
        "extension_type",
        start,
        start + 2,
        names::extension_label(code),
        names::extension_note(code),
    );
    let name = names::extension_name(code).map_or_else(
        || {
            if names::is_grease(code) {
                "GREASE extension".to_string()
            } else {
                format!("unknown extension (0x{code:04x})")
            }
        },
        str::to_string,
    );
    let (length, mut data) = match list.vector(2, &name) {
        Ok(parts) => parts,
        Err(error) => {
            *list = saved;
            return Err(error);
        }
    };
    let mut children = vec![type_field, length];
    let value = data
        .fill(&mut children, |data, out| {
            body(code, context, data, ctx, out)
        })
        .unwrap_or_else(|| "malformed".to_string());
    Ok(Field::parent(
        name,
        start,
        value,
        names::extension_note(code),
        children,
    ))
}

fn body(
    code: u16,
    context: ExtContext,
    data: &mut Reader<'_>,
    ctx: &mut Ctx,
    out: &mut Vec<Field>,
) -> Result<String, ParseError> {
    use ExtContext as C;
    match (code, context) {
        (0, C::ClientHello) => server_name_list(data, out),
        (0, _) => empty(data, "empty: the server used the requested name"),
        (1, _) => single_code(
            data,
            out,
            "max_fragment_length",
            names::max_fragment_length_label,
            "The largest record body the client wants to receive.",
        ),
        (5, C::ClientHello | C::CertificateRequest) => status_request(data, out),
        (5, C::Certificate) => stapled_ocsp(data, out),
        (10, _) => list_of(
            data,
            out,
            2,
            "named_group_list",
            "Groups in order of preference.",
            &names::NAMED_GROUP,
        ),
        (11, _) => list_of(
            data,
            out,
            1,
            "ec_point_format_list",
            "Point encodings the sender can parse.",
            &names::EC_POINT_FORMAT,
        ),
        (13 | 50, _) => list_of(
            data,
            out,
            2,
            "supported_signature_algorithms",
            "Signature schemes in order of preference.",
            &names::SIGNATURE_SCHEME,
        ),
        (15, _) => single_code(
            data,
            out,
            "mode",
            names::heartbeat_mode_label,
            "Whether the peer may send heartbeats.",
        ),
        (16, _) => alpn(data, out),
        (18, C::ClientHello | C::CertificateRequest) => empty(data, "asks for SCTs"),
        (18, _) => sct_list(data, out),
        (19 | 20, C::ClientHello) => list_of(
            data,
            out,
            1,
            "certificate_types",
            "Formats the client can handle, most preferred first.",
            &names::CERTIFICATE_FORMAT,
        ),
        (19 | 20, _) => single_code(
            data,
            out,
            "certificate_type",
            names::CERTIFICATE_FORMAT.label,
            "The certificate format that will be used.",
        ),
        (21, _) => padding(data, out),
        (22, _) => empty(data, "empty: MAC computed over ciphertext"),
        (23, _) => empty(data, "empty: master secret bound to the handshake"),
        (27, _) => list_of(
            data,
            out,
            1,
            "algorithms",
            "Compression algorithms the sender can decompress.",
            &names::CERTIFICATE_COMPRESSION,
        ),
        (28, _) => record_size_limit(data, out),
        (35, _) => session_ticket(data, context, out),
        (41, C::ClientHello) => offered_psks(data, out),
        (41, C::ServerHello) => selected_identity(data, out),
        (42, C::NewSessionTicket) => max_early_data_size(data, out),
        (42, context) => {
            if context == C::ClientHello {
                ctx.offered_early_data = true;
            }
            empty(
                data,
                if context == C::ClientHello {
                    "empty: 0-RTT data follows the ClientHello"
                } else {
                    "empty: the server accepts the 0-RTT data"
                },
            )
        }
        (43, C::ClientHello) => {
            let listed = data.peek_rest().get(1..).unwrap_or_default();
            ctx.offered_tls13 |= listed.chunks_exact(2).any(|pair| pair == [0x03, 0x04]);
            list_of(
                data,
                out,
                1,
                "versions",
                "Protocol versions the client supports, most preferred first.",
                &names::VERSION,
            )
        }
        (43, C::ServerHello | C::HelloRetryRequest) => selected_version(data, ctx, out),
        (44, _) => {
            out.push(opaque_vector(
                data,
                2,
                "cookie",
                "Server state the client must echo in its second ClientHello.",
            )?);
            Ok("cookie to echo".to_string())
        }
        (45, _) => list_of(
            data,
            out,
            1,
            "ke_modes",
            "Ways the client accepts to resume.",
            &names::PSK_MODE,
        ),
        (47, _) => {
            let list =
                distinguished_names(data, "authorities", "Distinguished names of trusted CAs.")?;
            let value = list.value.clone();
            out.push(list);
            Ok(value)
        }
        (49, _) => empty(data, "empty: client accepts later certificate requests"),
        (51, C::ClientHello) => client_shares(data, out),
        (51, C::ServerHello) => {
            let entry = key_share_entry(data)?;
            let value = entry.value.clone();
            out.push(entry);
            Ok(value)
        }
        (51, C::HelloRetryRequest) => {
            let (_, group) = data.clone().u16("selected_group")?;
            out.push(code_field(
                data,
                2,
                "selected_group",
                names::named_group_label,
                "The group the server wants a key share for: the client must retry with it.",
            )?);
            Ok(format!("retry with {}", names::named_group_label(group)))
        }
        (0xff01, _) => {
            let field = opaque_vector(
                data,
                1,
                "renegotiated_connection",
                "Empty on a first handshake; on renegotiation, the previous Finished values.",
            )?;
            let value = if field.len() == 1 {
                "empty: initial handshake".to_string()
            } else {
                field.value.clone()
            };
            out.push(field);
            Ok(value)
        }
        (0xfe0d, C::ClientHello) => encrypted_client_hello(data, out),
        (0xfd00, _) => list_of(
            data,
            out,
            1,
            "outer_extensions",
            "Extensions to copy from the outer ClientHello.",
            &names::EXTENSION_TYPE,
        ),
        _ => raw(data, out),
    }
}

fn empty(data: &mut Reader<'_>, summary: &str) -> Result<String, ParseError> {
    if data.is_empty() {
        Ok(summary.to_string())
    } else {
        Err(ParseError::new(
            "extension_data",
            format!("expected no data, found {}", bytes(data.remaining())),
        ))
    }
}

fn raw(data: &mut Reader<'_>, out: &mut Vec<Field>) -> Result<String, ParseError> {
    let (start, bytes_seen) = data.take_rest();
    if bytes_seen.is_empty() {
        return Ok("empty".to_string());
    }
    out.push(Field::leaf(
        "extension_data",
        start,
        start + bytes_seen.len(),
        hex_preview(bytes_seen),
        "The extension's data, shown raw.",
    ));
    Ok(bytes(bytes_seen.len()))
}

fn single_code(
    data: &mut Reader<'_>,
    out: &mut Vec<Field>,
    field: &str,
    label: fn(u16) -> String,
    note: &str,
) -> Result<String, ParseError> {
    let item = code_field(data, 1, field, label, note)?;
    let value = item.value.clone();
    out.push(item);
    Ok(value)
}

fn list_of(
    data: &mut Reader<'_>,
    out: &mut Vec<Field>,
    length_width: usize,
    field: &str,
    note: &str,
    kind: &CodeKind,
) -> Result<String, ParseError> {
    let list = code_list(data, length_width, field, note, kind)?;
    let value = list.value.clone();
    out.push(list);
    Ok(value)
}

fn text(raw: &[u8]) -> String {
    format!("\"{}\"", String::from_utf8_lossy(raw).escape_debug())
}

fn server_name_list(data: &mut Reader<'_>, out: &mut Vec<Field>) -> Result<String, ParseError> {
    let mut hosts = Vec::new();
    let list = vector_field(
        data,
        2,
        "server_name_list",
        "The names the client is looking for (in practice exactly one host name).",
        |list, entries| {
            while !list.is_empty() {
                let saved = list.clone();
                let start = list.offset();
                let entry = (|| {
                    let kind = code_field(
                        list,
                        1,
                        "name_type",
                        names::server_name_type_label,
                        "What kind of name follows: host_name (0).",
                    )?;
                    let host = vector_field(
                        list,
                        2,
                        "host_name",
                        "The DNS name of the site: sent in clear, so observers see which site is visited.",
                        |name, leaves| {
                            let (start, raw) = name.take_rest();
                            let shown = text(raw);
                            if !raw.is_empty() {
                                leaves.push(Field::leaf(
                                    "name",
                                    start,
                                    start + raw.len(),
                                    shown.clone(),
                                    "The host name as ASCII text, without a trailing dot.",
                                ));
                            }
                            Ok(shown)
                        },
                    )?;
                    Ok::<_, ParseError>(vec![kind, host])
                })();
                match entry {
                    Ok(children) => {
                        let host = children.get(1).map(|f| f.value.clone()).unwrap_or_default();
                        hosts.push(host.clone());
                        entries.push(Field::parent(
                            "server_name",
                            start,
                            host,
                            "One requested name.",
                            children,
                        ));
                    }
                    Err(error) => {
                        *list = saved;
                        return Err(error);
                    }
                }
            }
            Ok(hosts.join(", "))
        },
    )?;
    let value = list.value.clone();
    out.push(list);
    Ok(value)
}

fn status_request(data: &mut Reader<'_>, out: &mut Vec<Field>) -> Result<String, ParseError> {
    out.push(code_field(
        data,
        1,
        "status_type",
        names::certificate_status_type_label,
        "What kind of status is requested: ocsp (1).",
    )?);
    out.push(opaque_vector(
        data,
        2,
        "responder_id_list",
        "OCSP responders the client trusts (usually empty: any).",
    )?);
    out.push(opaque_vector(
        data,
        2,
        "request_extensions",
        "Extensions for the OCSP request (usually empty).",
    )?);
    Ok("asks for a stapled OCSP response".to_string())
}

fn stapled_ocsp(data: &mut Reader<'_>, out: &mut Vec<Field>) -> Result<String, ParseError> {
    out.push(code_field(
        data,
        1,
        "status_type",
        names::certificate_status_type_label,
        "What kind of status follows: ocsp (1).",
    )?);
    out.push(opaque_vector(
        data,
        3,
        "ocsp_response",
        "A signed statement from the CA's OCSP responder that this certificate is not revoked.",
    )?);
    Ok("stapled OCSP response".to_string())
}

fn alpn(data: &mut Reader<'_>, out: &mut Vec<Field>) -> Result<String, ParseError> {
    let mut protocols = Vec::new();
    let list = vector_field(
        data,
        2,
        "protocol_name_list",
        "Application protocols, most preferred first (the server answers with exactly one).",
        |list, entries| {
            while !list.is_empty() {
                let entry = vector_field(
                    list,
                    1,
                    "protocol_name",
                    "One protocol identifier, e.g. h2 or http/1.1.",
                    |name, leaves| {
                        let (start, raw) = name.take_rest();
                        let shown = text(raw);
                        if !raw.is_empty() {
                            leaves.push(Field::leaf(
                                "name",
                                start,
                                start + raw.len(),
                                shown.clone(),
                                "The protocol identifier as registered with IANA.",
                            ));
                        }
                        Ok(shown)
                    },
                )?;
                protocols.push(entry.value.clone());
                entries.push(entry);
            }
            Ok(protocols.join(", "))
        },
    )?;
    let value = list.value.clone();
    out.push(list);
    Ok(value)
}

fn sct_list(data: &mut Reader<'_>, out: &mut Vec<Field>) -> Result<String, ParseError> {
    let list = vector_field(
        data,
        2,
        "signed_certificate_timestamp_list",
        "Promises from Certificate Transparency logs that they recorded this certificate.",
        |list, entries| {
            let mut count = 0usize;
            while !list.is_empty() {
                entries.push(opaque_vector(
                    list,
                    2,
                    "sct",
                    "One signed certificate timestamp from one log.",
                )?);
                count += 1;
            }
            Ok(format!("{count} {}", plural("SCT", count)))
        },
    )?;
    let value = list.value.clone();
    out.push(list);
    Ok(value)
}

fn padding(data: &mut Reader<'_>, out: &mut Vec<Field>) -> Result<String, ParseError> {
    let (start, raw) = data.take_rest();
    if raw.is_empty() {
        return Ok("empty".to_string());
    }
    let mut field = Field::leaf(
        "padding",
        start,
        start + raw.len(),
        format!("{} of zeros", bytes(raw.len())),
        "Filler: carries no information.",
    );
    if raw.iter().any(|&b| b != 0) {
        field.value = hex_preview(raw);
        field.problem = Some("expected only zero bytes, found non-zero padding".to_string());
    }
    out.push(field);
    Ok(format!("{} of padding", bytes(raw.len())))
}

fn record_size_limit(data: &mut Reader<'_>, out: &mut Vec<Field>) -> Result<String, ParseError> {
    let (start, limit) = data.u16("record_size_limit")?;
    out.push(Field::leaf(
        "record_size_limit",
        start,
        start + 2,
        bytes(limit.into()),
        "The largest record plaintext the sender wants to receive.",
    ));
    Ok(bytes(limit.into()))
}

fn session_ticket(
    data: &mut Reader<'_>,
    context: ExtContext,
    out: &mut Vec<Field>,
) -> Result<String, ParseError> {
    let (start, ticket) = data.take_rest();
    if ticket.is_empty() {
        return Ok(match context {
            ExtContext::ClientHello => "empty: asks the server for a ticket",
            _ => "empty: a NewSessionTicket will follow",
        }
        .to_string());
    }
    out.push(Field::leaf(
        "ticket",
        start,
        start + ticket.len(),
        hex_preview(ticket),
        "A ticket from an earlier session: presenting it asks to resume that session.",
    ));
    Ok(format!("{} ticket: asks to resume", bytes(ticket.len())))
}

fn offered_psks(data: &mut Reader<'_>, out: &mut Vec<Field>) -> Result<String, ParseError> {
    let mut identities = 0usize;
    out.push(vector_field(
        data,
        2,
        "identities",
        "Tickets (or external key names) the client could resume with.",
        |list, entries| {
            while !list.is_empty() {
                let saved = list.clone();
                let start = list.offset();
                let entry = (|| {
                    let identity = opaque_vector(
                        list,
                        2,
                        "identity",
                        "The ticket the server issued earlier, returned as-is.",
                    )?;
                    let (age_start, age) = list.uint(4, "obfuscated_ticket_age")?;
                    let age_field = Field::leaf(
                        "obfuscated_ticket_age",
                        age_start,
                        age_start + 4,
                        format!("{age}"),
                        "The ticket's age in milliseconds plus the server's ticket_age_add: lets the server spot replays without revealing the age.",
                    );
                    Ok::<_, ParseError>(vec![identity, age_field])
                })();
                match entry {
                    Ok(children) => {
                        let size = children.first().map_or(0, |f| f.len().saturating_sub(2));
                        entries.push(Field::parent(
                            "psk_identity",
                            start,
                            format!("{} identity", bytes(size)),
                            "One pre-shared key the client offers.",
                            children,
                        ));
                        identities += 1;
                    }
                    Err(error) => {
                        *list = saved;
                        return Err(error);
                    }
                }
            }
            Ok(format!("{identities} {}", plural("identity", identities)))
        },
    )?);
    out.push(vector_field(
        data,
        2,
        "binders",
        "One HMAC per identity over the ClientHello so far: proves the client really holds the key.",
        |list, entries| {
            let mut count = 0usize;
            while !list.is_empty() {
                entries.push(opaque_vector(
                    list,
                    1,
                    "binder",
                    "HMAC keyed from the resumption secret over the partial ClientHello.",
                )?);
                count += 1;
            }
            Ok(format!("{count} {}", plural("binder", count)))
        },
    )?);
    Ok(format!(
        "offers {identities} {}",
        plural("PSK identity", identities)
    ))
}

fn selected_identity(data: &mut Reader<'_>, out: &mut Vec<Field>) -> Result<String, ParseError> {
    let (start, index) = data.u16("selected_identity")?;
    out.push(Field::leaf(
        "selected_identity",
        start,
        start + 2,
        format!("{index}"),
        "Which of the client's offered identities the server accepted (0 = first): the session is resumed.",
    ));
    Ok(format!("resumes with identity {index}"))
}

fn max_early_data_size(data: &mut Reader<'_>, out: &mut Vec<Field>) -> Result<String, ParseError> {
    let (start, size) = data.uint(4, "max_early_data_size")?;
    out.push(Field::leaf(
        "max_early_data_size",
        start,
        start + 4,
        bytes(size as usize),
        "How much 0-RTT data the client may send when resuming with this ticket.",
    ));
    Ok(format!("up to {} of 0-RTT data", bytes(size as usize)))
}

fn selected_version(
    data: &mut Reader<'_>,
    ctx: &mut Ctx,
    out: &mut Vec<Field>,
) -> Result<String, ParseError> {
    let (_, version) = data.clone().u16("selected_version")?;
    out.push(code_field(
        data,
        2,
        "selected_version",
        names::protocol_version_label,
        "The protocol version the server chose: this, not legacy_version, is what counts.",
    )?);
    ctx.selected_version = Some(version);
    Ok(names::protocol_version_label(version))
}

fn key_share_entry(data: &mut Reader<'_>) -> Result<Field, ParseError> {
    let saved = data.clone();
    let start = data.offset();
    let result = (|| {
        let (_, group) = data.clone().u16("group")?;
        let group_field = code_field(
            data,
            2,
            "group",
            names::named_group_label,
            "The key-exchange group of this public key.",
        )?;
        let key = opaque_vector(
            data,
            2,
            "key_exchange",
            "An ephemeral public key: each side combines the other's with its own private key to reach the same secret.",
        )?;
        Ok::<_, ParseError>((group, vec![group_field, key]))
    })();
    match result {
        Ok((group, children)) => {
            let key_len = children.get(1).map_or(0, |f| f.len().saturating_sub(2));
            Ok(Field::parent(
                "key_share_entry",
                start,
                format!(
                    "{}, {}-byte public key",
                    names::named_group_name(group)
                        .map_or_else(|| names::named_group_label(group), str::to_string),
                    key_len
                ),
                "One Diffie-Hellman public key for one group.",
                children,
            ))
        }
        Err(error) => {
            *data = saved;
            Err(error)
        }
    }
}

fn client_shares(data: &mut Reader<'_>, out: &mut Vec<Field>) -> Result<String, ParseError> {
    let list = vector_field(
        data,
        2,
        "client_shares",
        "Public keys for the groups the client guesses the server will pick (often just one).",
        |list, entries| {
            let mut groups = Vec::new();
            while !list.is_empty() {
                let entry = key_share_entry(list)?;
                groups.push(
                    entry
                        .value
                        .split(',')
                        .next()
                        .unwrap_or_default()
                        .to_string(),
                );
                entries.push(entry);
            }
            Ok(if groups.is_empty() {
                "empty: asks the server to choose a group (HelloRetryRequest)".to_string()
            } else {
                groups.join(", ")
            })
        },
    )?;
    let value = list.value.clone();
    out.push(list);
    Ok(value)
}

fn encrypted_client_hello(
    data: &mut Reader<'_>,
    out: &mut Vec<Field>,
) -> Result<String, ParseError> {
    let (start, kind) = data.u8("type")?;
    let (shown, note) = match kind {
        0 => (
            "outer (0)",
            "This is the public, outer ClientHello; the real one is encrypted inside.",
        ),
        1 => ("inner (1)", "This marks the encrypted, inner ClientHello."),
        _ => ("unknown", "Not an ECH type TLS defines."),
    };
    out.push(Field::leaf("type", start, start + 1, shown, note));
    if kind != 0 {
        return raw(data, out).map(|_| shown.to_string());
    }
    out.push(code_field(
        data,
        2,
        "kdf_id",
        |code| format!("0x{code:04x}"),
        "HPKE key-derivation function.",
    )?);
    out.push(code_field(
        data,
        2,
        "aead_id",
        |code| format!("0x{code:04x}"),
        "HPKE encryption algorithm.",
    )?);
    out.push(code_field(
        data,
        1,
        "config_id",
        |code| format!("{code}"),
        "Which of the server's ECH configurations was used.",
    )?);
    out.push(opaque_vector(data, 2, "enc", "The HPKE encapsulated key.")?);
    out.push(opaque_vector(
        data,
        2,
        "payload",
        "The encrypted inner ClientHello.",
    )?);
    Ok("encrypted inner ClientHello".to_string())
}

/// A 2-byte-length list of DER distinguished names (CertificateRequest and the
/// certificate_authorities extension).
pub(crate) fn distinguished_names(
    reader: &mut Reader<'_>,
    field: &str,
    note: &str,
) -> Result<Field, ParseError> {
    vector_field(reader, 2, field, note, |list, entries| {
        let mut count = 0usize;
        while !list.is_empty() {
            let start = list.offset();
            let (length, mut der) = list.vector(2, "distinguished_name")?;
            let (der_start, raw) = der.take_rest();
            let mut children = vec![length];
            if !raw.is_empty() {
                children.push(cert::distinguished_name(raw, der_start));
            }
            let value = children
                .get(1)
                .map_or_else(|| "empty".to_string(), |f| f.value.clone());
            entries.push(Field::parent(
                "distinguished_name",
                start,
                value,
                "The name of one CA.",
                children,
            ));
            count += 1;
        }
        Ok(format!("{count} {}", plural("name", count)))
    })
}
