// Pushes that are safe to retry: a request id per push, sent again with each retry after UNAVAILABLE or
// DEADLINE_EXCEEDED, so that a store that remembers it applies the push once.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { status } from '@grpc/grpc-js';

/** The longest request id the store accepts, in bytes. */
export const MAX_REQUEST_ID_BYTES = 64;

// The answers after which a push may or may not have been applied; any other error rejects at once.
const RETRYABLE = new Set([status.UNAVAILABLE, status.DEADLINE_EXCEEDED]);

/** A fresh request id: 16 random bytes. */
export const newRequestId = () => randomBytes(16);

/** `requestId` as a Buffer, or a fresh one when undefined; refuses one outside 1 to 64 bytes. */
export function checkRequestId(requestId) {
  if (requestId === undefined) return newRequestId();
  const bytes = Buffer.from(requestId);
  if (bytes.length < 1 || bytes.length > MAX_REQUEST_ID_BYTES) {
    throw new RangeError(`a request id has 1 to ${MAX_REQUEST_ID_BYTES} bytes, not ${bytes.length}`);
  }
  return bytes;
}

/**
 * How a push is retried after UNAVAILABLE or DEADLINE_EXCEEDED: `attempts` in all (1: no retry), waiting
 * `min(maxBackoffMs, initialBackoffMs * multiplier ** (retry - 1))` before retry number `retry`, cut at random by up to
 * half (jitter). Each attempt gets the client's whole `timeoutMs`. Other calls are never retried.
 */
export class RetryPolicy {
  constructor({ attempts = 3, initialBackoffMs = 100, multiplier = 2, maxBackoffMs = 2000 } = {}) {
    if (!(attempts >= 1)) throw new RangeError(`attempts must be at least 1, not ${attempts}`);
    if (!(initialBackoffMs >= 0 && maxBackoffMs >= 0)) throw new RangeError('backoffs must not be negative');
    if (!(multiplier >= 1)) throw new RangeError(`multiplier must be at least 1, not ${multiplier}`);
    Object.assign(this, { attempts, initialBackoffMs, multiplier, maxBackoffMs });
    Object.freeze(this);
  }

  /** Milliseconds to wait before retry number `retry` (1 before the second attempt): half to all of its backoff. */
  backoffMs(retry, random = Math.random) {
    const full = Math.min(this.maxBackoffMs, this.initialBackoffMs * this.multiplier ** (retry - 1));
    return full * (0.5 + 0.5 * random());
  }

  /** Awaits `attempt()` until it resolves, rejects with a code not retried, or no attempt is left (then its error). */
  async run(attempt) {
    for (let number = 1; ; number++) {
      try {
        return await attempt();
      } catch (error) {
        if (number >= this.attempts || !RETRYABLE.has(error.code)) throw error;
      }
      await sleep(this.backoffMs(number));
    }
  }
}

/** One attempt: the first error rejects the push. */
export const NO_RETRY = new RetryPolicy({ attempts: 1 });
