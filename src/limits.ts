// The documented caps (README "Reliability"): every place where a hostile peer or file could make
// tls-trace buffer, decode or print without bound has a named limit here. Hitting one is never an
// exception: the decoder or capture records a finding that says which cap was hit, and the trace
// shows everything up to it.
//
// Modules that need a cap import it from here (some re-export it under their own name).

/**
 * Largest record body accepted as well-formed: TLSCiphertext.length ≤ 2^14 + 2048 (RFC 5246
 * §6.2.3; RFC 8446 §5.2 allows 2^14 + 256). A longer record is flagged as malformed on its length
 * field; its bytes are still shown.
 */
export const MAX_RECORD_LENGTH = 2 ** 14 + 2048;

/**
 * Largest handshake message reassembled from records (256 KiB). A long real chain is ~30 KiB;
 * OpenSSL's client refuses certificate lists over 100 KiB. A message declaring more is flagged
 * ("more than the 262144-byte reassembly limit") and the rest of that direction's handshake bytes
 * are shown undecoded.
 */
export const MAX_HANDSHAKE_MESSAGE = 256 * 1024;

/**
 * Largest handshake message reassembled from an offline source (a pcap, a saved capture file):
 * the protocol's own maximum (uint24). Those inputs are already bounded by the file caps
 * (MAX_TCP_STREAM_BYTES_PER_DIRECTION per direction of a pcap, MAX_CAPTURE_FILE_BYTES for a capture
 * file), and a capture taken elsewhere may hold a chain larger than MAX_HANDSHAKE_MESSAGE that the
 * client there accepted. Chosen by src/decode/defragment.ts from `Capture.source`.
 */
export const MAX_HANDSHAKE_MESSAGE_OFFLINE = 2 ** 24 - 1;

/**
 * Bytes recorded per direction by a live capture (4 MiB). Past it the capture stops recording but
 * not the connection (the verdict is the handshake's); `Capture.truncated` says where it stopped.
 */
export const MAX_CAPTURE_BYTES_PER_DIRECTION = 4 * 1024 * 1024;

/**
 * Largest capture file `replay` reads (24 MiB). A `--save` of the most a live trace records (two
 * directions of 4 MiB, written as hex) is about 17 MiB; the file is read, parsed and its hex turned
 * into bytes, each a copy, so a 60 MB file peaked at 350 MB and a 24 MB one stays near 165 MB.
 */
export const MAX_CAPTURE_FILE_BYTES = 24 * 1024 * 1024;

/**
 * Records decoded per direction. What the record and message caps protect is memory per decoded
 * node: every record and every message becomes objects (header fields, a step, its JSON) costing
 * about a kilobyte whatever its size (32 768 of them: ~30 MB of heap once decoded and analysed),
 * so a peer must not get a node per 4 or 5 bytes of its 4 MiB. Bytes are already bounded by the
 * capture cap, so this count follows from it: 4 MiB / 256 = 16384, and any framing whose records
 * average 256 bytes or more reaches the byte cap first (a real handshake has fewer than 30
 * records). Past the cap the rest of the direction is one undecoded span saying tls-trace stopped
 * there (issue kind `limit`); a handshake message cut by it belongs to that span and is not shown
 * as cut short by the peer. Used by src/decode/record.ts, src/decode/direction-split.ts and src/decode/trace-notices.ts.
 */
export const MAX_RECORDS_PER_DIRECTION = MAX_CAPTURE_BYTES_PER_DIRECTION / 256;

/**
 * Messages per direction beyond one per decoded record. A record's first message rides on the
 * record's allowance above (so 4 MiB of 300-byte application-data records decodes in full); only
 * messages packed several to a record count here. Real stacks pack a handful (ServerHello …
 * ServerHelloDone, NewSessionTickets); zero-filled handshake records pack 4096 empty
 * "HelloRequests" each and stop here, so a flood costs no more than an ordinary 4 MiB.
 */
export const MAX_PACKED_MESSAGES_PER_DIRECTION = 2048;

/**
 * Largest decompressed certificate (RFC 8879 CompressedCertificate) tls-trace inflates (1 MiB;
 * real chains are under 30 KiB, and the declared uncompressed_length may say up to 16 MiB). The
 * decompressor is given the declared length as its maxOutputLength, so a compression bomb stops
 * there; a declared length over this cap is not inflated and is said as tls-trace's limit.
 */
export const MAX_DECOMPRESSED_CERTIFICATE_BYTES = 1024 * 1024;

/**
 * Certificates summarised (subject, issuer, key) per Certificate message in the trace. Real chains
 * have 2–5; the decoder still lists every entry's bytes, later entries say "not examined
 * (certificate cap)". Used by src/analyse/flights.ts. (`check`'s chain analysis has no cap of its
 * own: 3000 certificates take about a second, and the 256 KiB message cap bounds the count.)
 */
export const MAX_CERTIFICATES_PER_MESSAGE = 100;

/**
 * Largest single certificate summarised (64 KiB; real ones are 1–4 KiB, post-quantum ones up to
 * ~20 KiB). Larger entries are shown as bytes and reported, not parsed. Used by src/analyse/flights.ts.
 */
export const MAX_CERTIFICATE_BYTES = 64 * 1024;

/**
 * Deepest ASN.1 nesting parsed. node-forge's DER parser (src/analyse/certificates/der.ts) is
 * recursive; it is given this as its `maxDepth` and stops with "Max depth exceeded", which the
 * parser turns into a finding. Real certificates nest fewer than 12 levels.
 */
export const MAX_ASN1_DEPTH = 256;

// ---- STARTTLS (src/capture/starttls): the plaintext dialogue before TLS.

/**
 * Bytes of plaintext dialogue kept per connection, both directions together (64 KiB; an SMTP EHLO
 * answer with twenty capabilities is under 1 KiB, Dovecot's IMAP CAPABILITY about 300 bytes).
 * A server that says more before its go-ahead is stopped there: tls-trace's limit, said as such.
 */
export const MAX_STARTTLS_PROLOGUE_BYTES = 64 * 1024;

/**
 * Longest line (or MySQL/LDAP message) of a STARTTLS dialogue (8 KiB; RFC 5321 §4.5.3.1.5 allows
 * 512 bytes for an SMTP reply line, IMAP capability lines run to about 1 KiB).
 */
export const MAX_STARTTLS_LINE_BYTES = 8 * 1024;

/** Total wall-clock deadline of a trace (DNS + connect + handshake): default and ceiling, ms. */
export const DEFAULT_TIMEOUT_MS = 10_000;
export const MAX_TIMEOUT_MS = 600_000;

/**
 * Scan: probe timeouts in a row after which the server is taken to have stalled and the remaining
 * probes are not sent (the report then says its results are incomplete).
 */
export const SCAN_STALL_LIMIT = 16;

/** Scan findings: the longest evidence line, in characters (longer ones end in `…`). */
export const FINDING_DETAIL_CHARS = 300;
/** Scan findings: server bytes kept as evidence, at most (the rest is counted, not kept). */
export const FINDING_EVIDENCE_BYTES = 64;
/**
 * What a probe that goes past the first flight (Heartbleed, CCS injection) reads after its
 * follow-up, at most: an alert or a small heartbeat response fits many times over; a server that
 * sends more is not read further (4 KiB).
 */
export const SCAN_FOLLOW_UP_BYTES = 4096;

/**
 * Scan's session probes (resumption, renegotiation): bytes recorded per direction of one connection
 * (64 KiB: a handshake with a long chain and a few tickets fits; past it the connection carries on
 * unrecorded) and sessions kept from one connection (servers send 2 TLS 1.3 tickets by default).
 */
export const SCAN_SESSION_RECORD_BYTES = 64 * 1024;
export const SCAN_SESSION_MAX_SESSIONS = 4;

/**
 * A proxy's answer to CONNECT: the head (status line and header fields) tls-trace reads, in all
 * and per line (16 KiB / 4 KiB; tinyproxy's and squid's heads are under 300 bytes). Past either the
 * proxy is reported as answering with more than tls-trace reads (exit 12), never buffered further.
 */
export const MAX_PROXY_RESPONSE_BYTES = 16 * 1024;
export const MAX_PROXY_LINE_BYTES = 4 * 1024;

/**
 * Largest `--targets` file `check` reads (1 MiB: some 30,000 targets). Like every file the CLI
 * reads, it must be a regular file (or `-` for stdin, read with the same cap); src/cli/read-file.ts.
 */
export const MAX_TARGETS_FILE_BYTES = 1024 * 1024;

/**
 * Largest PEM file read for `--ca`, `--cert`, `--key` and NODE_EXTRA_CA_CERTS (4 MiB). Mozilla's
 * whole root bundle is ~220 KiB; a file past the cap is refused before it is parsed.
 */
export const MAX_PEM_FILE_BYTES = 4 * 1024 * 1024;

// ---- What the report renders (src/report). A Certificate message of 65,000 one-byte entries is
// legal framing; rendering every entry would take gigabytes. Past these caps the output says how
// much it left out and names the cap, so the peak stays within the README's 200 MB.

/** Entries of one list a text step shows (certificates, extension names, …), then "… N more". */
export const TEXT_MAX_ENTRIES_PER_MESSAGE = 100;

/** Lines of one annotated hex dump (a record, or a message's decrypted plaintext). */
export const HEX_MAX_LINES_PER_DUMP = 512;

/**
 * Items of one array in the JSON of a record, message or step (field children, body lists such as
 * certificate entries, step certificates). A cut array is followed by `<name>Omitted: count`.
 */
export const JSON_MAX_LIST_ENTRIES = 1000;

/**
 * Captured bytes written as hex per direction in the JSON, for each of records' `hex`, messages'
 * `raw` and decrypted spaces' `hex` (1 MiB; a real handshake is under 100 KiB). Past it the hex is
 * empty and `hexOmitted`/`rawOmitted` give the byte count left out.
 */
export const JSON_MAX_HEX_BYTES_PER_DIRECTION = 1024 * 1024;

/**
 * Fields itemised per direction (20,000; the recorded fixtures have 45–355 per direction). Every
 * decoded field costs about 200 bytes whatever its size, so a Certificate message of 65,000
 * one-byte entries builds 260,000 of them, and a capture file with sixteen such messages took
 * 1 GB. Past the cap a handshake message is still decoded in full (its body, framing checks and
 * verdicts) but shown as its header plus one body span, and the trace notes that tls-trace
 * stopped itemising there. Used by src/decode/direction-split.ts, src/decode/trace-notices.ts and
 * src/decrypt/plaintext.ts.
 */
export const MAX_FIELDS_PER_DIRECTION = 20_000;

/**
 * Entries of one Certificate message kept in the decoded body (1,000; real chains have 2–5). Every
 * entry is still read and its framing checked; past the cap only the count is kept
 * (`entriesOmitted`), because a 260 KB message of one-byte entries holds 65,000 of them and a
 * capture file may hold many such messages. Chain analysis never sees more than this many.
 */
export const MAX_CERTIFICATE_ENTRIES_KEPT = 1000;

// ---- Reading tcpdump/Wireshark captures (`tls-trace read`, src/capture/pcap). Files are streamed,
// so memory follows these caps, not the file's size.

/**
 * Largest pcap record or pcapng block tls-trace reads (16 MiB; tcpdump's snap length is at most
 * 256 KiB). A larger declared length is treated as corruption: reading stops there with a note.
 */
export const MAX_CAPTURE_BLOCK_BYTES = 16 * 1024 * 1024;

/**
 * IP datagrams (IPv4, IPv6) being reassembled from fragments at once (64), each at most 65535
 * bytes. Past it the oldest is dropped with a note (a tunnel's outer packets may be fragmented).
 */
export const MAX_IP_FRAGMENT_DATAGRAMS = 64;

/** Encapsulations (IP-in-IP, GRE, MPLS, VXLAN…) walked in one frame; a deeper one is skipped with a note. */
export const MAX_ENCAPSULATION_DEPTH = 8;

/**
 * Stream bytes kept per TCP connection and direction (4 MiB, the live capture's cap). Past it the
 * direction is recorded as truncated, as a live capture's is.
 */
export const MAX_TCP_STREAM_BYTES_PER_DIRECTION = MAX_CAPTURE_BYTES_PER_DIRECTION;

/**
 * Out-of-order bytes held per direction while waiting for a missing segment (1 MiB). Past it the
 * missing bytes are declared a gap and the held bytes are delivered after it.
 */
export const MAX_TCP_OUT_OF_ORDER_BYTES = 1024 * 1024;

/**
 * TCP connections tracked per file (65536) and stream bytes held over all of them (64 MiB: sixteen
 * connections at the per-direction cap, and within the 200 MB peak the README promises). Segments
 * of later connections are counted and skipped with a note; past the byte total, further payload
 * of every connection is dropped with a note, so a large file cannot exhaust memory. A connection
 * found not to be TLS frees its bytes and packet list at once, and one that has closed is handed
 * on and freed.
 */
export const MAX_TCP_CONNECTIONS = 65536;
export const MAX_TCP_TOTAL_BYTES = 64 * 1024 * 1024;

/**
 * `read FILE --pcap OUT` listing several connections (the table, --ndjson) keeps each TLS
 * connection's bytes until it writes them: at most this many stream bytes in all (256 MiB).
 * Connections past it are left out of OUT with a note; the table still lists them. Used by
 * src/cli/commands/read.ts.
 */
export const MAX_PCAP_OUT_KEPT_BYTES = 256 * 1024 * 1024;

/**
 * TCP segments recorded for the packet lists: per connection (65536) and over the whole file
 * (262144, some 50 MB). Later segments are still reassembled, only not listed; they are counted.
 */
export const MAX_TCP_PACKETS_PER_CONNECTION = 65536;
export const MAX_TCP_TOTAL_PACKETS = 262144;

/** Largest `--keylog` file `read` takes (64 MiB: some 300,000 connections' secrets). */
export const MAX_KEYLOG_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Out-of-order segments held per direction while waiting for a missing segment (4096). Past it,
 * as past MAX_TCP_OUT_OF_ORDER_BYTES, the missing bytes are declared a gap and the held segments
 * delivered after it, so a capture of tiny segments with holes cannot make reassembly slow.
 */
export const MAX_TCP_OUT_OF_ORDER_SEGMENTS = 4096;

/**
 * Key log lines `read` holds for a capture, from its DSBs and `--keylog` together (524288 lines or
 * 64 MiB, whichever comes first: some 100,000 TLS 1.3 connections' secrets). Later lines are
 * counted and dropped with a note; connections whose secrets were among them stay encrypted.
 */
export const MAX_CAPTURE_KEYLOG_LINES = 524288;
export const MAX_CAPTURE_KEYLOG_BYTES = 64 * 1024 * 1024;

/** Segments `read --packets` lists per connection; the rest are counted in one line. */
export const TEXT_MAX_PACKET_LINES = 2000;

/**
 * Live `--packets`: bytes of capture-tool output (pcap/pcapng from tcpdump or dumpcap) kept for
 * the traced connection. Past it the rest is discarded and the packet view is left out with a
 * note (the trace itself is unaffected): 32 MiB is some 20,000 full-size frames, far beyond a
 * handshake plus the drain.
 */
export const MAX_LIVE_PACKET_BYTES = 32 * 1024 * 1024;
/** Live `--packets`: stderr kept from the capture tool (its readiness line and any error). */
export const MAX_PACKET_TOOL_STDERR = 16 * 1024;
/** Live `--packets`: longest wait for the capture tool to say it is capturing (within the trace deadline). */
export const PACKET_TOOL_START_MS = 3000;
/**
 * Live `--packets`: after the connection closed, how long the tool gets to see the last segments
 * (the final ACK) before it is signalled, then to flush and exit; then it is killed. tcpdump runs
 * in immediate mode and needs little; dumpcap has no immediate mode and hands packets over only
 * every 250 ms (its libpcap read timeout), dropping the undelivered ones when signalled.
 */
export const PACKET_TOOL_SETTLE_MS = { tcpdump: 30, dumpcap: 300 } as const;
export const PACKET_TOOL_STOP_MS = 2000;
/** Live `--packets`: after SIGKILL, the longest wait for the capture tool to be reaped (it exits at once). */
export const PACKET_TOOL_REAP_MS = 500;

/**
 * After missing bytes in a packet capture, records of unknown number were lost, so the next
 * record's sequence number (which every AEAD nonce and MAC covers) is unknown: decryption tries
 * this many sequence numbers after the last one used (64), in the current and the next key epoch,
 * and keeps the one whose authentication tag checks. Past it the record stays encrypted; after
 * MAX_GAP_RESYNC_RECORDS records (4) that no number opened, the direction stops searching.
 */
export const MAX_GAP_SEQUENCE_SEARCH = 64;
export const MAX_GAP_RESYNC_RECORDS = 4;

/** Bytes searched for a record boundary after missing bytes or in a connection joined mid-stream (64 KiB). */
export const MAX_RECORD_RESYNC_BYTES = 64 * 1024;

/**
 * Bytes of plaintext before TLS (a STARTTLS dialogue, a PROXY header, an HTTP CONNECT exchange)
 * searched for where TLS starts in each direction of a packet capture (64 KiB); past it the
 * connection is listed as not TLS.
 */
export const MAX_PROLOGUE_SEARCH_BYTES = 64 * 1024;

/** Fingerprint strings (JA3/JA4/JA3S) whose digests are remembered across connections before the memo is emptied. */
export const MAX_FINGERPRINT_DIGESTS_CACHED = 4096;

/**
 * Rows of `check --format github`'s Markdown table in $GITHUB_STEP_SUMMARY. GitHub takes at most
 * 1 MiB of summary per step; problems come first, so only valid rows past the cap are counted.
 */
export const GITHUB_SUMMARY_MAX_ROWS = 1000;
/** Targets named in `check`'s closing list of problems (text output); the rest are counted. */
export const TEXT_MAX_CLOSING_PROBLEMS = 50;
/**
 * Targets a fleet's `check` keeps for its text table and its GitHub annotations and summary table:
 * those that need a look first (the soonest and worst), then valid ones (soonest expiry first); the
 * rest are counted, so memory stays flat over tens of thousands of targets and a CI log gets no
 * unbounded table. `--format ndjson` or `csv` lists every target.
 */
export const CHECK_MAX_KEPT_RESULTS = 1000;
/** Each shard file `check merge` reads (shard NDJSON: ~3 KiB a target). */
export const MAX_MERGE_FILE_BYTES = 256 * 1024 * 1024;

/**
 * check's revocation and missing-intermediate fetches (plain http, as CAs publish them): an OCSP
 * response (64 KiB), a CRL (16 MiB, so large public CRLs still fit while memory stays bounded), a
 * caIssuers certificate or PKCS#7 bundle (64 KiB). Longer bodies are cut off and reported as
 * tls-trace's limit. Each fetch also waits at most MAX_REVOCATION_FETCH_MS, and never past the
 * target's own --timeout deadline.
 */
export const MAX_OCSP_RESPONSE_BYTES = 64 * 1024;
export const MAX_CRL_BYTES = 16 * 1024 * 1024;
export const MAX_CA_ISSUERS_BYTES = 64 * 1024;
export const MAX_REVOCATION_FETCH_MS = 5000;
/** CRLs kept per run (by URL, until their nextUpdate). */
export const MAX_CACHED_CRLS = 64;
/** OCSP answers kept per run (by responder URL and certificate), each until its nextUpdate. */
export const MAX_CACHED_OCSP = 4096;
/** OpenSSL client contexts kept for reuse (one per distinct version/cipher/group/client-cert set). */
export const MAX_CACHED_SECURE_CONTEXTS = 16;

/**
 * The ladder diagram: names listed on one arrow (a flight of a thousand records folds runs of the
 * same name first, then says `+n more`), and arrows drawn (the first ones and the last few, with
 * one line for those between), so a hostile peer's thousands of flights cannot flood it.
 */
export const LADDER_MAX_NAMES_PER_ARROW = 12;
export const LADDER_MAX_ARROWS = 40;

/**
 * The `--html` page (src/report/html): bytes of one record shown in its annotated hex view, bytes
 * shown in all hex views together, fields labelled per record, step cards and ladder arrows drawn.
 * A typical trace's page stays well under 2 MB; past a cap the page says what it left out.
 */
export const HTML_MAX_HEX_BYTES_PER_RECORD = 4096;
export const HTML_MAX_HEX_BYTES = 256 * 1024;
export const HTML_MAX_SPANS_PER_RECORD = 1024;
export const HTML_MAX_STEP_CARDS = 500;
export const HTML_MAX_LADDER_ARROWS = 200;

/**
 * --ct-log-list FILE: Google's v3 log_list.json is about 40 KB today (all_logs_list.json about
 * 100 KB); 4 MiB leaves room for growth and stops a wrong file (a capture, /dev/zero) early.
 */
export const MAX_CT_LOG_LIST_FILE_BYTES = 4 * 1024 * 1024;

/** Logs read from a CT log list; a list with more is refused (real lists hold under 200). */
export const MAX_CT_LOGS = 5000;

/** SCTs judged per source (certificate, TLS extension, OCSP staple); the rest are counted, not verified. */
export const MAX_SCTS_PER_SOURCE = 64;

/**
 * check --jobs: how long past a target's --timeout the main process waits for a worker process's
 * answer before it gives that target an error and ends the worker (it is stuck, not slow: the
 * worker's own capture ends at --timeout).
 */
export const CHECK_WORKER_GRACE_MS = 10_000;
/** Fewer targets than this are checked in one process whatever --jobs says: starting workers costs more. */
export const MIN_TARGETS_PER_JOB = 16;
