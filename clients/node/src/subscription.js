// A running Subscribe call, iterated as changes with Float32Array vectors.
import { status } from '@grpc/grpc-js';
import { toMeta } from './rows-meta.js';
import { unpack } from './vectors.js';

/**
 * Async iterator over a subscription's changes: `{ tokens, vectors, dim, rows, removedTokens,
 * version, caughtUp, resync }`, with `vectors` holding `tokens.length * dim` floats and `version` a
 * BigInt. The call starts when subscribe() returns. `cancel()` ends it, and so does leaving a
 * `for await` loop early, as with any async generator.
 */
export class Subscription {
  constructor(call) {
    this.call = call;
    this.cancelled = false;
    // Without a listener an error that arrives before iteration starts would be thrown as uncaught.
    this.error = undefined;
    call.on('error', (error) => { this.error = error; });
    this.changes = this.#read();
  }

  async *#read() {
    try {
      for await (const batch of this.call) yield toChange(batch);
    } catch (error) {
      this.error ??= error;
    }
    if (this.error && !(this.cancelled && this.error.code === status.CANCELLED)) throw this.error;
  }

  next() { return this.changes.next(); }

  return(value) {
    this.cancel();
    return this.changes.return(value);
  }

  [Symbol.asyncIterator]() { return this; }

  cancel() {
    this.cancelled = true;
    this.call.cancel();
  }
}

function toChange(batch) {
  return {
    tokens: batch.tokens,
    dim: batch.dim,
    vectors: unpack(batch.vectors, batch.tokens.length, batch.dim),
    rows: batch.rows.map(toMeta),
    removedTokens: batch.removedTokens,
    version: BigInt(batch.version),
    caughtUp: batch.caughtUp,
    resync: batch.resync,
  };
}
