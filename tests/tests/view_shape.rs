//! The native half of the view-data contract: the default run's view, natively, has exactly the
//! checked golden shape that the browser test also compares against.
//!
//! After a deliberate change to the view types, regenerate with
//! `SESSIONLAB_UPDATE_GOLDEN=1 cargo test -p sessionlab-tests --test view_shape`, and review the
//! diff of `tests/golden/view-shape.json` before committing it.
#![cfg(not(target_arch = "wasm32"))]

use sessionlab::{Lab, Options};
use sessionlab_tests::{views_shape, GOLDEN_VIEW_SHAPE};

#[test]
fn native_view_matches_the_golden_shape() -> Result<(), Box<dyn std::error::Error>> {
    let mut lab = Lab::new(Options::default())?;
    let first = serde_json::to_value(lab.view())?;
    while lab.forward() {}
    let last = serde_json::to_value(lab.view())?;
    let shape = views_shape(&first, &last);
    let pretty = serde_json::to_string_pretty(&shape)? + "\n";
    if std::env::var_os("SESSIONLAB_UPDATE_GOLDEN").is_some() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/golden/view-shape.json");
        std::fs::write(path, &pretty)?;
    }
    let golden: serde_json::Value = serde_json::from_str(GOLDEN_VIEW_SHAPE)?;
    assert_eq!(
        shape, golden,
        "native view shape differs from tests/golden/view-shape.json"
    );
    Ok(())
}
