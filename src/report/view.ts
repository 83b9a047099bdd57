// What the renderers take: the capture, the decoded wire model and the analysis of it.

import type { ChainReport } from '../analyse/chain/types.js';
import type { DecryptionResult } from '../decrypt/types.js';
import type { TraceAnalysis } from '../analyse/types.js';
import type { Capture } from '../capture/types.js';
import type { DecodedTrace } from '../decode/model.js';

export interface TraceView {
  capture: Capture;
  decoded: DecodedTrace;
  analysis: TraceAnalysis;
  /** Key schedule, per-record outcomes and verification facts, when decryption was attempted. */
  decryption?: DecryptionResult;
  /** Validation of the server's certificate chain. */
  chain?: ChainReport;
}

export interface RenderOptions {
  /** Use ANSI colour (the CLI decides from --no-color, NO_COLOR and the TTY; never read here). */
  color: boolean;
  /** Annotated hex dump of every message. */
  hex: boolean;
  /** Terminal width for wrapping; 100 when not given. */
  width?: number;
  /** Print secret, key and IV values in the key-schedule section (--show-secrets). */
  showSecrets?: boolean;
  /** List every TCP segment of a packet source (`read --packets`). */
  packets?: boolean;
  /** Leave the ladder diagram out (`--no-ladder`); drawn unless false. */
  ladder?: boolean;
  /** Draw the ladder in plain ASCII (`--ascii`, and whenever the output is plain). */
  ascii?: boolean;
}
