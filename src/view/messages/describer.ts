// The shape every handshake-message describer has: the decoded body of one type and the step it
// belongs to in, labelled details and the explanation out.

import type { Step } from '../../analyse/types.js';
import type { HandshakeBody } from '../../decode/model.js';
import type { AddDetail } from '../types.js';

export interface DescribeContext {
  step: Step;
  /** The connection negotiated TLS 1.3 (the analysis decides; the sentences differ). */
  tls13: boolean;
  add: AddDetail;
}

/** Adds the message's details through `ctx.add` and returns its explanation. */
export type Describer<B extends HandshakeBody> = (body: B, ctx: DescribeContext) => string;

/** One describer per handshake body type; the compiler checks none is missing. */
export type DescriberTable = { [T in HandshakeBody['type']]: Describer<Extract<HandshakeBody, { type: T }>> };
