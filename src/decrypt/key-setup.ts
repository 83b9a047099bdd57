// Key setup: turns the key log's secrets for this connection into per-direction epochs (keys in
// the order the sender uses them) and the key-schedule section the report shows. Kept apart from
// the record walk (decrypt-trace.ts) because it is derivation, done once per connection.

import { createDecipheriv } from 'node:crypto';
import { TLS10 } from '../decode/context.js';
import { toHex } from '../decode/reader.js';
import type { Direction } from '../decode/types.js';
import { hashLength } from './hkdf.js';
import { KeyLogLabel } from './keylog.js';
import { keyBlock12 } from './prf.js';
import type { SuiteCrypto } from './suites.js';
import { trafficKeys, finishedKey } from './tls13.js';
import type { DecryptOptions, KeySchedule, KeyScheduleStep } from './types.js';
import type { DirectionState } from './direction-state.js';
import type { PlaintextFacts } from './plaintext-facts.js';
import type { DirectionKeys } from './record-protection.js';

const TLS11 = 0x0302;

/** Only the *_CCM_8 suites' short tag is worth a word: every other AEAD suite sends 16 bytes. */
function tagSentence(suite: SuiteCrypto): string {
  return suite.tagLength > 0 && suite.tagLength !== 16 ? `; ${suite.tagLength}-byte authentication tag` : '';
}

function recordProtectionSentence(suite: SuiteCrypto, tls13: boolean, etm: boolean): string {
  if (tls13) return `nonce = IV XOR 64-bit record sequence number; additional data = the 5-byte record header; the last non-zero plaintext byte is the real content type${tagSentence(suite)}`;
  if (suite.cipher === 'chacha20-poly1305') return 'nonce = IV XOR sequence number (RFC 7905); additional data = seq_num + type + version + length';
  if (suite.aead) return `nonce = 4-byte salt from the key block + 8-byte explicit nonce sent in the record (${suite.cipher.endsWith('ccm') ? 'RFC 6655' : 'RFC 5288'}); additional data = seq_num + type + version + length${tagSentence(suite)}`;
  const mac = `HMAC-${suite.macHash!.toUpperCase()}`;
  if (suite.stream) return `${suite.cipher.toUpperCase()} key stream running across the direction's records; MAC-then-encrypt: ${mac} over seq_num + type + version + length + content`;
  const iv =
    suite.explicitIvLength > 0
      ? `explicit ${suite.blockSize}-byte IV per record`
      : `chained IV (TLS 1.0): the first from the key block, then each record's last ciphertext block`;
  return etm
    ? `${iv}; encrypt-then-MAC (RFC 7366): ${mac} over seq_num + type + version + length + ${suite.explicitIvLength > 0 ? 'IV + ' : ''}ciphertext`
    : `${iv}; MAC-then-encrypt: ${mac} over seq_num + type + version + length + content, then padding, then CBC`;
}

export function setUpTls13(
  suite: SuiteCrypto,
  secrets: Map<string, string>,
  states: Record<Direction, DirectionState>,
  facts: PlaintextFacts,
  opts: DecryptOptions,
  notes: string[],
): KeySchedule | undefined {
  const hash = suite.hash;
  const hl = hashLength(hash);
  const steps: KeyScheduleStep[] = [];
  const show = opts.showSecrets === true;
  const add = (dir: Direction, logLabel: string, name: string, handshake: boolean): void => {
    const hex = secrets.get(logLabel);
    if (!hex) return;
    const secret = Buffer.from(hex, 'hex');
    if (secret.length !== hl) {
      notes.push(`key log ${logLabel} is ${secret.length} bytes, expected ${hl} for ${suite.name}; not used`);
      return;
    }
    const keys = trafficKeys(hash, secret, suite.keyLength, 12);
    const outputs = [
      { name: 'key', derivation: `HKDF-Expand-Label(secret, "key", "", ${suite.keyLength})`, length: suite.keyLength, value: show ? toHex(keys.key) : undefined },
      { name: 'iv', derivation: 'HKDF-Expand-Label(secret, "iv", "", 12)', length: 12, value: show ? toHex(keys.iv) : undefined },
    ];
    if (handshake) {
      outputs.push({ name: 'finished_key', derivation: `HKDF-Expand-Label(secret, "finished", "", ${hl})`, length: hl, value: show ? toHex(finishedKey(hash, secret)) : undefined });
    }
    const step: KeyScheduleStep = { name, direction: dir, source: `key log ${logLabel}`, secretLength: secret.length, secret: show ? hex : undefined, outputs: outputs.map(dropUndefined), recordsOpened: 0 };
    if (!show) delete step.secret;
    steps.push(step);
    states[dir].epochs.push({ name: handshake ? 'handshake' : 'application', keys, seq: 0n, step, secret: handshake ? undefined : secret, handshake });
  };
  add('server', KeyLogLabel.serverHandshake, 'server handshake traffic secret', true);
  add('client', KeyLogLabel.clientHandshake, 'client handshake traffic secret', true);
  add('server', KeyLogLabel.serverTraffic0, 'server application traffic secret 0', false);
  add('client', KeyLogLabel.clientTraffic0, 'client application traffic secret 0', false);
  if (steps.length === 0) {
    notes.push('no key for this connection: the key log has no TLS 1.3 traffic secrets for this client random');
    return undefined;
  }
  for (const l of [KeyLogLabel.serverHandshake, KeyLogLabel.clientHandshake, KeyLogLabel.serverTraffic0, KeyLogLabel.clientTraffic0]) {
    if (!secrets.has(l)) notes.push(`key log has no ${l}: records protected with it stay encrypted`);
  }
  if (secrets.has(KeyLogLabel.clientEarly)) notes.push('0-RTT early data is not decrypted');
  return {
    version: 'TLS 1.3',
    cipherSuite: suite.code,
    suiteName: suite.name,
    hash,
    cipher: suite.cipher,
    clientRandom: facts.clientRandom!,
    recordProtection: recordProtectionSentence(suite, true, false),
    steps,
  };
}

/** TLS 1.0–1.2: the key block from the key log's master secret. */
export function setUpTls12(
  suite: SuiteCrypto,
  secrets: Map<string, string>,
  states: Record<Direction, DirectionState>,
  facts: PlaintextFacts,
  opts: DecryptOptions,
  notes: string[],
): KeySchedule | undefined {
  const hex = secrets.get(KeyLogLabel.masterSecret);
  if (!hex) {
    notes.push('no key for this connection: the key log has no CLIENT_RANDOM (master secret) line for this client random');
    return undefined;
  }
  if (!facts.serverRandom) {
    notes.push('records stay encrypted: the ServerHello random (needed for the key block) was not decoded');
    return undefined;
  }
  const master = Buffer.from(hex, 'hex');
  if (master.length !== 48) {
    notes.push(`key log master secret is ${master.length} bytes, expected 48; not used`);
    return undefined;
  }
  const show = opts.showSecrets === true;
  const macKeyLength = suite.aead ? 0 : suite.macLength;
  const kb = keyBlock12(suite.hash, master, Buffer.from(facts.serverRandom, 'hex'), Buffer.from(facts.clientRandom!, 'hex'), {
    macKeyLength,
    keyLength: suite.keyLength,
    fixedIvLength: suite.fixedIvLength,
  });
  const total = 2 * (macKeyLength + suite.keyLength + suite.fixedIvLength);
  // Cut in RFC 5246 §6.3 order; each output names its byte range of the key block.
  const parts: Array<{ name: string; value: Buffer }> = [];
  if (macKeyLength > 0) parts.push({ name: 'client_write_MAC_key', value: kb.clientMacKey }, { name: 'server_write_MAC_key', value: kb.serverMacKey });
  parts.push({ name: 'client_write_key', value: kb.clientKey }, { name: 'server_write_key', value: kb.serverKey });
  if (suite.fixedIvLength > 0) {
    const ivName = suite.aead && suite.explicitIvLength > 0 ? 'write_IV (salt)' : 'write_IV';
    parts.push({ name: `client_${ivName}`, value: kb.clientIv }, { name: `server_${ivName}`, value: kb.serverIv });
  }
  let at = 0;
  const outputs = [
    dropUndefined({
      name: 'key_block',
      derivation: `${prfName(suite)}(master_secret, "key expansion", server_random + client_random)`,
      length: total,
      value: undefined as string | undefined,
    }),
    ...parts.map((p) => {
      const o = dropUndefined({ name: p.name, derivation: `key_block[${at}..${at + p.value.length - 1}]`, length: p.value.length, value: show ? toHex(p.value) : undefined });
      at += p.value.length;
      return o;
    }),
  ];
  const step: KeyScheduleStep = {
    name: 'master secret',
    source: `key log ${KeyLogLabel.masterSecret}${facts.extendedMasterSecret ? ' (extended master secret, RFC 7627)' : ''}`,
    secretLength: 48,
    outputs,
    recordsOpened: 0,
  };
  if (show) step.secret = hex;
  const epochName = 'session';
  states.client.epochs.push({ name: epochName, keys: directionKeys(suite, kb.clientKey, kb.clientIv, kb.clientMacKey), seq: 0n, step, handshake: true });
  states.server.epochs.push({ name: epochName, keys: directionKeys(suite, kb.serverKey, kb.serverIv, kb.serverMacKey), seq: 0n, step, handshake: true });
  const schedule: KeySchedule = {
    version: versionName(facts.version),
    cipherSuite: suite.code,
    suiteName: suite.name,
    hash: suite.hash,
    cipher: suite.cipher,
    clientRandom: facts.clientRandom!,
    extendedMasterSecret: facts.extendedMasterSecret,
    recordProtection: recordProtectionSentence(suite, false, facts.encryptThenMac),
    steps: [step],
  };
  if (!suite.aead) schedule.encryptThenMac = facts.encryptThenMac;
  return schedule;
}

function directionKeys(suite: SuiteCrypto, key: Buffer, iv: Buffer, macKey: Buffer): DirectionKeys {
  const keys: DirectionKeys = { key, iv, macKey };
  // RC4 takes no IV; one decipher per direction keeps the key stream's position between records.
  if (suite.stream) keys.stream = createDecipheriv(suite.cipher, key, null);
  return keys;
}

function prfName(suite: SuiteCrypto): string {
  return suite.hash === 'md5-sha1' ? 'PRF-MD5⊕SHA1' : `PRF-${suite.hash.toUpperCase()}`;
}

function versionName(version: number | undefined): KeySchedule['version'] {
  return version === TLS10 ? 'TLS 1.0' : version === TLS11 ? 'TLS 1.1' : 'TLS 1.2';
}

export function dropUndefined<T extends { value?: string }>(o: T): T {
  if (o.value === undefined) delete o.value;
  return o;
}
