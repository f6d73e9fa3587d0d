//! Export of a recorded run for Wireshark: the NSS key log, and a pcapng capture in which each
//! connection is a synthetic TCP/IPv4 stream carrying the exact bytes that crossed the wire.
//!
//! The capture embeds the key log in a Decryption Secrets Block placed before the first packet,
//! so Wireshark (and `tshark`) open it already decrypted, with no setting to change.
//!
//! The framing is made up — the lab's wire is an in-memory queue, not a network — but it is
//! consistent: a three-way handshake opens each connection just before its first flight,
//! sequence and acknowledgement numbers count every byte, flights are cut into segments of at
//! most [`MSS`] bytes, the receiver acknowledges each flight, and a FIN exchange closes the
//! stream right after its last flight. TLS connections go to port [`SERVER_PORT`], plain HTTP
//! ones to [`HTTP_PORT`]; an attacker's replay is a stream of its own from [`ATTACKER_IP`]. Lab
//! events (the clock moving, a transport dropped) carry no bytes and make no packet.
//!
//! Times come from the lab clock, never the system's: each packet is stamped with the lab clock
//! of its step, or [`PACKET_GAP_MICROS`] after the packet before it if that is later, so packets
//! keep their order (the lab clock counts whole seconds; a connection usually fits in one).
//!
//! Everything is built in memory (no I/O), so the page can offer the files as downloads.

use std::borrow::Cow;
use std::collections::btree_map::{BTreeMap, Entry};

use etherparse::{IpHeaders, Ipv4Header, PacketBuilder, TcpHeader, TcpOptionElement};
use pcap_parser::{
    DecryptionSecretsBlock, EnhancedPacketBlock, InterfaceDescriptionBlock, Linktype, OptionCode,
    PcapNGOption, SecretsType, SectionHeaderBlock, ToVec, BOM_MAGIC, DSB_MAGIC, EPB_MAGIC,
    IDB_MAGIC, SHB_MAGIC,
};

use crate::engine::{Run, Side, Step};
use crate::view::hex;
use crate::Error;

/// The client's IPv4 address in the capture.
pub const CLIENT_IP: [u8; 4] = [10, 0, 0, 1];
/// The server's IPv4 address in the capture.
pub const SERVER_IP: [u8; 4] = [10, 0, 0, 2];
/// The address an attacker replays a flight from, in its own TCP stream.
pub const ATTACKER_IP: [u8; 4] = [10, 0, 0, 66];
/// The server's TCP port for TLS: HTTPS.
pub const SERVER_PORT: u16 = 443;
/// The server's TCP port for a plain (unencrypted) HTTP connection.
pub const HTTP_PORT: u16 = 80;
/// Connection `n` (1-based) uses client port `CLIENT_PORT_BASE + n`.
pub const CLIENT_PORT_BASE: u16 = 50_000;
/// The largest TCP payload of one segment: Ethernet's 1500-byte MTU less 40 bytes of IPv4 and
/// TCP headers. Both sides announce it in their SYN.
pub const MSS: usize = 1460;
/// The least time between two packets, in microseconds, so packets keep their order.
pub const PACKET_GAP_MICROS: u64 = 1_000;

/// Locally administered MAC addresses: the Ethernet header is synthetic too.
const CLIENT_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];
const SERVER_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];
const ATTACKER_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x42];
/// A typical initial receive window (no window scaling is negotiated).
const WINDOW: u16 = 64_240;
const TTL: u8 = 64;
/// The pcapng secrets type of a TLS key log: ASCII "TLSK".
const SECRETS_TYPE_TLS_KEY_LOG: u32 = 0x544c_534b;
/// Time resolution of the interface: 10^-6 s, pcapng's default.
const TS_RESOLUTION_MICROS: u8 = 6;

/// The run's key log in NSS format: one `LABEL <client_random hex> <secret hex>` line per
/// secret, in the order rustls logged them, each line ending in a newline.
pub fn key_log(run: &Run) -> String {
    run.key_log
        .iter()
        .map(|entry| {
            format!(
                "{} {} {}\n",
                entry.label,
                hex(&entry.client_random),
                hex(&entry.secret)
            )
        })
        .collect()
}

/// The client's TCP port for connection `connection` (1-based).
pub fn client_port(connection: usize) -> Result<u16, Error> {
    u16::try_from(connection)
        .ok()
        .and_then(|n| CLIENT_PORT_BASE.checked_add(n))
        .ok_or_else(|| export_error(format!("connection {connection} has no client port left")))
}

/// The whole run as a pcapng capture: a section header, one Ethernet interface, the key log in
/// a Decryption Secrets Block (left out when the run logged no secret, e.g. plain HTTP only),
/// then every packet of every stream, in order.
pub fn pcapng(run: &Run) -> Result<Vec<u8>, Error> {
    let packets = packets(run)?;
    let mut out = section_header()?;
    out.extend(interface_description()?);
    let secrets = key_log(run);
    if !secrets.is_empty() {
        out.extend(decryption_secrets(secrets.as_bytes())?);
    }
    for packet in &packets {
        out.extend(enhanced_packet(packet)?);
    }
    Ok(out)
}

/// One synthetic Ethernet frame and when it was "captured".
#[derive(Clone, Debug, PartialEq, Eq)]
struct Packet {
    /// Microseconds since the Unix epoch.
    micros: u64,
    /// The Ethernet frame.
    frame: Vec<u8>,
}

/// Which TCP stream a flight travels on: its connection, or an attacker's replay of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct StreamKey {
    connection: usize,
    replay: bool,
}

impl StreamKey {
    /// The stream of `step`, if it is a flight (lab events carry no bytes and make no packet).
    fn of(step: &Step) -> Option<Self> {
        let flight = !step.bytes.is_empty() && matches!(step.from, Side::Client | Side::Server);
        flight.then_some(Self {
            connection: step.connection,
            replay: step.replay,
        })
    }
}

/// Every packet of the run, in step order. Each connection is its own TCP stream, opened just
/// before its first flight and closed just after its last; an attacker's replay is a stream of
/// its own, from [`ATTACKER_IP`].
fn packets(run: &Run) -> Result<Vec<Packet>, Error> {
    let mut last_flight = BTreeMap::new();
    for (index, step) in run.steps.iter().enumerate() {
        if let Some(key) = StreamKey::of(step) {
            last_flight.insert(key, index);
        }
    }
    let mut framer = Framer::default();
    let mut streams: BTreeMap<StreamKey, Stream> = BTreeMap::new();
    for (index, step) in run.steps.iter().enumerate() {
        let Some(key) = StreamKey::of(step) else {
            continue;
        };
        framer.clock_micros = micros(step.clock);
        let stream = match streams.entry(key) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => {
                let stream = entry.insert(Stream::new(key, step.plain)?);
                framer.open(stream)?;
                stream
            }
        };
        framer.flight(stream, step.from, &step.bytes)?;
        let sent_close = match step.from {
            Side::Client => step.client.sent_close,
            _ => step.server.sent_close,
        };
        if sent_close && stream.closer.is_none() {
            stream.closer = Some(step.from);
        }
        if last_flight.get(&key) == Some(&index) {
            framer.close(stream)?;
        }
    }
    Ok(framer.out)
}

/// One TCP stream's addresses and state.
struct Stream {
    client_ip: [u8; 4],
    client_mac: [u8; 6],
    client_port: u16,
    server_port: u16,
    /// The next sequence number each side will send: `[client, server]`.
    next_seq: [u32; 2],
    /// The side that sent close_notify first: it closes the stream first.
    closer: Option<Side>,
}

impl Stream {
    fn new(key: StreamKey, plain: bool) -> Result<Self, Error> {
        // Fixed initial sequence numbers, distinct per stream: the capture is reproducible.
        let n = u32::try_from(key.connection)
            .unwrap_or(u32::MAX)
            .wrapping_mul(0x1000_0000)
            .wrapping_add(if key.replay { 0x0400_0000 } else { 0 });
        let (client_ip, client_mac) = if key.replay {
            (ATTACKER_IP, ATTACKER_MAC)
        } else {
            (CLIENT_IP, CLIENT_MAC)
        };
        Ok(Self {
            client_ip,
            client_mac,
            client_port: client_port(key.connection)?,
            server_port: if plain { HTTP_PORT } else { SERVER_PORT },
            next_seq: [n.wrapping_add(0x0100_0000), n.wrapping_add(0x0800_0000)],
            closer: None,
        })
    }
}

/// Makes packets: the TCP moves of every stream, stamped and in order.
#[derive(Default)]
struct Framer {
    out: Vec<Packet>,
    /// Each host's IPv4 identification counter.
    ip_ids: BTreeMap<[u8; 4], u16>,
    /// The lab clock of the step being framed, in microseconds.
    clock_micros: u64,
}

/// What a segment carries besides its payload.
#[derive(Clone, Copy, Default)]
struct Flags {
    syn: bool,
    ack: bool,
    psh: bool,
    fin: bool,
}

const ACK: Flags = Flags {
    syn: false,
    ack: true,
    psh: false,
    fin: false,
};

impl Framer {
    /// The three-way handshake.
    fn open(&mut self, stream: &mut Stream) -> Result<(), Error> {
        let syn = Flags {
            syn: true,
            ..Flags::default()
        };
        self.segment(stream, Side::Client, syn, &[])?;
        self.segment(stream, Side::Server, Flags { ack: true, ..syn }, &[])?;
        self.segment(stream, Side::Client, ACK, &[])
    }

    /// A flight cut into segments of at most [`MSS`] bytes, the last one pushed, then the
    /// receiver's acknowledgement.
    fn flight(&mut self, stream: &mut Stream, from: Side, bytes: &[u8]) -> Result<(), Error> {
        let count = bytes.len().div_ceil(MSS);
        for (i, chunk) in bytes.chunks(MSS).enumerate() {
            let psh = i + 1 == count;
            self.segment(stream, from, Flags { psh, ..ACK }, chunk)?;
        }
        self.segment(stream, from.peer(), ACK, &[])
    }

    /// FIN from the side that closed TLS first (the client if neither did), FIN back, ACK.
    fn close(&mut self, stream: &mut Stream) -> Result<(), Error> {
        let closer = stream.closer.unwrap_or(Side::Client);
        let fin = Flags { fin: true, ..ACK };
        self.segment(stream, closer, fin, &[])?;
        self.segment(stream, closer.peer(), fin, &[])?;
        self.segment(stream, closer, ACK, &[])
    }

    /// Builds one segment from `from`, advances its sequence number and records the packet.
    fn segment(
        &mut self,
        stream: &mut Stream,
        from: Side,
        flags: Flags,
        payload: &[u8],
    ) -> Result<(), Error> {
        let (me, peer) = index(from);
        let client = (stream.client_ip, stream.client_mac, stream.client_port);
        let server = (SERVER_IP, SERVER_MAC, stream.server_port);
        let ((src_ip, src_mac, src_port), (dst_ip, dst_mac, dst_port)) = match from {
            Side::Client => (client, server),
            _ => (server, client),
        };

        let mut tcp = TcpHeader::new(src_port, dst_port, stream.next_seq[me], WINDOW);
        tcp.syn = flags.syn;
        tcp.fin = flags.fin;
        tcp.psh = flags.psh;
        if flags.ack {
            tcp.ack = true;
            tcp.acknowledgment_number = stream.next_seq[peer];
        }
        if flags.syn {
            let mss = u16::try_from(MSS).map_err(|err| export_error(err.to_string()))?;
            tcp.set_options(&[TcpOptionElement::MaximumSegmentSize(mss)])
                .map_err(|err| export_error(err.to_string()))?;
        }
        let ip_id = self.ip_ids.entry(src_ip).or_default();
        let ip = Ipv4Header {
            identification: *ip_id,
            dont_fragment: true,
            time_to_live: TTL,
            source: src_ip,
            destination: dst_ip,
            ..Ipv4Header::default()
        };
        *ip_id = ip_id.wrapping_add(1);

        let builder = PacketBuilder::ethernet2(src_mac, dst_mac)
            .ip(IpHeaders::Ipv4(ip, Default::default()))
            .tcp_header(tcp);
        let mut frame = Vec::with_capacity(builder.size(payload.len()));
        builder
            .write_to_vec(&mut frame, payload)
            .map_err(|err| export_error(err.to_string()))?;

        // SYN and FIN each take one sequence number, like a byte of data.
        let consumed = payload.len() + usize::from(flags.syn) + usize::from(flags.fin);
        let consumed = u32::try_from(consumed).map_err(|err| export_error(err.to_string()))?;
        stream.next_seq[me] = stream.next_seq[me].wrapping_add(consumed);

        let micros = self.out.last().map_or(self.clock_micros, |prev| {
            self.clock_micros.max(prev.micros + PACKET_GAP_MICROS)
        });
        self.out.push(Packet { micros, frame });
        Ok(())
    }
}

/// `(own, peer)` indices into a stream's per-side arrays; only the endpoints send segments.
fn index(side: Side) -> (usize, usize) {
    match side {
        Side::Client => (0, 1),
        _ => (1, 0),
    }
}

fn micros(clock_seconds: u64) -> u64 {
    clock_seconds.saturating_mul(1_000_000)
}

/// Export can only fail on a value no run produces (a port or length out of range, a packet
/// too large to frame): a bug, reported like the other in-memory failures of the engine.
fn export_error(message: String) -> Error {
    Error::Wire(std::io::Error::other(format!(
        "exporting the capture failed: {message}"
    )))
}

/// Maps a `ToVec` (cookie-factory) serialisation failure, which writing to a `Vec` never hits.
fn serialized<E: std::fmt::Display>(result: Result<Vec<u8>, E>) -> Result<Vec<u8>, Error> {
    result.map_err(|err| export_error(format!("pcapng serialisation: {err}")))
}

fn option(code: OptionCode, value: &[u8]) -> Result<PcapNGOption<'_>, Error> {
    Ok(PcapNGOption {
        code,
        len: u16::try_from(value.len()).map_err(|err| export_error(err.to_string()))?,
        value: Cow::Borrowed(value),
    })
}

/// Little-endian section header naming the application that wrote the file.
fn section_header() -> Result<Vec<u8>, Error> {
    let application = concat!("Session Lab ", env!("CARGO_PKG_VERSION"));
    let mut block = SectionHeaderBlock {
        block_type: SHB_MAGIC,
        block_len1: 0,
        bom: BOM_MAGIC,
        major_version: 1,
        minor_version: 0,
        section_len: -1,
        options: vec![option(OptionCode::ShbUserAppl, application.as_bytes())?],
        block_len2: 0,
    };
    serialized(block.to_vec())
}

/// The one interface: Ethernet, microsecond timestamps.
fn interface_description() -> Result<Vec<u8>, Error> {
    let mut block = InterfaceDescriptionBlock {
        block_type: IDB_MAGIC,
        block_len1: 0,
        linktype: Linktype::ETHERNET,
        reserved: 0,
        snaplen: 0,
        options: vec![option(OptionCode::IfName, b"Session Lab in-memory wire")?],
        block_len2: 0,
        if_tsresol: TS_RESOLUTION_MICROS,
        if_tsoffset: 0,
    };
    serialized(block.to_vec())
}

/// The key log as a Decryption Secrets Block (pcapng spec, block type 0x0000000A).
fn decryption_secrets(key_log: &[u8]) -> Result<Vec<u8>, Error> {
    let mut block = DecryptionSecretsBlock {
        block_type: DSB_MAGIC,
        block_len1: 0,
        secrets_type: SecretsType(SECRETS_TYPE_TLS_KEY_LOG),
        // `ToVec::fix` sets the block lengths but not this one.
        secrets_len: u32::try_from(key_log.len()).map_err(|err| export_error(err.to_string()))?,
        data: key_log,
        options: Vec::new(),
        block_len2: 0,
    };
    serialized(block.to_vec())
}

fn enhanced_packet(packet: &Packet) -> Result<Vec<u8>, Error> {
    let len = u32::try_from(packet.frame.len()).map_err(|err| export_error(err.to_string()))?;
    let mut block = EnhancedPacketBlock {
        block_type: EPB_MAGIC,
        block_len1: 0,
        if_id: 0,
        // Both halves fit by construction: the shift and the mask leave 32 bits each.
        ts_high: u32::try_from(packet.micros >> 32).unwrap_or(u32::MAX),
        ts_low: u32::try_from(packet.micros & 0xffff_ffff).unwrap_or(u32::MAX),
        caplen: len,
        origlen: len,
        data: &packet.frame,
        options: Vec::new(),
        block_len2: 0,
    };
    serialized(block.to_vec())
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use etherparse::{NetSlice, SlicedPacket, TransportSlice};
    use pcap_parser::{Block, PcapBlockOwned, PcapNGSlice};

    use super::*;
    use crate::engine::Outcome;
    use crate::keys::KeyLogEntry;
    use crate::tls::EndpointState;
    use crate::{Lab, Options};

    /// One TCP segment read back from a capture.
    #[derive(Debug)]
    struct Segment {
        micros: u64,
        /// The client's (or attacker's) address and port: which stream.
        client: ([u8; 4], u16),
        server_port: u16,
        from: Side,
        seq: u32,
        ack: Option<u32>,
        syn: bool,
        fin: bool,
        psh: bool,
        payload: Vec<u8>,
    }

    /// What a capture holds, read back with pcap-parser and etherparse.
    struct Capture {
        magics: Vec<u32>,
        secrets: Vec<(u32, Vec<u8>)>,
        segments: Vec<Segment>,
    }

    fn read_back(bytes: &[u8]) -> Capture {
        let mut capture = Capture {
            magics: Vec::new(),
            secrets: Vec::new(),
            segments: Vec::new(),
        };
        for block in PcapNGSlice::from_slice(bytes).expect("a section header first") {
            let PcapBlockOwned::NG(block) = block.expect("a well-formed block") else {
                panic!("a legacy pcap block in a pcapng");
            };
            capture.magics.push(block.magic());
            match block {
                Block::DecryptionSecrets(dsb) => {
                    let len = dsb.secrets_len as usize;
                    capture
                        .secrets
                        .push((dsb.secrets_type.0, dsb.data[..len].to_vec()));
                }
                Block::EnhancedPacket(epb) => {
                    assert_eq!(epb.caplen, epb.origlen);
                    let micros = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
                    let frame = &epb.data[..epb.caplen as usize];
                    capture.segments.push(segment(micros, frame));
                }
                _ => {}
            }
        }
        capture
    }

    fn segment(micros: u64, frame: &[u8]) -> Segment {
        let packet = SlicedPacket::from_ethernet(frame).expect("an Ethernet frame");
        let Some(NetSlice::Ipv4(ip)) = packet.net else {
            panic!("not IPv4");
        };
        let Some(TransportSlice::Tcp(tcp)) = packet.transport else {
            panic!("not TCP");
        };
        let header = ip.header();
        let (src, dst) = (header.source(), header.destination());
        assert_eq!(
            header.header_checksum(),
            header.to_header().calc_header_checksum()
        );
        assert_eq!(
            tcp.checksum(),
            tcp.calc_checksum_ipv4(src, dst).expect("a small segment")
        );
        let (from, client, server_port) = if dst == SERVER_IP {
            assert!(src == CLIENT_IP || src == ATTACKER_IP);
            (
                Side::Client,
                (src, tcp.source_port()),
                tcp.destination_port(),
            )
        } else {
            assert_eq!(src, SERVER_IP);
            (
                Side::Server,
                (dst, tcp.destination_port()),
                tcp.source_port(),
            )
        };
        Segment {
            micros,
            client,
            server_port,
            from,
            seq: tcp.sequence_number(),
            ack: tcp.ack().then(|| tcp.acknowledgment_number()),
            syn: tcp.syn(),
            fin: tcp.fin(),
            psh: tcp.psh(),
            payload: tcp.payload().to_vec(),
        }
    }

    /// The stream a flight should travel on: (client address, client port), server port.
    fn stream_of(step: &Step) -> (([u8; 4], u16), u16) {
        let ip = if step.replay { ATTACKER_IP } else { CLIENT_IP };
        let port = client_port(step.connection).expect("a port");
        let server_port = if step.plain { HTTP_PORT } else { SERVER_PORT };
        ((ip, port), server_port)
    }

    fn is_flight(step: &Step) -> bool {
        !step.bytes.is_empty() && step.from != Side::Lab
    }

    /// Replays each stream's TCP state and checks it against the run: handshake first, every
    /// sequence and acknowledgement number exact, payloads within the MSS and equal to the
    /// flights, both FINs acknowledged at the end.
    fn check_streams(run: &Run, segments: &[Segment]) {
        let mut expected: Vec<_> = run
            .steps
            .iter()
            .filter(|s| is_flight(s))
            .map(stream_of)
            .collect();
        expected.sort();
        expected.dedup();
        let mut seen: Vec<_> = segments.iter().map(|s| (s.client, s.server_port)).collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen, expected, "one stream per connection or replay");

        for (client, server_port) in expected {
            let stream: Vec<&Segment> = segments.iter().filter(|s| s.client == client).collect();
            assert!(stream.iter().all(|s| s.server_port == server_port));
            let (syn, syn_ack) = (stream[0], stream[1]);
            assert!(syn.syn && syn.ack.is_none() && syn.from == Side::Client);
            assert!(syn_ack.syn && syn_ack.from == Side::Server);
            assert_eq!(syn_ack.ack, Some(syn.seq.wrapping_add(1)));
            let mut next = [syn.seq.wrapping_add(1), syn_ack.seq.wrapping_add(1)];
            let mut bytes = [Vec::new(), Vec::new()];
            let mut fins = [0, 0];
            for seg in &stream[2..] {
                let (me, peer) = index(seg.from);
                assert!(!seg.syn);
                assert_eq!(seg.seq, next[me], "sequence number of {seg:?}");
                assert_eq!(seg.ack, Some(next[peer]), "acknowledgement of {seg:?}");
                assert!(seg.payload.len() <= MSS);
                if fins[me] > 0 {
                    assert!(
                        seg.payload.is_empty() && !seg.fin,
                        "data or FIN after a FIN"
                    );
                }
                bytes[me].extend_from_slice(&seg.payload);
                fins[me] += usize::from(seg.fin);
                next[me] = next[me].wrapping_add(seg.payload.len() as u32 + u32::from(seg.fin));
            }
            assert_eq!(fins, [1, 1], "each side closes once");
            let last = stream.last().expect("segments");
            assert!(last.payload.is_empty() && !last.fin && last.ack.is_some());

            for side in [Side::Client, Side::Server] {
                let sent: Vec<u8> = run
                    .steps
                    .iter()
                    .filter(|s| is_flight(s) && s.from == side && stream_of(s).0 == client)
                    .flat_map(|s| s.bytes.iter().copied())
                    .collect();
                assert_eq!(bytes[index(side).0], sent, "{side:?}'s bytes to {client:?}");
            }
        }

        for pair in segments.windows(2) {
            assert!(
                pair[0].micros < pair[1].micros,
                "timestamps strictly increase"
            );
        }
    }

    fn default_lab() -> &'static Lab {
        static LAB: OnceLock<Lab> = OnceLock::new();
        LAB.get_or_init(|| Lab::new(Options::default()).expect("a lab"))
    }

    /// A made-up step: a real one (so every other field is plausible) with these values.
    fn step(connection: usize, from: Side, bytes: Vec<u8>, clock: u64) -> Step {
        let template = default_lab().run().steps[0].clone();
        Step {
            connection,
            from,
            bytes,
            plain: false,
            replay: false,
            outcome: if from == Side::Lab {
                Outcome::Event
            } else {
                Outcome::Delivered
            },
            client: EndpointState::default(),
            server: EndpointState::default(),
            clock,
            ..template
        }
    }

    /// Two connections, a flight longer than two segments, a lab event, a replay interleaved
    /// with its genuine connection, a plain HTTP connection, and a server that closes first.
    fn synthetic_run() -> Run {
        let mut server_closes = step(2, Side::Server, vec![21; 31], 5_000);
        server_closes.server.sent_close = true;
        let replayed = |from, bytes| Step {
            replay: true,
            ..step(2, from, bytes, 5_000)
        };
        let plain = |from, bytes| Step {
            plain: true,
            ..step(3, from, bytes, 5_010)
        };
        Run {
            steps: vec![
                step(0, Side::Lab, Vec::new(), 1_000),
                step(1, Side::Client, vec![1; 300], 1_000),
                step(
                    1,
                    Side::Server,
                    (0..3000).map(|i| (i % 251) as u8).collect(),
                    1_000,
                ),
                step(1, Side::Client, vec![3; 80], 1_000),
                step(1, Side::Lab, Vec::new(), 5_000),
                step(2, Side::Client, vec![4; 200], 5_000),
                replayed(Side::Client, vec![4; 200]),
                replayed(Side::Server, vec![5; 90]),
                step(2, Side::Server, vec![6; 120], 5_000),
                server_closes,
                step(2, Side::Client, vec![21; 31], 5_000),
                plain(Side::Client, b"GET / HTTP/1.1\r\n\r\n".to_vec()),
                plain(Side::Server, b"HTTP/1.1 200 OK\r\n\r\n".to_vec()),
            ],
            key_log: vec![
                KeyLogEntry {
                    label: "CLIENT_RANDOM".to_owned(),
                    client_random: vec![0xab; 32],
                    secret: vec![0x01, 0xff],
                },
                KeyLogEntry {
                    label: "EXPORTER_SECRET".to_owned(),
                    client_random: vec![0x00; 32],
                    secret: vec![0x10],
                },
            ],
            dashboard_requests: 0,
        }
    }

    fn stream(capture: &Capture, ip: [u8; 4], port: u16) -> Vec<&Segment> {
        capture
            .segments
            .iter()
            .filter(|s| s.client == (ip, port))
            .collect()
    }

    fn closing(stream: &[&Segment]) -> Vec<(Side, bool)> {
        stream[stream.len() - 3..]
            .iter()
            .map(|s| (s.from, s.fin))
            .collect()
    }

    #[test]
    fn key_log_has_one_nss_line_per_secret() {
        let expected = format!(
            "CLIENT_RANDOM {} 01ff\nEXPORTER_SECRET {} 10\n",
            "ab".repeat(32),
            "00".repeat(32)
        );
        assert_eq!(key_log(&synthetic_run()), expected);
        let empty = Run {
            steps: Vec::new(),
            key_log: Vec::new(),
            dashboard_requests: 0,
        };
        assert_eq!(key_log(&empty), "");
    }

    #[test]
    fn capture_puts_the_key_log_before_the_packets() {
        let run = synthetic_run();
        let capture = read_back(&pcapng(&run).expect("a capture"));
        assert_eq!(capture.magics[..3], [SHB_MAGIC, IDB_MAGIC, DSB_MAGIC]);
        assert!(capture.magics[3..].iter().all(|&m| m == EPB_MAGIC));
        assert_eq!(capture.magics.len(), 3 + capture.segments.len());
        assert_eq!(
            capture.secrets,
            [(SECRETS_TYPE_TLS_KEY_LOG, key_log(&run).into_bytes())]
        );
    }

    #[test]
    fn synthetic_run_frames_every_byte_with_consistent_tcp() {
        let run = synthetic_run();
        let capture = read_back(&pcapng(&run).expect("a capture"));
        check_streams(&run, &capture.segments);

        // The 3000-byte flight is cut at the MSS, and only its last segment is pushed.
        let first = stream(&capture, CLIENT_IP, 50_001);
        let server_data: Vec<(usize, bool)> = first
            .iter()
            .filter(|s| s.from == Side::Server && !s.payload.is_empty())
            .map(|s| (s.payload.len(), s.psh))
            .collect();
        assert_eq!(server_data, [(1460, false), (1460, false), (80, true)]);

        // Three-way handshake, then per flight its segments and one ACK, then FIN, FIN, ACK;
        // lab events add nothing.
        assert_eq!(first.len(), 3 + (1 + 1) + (3 + 1) + (1 + 1) + 3);
        assert_eq!(
            closing(&first),
            [
                (Side::Client, true),
                (Side::Server, true),
                (Side::Client, false)
            ]
        );

        // In the second connection the server sent close_notify first, so it closes first.
        let second = stream(&capture, CLIENT_IP, 50_002);
        assert_eq!(
            closing(&second),
            [
                (Side::Server, true),
                (Side::Client, true),
                (Side::Server, false)
            ]
        );

        // The replay is its own stream from the attacker, opened and closed while the genuine
        // connection is still open.
        let replay = stream(&capture, ATTACKER_IP, 50_002);
        assert_eq!(replay.len(), 3 + (1 + 1) + (1 + 1) + 3);
        assert!(second[0].micros < replay[0].micros);
        assert!(replay[replay.len() - 1].micros < second[second.len() - 1].micros);

        // Plain HTTP goes to port 80.
        let plain = stream(&capture, CLIENT_IP, 50_003);
        assert!(plain.iter().all(|s| s.server_port == HTTP_PORT));
        assert!(second.iter().all(|s| s.server_port == SERVER_PORT));
    }

    #[test]
    fn timestamps_come_from_the_lab_clock() {
        let run = synthetic_run();
        let capture = read_back(&pcapng(&run).expect("a capture"));
        let seconds = |port: u16| -> Vec<u64> {
            stream(&capture, CLIENT_IP, port)
                .iter()
                .map(|s| s.micros / 1_000_000)
                .collect()
        };
        // A connection of a dozen packets stays within a second of its clock.
        assert!(seconds(50_001).iter().all(|&s| s == 1_000));
        assert!(seconds(50_002).iter().all(|&s| s == 5_000));
        assert_eq!(seconds(50_003)[0], 5_010);
        let first = &capture.segments[0];
        assert_eq!(first.micros, 1_000_000_000);
        assert_eq!(capture.segments[1].micros - first.micros, PACKET_GAP_MICROS);
    }

    #[test]
    fn a_run_without_flights_or_secrets_is_an_empty_capture() {
        let run = Run {
            steps: vec![step(0, Side::Lab, Vec::new(), 1_000)],
            key_log: Vec::new(),
            dashboard_requests: 0,
        };
        let capture = read_back(&pcapng(&run).expect("a capture"));
        assert_eq!(capture.magics, [SHB_MAGIC, IDB_MAGIC]);
    }

    #[test]
    fn live_run_capture_carries_every_flight() {
        let run = default_lab().run();
        let capture = read_back(&pcapng(run).expect("a capture"));
        check_streams(run, &capture.segments);
        assert_eq!(
            capture.secrets,
            [(SECRETS_TYPE_TLS_KEY_LOG, key_log(run).into_bytes())]
        );
        let lines = key_log(run);
        assert_eq!(lines.lines().count(), run.key_log.len());
        assert!(lines
            .lines()
            .all(|line| line.split(' ').count() == 3 && line.starts_with(char::is_uppercase)));
    }
}
