import { enumNames } from './proto.js';

// Lets callers name enum values in plain words ("fine-tune", "lazy-adam") and reads them back the same way.

const prefixes = {
  TrainMode: 'TRAIN_MODE_',
  UnknownPolicy: 'UNKNOWN_POLICY_',
  InitKind: 'INIT_KIND_',
  OptimizerKind: 'OPTIMIZER_KIND_',
  VectorFormat: 'VECTOR_FORMAT_',
  PushKind: 'PUSH_KIND_',
  OnFrozen: 'ON_FROZEN_',
  SentenceWeighting: 'SENTENCE_WEIGHTING_',
  RowOrigin: 'ROW_ORIGIN_',
};

/** `enumName('TrainMode', 'fine-tune')` -> 'TRAIN_MODE_FINE_TUNE'; numbers and full names pass through, undefined -> 0. */
export function enumName(type, value) {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') return value;
  const prefix = prefixes[type];
  const name = value.startsWith(prefix) ? value : prefix + value.toUpperCase().replaceAll('-', '_');
  // protobufjs would silently send 0 for a name it does not know.
  const known = enumNames(type);
  if (!known.includes(name)) {
    throw new RangeError(`unknown ${type} '${value}'; expected one of: ${known.map((n) => plainWord(type, n)).join(', ')}`);
  }
  return name;
}

/** 'ROW_ORIGIN_FINE_TUNE' -> 'fine-tune'. */
export function plainWord(type, name) {
  return name.slice(prefixes[type].length).toLowerCase().replaceAll('_', '-');
}
