//! Prints a fresh run's whole view data as JSON: exactly what the page renders, every step in
//! full.
//!
//! `cargo run -p sessionlab --example dump [tls13|tls12] [chapter]`

use sessionlab::options::TlsVersion;
use sessionlab::view::full_view;
use sessionlab::{Lab, Options};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let version = match args.next().as_deref() {
        Some("tls12") => TlsVersion::Tls12,
        _ => TlsVersion::Tls13,
    };
    let chapter = args.next().unwrap_or_else(|| "whole-session".to_owned());
    let lab = Lab::with_chapter(Options::for_version(version), &chapter)?;
    println!("{}", serde_json::to_string_pretty(&full_view(&lab))?);
    Ok(())
}
