//! Session Lab's core: a real rustls client and server joined by an in-memory wire, driven by a
//! script of actions, with every flight recorded and turned into view data for the page.
//!
//! Nothing here performs I/O or reads the system clock: time comes from [`clock::LabClock`],
//! randomness from the crypto provider. Only the `wasm` module (compiled for wasm32 alone) names
//! wasm-bindgen.

pub mod analysis;
// In the browser, only the Measure build carries the benchmark drivers (see the crate's
// `measure` feature).
#[cfg(any(not(target_arch = "wasm32"), feature = "measure"))]
pub mod bench;
pub mod chapters;
pub mod clock;
pub mod compare;
pub mod dissect;
pub mod engine;
pub mod error;
pub mod export;
pub mod http;
pub mod keys;
pub mod observe;
pub mod options;
pub mod pki;
pub mod records;
pub mod tls;
pub mod view;
#[cfg(target_arch = "wasm32")]
pub mod wasm;
pub mod wire;
pub mod wrapping;

pub use engine::Lab;
pub use error::Error;
pub use options::Options;
