// Resolve, pull, push and the read-side extras (the Rows service), mixed into Client.
import { enumName } from './enums.js';
import { checkRequestId } from './retry.js';
import { ImmutableRowCache } from './row-cache.js';
import { toMeta } from './rows-meta.js';
import { Subscription } from './subscription.js';
import { pack, unpack } from './vectors.js';

const idStrings = (ids) => Array.from(ids, (id) => BigInt(id).toString());

export const rowsMethods = {
  /** Row ids of `tokens` through `view`, as a BigInt64Array; `unknown` overrides the view's policy. */
  async resolve(view, tokens, { unknown } = {}) {
    const reply = await this.unary(this.rows, 'Resolve', { view, tokens, unknownPolicy: enumName('UnknownPolicy', unknown) });
    return BigInt64Array.from(reply.ids, BigInt);
  },

  /**
   * Reads rows by `tokens` or by row `ids` (not both). Resolves to `{ vectors, dim, rows }`:
   * `vectors` holds `rows.length * dim` floats in request order, `rows` one meta per row.
   * With an {@link ImmutableRowCache} in place of `view` (ids only), reads its view: the rows the cache keeps
   * come from it, the others from the store in one call, and those the store marks immutable are offered to it.
   */
  async pull(view, { tokens, ids, unknown } = {}) {
    if (view instanceof ImmutableRowCache) return pullThrough(this, view, tokens, ids);
    if ((tokens === undefined) === (ids === undefined)) throw new TypeError('give exactly one of tokens and ids');
    const reply = await this.unary(this.rows, 'Pull', {
      view, tokens: tokens ?? [], ids: ids === undefined ? [] : idStrings(ids), unknownPolicy: enumName('UnknownPolicy', unknown),
    });
    return { vectors: unpack(reply.vectors, reply.rows.length, reply.dim), dim: reply.dim, rows: reply.rows.map(toMeta) };
  },

  /**
   * Applies `values` (`ids.length * dim` floats) to rows `ids` of `view`. `kind`: gradient (the view's
   * optimizer applies them), delta or assign. A frozen row fails the whole push with FAILED_PRECONDITION
   * unless `onFrozen: 'report'`. `durable` waits until on disk. `requestId` (1 to 64 bytes; default: 16 fresh
   * random ones) goes with every attempt: after UNAVAILABLE or DEADLINE_EXCEEDED the push is sent again as the
   * client's `pushRetry` allows, and a store that remembers the id does not apply it twice. Resolves to
   * `{ applied, rejected, version, durable, replayed }` (`replayed`: the store had already applied this id and
   * answers as it did then); with `returnRows`, also `vectors` (a Float32Array of `ids.length * dim`): the rows as
   * this push left them (replayed: as they are now).
   */
  async push(view, ids, values, { kind = 'gradient', onFrozen = 'refuse', durable = false, returnRows = false, requestId } = {}) {
    const request = {
      view, kind: enumName('PushKind', kind), ids: idStrings(ids), values: pack(values, ids.length),
      onFrozen: enumName('OnFrozen', onFrozen), durability: durable ? 'DURABILITY_SYNC' : 'DURABILITY_DEFAULT', returnRows,
      requestId: checkRequestId(requestId),
    };
    const reply = await this.pushRetry.run(() => this.unary(this.rows, 'Push', request));
    const result = {
      applied: reply.applied,
      rejected: reply.rejected.map((r) => ({ id: BigInt(r.id), reason: r.reason })),
      version: BigInt(reply.version),
      durable: reply.durable,
      replayed: reply.replayed,
    };
    if (returnRows) result.vectors = unpack(reply.vectors, ids.length, reply.dim);
    return result;
  },

  /**
   * Streams changes of the rows of interest: `tokens`, or tokens starting with `tokenPrefix`, or (both
   * empty) every row the view owns or has copied. The first changes carry the current state (unless
   * `afterVersion` is set), up to one with `caughtUp`. Returns a {@link Subscription}.
   */
  subscribe(view, { tokens = [], tokenPrefix = '', afterVersion = 0 } = {}) {
    const call = this.rows.Subscribe({ view, tokens, tokenPrefix, afterVersion: String(afterVersion) }, this.metadata);
    return new Subscription(call);
  },

  /** The `k` rows most similar by cosine to `token` or to `vector`: `[{ token, id, similarity }]`, most similar first. */
  async neighbors(view, { token, vector, k = 10, restrict = 0 } = {}) {
    if ((token === undefined) === (vector === undefined)) throw new TypeError('give exactly one of token and vector');
    const query = token !== undefined ? { token } : { vector: pack(vector, 1) };
    const reply = await this.unary(this.rows, 'Neighbors', { view, ...query, k, restrict: String(restrict) });
    return reply.neighbors.map((n) => ({ token: n.token, id: BigInt(n.id), similarity: n.similarity }));
  },

  /**
   * One vector per sentence (an array of tokens, or a string split on whitespace). Resolves to
   * `{ vectors, dim, tokensUsed }`.
   */
  async sentenceVectors(view, sentences, { weighting = 'mean', sifA = 0 } = {}) {
    const reply = await this.unary(this.rows, 'SentenceVectors', {
      view, weighting: enumName('SentenceWeighting', weighting), sifA,
      sentences: sentences.map((s) => ({ tokens: typeof s === 'string' ? s.split(/\s+/).filter(Boolean) : s })),
    });
    return { vectors: unpack(reply.vectors, sentences.length, reply.dim), dim: reply.dim, tokensUsed: reply.tokensUsed };
  },

  /**
   * Per token, its vectors from each source (view or table) concatenated in `sources` order. Resolves to
   * `{ vectors, dim, dims, rows }` with `tokens.length * sources.length` metas, token-major.
   */
  async pullCombined(sources, tokens, { unknown, missingAsZeros = false } = {}) {
    const reply = await this.unary(this.rows, 'PullCombined', {
      sources, tokens, unknownPolicy: enumName('UnknownPolicy', unknown), missingAsZeros,
    });
    return { vectors: unpack(reply.vectors, tokens.length, reply.dim), dim: reply.dim, dims: reply.dims, rows: reply.rows.map(toMeta) };
  },
};

/** `client.pull(cache, { ids })`: kept rows from `cache`, the others pulled in one call and offered to it. */
async function pullThrough(client, cache, tokens, ids) {
  if (tokens !== undefined || ids === undefined) throw new TypeError('a pull through an ImmutableRowCache takes ids, not tokens');
  const wanted = Array.from(ids, BigInt);
  if (wanted.length === 0) return client.pull(cache.view, { ids: wanted });
  const missing = wanted.flatMap((id, i) => (cache.has(id) ? [] : [i]));
  cache.hits += wanted.length - missing.length;
  cache.misses += missing.length;
  const pulled = missing.length === 0 ? undefined : await client.pull(cache.view, { ids: missing.map((i) => wanted[i]) });
  const dim = pulled?.dim ?? cache.dim;
  if (missing.length < wanted.length && dim !== cache.dim) throw new RangeError(`${cache.view} now has ${dim}-d rows, its cache ${cache.dim}-d`);
  const vectors = new Float32Array(wanted.length * dim);
  const rows = new Array(wanted.length);
  missing.forEach((i, j) => {
    const row = pulled.vectors.subarray(j * dim, (j + 1) * dim);
    vectors.set(row, i * dim);
    rows[i] = pulled.rows[j];
    cache.offer(rows[i], row);
  });
  wanted.forEach((id, i) => { rows[i] ??= cache.get(id, vectors, i * dim); });
  return { vectors, dim, rows };
}
