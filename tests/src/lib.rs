//! Shared helpers for Session Lab's browser and native contract tests.
//!
//! The view data is the one contract between the core and the page. [`shape`] reduces a view to
//! its structure (field names and JSON types, with array elements merged), so the structure can
//! be compared natively and in the browser against one checked golden file.
//!
//! [`ecdsa_p256_mismatches`] checks P-256 signature verification against checked vectors: natively
//! ring checks signatures with its own assembly, in the browser with the variable-time code of
//! `vendor/ring`, and both must give every vector's recorded outcome.

use serde_json::{Map, Value};

/// The golden shape of the default run's view at its first and last steps.
pub const GOLDEN_VIEW_SHAPE: &str = include_str!("../golden/view-shape.json");

/// ECDSA P-256 / SHA-256 signatures with the outcome a correct check gives each.
pub const GOLDEN_ECDSA_P256: &str = include_str!("../golden/ecdsa-p256-verify.json");

/// One vector of [`GOLDEN_ECDSA_P256`]: an uncompressed public key, a message and an ASN.1 DER
/// signature (hex), whether the signature is valid, and how the vector was made.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct EcdsaVector {
    pub made: String,
    pub public_key: String,
    pub message: String,
    pub signature: String,
    pub valid: bool,
}

/// Whether ring, on the target this runs on, accepts `signature` of `message` by `public_key`.
pub fn ecdsa_p256_accepts(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_ASN1, public_key)
        .verify(message, signature)
        .is_ok()
}

/// The vectors of `golden` whose outcome on this target differs from the recorded one.
pub fn ecdsa_p256_mismatches(golden: &str) -> Result<Vec<EcdsaVector>, String> {
    let vectors: Vec<EcdsaVector> =
        serde_json::from_str(golden).map_err(|err| format!("vectors are not JSON: {err}"))?;
    let mut mismatches = Vec::new();
    for vector in vectors {
        let accepted = ecdsa_p256_accepts(
            &hex_bytes(&vector.public_key)?,
            &hex_bytes(&vector.message)?,
            &hex_bytes(&vector.signature)?,
        );
        if accepted != vector.valid {
            mismatches.push(vector);
        }
    }
    Ok(mismatches)
}

/// The bytes written as lower-case hex in `text`.
pub fn hex_bytes(text: &str) -> Result<Vec<u8>, String> {
    if !text.len().is_multiple_of(2) {
        return Err(format!("odd-length hex {text:?}"));
    }
    (0..text.len())
        .step_by(2)
        .map(|at| {
            u8::from_str_radix(&text[at..at + 2], 16).map_err(|err| format!("hex {text:?}: {err}"))
        })
        .collect()
}

/// The structure of `value`: objects keep their keys with the shapes of their values; arrays
/// become a one-element array holding the merged shape of their elements (empty stays empty);
/// scalars become their JSON type name.
pub fn shape(value: &Value) -> Value {
    match value {
        Value::Null => Value::String("null".to_owned()),
        Value::Bool(_) => Value::String("bool".to_owned()),
        Value::Number(_) => Value::String("number".to_owned()),
        Value::String(_) => Value::String("string".to_owned()),
        Value::Array(items) => {
            let merged = items.iter().map(shape).reduce(merge);
            Value::Array(merged.into_iter().collect())
        }
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(key, value)| (key.clone(), shape(value)))
                .collect(),
        ),
    }
}

/// Merges two shapes: objects take the union of keys, differing scalars become `"a|b"`.
fn merge(a: Value, b: Value) -> Value {
    match (a, b) {
        (Value::Object(mut a), Value::Object(b)) => {
            for (key, value) in b {
                let merged = match a.remove(&key) {
                    Some(existing) => merge(existing, value),
                    None => value,
                };
                a.insert(key, merged);
            }
            Value::Object(a)
        }
        (Value::Array(a), Value::Array(b)) => {
            Value::Array(a.into_iter().chain(b).reduce(merge).into_iter().collect())
        }
        (a, b) if a == b => a,
        (Value::String(a), Value::String(b)) => {
            let mut kinds: Vec<&str> = a.split('|').chain(b.split('|')).collect();
            kinds.sort_unstable();
            kinds.dedup();
            Value::String(kinds.join("|"))
        }
        (a, _) => a,
    }
}

/// The shapes of the views at the first and the last step, as one object.
pub fn views_shape(first: &Value, last: &Value) -> Value {
    let mut out = Map::new();
    out.insert("firstStep".to_owned(), shape(first));
    out.insert("lastStep".to_owned(), shape(last));
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shape_keeps_keys_and_merges_array_elements() {
        let value = json!({"a": [1, {"x": "s"}], "b": [{"k": 1}, {"k": null, "j": true}], "c": []});
        let expected = json!({
            "a": ["number"],
            "b": [{"k": "null|number", "j": "bool"}],
            "c": []
        });
        // Mixed scalar/object arrays keep the first kind; the view never mixes them.
        assert_eq!(shape(&value)["b"], expected["b"]);
        assert_eq!(shape(&value)["c"], expected["c"]);
        assert_eq!(shape(&json!("x")), json!("string"));
    }
}
