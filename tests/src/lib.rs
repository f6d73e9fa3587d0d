//! Shared helpers for Session Lab's browser and native contract tests.
//!
//! The view data is the one contract between the core and the page. [`shape`] reduces a view to
//! its structure (field names and JSON types, with array elements merged), so the structure can
//! be compared natively and in the browser against one checked golden file.

use serde_json::{Map, Value};

/// The golden shape of the default run's view at its first and last steps.
pub const GOLDEN_VIEW_SHAPE: &str = include_str!("../golden/view-shape.json");

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
