// STUB — the decoder helper builds this.
import type { Capture } from '../capture/types.js';
import type { DecodedTrace } from './model.js';

export function decodeCapture(_capture: Capture): DecodedTrace {
  throw new Error('decodeCapture: not built yet');
}
