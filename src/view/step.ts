// One step of the trace as the renderers show it: the message's describer fills the details and
// the explanation; the span and the verification marks come along so no renderer needs the message.

import type { DecryptionResult } from '../decrypt/types.js';
import type { Step } from '../analyse/types.js';
import type { Message } from '../decode/model.js';
import { guessWords } from './guess.js';
import { describeHandshake } from './messages/index.js';
import { describeAlert, describeApplicationData, describeChangeCipherSpec, describeEncrypted, describeHeartbeat, describeOpaque } from './records.js';
import { detailList, type StepText, type StepView } from './types.js';
import { factsForMessage } from './verifications.js';

/** The details and explanation of one message (no span, no marks). */
export function describeMessage(step: Step, m: Message, tls13: boolean): StepText {
  const { details, add } = detailList();
  const done = (explanation: string): StepText => ({ details, explanation });
  switch (m.kind) {
    case 'handshake':
      if (!m.body) return done('A handshake message the decoder could not read (see the issue below).');
      return done(describeHandshake(m.body, { step, tls13, add }));
    case 'change_cipher_spec':
      return done(describeChangeCipherSpec(m, step));
    case 'alert':
      return done(describeAlert(m, step, add));
    case 'encrypted':
      return done(describeEncrypted(m, step, tls13, add));
    case 'application_data':
      return done(describeApplicationData(m, add));
    case 'heartbeat':
      return done(describeHeartbeat(m, add));
    case 'opaque':
      return done(describeOpaque(m, add));
  }
}

/**
 * The whole view of one step. `m` is absent only for a step whose message index is out of range
 * (a malformed analysis): the view then says nothing rather than guessing.
 */
export function viewStep(step: Step, m: Message | undefined, tls13: boolean, decryption?: DecryptionResult): StepView {
  const text = m ? describeMessage(step, m, tls13) : { details: [], explanation: '' };
  const span = m ? { space: m.space.id, offset: m.offset, length: m.length, records: [...m.records] } : { space: step.direction, offset: 0, length: 0, records: [...step.records] };
  // A check names the records of the message it verifies; a message in no record has none.
  const verifications = decryption && m && step.records.length > 0 ? factsForMessage(decryption, m, step.direction) : [];
  const view: StepView = { step, ...text, span, verifications };
  if (step.guess) view.guess = guessWords(step.guess);
  return view;
}
