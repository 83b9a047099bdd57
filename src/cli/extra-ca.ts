// NODE_EXTRA_CA_CERTS, handed over by the launcher. Run as a program for a command that never uses
// Node's root store (check, scan, read, replay, help), bin/tls-trace.cjs starts as sh and moves the
// variable to TLS_TRACE_EXTRA_CA_CERTS before it execs node, because Node 20 builds that store and
// parses the file at start-up when the variable is set (most of a start on a small machine), and
// these commands judge chains with tls-trace's own trust store, which reads the file itself
// (trust-options.ts). Here the variable goes back where the user put it, for that store and for
// every child process.

/** The hand-over variable the launcher sets (never set it yourself). */
export const EXTRA_CA_HANDOVER = 'TLS_TRACE_EXTRA_CA_CERTS';

/** Puts NODE_EXTRA_CA_CERTS back from the launcher's hand-over in `env` (the process's own, so children see it too). */
export function restoreExtraCaCerts(env: Record<string, string | undefined>): void {
  const handed = env[EXTRA_CA_HANDOVER];
  if (handed === undefined) return;
  delete env[EXTRA_CA_HANDOVER];
  // The user's own value wins if something set both.
  env.NODE_EXTRA_CA_CERTS ||= handed;
}

/** `env` for a Node child that never judges a chain itself (check's fetch workers): no start-up parse. */
export function withoutExtraCaCerts(env: Readonly<Record<string, string | undefined>>): Record<string, string | undefined> {
  const { NODE_EXTRA_CA_CERTS: _skipped, [EXTRA_CA_HANDOVER]: _handed, ...rest } = env;
  return rest;
}
