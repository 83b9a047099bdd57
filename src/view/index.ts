// The view stage: analysis and decoded messages turned into what a reader sees (labelled details,
// explanations, resolved code points, byte spans). The report renders it; nothing there reads a
// decoded message body.

export type { AddDetail, ByteSpan, Detail, StepText, StepView, Tone } from './types.js';
export { describeChain, shortName, type ChainRowView, type ChainView, type Toned } from './chain.js';
export { describeCt, type CtView } from './ct.js';
export { describeDecryption, type DecryptionView, type RecordLineView, type ScheduleView, type SecretView } from './key-schedule.js';
export { describeNegotiated, type NegotiatedRowView } from './negotiated.js';
export { describeMessage, viewStep } from './step.js';
export { encryptedExplanation, guessWords } from './guess.js';
export { factsForMessage } from './verifications.js';
export { notShown } from './words.js';
export { bodyView, type BodyValue } from './body.js';
