//! `application/x-www-form-urlencoded`: how the login form's fields travel in a POST body.
//!
//! Encoding follows the WHATWG URL standard's byte serializer (what a browser sends: space as
//! `+`, everything outside `*-._` and alphanumerics percent-encoded). Decoding is stricter than a
//! browser's: a stray `%` is an error rather than kept literally, so the server can say what was
//! wrong with the body.

use super::error::HttpError;

/// The media type of a form body.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// Encodes fields as a form body, e.g. `user=alice&password=correct+horse`.
pub fn encode_form<K: AsRef<str>, V: AsRef<str>>(fields: &[(K, V)]) -> String {
    fields
        .iter()
        .map(|(name, value)| {
            format!(
                "{}={}",
                encode_component(name.as_ref()),
                encode_component(value.as_ref())
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Decodes a form body into its fields, in order (duplicates kept).
pub fn decode_form(body: &[u8]) -> Result<Vec<(String, String)>, HttpError> {
    body.split(|&byte| byte == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = match pair.iter().position(|&byte| byte == b'=') {
                Some(equals) => (&pair[..equals], &pair[equals + 1..]),
                None => (pair, &[][..]),
            };
            Ok((decode_component(name)?, decode_component(value)?))
        })
        .collect()
}

/// Whether a `Content-Type` value names a form body (parameters such as `charset` allowed).
pub fn is_form_content_type(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .is_some_and(|media_type| media_type.trim().eq_ignore_ascii_case(FORM_CONTENT_TYPE))
}

fn encode_component(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b' ' => encoded.push('+'),
            b'*' | b'-' | b'.' | b'_' | b'0'..=b'9' | b'A'..=b'Z' | b'a'..=b'z' => {
                encoded.push(char::from(byte));
            }
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

fn decode_component(encoded: &[u8]) -> Result<String, HttpError> {
    let mut bytes = Vec::with_capacity(encoded.len());
    let mut rest = encoded;
    while let Some((&byte, after)) = rest.split_first() {
        match byte {
            b'+' => {
                bytes.push(b' ');
                rest = after;
            }
            b'%' => {
                let escaped = after
                    .get(..2)
                    .and_then(|hex| std::str::from_utf8(hex).ok())
                    .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                    .ok_or_else(|| {
                        HttpError::MalformedForm("% is not followed by two hex digits".to_owned())
                    })?;
                bytes.push(escaped);
                rest = &after[2..];
            }
            _ => {
                bytes.push(byte);
                rest = after;
            }
        }
    }
    String::from_utf8(bytes)
        .map_err(|_| HttpError::MalformedForm("a field is not UTF-8 text".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_login_form_encodes_as_a_browser_would() {
        let body = encode_form(&[("user", "alice"), ("password", "correct horse")]);
        assert_eq!(body, "user=alice&password=correct+horse");
        let odd = encode_form(&[("p", "a&b=c+d%é~")]);
        assert_eq!(odd, "p=a%26b%3Dc%2Bd%25%C3%A9%7E");
    }

    #[test]
    fn decoding_inverts_encoding() {
        let fields = [("user", "alice"), ("password", "a&b=c+d%é~ x")];
        let decoded = decode_form(encode_form(&fields).as_bytes());
        let expected: Vec<(String, String)> = fields
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        assert_eq!(decoded, Ok(expected));
    }

    #[test]
    fn bad_escapes_and_bad_utf8_are_errors() {
        assert!(decode_form(b"user=%4").is_err());
        assert!(decode_form(b"user=%zz").is_err());
        assert!(decode_form(b"user=%FF").is_err());
        assert_eq!(
            decode_form(b"flag&&x="),
            Ok(vec![
                ("flag".to_owned(), String::new()),
                ("x".to_owned(), String::new())
            ])
        );
    }

    #[test]
    fn content_type_matching_ignores_case_and_parameters() {
        assert!(is_form_content_type(
            "Application/X-WWW-Form-URLEncoded; charset=UTF-8"
        ));
        assert!(!is_form_content_type("multipart/form-data"));
    }
}
