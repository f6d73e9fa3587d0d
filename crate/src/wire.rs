//! The in-memory wire between the two endpoints: one byte queue per direction.
//!
//! A flight is put on its sender's queue and taken off whole, so the engine sees exactly what
//! crossed. Interceptors (tampering, truncation, replay) act on a flight while it is on the wire.

use crate::engine::Side;

/// Two one-way byte queues: client → server and server → client.
#[derive(Debug, Default)]
pub struct Wire {
    client_to_server: Vec<u8>,
    server_to_client: Vec<u8>,
}

impl Wire {
    /// The queue `sender` writes into.
    pub fn queue_mut(&mut self, sender: Side) -> &mut Vec<u8> {
        match sender {
            Side::Client | Side::Lab => &mut self.client_to_server,
            Side::Server => &mut self.server_to_client,
        }
    }

    /// What `sender` has put on the wire so far.
    pub fn peek(&self, sender: Side) -> &[u8] {
        match sender {
            Side::Server => &self.server_to_client,
            Side::Client | Side::Lab => &self.client_to_server,
        }
    }

    /// Takes everything in `sender`'s queue off the wire.
    pub fn take(&mut self, sender: Side) -> Vec<u8> {
        std::mem::take(self.queue_mut(sender))
    }
}
