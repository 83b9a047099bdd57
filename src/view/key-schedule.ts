// The decryption section in words: the key-schedule title, each secret with what was derived from
// it (values only when the user asked for them), one line per protected record, the verification
// facts and decryption's notes. Reads DecryptionResult only.

import type { DecryptionResult, KeySchedule, KeyScheduleOutput, RecordDecryption, VerificationFact } from '../decrypt/types.js';
import type { Direction } from '../decode/types.js';
import { cipherSuites, contentTypes, label } from '../registry/index.js';

export interface SecretView {
  name: string;
  direction?: Direction;
  /** `(32 bytes) ← key log CLIENT_HANDSHAKE_TRAFFIC_SECRET · opened 3 records`. */
  words: string;
  secretLength: number;
  /** Present only with showSecrets. */
  secret?: string;
  outputs: KeyScheduleOutput[];
}

export interface ScheduleView {
  /** `Key schedule · TLS 1.3 · TLS_AES_128_GCM_SHA256 (0x1301) · HKDF-SHA256 · AES-128-GCM`. */
  title: string;
  clientRandom: string;
  /** `extended master secret, encrypt-then-MAC` (absent when neither applies). */
  negotiated?: string;
  recordProtection: string;
  secrets: SecretView[];
  /** Secret values were not asked for (no --show-secrets), so none is shown. */
  secretsHidden: boolean;
}

export interface RecordLineView {
  /** Numbered from 1, as in the steps and the hex view. */
  number: number;
  direction: Direction;
  ok: boolean;
  /** `handshake keys, seq 0 · handshake (22), 1200 bytes` or the reason it failed. */
  words: string;
}

export interface DecryptionView {
  schedule?: ScheduleView;
  /** `Decryption` when there is no schedule to title the section but something to say. */
  heading?: string;
  records: RecordLineView[];
  opened: number;
  verifications: VerificationFact[];
  notes: string[];
}

function scheduleView(ks: KeySchedule, showSecrets: boolean): ScheduleView {
  const kdf = ks.version === 'TLS 1.3' ? `HKDF-${ks.hash.toUpperCase()}` : ks.hash === 'md5-sha1' ? 'PRF-MD5⊕SHA1' : `PRF-${ks.hash.toUpperCase()}`;
  const extras: string[] = [];
  if (ks.extendedMasterSecret) extras.push('extended master secret');
  if (ks.encryptThenMac !== undefined) extras.push(ks.encryptThenMac ? 'encrypt-then-MAC' : 'MAC-then-encrypt');
  const secrets = ks.steps.map((s): SecretView => {
    const opened = s.recordsOpened === 1 ? '1 record' : `${s.recordsOpened} records`;
    const shown = showSecrets && Boolean(s.secret);
    return {
      name: s.name,
      direction: s.direction,
      words: `(${s.secretLength} bytes) ← ${s.source} · opened ${opened}`,
      secretLength: s.secretLength,
      secret: shown ? s.secret : undefined,
      outputs: s.outputs.map((o) => (showSecrets ? o : { name: o.name, derivation: o.derivation, length: o.length })),
    };
  });
  return {
    title: `Key schedule · ${ks.version} · ${label(cipherSuites, ks.cipherSuite)} · ${kdf} · ${ks.cipher.toUpperCase()}`,
    clientRandom: ks.clientRandom,
    negotiated: extras.length > 0 ? extras.join(', ') : undefined,
    recordProtection: ks.recordProtection,
    secrets,
    secretsHidden: !showSecrets && secrets.length > 0,
  };
}

function recordLine(r: RecordDecryption): RecordLineView {
  const line = { number: r.record + 1, direction: r.direction, ok: r.ok };
  if (!r.ok) return { ...line, words: r.error ?? 'not decrypted' };
  const type = r.contentType === undefined ? '' : label(contentTypes, r.contentType, 1);
  const padding = r.paddingLength ? `, ${r.paddingLength} bytes padding removed` : '';
  return { ...line, words: `${r.epoch} keys, seq ${r.seq} · ${type}, ${r.plaintextLength ?? 0} bytes${padding}` };
}

export function describeDecryption(result: DecryptionResult, showSecrets: boolean): DecryptionView {
  const view: DecryptionView = {
    records: result.records.map(recordLine),
    opened: result.records.filter((r) => r.ok).length,
    verifications: result.verifications,
    notes: result.notes,
  };
  if (result.keySchedule) view.schedule = scheduleView(result.keySchedule, showSecrets);
  else if (result.status !== 'nothing-encrypted') view.heading = 'Decryption';
  return view;
}
