//! TLS record framing: splits the bytes of a flight into records by their 5-byte headers.
//!
//! This is only the outer layer (type, legacy version, length, byte range); [`crate::dissect`]
//! explains what is inside.

use serde::Serialize;

/// Length of a TLS record header: type (1), legacy version (2), length (2).
pub const HEADER_LEN: usize = 5;

/// One record as it lies in a flight.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordFrame {
    /// The content type byte (20 change_cipher_spec, 21 alert, 22 handshake, 23 application_data).
    pub content_type: u8,
    /// The content type's name.
    pub content_type_name: String,
    /// The legacy version field, e.g. `0x0303`.
    pub legacy_version: u16,
    /// The length field: how many bytes follow the header.
    pub length: u16,
    /// Offset of the header's first byte in the flight.
    pub start: usize,
    /// Offset one past the record's last byte in the flight (clipped to the flight if truncated).
    pub end: usize,
    /// The flight ends before the record does.
    pub truncated: bool,
}

/// Splits `flight` into records. Bytes too short to hold a header become a final truncated frame
/// with type 0, so every byte belongs to some frame.
pub fn frames(flight: &[u8]) -> Vec<RecordFrame> {
    let mut frames = Vec::new();
    let mut start = 0;
    while start < flight.len() {
        let rest = &flight[start..];
        let Some(header) = rest.get(..HEADER_LEN) else {
            frames.push(RecordFrame {
                content_type: 0,
                content_type_name: "incomplete header".to_owned(),
                legacy_version: 0,
                length: 0,
                start,
                end: flight.len(),
                truncated: true,
            });
            break;
        };
        let length = u16::from_be_bytes([header[3], header[4]]);
        let wanted = start + HEADER_LEN + usize::from(length);
        let end = wanted.min(flight.len());
        frames.push(RecordFrame {
            content_type: header[0],
            content_type_name: content_type_name(header[0]).to_owned(),
            legacy_version: u16::from_be_bytes([header[1], header[2]]),
            length,
            start,
            end,
            truncated: wanted > flight.len(),
        });
        start = end;
    }
    frames
}

/// The name of a record content type (RFC 8446 §5.1).
pub fn content_type_name(content_type: u8) -> &'static str {
    match content_type {
        20 => "change_cipher_spec",
        21 => "alert",
        22 => "handshake",
        23 => "application_data",
        24 => "heartbeat",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_back_to_back_records_and_keeps_a_truncated_tail() {
        // A change_cipher_spec record (6 bytes) then an alert record cut after 3 of its 7 bytes.
        let flight = [20, 3, 3, 0, 1, 1, 21, 3, 3, 0, 2, 1];
        let got = frames(&flight);
        assert_eq!(got.len(), 2);
        assert_eq!((got[0].start, got[0].end, got[0].truncated), (0, 6, false));
        assert_eq!(got[0].content_type_name, "change_cipher_spec");
        assert_eq!((got[1].start, got[1].end, got[1].truncated), (6, 12, true));
        assert_eq!(got[1].length, 2);
        assert_eq!(frames(&[22, 3]).first().map(|f| f.truncated), Some(true));
        assert!(frames(&[]).is_empty());
    }
}
