//! The TLS stack alone, for the size budget: a wasm module that does nothing but what every
//! page running rustls must, an in-memory handshake between a rustls client and server (TLS 1.3
//! or 1.2, ECDSA P-256 chain checked by webpki, ring's provider) and one application record
//! each way. `cargo xtask bench` builds it with the page's profile and tools (release,
//! wasm-bindgen, `wasm-opt -Oz`) and reports its gzip size beside the page's download: the
//! floor under any page that runs rustls, whatever else it does. The lab itself is not linked.
//!
//! The certificates beside this file were made once with OpenSSL (valid until 2036):
//!
//! ```text
//! openssl ecparam -name prime256v1 -genkey -noout -out ca.key
//! openssl req -x509 -new -key ca.key -sha256 -days 3650 -subj "/CN=Session Lab TLS floor CA" -out ca.pem
//! openssl ecparam -name prime256v1 -genkey -noout -out leaf.key
//! openssl req -new -key leaf.key -subj "/CN=mybank.example" -out leaf.csr
//! printf 'subjectAltName=DNS:mybank.example\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > ext.cnf
//! openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 -sha256 -extfile ext.cnf -out leaf.pem
//! openssl x509 -in ca.pem -outform der -out ca.der
//! openssl x509 -in leaf.pem -outform der -out leaf.der
//! openssl pkcs8 -topk8 -nocrypt -in leaf.key -outform der -out leaf.key.der
//! ```

use std::io::{Read, Write};
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::{
    ClientConfig, ClientConnection, Connection, RootCertStore, ServerConfig, ServerConnection,
};

const CA: &[u8] = include_bytes!("ca.der");
const LEAF: &[u8] = include_bytes!("leaf.der");
const LEAF_KEY: &[u8] = include_bytes!("leaf.key.der");

const REQUEST: &[u8] = b"GET /dashboard HTTP/1.1\r\nHost: mybank.example\r\n\r\n";
const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

/// Runs the handshake (TLS 1.2 if `tls12` is not 0, else TLS 1.3) and one record each way;
/// returns the application bytes both sides received, or 0 if anything failed. The export
/// keeps the whole exchange in the module.
#[no_mangle]
pub extern "C" fn tls_floor_handshake(tls12: u32) -> u32 {
    exchange(tls12 != 0)
        .ok()
        .and_then(|received| u32::try_from(received).ok())
        .unwrap_or(0)
}

/// The exchange, with every failure as a rustls error (I/O on in-memory buffers included).
fn exchange(tls12: bool) -> Result<usize, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let versions: &[&rustls::SupportedProtocolVersion] = if tls12 {
        &[&rustls::version::TLS12]
    } else {
        &[&rustls::version::TLS13]
    };
    let mut roots = RootCertStore::empty();
    roots.add(CertificateDer::from(CA))?;
    let client_config = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let server_config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)?
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(LEAF)],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(LEAF_KEY)),
        )?;
    let name = ServerName::try_from("mybank.example").map_err(|_| general("server name"))?;
    let mut client = Connection::from(ClientConnection::new(Arc::new(client_config), name)?);
    let mut server = Connection::from(ServerConnection::new(Arc::new(server_config))?);

    while client.is_handshaking() || server.is_handshaking() {
        let moved = transfer(&mut client, &mut server)? + transfer(&mut server, &mut client)?;
        if moved == 0 {
            return Err(general("the handshake stalled"));
        }
    }
    client
        .writer()
        .write_all(REQUEST)
        .map_err(|_| general("client write"))?;
    transfer(&mut client, &mut server)?;
    let mut request = Vec::new();
    read_available(&mut server, &mut request)?;
    server
        .writer()
        .write_all(RESPONSE)
        .map_err(|_| general("server write"))?;
    transfer(&mut server, &mut client)?;
    let mut response = Vec::new();
    read_available(&mut client, &mut response)?;
    Ok(request.len() + response.len())
}

/// Moves everything `from` wants to send into `to` and lets `to` process it; returns the bytes
/// moved.
fn transfer(from: &mut Connection, to: &mut Connection) -> Result<usize, rustls::Error> {
    let mut wire = Vec::new();
    while from.wants_write() {
        from.write_tls(&mut wire)
            .map_err(|_| general("write_tls"))?;
    }
    let mut unread = &wire[..];
    while !unread.is_empty() {
        to.read_tls(&mut unread).map_err(|_| general("read_tls"))?;
        to.process_new_packets()?;
    }
    Ok(wire.len())
}

/// Reads the plaintext `connection` has received so far.
fn read_available(connection: &mut Connection, into: &mut Vec<u8>) -> Result<(), rustls::Error> {
    match connection.reader().read_to_end(into) {
        Ok(_) => Ok(()),
        // No close_notify yet: everything received so far has been read.
        Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => Ok(()),
        Err(_) => Err(general("read")),
    }
}

fn general(what: &str) -> rustls::Error {
    rustls::Error::General(what.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tls13_exchange_carries_the_request_and_the_response() {
        assert_eq!(
            tls_floor_handshake(0) as usize,
            REQUEST.len() + RESPONSE.len()
        );
    }

    #[test]
    fn a_tls12_exchange_carries_the_request_and_the_response() {
        assert_eq!(
            tls_floor_handshake(1) as usize,
            REQUEST.len() + RESPONSE.len()
        );
    }
}
