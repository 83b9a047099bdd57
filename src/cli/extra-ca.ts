// NODE_EXTRA_CA_CERTS, handed over by the launcher. Run as a program, bin/tls-trace.cjs starts as
// sh and moves the variable to TLS_TRACE_EXTRA_CA_CERTS before it execs node, because Node 20
// parses that file and its whole root store at start-up (most of a start on a small machine) and
// tls-trace verifies chains against its own trust store, which reads the file itself
// (trust-options.ts). Here the variable goes back where the user put it, for that store and for
// every child process; what changes is only that Node's own store, which decides the `authorized`
// a Node handshake reports, lacks the file unless a handshake is given it (extraCaForNode).

/** The hand-over variable the launcher sets (never set it yourself). */
export const EXTRA_CA_HANDOVER = 'TLS_TRACE_EXTRA_CA_CERTS';

/**
 * Puts NODE_EXTRA_CA_CERTS back from the launcher's hand-over in `env` (the process's own, so
 * children see it too). True when Node started without it: its default store lacks the file.
 */
export function restoreExtraCaCerts(env: Record<string, string | undefined>): boolean {
  const handed = env[EXTRA_CA_HANDOVER];
  if (handed === undefined) return false;
  delete env[EXTRA_CA_HANDOVER];
  // The user's own value wins if something set both.
  if (env.NODE_EXTRA_CA_CERTS) return false;
  env.NODE_EXTRA_CA_CERTS = handed;
  return handed !== '';
}

/** `env` for a Node child that never judges a chain itself (check's fetch workers): no start-up parse. */
export function withoutExtraCaCerts(env: Readonly<Record<string, string | undefined>>): Record<string, string | undefined> {
  const { NODE_EXTRA_CA_CERTS: _skipped, [EXTRA_CA_HANDOVER]: _handed, ...rest } = env;
  return rest;
}
