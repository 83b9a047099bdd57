// Errors meant for the user and the exit codes they map to. Every layer may throw these; only the
// CLI prints them. Exit codes are part of the public interface (README "Exit codes"): never renumber them.

export const ExitCode = {
  /** Trace/replay/scan finished; check: every target valid and none expiring soon. */
  ok: 0,
  /** A bug in tls-trace (an exception we did not expect). */
  internal: 1,
  /**
   * Wrong flags, bad target syntax, an input file that cannot be read (missing, not a regular
   * file, over its size cap), a file that is not a capture.
   */
  usage: 2,
  /** The host name did not resolve. */
  dns: 3,
  /** TCP connection refused, unreachable, or reset before TLS started. */
  connect: 4,
  /** Nothing (or not enough) arrived before --timeout. */
  timeout: 5,
  /** The peer answered, but not with TLS (HTTP, SSH, SMTP banner, garbage). */
  notTls: 6,
  /** The TLS handshake failed: a fatal alert, a protocol violation, or the peer closed mid-handshake. */
  handshake: 7,
  /** check: a certificate chain, hostname or trust problem. */
  invalid: 8,
  /** check: valid, but a certificate expires within --warn-days. */
  expiring: 9,
  /**
   * An output file (--save, --keylog, --junit) or stdout could not be written (disk full, no
   * permission, not a regular file). The trace or results were still printed; when the run itself
   * failed (3–9), that code wins and the write failure is only reported. A closed pipe on stdout
   * (`| head`) is not a failure: the program ends quietly with the code it would have had.
   */
  write: 10,
  /**
   * STARTTLS did not reach TLS: the server does not offer it, refused it (SMTP 454, LDAP
   * resultCode ≠ 0, PostgreSQL 'N'…), closed or reset during the plaintext dialogue, spoke another
   * protocol, or passed tls-trace's dialogue caps. The dialogue is shown.
   */
  starttls: 11,
  /**
   * The HTTP proxy did not open a tunnel: its name did not resolve, it could not be reached, it
   * refused CONNECT (407, 403, 502…), closed, or answered with something that is not HTTP or more
   * than tls-trace reads, or not within the deadline. Nothing reached the target.
   */
  proxy: 12,
  /**
   * check: valid, but a certificate expires within --crit-days. Precedence: connection failures
   * (3–7) beat 8 (invalid), which beats 13, which beats 9 (expiring). 11 and 12 are STARTTLS and
   * proxy failures.
   */
  critical: 13,
  /** check: a certificate in a chain is revoked (OCSP or CRL, or a stapled OCSP response says so). */
  revoked: 14,
  /** check --revocation hard: revocation could not be established (no answer, or unknown). */
  revocationUnavailable: 15,
  /**
   * check --require-ct: the certificate does not meet Chrome's and Apple's Certificate Transparency
   * policies (without the flag this is a warning). Precedence: below 8 (invalid), above 13.
   */
  ctPolicy: 16,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error meant for the user: one line, and the exit code it maps to. The CLI alone prints it. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
    /** Optional hint printed after the message (e.g. "try --tls-max 1.2"). */
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

export class UsageError extends UserError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.usage, hint);
    this.name = 'UsageError';
  }
}

/**
 * The exit code for a failed capture (`CaptureError.code`), shared by trace, replay and check.
 * A reset before the server sent a byte is a connection failure; after, a handshake failure.
 */
export function exitCodeForCaptureError(code: string | undefined, serverBytes: number): ExitCodeValue {
  switch (code) {
    case undefined:
      return ExitCode.ok;
    case 'dns':
      return ExitCode.dns;
    case 'refused':
    case 'unreachable':
      return ExitCode.connect;
    case 'reset':
      return serverBytes === 0 ? ExitCode.connect : ExitCode.handshake;
    case 'timeout':
      return ExitCode.timeout;
    case 'not-tls':
      return ExitCode.notTls;
    case 'proxy':
      return ExitCode.proxy;
    case 'starttls-not-offered':
    case 'starttls-refused':
    case 'starttls-unexpected':
    case 'starttls-closed':
    case 'starttls-limit':
      return ExitCode.starttls;
    default:
      // alert, closed, tls, capture-limit
      return ExitCode.handshake;
  }
}
