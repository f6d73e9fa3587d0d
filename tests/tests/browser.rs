//! Browser tests: the core compiled to wasm32, driven through its wasm-bindgen boundary in
//! headless Chromium, exactly as the page drives it.
#![cfg(target_arch = "wasm32")]

use serde::Serialize as _;
use sessionlab::wasm::WasmLab;
use sessionlab_tests::{
    ecdsa_p256_accepts, ecdsa_p256_mismatches, views_shape, GOLDEN_ECDSA_P256, GOLDEN_VIEW_SHAPE,
};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn view_json(lab: &WasmLab) -> serde_json::Value {
    let view = match lab.view() {
        Ok(view) => view,
        Err(err) => panic!("view failed: {:?}", JsValue::from(err)),
    };
    match serde_wasm_bindgen::from_value(view) {
        Ok(json) => json,
        Err(err) => panic!("view is not plain JSON data: {err}"),
    }
}

fn new_lab(options: JsValue) -> WasmLab {
    match WasmLab::new(options, None, None) {
        Ok(lab) => lab,
        Err(err) => panic!("lab failed: {:?}", JsValue::from(err)),
    }
}

#[wasm_bindgen_test]
fn whole_session_runs_in_wasm_and_resumes() {
    let mut lab = new_lab(JsValue::UNDEFINED);
    let first = view_json(&lab);
    let total = first["total"].as_u64().unwrap_or(0);
    assert_eq!(first["current"]["title"], "ClientHello");
    let mut moves = 0;
    while lab.forward() {
        moves += 1;
    }
    assert_eq!(moves + 1, total);
    let last = view_json(&lab);
    assert_eq!(last["current"]["client"]["handshakeKind"], "Resumed");
    assert_eq!(last["current"]["server"]["sni"], "mybank.example");
    // Every check in the run held: our decryption equals what rustls delivered.
    for index in 0..total {
        assert!(lab.seek(index as usize).is_ok());
        let view = view_json(&lab);
        let checks = view["current"]["checks"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            checks.iter().all(|c| c["ok"] == true),
            "step {index}: {checks:?}"
        );
    }
}

#[wasm_bindgen_test]
fn view_has_the_same_shape_as_natively() {
    let mut lab = new_lab(JsValue::UNDEFINED);
    let first = view_json(&lab);
    while lab.forward() {}
    let last = view_json(&lab);
    let golden: serde_json::Value = match serde_json::from_str(GOLDEN_VIEW_SHAPE) {
        Ok(golden) => golden,
        Err(err) => panic!("golden file is not JSON: {err}"),
    };
    assert_eq!(views_shape(&first, &last), golden);
}

#[wasm_bindgen_test]
fn tls12_with_ed25519_runs_and_bad_options_are_refused() {
    let options = match WasmLab::options_for_version(JsValue::from_str("tls12")) {
        Ok(options) => options,
        Err(err) => panic!("{:?}", JsValue::from(err)),
    };
    let mut json: serde_json::Value = serde_wasm_bindgen::from_value(options).unwrap_or_default();
    json["certKey"] = "ed25519".into();
    let js = match json.serialize(&serde_wasm_bindgen::Serializer::json_compatible()) {
        Ok(js) => js,
        Err(err) => panic!("{err}"),
    };
    let mut lab = new_lab(js);
    while lab.forward() {}
    let view = view_json(&lab);
    assert_eq!(view["current"]["client"]["version"], "TLSv1_2");
    assert_eq!(view["current"]["client"]["handshakeKind"], "Resumed");

    json["clientSuites"] = serde_json::json!(["TLS13_AES_128_GCM_SHA256"]);
    let bad = json
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap_or(JsValue::NULL);
    assert!(
        WasmLab::new(bad, None, None).is_err(),
        "a TLS 1.3 suite in a TLS 1.2 run is refused"
    );
}

/// The outcome kinds and alerts of every step of `chapter`, walking it through the boundary.
fn walk(chapter: &str) -> Vec<serde_json::Value> {
    let mut lab = match WasmLab::new(JsValue::UNDEFINED, Some(chapter.to_owned()), None) {
        Ok(lab) => lab,
        Err(err) => panic!("{chapter}: {:?}", JsValue::from(err)),
    };
    let mut views = vec![view_json(&lab)["current"].clone()];
    while lab.forward() {
        views.push(view_json(&lab)["current"].clone());
    }
    views
}

#[wasm_bindgen_test]
fn chapters_run_in_wasm_with_their_outcomes() {
    let zero_rtt = walk("zero-rtt");
    assert!(zero_rtt
        .iter()
        .any(|v| v["server"]["earlyData"] == "accepted" && v["replay"] == false));
    assert!(zero_rtt.iter().any(|v| v["replay"] == true));

    let terminate = walk("terminate");
    let alerts: Vec<&serde_json::Value> = terminate
        .iter()
        .filter(|v| v["outcome"]["kind"] == "alertReceived")
        .map(|v| &v["outcome"]["alert"])
        .collect();
    assert_eq!(alerts, [&serde_json::Value::from("BadRecordMac")]);

    let expire = walk("expire");
    let last = expire.last().cloned().unwrap_or_default();
    assert_eq!(last["outcome"]["alert"], "CertificateExpired");
    for view in expire.iter().chain(&terminate).chain(&zero_rtt) {
        let checks = view["checks"].as_array().cloned().unwrap_or_default();
        assert!(checks.iter().all(|c| c["ok"] == true), "{checks:?}");
    }
}

/// ring's P-256 signature check in wasm is `vendor/ring`'s variable-time code: it must give every
/// checked vector the outcome ring's own assembly gives natively (tests/ecdsa_p256.rs).
#[wasm_bindgen_test]
fn p256_signature_checks_give_the_native_outcomes() {
    let mismatches = match ecdsa_p256_mismatches(GOLDEN_ECDSA_P256) {
        Ok(mismatches) => mismatches,
        Err(err) => panic!("{err}"),
    };
    assert!(mismatches.is_empty(), "in wasm: {mismatches:#?}");
}

/// Fresh keys and messages: what ring signs in wasm, it accepts; with one bit of the message
/// changed, it rejects.
#[wasm_bindgen_test]
fn fresh_p256_signatures_verify_and_changed_messages_do_not() {
    use ring::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_ASN1_SIGNING};

    let rng = ring::rand::SystemRandom::new();
    for round in 0..8u8 {
        let Ok(pkcs8) = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng) else {
            panic!("no key");
        };
        let Ok(key) =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng)
        else {
            panic!("key rejected");
        };
        for length in 1..=8usize {
            let mut message: Vec<u8> = (0..length * 9).map(|at| at as u8 ^ round).collect();
            let Ok(signature) = key.sign(&rng, &message) else {
                panic!("no signature");
            };
            let public = key.public_key().as_ref();
            assert!(
                ecdsa_p256_accepts(public, &message, signature.as_ref()),
                "round {round}, {length}"
            );
            message[length] ^= 1;
            assert!(
                !ecdsa_p256_accepts(public, &message, signature.as_ref()),
                "round {round}, {length}"
            );
        }
    }
}
