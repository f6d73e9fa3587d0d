//! Browser tests live under `tests/`.
