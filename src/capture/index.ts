// The capture layer's public surface: live capture, capture files, the demo server.

export * from './types.js';
export { captureHandshake, looksNotTls, formatAddress, type CaptureOptions, type CaptureErrorCode, type TlsVersionName } from './capture.js';
export { saveCapture, loadCapture, parseCapture, captureToJson, captureFromJson, MAX_CAPTURE_FILE_BYTES, type CaptureFileJson, type CaptureFileChunk } from './capture-file.js';
export { startDemoServer, demoCertDir, type DemoServer, type DemoServerOptions, type DemoKeyType } from './demo-server.js';
export { RecordingTap, DEFAULT_CAPTURE_LIMIT } from './tap.js';
export { resolveHost, type ResolveOptions, type Resolved } from './resolve.js';
export { exchangeFirstFlight, type ProbeEndpoint, type ProbeEnd, type ExchangeResult } from './probe-connection.js';
export { nodeHandshake, nodeKnowsSigalg, type NodeHandshakeResult } from './node-handshake.js';
