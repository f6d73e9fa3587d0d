//! Prints a fresh default run's whole view data as JSON: exactly what the page renders, every
//! step in full.
//!
//! `cargo run -p sessionlab --example dump [tls12]`

use sessionlab::options::TlsVersion;
use sessionlab::view::full_view;
use sessionlab::{Lab, Options};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let version = match std::env::args().nth(1).as_deref() {
        Some("tls12") => TlsVersion::Tls12,
        _ => TlsVersion::Tls13,
    };
    let lab = Lab::new(Options::for_version(version))?;
    println!("{}", serde_json::to_string_pretty(&full_view(&lab))?);
    Ok(())
}
