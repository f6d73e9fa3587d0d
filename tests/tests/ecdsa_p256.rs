//! The native half of the P-256 signature-check contract: ring, natively (its own assembly, not
//! the variable-time code `vendor/ring` adds for wasm32), gives every vector of
//! `tests/golden/ecdsa-p256-verify.json` its recorded outcome; the browser test checks the same
//! vectors in wasm.
//!
//! The vectors are made here: `SESSIONLAB_UPDATE_GOLDEN=1 cargo test -p sessionlab-tests --test
//! ecdsa_p256` signs fresh messages with fresh keys and with the keys 1 and n − 1 (public keys G
//! and −G), then changes each signature in ways whose outcome is known (a changed message, r or
//! s, another key: rejected; s replaced by n − s: still valid), and records each outcome only
//! after checking that natively ring gives the expected one.
#![cfg(not(target_arch = "wasm32"))]

use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_ASN1_SIGNING};
use sessionlab::view::hex;
use sessionlab_tests::{
    ecdsa_p256_accepts, ecdsa_p256_mismatches, hex_bytes, EcdsaVector, GOLDEN_ECDSA_P256,
};

/// The order of the P-256 group, big-endian.
const N: &str = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
/// The generator G, uncompressed.
const G: &str = "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296\
                 4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5";
/// −G: G's x with p − G's y.
const MINUS_G: &str = "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296\
                       b01cbd1c01e58065711814b583f061e9d431cca994cea1313449bf97c840ae0a";

#[test]
fn native_ring_gives_every_vector_its_outcome() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::var_os("SESSIONLAB_UPDATE_GOLDEN").is_some() {
        let vectors = make_vectors()?;
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/golden/ecdsa-p256-verify.json");
        std::fs::write(path, serde_json::to_string_pretty(&vectors)? + "\n")?;
    }
    let vectors: Vec<EcdsaVector> = serde_json::from_str(GOLDEN_ECDSA_P256)?;
    let valid = vectors.iter().filter(|vector| vector.valid).count();
    assert!(valid >= 40, "only {valid} valid vectors");
    assert!(
        vectors.len() - valid >= 80,
        "only {} invalid vectors",
        vectors.len() - valid
    );
    let mismatches = ecdsa_p256_mismatches(GOLDEN_ECDSA_P256)?;
    assert!(mismatches.is_empty(), "natively: {mismatches:#?}");
    Ok(())
}

/// Fresh vectors, each checked natively against the outcome its making implies.
fn make_vectors() -> Result<Vec<EcdsaVector>, Box<dyn std::error::Error>> {
    let rng = SystemRandom::new();
    let mut keys = Vec::new();
    for _ in 0..4 {
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
            .map_err(ring_error)?;
        keys.push((
            "a fresh key",
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng)
                .map_err(ring_error)?,
        ));
    }
    let mut one = [0u8; 32];
    one[31] = 1;
    let mut n_minus_one = hex_bytes(N)?;
    n_minus_one[31] -= 1;
    for (made, private, public) in [
        ("the key 1 (public key G)", one.to_vec(), G),
        ("the key n − 1 (public key −G)", n_minus_one, MINUS_G),
    ] {
        let pair = EcdsaKeyPair::from_private_key_and_public_key(
            &ECDSA_P256_SHA256_ASN1_SIGNING,
            &private,
            &hex_bytes(public)?,
            &rng,
        )
        .map_err(ring_error)?;
        keys.push((made, pair));
    }

    let mut vectors = Vec::new();
    let mut seed = [0u8; 8];
    for (index, (made, key)) in keys.iter().enumerate() {
        let other = keys[(index + 1) % keys.len()]
            .1
            .public_key()
            .as_ref()
            .to_vec();
        for length in [0usize, 1, 32, 117] {
            ring::rand::SecureRandom::fill(&rng, &mut seed).map_err(ring_error)?;
            let message: Vec<u8> = (0..length).map(|at| seed[at % 8] ^ at as u8).collect();
            let signature = key
                .sign(&rng, &message)
                .map_err(ring_error)?
                .as_ref()
                .to_vec();
            let (r, s) = der_signature(&signature)?;
            let public = key.public_key().as_ref().to_vec();
            let mut changed_message = message.clone();
            if changed_message.is_empty() {
                changed_message.push(0);
            } else {
                changed_message[length / 2] ^= 0x10;
            }
            let cases = [
                ("signed", &public, &message, signature.clone(), true),
                (
                    "message changed",
                    &public,
                    &changed_message,
                    signature.clone(),
                    false,
                ),
                (
                    "s replaced by n − s",
                    &public,
                    &message,
                    der(&r, &sub(&hex_bytes(N)?, &s)),
                    true,
                ),
                (
                    "r plus one",
                    &public,
                    &message,
                    der(&add_one(&r), &s),
                    false,
                ),
                (
                    "s plus one",
                    &public,
                    &message,
                    der(&r, &add_one(&s)),
                    false,
                ),
                ("another key", &other, &message, signature.clone(), false),
            ];
            for (change, public_key, message, signature, valid) in cases {
                let accepted = ecdsa_p256_accepts(public_key, message, &signature);
                assert_eq!(
                    accepted, valid,
                    "{made}, {change}: natively accepted {accepted}"
                );
                vectors.push(EcdsaVector {
                    made: format!("{made}, {length}-byte message: {change}"),
                    public_key: hex(public_key),
                    message: hex(message),
                    signature: hex(&signature),
                    valid,
                });
            }
        }
    }
    let (r, s) = der_signature(&hex_bytes(&vectors[0].signature)?)?;
    for (change, signature) in [
        ("r zero", der(&[0u8; 32], &s)),
        ("s zero", der(&r, &[0u8; 32])),
        ("r equal to n", der(&hex_bytes(N)?, &s)),
        ("s equal to n", der(&r, &hex_bytes(N)?)),
    ] {
        let first = &vectors[0];
        let (public_key, message) = (hex_bytes(&first.public_key)?, hex_bytes(&first.message)?);
        assert!(
            !ecdsa_p256_accepts(&public_key, &message, &signature),
            "{change} accepted"
        );
        vectors.push(EcdsaVector {
            made: format!("the first signature with {change}"),
            public_key: first.public_key.clone(),
            message: first.message.clone(),
            signature: hex(&signature),
            valid: false,
        });
    }
    Ok(vectors)
}

/// r and s of a DER `SEQUENCE { INTEGER r, INTEGER s }`, each as 32 big-endian bytes.
fn der_signature(der: &[u8]) -> Result<([u8; 32], [u8; 32]), String> {
    let integer = |at: usize| -> Result<([u8; 32], usize), String> {
        let (tag, length) = (
            der.get(at),
            der.get(at + 1).map(|&length| usize::from(length)),
        );
        let (Some(0x02), Some(length)) = (tag, length) else {
            return Err(format!("no INTEGER at {at} of {der:02x?}"));
        };
        let body = der.get(at + 2..at + 2 + length).ok_or("short INTEGER")?;
        let body = body.strip_prefix(&[0]).unwrap_or(body);
        let mut value = [0u8; 32];
        value[32 - body.len()..].copy_from_slice(body);
        Ok((value, at + 2 + length))
    };
    let (r, next) = integer(2)?;
    let (s, _) = integer(next)?;
    Ok((r, s))
}

/// The DER signature of r and s (minimal INTEGERs).
fn der(r: &[u8], s: &[u8]) -> Vec<u8> {
    let integer = |value: &[u8]| {
        let start = value
            .iter()
            .position(|&byte| byte != 0)
            .unwrap_or(value.len() - 1);
        let mut body = value[start..].to_vec();
        if body[0] & 0x80 != 0 {
            body.insert(0, 0);
        }
        let mut out = vec![0x02, body.len() as u8];
        out.extend(body);
        out
    };
    let mut content = integer(r);
    content.extend(integer(s));
    let mut out = vec![0x30, content.len() as u8];
    out.extend(content);
    out
}

/// `a` − `b`, both 32 big-endian bytes with `a` ≥ `b`.
fn sub(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; 32];
    let mut borrow = 0i16;
    for at in (0..32).rev() {
        let digit = i16::from(a[at]) - i16::from(b[at]) - borrow;
        borrow = i16::from(digit < 0);
        out[at] = digit.rem_euclid(256) as u8;
    }
    out
}

/// `a` + 1, 32 big-endian bytes (never all 0xff here: a is below n).
fn add_one(a: &[u8]) -> Vec<u8> {
    let mut out = a.to_vec();
    for byte in out.iter_mut().rev() {
        let (sum, carry) = byte.overflowing_add(1);
        *byte = sum;
        if !carry {
            break;
        }
    }
    out
}

fn ring_error(err: impl std::fmt::Debug) -> String {
    format!("ring: {err:?}")
}
