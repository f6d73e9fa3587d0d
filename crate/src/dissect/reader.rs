//! A bounds-checked cursor over input bytes, plus the helpers that turn common TLS encodings
//! (integers, length-prefixed vectors, lists of codes) into [`Field`]s.
//!
//! Reads are atomic: a read that fails leaves the cursor where it was, so the caller can cover
//! the unread rest with one problem leaf and the tree still tiles the input.

use std::fmt;

use super::Field;

/// Why a read failed: the bytes ran out, or held something impossible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseError {
    /// The field being read, e.g. `"cipher_suites"`.
    pub field: String,
    /// What went wrong, e.g. `"expected 2-byte length then 34 bytes, found 12 bytes"`.
    pub message: String,
}

impl ParseError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_string(),
            message: message.into(),
        }
    }

    fn short(field: &str, expected: impl fmt::Display, found: usize) -> Self {
        Self::new(
            field,
            format!("expected {expected}, found {}", bytes(found)),
        )
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for ParseError {}

/// `"1 byte"` / `"12 bytes"`.
pub(crate) fn bytes(count: usize) -> String {
    if count == 1 {
        "1 byte".to_string()
    } else {
        format!("{count} bytes")
    }
}

/// A cursor over `data`, whose first byte sits at absolute offset `base` of the whole input.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8], base: usize) -> Self {
        Self { data, pos: 0, base }
    }

    /// Absolute offset of the next unread byte.
    pub fn offset(&self) -> usize {
        self.base + self.pos
    }

    pub fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }

    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The unread bytes, without consuming them.
    pub fn peek_rest(&self) -> &'a [u8] {
        self.data.get(self.pos..).unwrap_or_default()
    }

    /// Consumes `count` bytes, returning their absolute start offset and the bytes.
    pub fn take(&mut self, count: usize, field: &str) -> Result<(usize, &'a [u8]), ParseError> {
        let start = self.offset();
        let slice = self
            .pos
            .checked_add(count)
            .and_then(|stop| self.data.get(self.pos..stop))
            .ok_or_else(|| ParseError::short(field, bytes(count), self.remaining()))?;
        self.pos += count;
        Ok((start, slice))
    }

    /// Consumes everything left.
    pub fn take_rest(&mut self) -> (usize, &'a [u8]) {
        let start = self.offset();
        let rest = self.peek_rest();
        self.pos = self.data.len();
        (start, rest)
    }

    /// Reads a big-endian unsigned integer of `width` bytes (1 to 4).
    pub fn uint(&mut self, width: usize, field: &str) -> Result<(usize, u32), ParseError> {
        let (start, raw) = self.take(width, field)?;
        Ok((
            start,
            raw.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b)),
        ))
    }

    pub fn u8(&mut self, field: &str) -> Result<(usize, u8), ParseError> {
        let (start, raw) = self.take(1, field)?;
        Ok((start, raw.first().copied().unwrap_or_default()))
    }

    pub fn u16(&mut self, field: &str) -> Result<(usize, u16), ParseError> {
        let (start, value) = self.uint(2, field)?;
        Ok((start, u16::try_from(value).unwrap_or_default()))
    }

    /// Reads a `width`-byte length then that many bytes, atomically. Returns the length leaf
    /// and a reader over the body.
    pub fn vector(&mut self, width: usize, field: &str) -> Result<(Field, Reader<'a>), ParseError> {
        let saved = self.pos;
        let (len_start, len) = self.uint(width, field).map_err(|_| {
            ParseError::short(field, format!("{width}-byte length"), self.remaining())
        })?;
        let len = len as usize;
        let body_start = self.offset();
        match self.take(len, field) {
            Ok((_, body)) => Ok((
                Field::leaf(
                    "length",
                    len_start,
                    body_start,
                    bytes(len),
                    format!("How many bytes of {field} follow."),
                ),
                Reader::new(body, body_start),
            )),
            Err(_) => {
                let found = self.remaining();
                self.pos = saved;
                Err(ParseError::short(
                    field,
                    format!("{width}-byte length then {}", bytes(len)),
                    found,
                ))
            }
        }
    }

    /// Runs `parse` over this reader and appends to `out` whatever it could not account for:
    /// a problem leaf for the unread rest after an error, or one for unexpected trailing bytes.
    /// Returns the summary value `parse` produced, or `None` after an error.
    pub fn fill<F>(&mut self, out: &mut Vec<Field>, parse: F) -> Option<String>
    where
        F: FnOnce(&mut Reader<'a>, &mut Vec<Field>) -> Result<String, ParseError>,
    {
        match parse(self, out) {
            Ok(summary) => {
                if !self.is_empty() {
                    let (start, rest) = self.take_rest();
                    out.push(Field::problem(
                        "trailing bytes",
                        start,
                        start + rest.len(),
                        format!("expected nothing more here, found {}", bytes(rest.len())),
                    ));
                }
                Some(summary)
            }
            Err(error) => {
                let (start, rest) = self.take_rest();
                out.push(Field::problem(
                    error.field,
                    start,
                    start + rest.len(),
                    error.message,
                ));
                None
            }
        }
    }
}

/// Reads a `width`-byte length-prefixed vector and turns it into a parent field named `field`
/// whose children are the length leaf and whatever `parse` produces from the body.
/// `parse` returns the parent's summary value.
pub(crate) fn vector_field<'a, F>(
    reader: &mut Reader<'a>,
    width: usize,
    field: &str,
    note: &str,
    parse: F,
) -> Result<Field, ParseError>
where
    F: FnOnce(&mut Reader<'a>, &mut Vec<Field>) -> Result<String, ParseError>,
{
    let start = reader.offset();
    let (length, mut body) = reader.vector(width, field)?;
    let mut children = vec![length];
    let value = body
        .fill(&mut children, parse)
        .unwrap_or_else(|| "malformed".to_string());
    Ok(Field::parent(field, start, value, note, children))
}

/// A length-prefixed vector of opaque bytes, shown as one leaf for the body.
pub(crate) fn opaque_vector(
    reader: &mut Reader<'_>,
    width: usize,
    field: &str,
    note: &str,
) -> Result<Field, ParseError> {
    vector_field(reader, width, field, note, |body, out| {
        let (start, data) = body.take_rest();
        if data.is_empty() {
            return Ok("empty".to_string());
        }
        out.push(Field::leaf(
            "data",
            start,
            start + data.len(),
            hex_preview(data),
            format!("The {field} bytes themselves."),
        ));
        Ok(bytes(data.len()))
    })
}

/// A fixed-width integer code shown through `label` (e.g. a cipher suite number → name).
pub(crate) fn code_field(
    reader: &mut Reader<'_>,
    width: usize,
    field: &str,
    label: fn(u16) -> String,
    note: &str,
) -> Result<Field, ParseError> {
    let (start, value) = reader.uint(width, field)?;
    let code = u16::try_from(value).unwrap_or(u16::MAX);
    Ok(Field::leaf(field, start, start + width, label(code), note))
}

/// How to show one kind of numeric code (cipher suite, named group, …) as a list item.
pub(crate) struct CodeKind {
    /// Name of one item, e.g. `"cipher_suite"`.
    pub item: &'static str,
    /// Bytes per item on the wire.
    pub width: usize,
    /// Code → human value, e.g. `0x1302` → `"TLS_AES_256_GCM_SHA384 (0x1302)"`.
    pub label: fn(u16) -> String,
    /// Code → one-line explanation of that item.
    pub note: fn(u16) -> String,
}

/// A length-prefixed list of codes of one kind; each item becomes a leaf.
pub(crate) fn code_list(
    reader: &mut Reader<'_>,
    length_width: usize,
    field: &str,
    note: &str,
    kind: &CodeKind,
) -> Result<Field, ParseError> {
    vector_field(reader, length_width, field, note, |body, out| {
        let mut count = 0usize;
        while !body.is_empty() {
            out.push(code_item(body, kind)?);
            count += 1;
        }
        Ok(format!(
            "{count} {}",
            plural(&kind.item.replace('_', " "), count)
        ))
    })
}

/// One code of `kind`, as a leaf.
pub(crate) fn code_item(reader: &mut Reader<'_>, kind: &CodeKind) -> Result<Field, ParseError> {
    let (start, value) = reader.uint(kind.width, kind.item)?;
    let code = u16::try_from(value).unwrap_or(u16::MAX);
    Ok(Field::leaf(
        kind.item,
        start,
        start + kind.width,
        (kind.label)(code),
        (kind.note)(code),
    ))
}

/// A crude English plural for item counts in summaries.
pub(crate) fn plural(word: &str, count: usize) -> String {
    if count == 1 {
        word.to_string()
    } else if word.ends_with('s') {
        format!("{word}es")
    } else {
        format!("{word}s")
    }
}

/// Hex of the first bytes, with a byte count when longer: `"3a 91 … (32 bytes)"`.
pub(crate) fn hex_preview(data: &[u8]) -> String {
    const SHOWN: usize = 16;
    let head: Vec<String> = data
        .iter()
        .take(SHOWN)
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut text = head.join(" ");
    if data.len() > SHOWN {
        text.push_str(" …");
    }
    format!("{text} ({})", bytes(data.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_vector_read_leaves_cursor_in_place_and_explains() {
        let data = [0x00, 0x22, 1, 2, 3];
        let mut reader = Reader::new(&data, 100);
        let error = reader.vector(2, "cipher_suites").unwrap_err();
        assert_eq!(
            error.message,
            "expected 2-byte length then 34 bytes, found 3 bytes"
        );
        assert_eq!(reader.offset(), 100);
    }

    #[test]
    fn integers_are_big_endian_with_absolute_offsets() {
        let data = [0xff, 0x12, 0x34, 0x56];
        let mut reader = Reader::new(&data, 10);
        assert_eq!(reader.u8("a").unwrap(), (10, 0xff));
        assert_eq!(reader.uint(3, "b").unwrap(), (11, 0x123456));
        assert!(reader.u8("c").is_err());
    }
}
