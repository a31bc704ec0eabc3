// RowMeta as JavaScript reads it best: BigInt ids and versions, the origin as a plain word.
import { plainWord } from './enums.js';

/**
 * `{ id, origin: 'base'|'view'|'copy'|'pad'|'unspecified', trainable, version, own, immutable }`; `immutable`: the row
 * can never change through this view, so a caller may keep it instead of pulling it again.
 */
export function toMeta(row) {
  return {
    id: BigInt(row.id), origin: plainWord('RowOrigin', row.origin), trainable: row.trainable, version: BigInt(row.version), own: row.own,
    immutable: row.immutable,
  };
}
