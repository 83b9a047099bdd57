// The session probes' part of a scan result: plain data, JSON-ready. `null` means "not tested" (the
// server lacks the version, or the first connection failed), which is different from `false`.

/** One step the probe took and what the server answered, in words (peer bytes unescaped). */
export type SessionEvidence = string;

export interface RenegotiationProbe {
  /** `accepted`: on an established TLS 1.2 connection the server completed a second handshake the
   * client asked for; `refused`: it answered with an alert or hung up; null: not tested / no answer. */
  clientInitiated: 'accepted' | 'refused' | null;
  evidence: SessionEvidence[];
  connections: number;
}

export interface ResumptionProbe {
  /** The first connection got something to resume with: a session ID (TLS 1.2 without tickets) or
   * a NewSessionTicket; null when not tested. */
  issued: boolean | null;
  /** The second connection, offering it, was resumed (abbreviated handshake / PSK accepted). */
  resumed: boolean | null;
  /** Seconds, from the NewSessionTicket (TLS 1.2: the lifetime hint; TLS 1.3: the lifetime). */
  ticketLifetime?: number;
  /** Length of the ticket (or, TLS 1.2 session ID resumption, of the session ID), bytes. */
  length?: number;
  evidence: SessionEvidence[];
  connections: number;
}

export interface EarlyDataProbe {
  /** max_early_data_size of the early_data extension in the server's TLS 1.3 NewSessionTicket; 0
   * when its tickets carry none; null when no ticket could be read. */
  maxEarlyDataSize: number | null;
  /** The PSK probe's ClientHello resuming a ticket, with early_data: true when the server's
   * EncryptedExtensions carry early_data (0-RTT accepted), false when it declined (no PSK, no
   * early_data, a HelloRetryRequest); null when not tested. */
  accepted: boolean | null;
  evidence: SessionEvidence[];
  /** Connections of its own: 0, the PSK probe's second connection asks the 0-RTT question too. */
  connections: number;
}

export interface SessionScan {
  renegotiation: RenegotiationProbe;
  /** TLS 1.2 resumption by session ID (the client offers no ticket). */
  sessionId: ResumptionProbe;
  /** TLS 1.2 resumption by session ticket (RFC 5077); its first connection is the renegotiation
   * probe's (counted there), so its `connections` is its second only. */
  sessionTicket: ResumptionProbe;
  /** TLS 1.3 resumption by PSK (a ticket from NewSessionTicket, RFC 8446 §2.2). */
  psk: ResumptionProbe;
  earlyData: EarlyDataProbe;
  /** Connections the session probes made (first connections and renegotiation through Node, second connections hand-built). */
  connections: number;
}
