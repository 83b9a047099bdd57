// The scan through STARTTLS: one plaintext dialogue before any probe (to fail early, with the
// dialogue's own message, on a server that does not offer or refuses STARTTLS), read for what the
// server says before TLS; every probe then repeats the dialogue on its own connection
// (probe-connection.ts), so probe counts stay those of a direct scan.

import { plaintextDialogue, type ProbeEndpoint } from '../capture/probe-connection.js';
import type { StarttlsRequest } from '../capture/starttls/index.js';
import { decodePrologue } from '../decode/prologue/index.js';
import { ScanError } from './context.js';
import type { ScanStarttls } from './types.js';

const CODES: Record<string, ScanError['code']> = { timeout: 'timeout', refused: 'connect', unreachable: 'connect' };

export async function scanStarttls(endpoint: ProbeEndpoint & { starttls: StarttlsRequest }, timeoutMs: number): Promise<ScanStarttls> {
  const r = await plaintextDialogue(endpoint, timeoutMs);
  if (r.error) throw new ScanError(CODES[r.error.code] ?? 'starttls', r.error.message);
  const d = decodePrologue(r.prologue, endpoint.starttls.protocol);
  return {
    protocol: endpoint.starttls.protocol,
    capabilities: d?.capabilities ?? [],
    ...(d?.starttlsRequired !== undefined ? { starttlsRequired: d.starttlsRequired } : {}),
    ...(d?.requiredEvidence ? { requiredEvidence: d.requiredEvidence } : {}),
    plaintextAuth: d?.plaintextAuth ?? [],
  };
}
