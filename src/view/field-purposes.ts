// What a field of the wire format is for, in one sentence, by the decoder's machine name for it
// (`Field.name`). The --html page shows it beside the field's value; the message's own
// explanation (describeMessage) says what the message as a whole does. Names not listed get none.

const RECORD_LEGACY_VERSION =
  'Legacy version: TLS 1.3 freezes it at TLS 1.2 (0x0303, or 0x0301 in a first ClientHello) so old middleboxes let the connection through; the real version is negotiated in supported_versions. Up to TLS 1.2 it carries the version.';
const SNI = 'Server Name Indication: the host name the client wants, sent in clear so the server can choose the right certificate.';
const GROUPS = 'Supported groups: the key-exchange groups (elliptic curves, finite-field groups, hybrids) the client accepts, in order of preference.';
const SIGNATURE_SCHEMES = 'Signature schemes the client can verify, for the server\'s CertificateVerify (or key-exchange signature) and its certificates.';
const ALPN = 'ALPN: the application protocols the client offers (h2, http/1.1), or the one the server chose.';
const VERSIONS = 'Supported versions: the TLS versions offered; TLS 1.3 is negotiated only here, never in the legacy version fields.';
const KEY_SHARE =
  'Key share: an ephemeral public key for one group. With the other side\'s share it gives the (EC)DHE shared secret behind the handshake keys, so recorded traffic stays safe even if the certificate key leaks later.';
const STATUS_REQUEST = 'Certificate status request: asks the server to staple an OCSP response saying its certificate is not revoked.';
const CERTIFICATES = 'Certificate chain: the server\'s own certificate first, then the intermediates leading to a root the client trusts; each a DER-encoded X.509 certificate.';
const COMPRESSION = 'Compression: always null (0) today; TLS compression made the CRIME attack possible and TLS 1.3 removed it.';
const PSK_MODES = 'PSK key exchange modes: how the client may resume with a pre-shared key (psk_dhe_ke keeps forward secrecy with a fresh key share).';

const PURPOSES: Readonly<Record<string, string>> = {
  content_type: 'Content type: what this record carries (handshake, alert, change_cipher_spec or application_data; TLS 1.3 hides the real one inside the encryption).',
  legacy_version: RECORD_LEGACY_VERSION,
  length: 'Length of what follows, in bytes: the receiver reads exactly this many.',
  msg_type: 'Handshake message type: which handshake message follows.',
  random: '32 fresh random bytes from this side. Both randoms go into the key derivation, so every connection gets new keys; a server forced down to an older version also marks its last 8 bytes (the downgrade sentinel).',
  legacy_session_id: 'Session ID: in TLS 1.2 it names a session to resume; TLS 1.3 clients send a random one for middlebox compatibility and the server echoes it.',
  cipher_suites: 'The cipher suites the client accepts, in order of preference.',
  cipher_suite: 'A cipher suite: the record encryption and hash (TLS 1.3), plus key exchange and authentication up to TLS 1.2. Offered in the ClientHello, chosen in the ServerHello.',
  legacy_compression_methods: COMPRESSION,
  compression_method: COMPRESSION,
  legacy_compression_method: COMPRESSION,
  extensions: 'The extensions: optional features and parameters, each written as type, length and data.',
  extension: 'One extension: its type, the length of its data, and the data.',
  extension_type: 'Extension type: which extension this is (a number from the IANA registry).',
  extension_data: 'The extension\'s contents, laid out as its type defines.',
  server_name_list: SNI,
  server_name: SNI,
  name_type: SNI,
  host_name: SNI,
  ec_point_format_list: 'EC point formats (up to TLS 1.2): how elliptic-curve points may be encoded; uncompressed is the only one in use.',
  ec_point_format: 'EC point formats (up to TLS 1.2): how elliptic-curve points may be encoded; uncompressed is the only one in use.',
  named_group_list: GROUPS,
  named_group: GROUPS,
  status_type: STATUS_REQUEST,
  responder_id_list: STATUS_REQUEST,
  request_extensions: STATUS_REQUEST,
  protocol_name_list: ALPN,
  protocol_name: ALPN,
  supported_signature_algorithms: SIGNATURE_SCHEMES,
  signature_scheme: SIGNATURE_SCHEMES,
  versions: VERSIONS,
  version: VERSIONS,
  selected_version: 'The version the server selected from the client\'s supported_versions: this, not the legacy field, is the connection\'s version.',
  ke_modes: PSK_MODES,
  ke_mode: PSK_MODES,
  client_shares: KEY_SHARE,
  key_share_entry: KEY_SHARE,
  group: 'The group this key share is for.',
  key_exchange: KEY_SHARE,
  certificate_request_context: 'Certificate request context: empty in the server\'s Certificate; it ties a client certificate to a post-handshake request.',
  certificate_list: CERTIFICATES,
  certificate_entry: CERTIFICATES,
  cert_data: CERTIFICATES,
  der: CERTIFICATES,
  algorithm: 'The signature scheme of the signature that follows.',
  signature: 'A signature with the certificate\'s private key over the handshake so far (TLS 1.3) or the key-exchange parameters (TLS 1.2): proof that the peer holds that key.',
  verify_data: 'Finished: an HMAC over the whole handshake with a key from the handshake secret; it proves both sides saw the same messages and derived the same keys.',
  ticket_lifetime: 'How many seconds the client may use this ticket to resume.',
  ticket_age_add: 'A random value the client adds to the ticket\'s age when it resumes, so the age does not identify the client to observers.',
  ticket_nonce: 'A per-ticket value that makes each ticket\'s resumption secret different.',
  ticket: 'The ticket itself: opaque to the client, it lets the server recover the session when the client comes back.',
  level: 'Alert level: warning or fatal (fatal ends the connection).',
  description: 'Alert description: what the alert says (close_notify, handshake_failure, bad_certificate, …).',
  encrypted_record: 'Ciphertext: the message and its real content type, encrypted and authenticated with the traffic keys (with an AEAD suite its last 16 bytes are the authentication tag).',
  encrypted_body: 'Ciphertext: the message and its real content type, encrypted and authenticated with the traffic keys; the decrypted plaintext is shown with its step.',
};

/** The sentence for a field's machine name, or undefined when there is none. */
export function fieldPurpose(name: string | undefined): string | undefined {
  return name !== undefined && Object.hasOwn(PURPOSES, name) ? PURPOSES[name] : undefined;
}
