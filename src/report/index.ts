// The trace report: what the trace and replay commands call. Analysis lives in src/analyse and is
// re-exported here so the CLI has one import.

export { analyseTrace } from '../analyse/index.js';
export type {
  CodePoint,
  Fact,
  FactSource,
  Flight,
  GroupFact,
  Negotiated,
  NegotiatedRow,
  Step,
  SuiteFact,
  TraceAnalysis,
  TraceOutcome,
  CertificateSummary,
} from '../analyse/types.js';
export type { TraceView, RenderOptions } from './view.js';
export { renderText } from './text.js';
export { renderJson, renderJsonText, TRACE_JSON_FORMAT } from './json.js';
export { SCHEMA_VERSION } from './shared-json.js';
export type { TraceJson, RecordJson, MessageJson, StepJson, SpaceJson, JsonValue } from './json.js';
export { escapeControl } from './escape.js';
export { recordSpans, messageSpans, type SpanMap, type HexSpan } from './spans.js';
