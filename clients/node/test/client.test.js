// Client-side behaviour against an in-process fake server: the API key's metadata, subscriptions,
// pushes retried with their request id, enum names, vector packing and the immutable-row cache. No store needed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { Client, ImmutableRowCache, NO_RETRY, RetryPolicy, pack, unpack } from '../src/index.js';
import { enumName } from '../src/enums.js';
import { api } from '../src/proto.js';

async function fakeServer(t, service, implementation) {
  const server = new grpc.Server();
  server.addService(service.service, implementation);
  const port = await new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, p) => (error ? reject(error) : resolve(p))));
  t.after(() => server.forceShutdown());
  return `127.0.0.1:${port}`;
}

test('apiKey: every call sends authorization Bearer', async (t) => {
  let seen;
  const address = await fakeServer(t, api.Admin, {
    ListTables(call, callback) {
      seen = call.metadata.get('authorization');
      callback(null, { tables: [{ name: 't', dim: 3 }] });
    },
  });
  const store = new Client(`http://${address}`, { apiKey: 's3cret', timeoutMs: 10000 });
  t.after(() => store.close());
  assert.deepEqual((await store.listTables()).map((x) => x.name), ['t']);
  assert.deepEqual(seen, ['Bearer s3cret']);
});

test('checkpoint: { compact: true } is sent in the request', async (t) => {
  const seen = [];
  const address = await fakeServer(t, api.Admin, {
    Checkpoint(call, callback) {
      seen.push(call.request.compact);
      callback(null, { token: 't', durationMs: '1' });
    },
  });
  const store = new Client(`http://${address}`, { timeoutMs: 10000 });
  t.after(() => store.close());
  await store.checkpoint();
  await store.checkpoint({ compact: true });
  assert.deepEqual(seen, [false, true]);
});

test('subscribe: batches become changes with Float32Array vectors and BigInt versions', async (t) => {
  const address = await fakeServer(t, api.Rows, {
    Subscribe(call) {
      const vectors = pack(new Float32Array([1, 2, 3, 4, 5, 6]), 2);
      call.write({ dim: 3, tokens: ['a', 'b'], rows: [{ id: '1099511627777', origin: 'ROW_ORIGIN_VIEW', trainable: true, version: '7' }, { id: '2', version: '8' }], vectors, version: '8', caughtUp: true });
      call.end();
    },
  });
  const store = new Client(address);
  t.after(() => store.close());
  const changes = [];
  for await (const change of store.subscribe('v')) changes.push(change);
  assert.equal(changes.length, 1);
  assert.deepEqual(changes[0].tokens, ['a', 'b']);
  assert.deepEqual(Array.from(changes[0].vectors), [1, 2, 3, 4, 5, 6]);
  assert.equal(changes[0].version, 8n);
  assert.equal(changes[0].caughtUp, true);
  assert.deepEqual([changes[0].rows[0].id, changes[0].rows[0].origin], [1099511627777n, 'view']);
});

test('subscribe: an error status rejects the iteration; cancel ends it quietly', async (t) => {
  const address = await fakeServer(t, api.Rows, {
    Subscribe(call) {
      if (call.request.view === 'missing') call.emit('error', { code: grpc.status.NOT_FOUND, details: 'no view missing' });
      else call.write({ dim: 0, version: '1', caughtUp: true }); // then stays open, like a live subscription
    },
  });
  const store = new Client(address);
  t.after(() => store.close());
  await assert.rejects((async () => { for await (const _ of store.subscribe('missing')); })(), (e) => e.code === grpc.status.NOT_FOUND);
  const live = store.subscribe('v');
  assert.equal((await live.next()).value.caughtUp, true);
  live.cancel();
  assert.equal((await live.next()).done, true);
});

/**
 * A store whose Push fails with the status codes of `failures` in turn (`{ delayMs }`: answers that late, past the
 * client's deadline), then answers; `requestIds` holds the request id of every attempt. Pull fails with UNAVAILABLE.
 */
async function flakyStore(t, failures, options = {}) {
  const requestIds = [];
  let pulls = 0;
  const address = await fakeServer(t, api.Rows, {
    Push(call, callback) {
      requestIds.push(call.request.requestId);
      const attempt = requestIds.length;
      const failure = failures[attempt - 1];
      const vectors = call.request.returnRows ? pack([5, 6], 1) : Buffer.alloc(0);
      const reply = { applied: call.request.ids.length, version: '7', replayed: attempt > 1, dim: call.request.returnRows ? 2 : 0, vectors };
      if (failure === undefined) callback(null, reply);
      else if (failure.delayMs) setTimeout(() => callback(null, reply), failure.delayMs);
      else callback({ code: failure, details: `attempt ${attempt} fails` });
    },
    Pull(call, callback) {
      pulls++;
      callback({ code: grpc.status.UNAVAILABLE, details: 'down' });
    },
  });
  const store = new Client(address, { timeoutMs: 10000, pushRetry: { initialBackoffMs: 1 }, ...options });
  t.after(() => store.close());
  return { store, requestIds, pulls: () => pulls };
}

test('push: UNAVAILABLE and DEADLINE_EXCEEDED are retried with the same request id; replayed surfaces', async (t) => {
  const { store, requestIds } = await flakyStore(t, [grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED]);
  const result = await store.push('v', [3n], [1, 2], { kind: 'delta' });
  assert.deepEqual([result.applied, result.version, result.replayed], [1, 7n, true]);
  assert.equal(requestIds.length, 3);
  assert.equal(requestIds[0].length, 16);
  for (const id of requestIds) assert.deepEqual(id, requestIds[0]);
});

test('push: a deadline that passes is retried, each attempt with its own deadline', async (t) => {
  const { store, requestIds } = await flakyStore(t, [{ delayMs: 1000 }], { timeoutMs: 300 });
  const result = await store.push('v', [3n], [1, 2], { returnRows: true });
  assert.deepEqual([result.applied, Array.from(result.vectors)], [1, [5, 6]]);
  assert.equal(requestIds.length, 2);
  assert.deepEqual(requestIds[1], requestIds[0]);
});

test('push: two pushes carry different request ids; a caller\'s id is sent on every attempt', async (t) => {
  const { store, requestIds } = await flakyStore(t, [undefined, undefined, grpc.status.UNAVAILABLE]);
  await store.push('v', [3n], [1, 2]);
  await store.push('v', [3n], [1, 2]);
  assert.notDeepEqual(requestIds[0], requestIds[1]);
  await store.push('v', [3n], [1, 2], { requestId: Buffer.from([1, 2, 3]) });
  assert.deepEqual(requestIds.slice(2), [Buffer.from([1, 2, 3]), Buffer.from([1, 2, 3])]);
  await assert.rejects(store.push('v', [3n], [1, 2], { requestId: Buffer.alloc(65) }), RangeError);
  await assert.rejects(store.push('v', [3n], [1, 2], { requestId: Buffer.alloc(0) }), RangeError);
});

test('push: other codes are not retried; pulls are never retried', async (t) => {
  for (const code of [grpc.status.INVALID_ARGUMENT, grpc.status.FAILED_PRECONDITION]) {
    const { store, requestIds, pulls } = await flakyStore(t, [code]);
    await assert.rejects(store.push('v', [3n], [1, 2]), (e) => e.code === code);
    assert.equal(requestIds.length, 1);
    await assert.rejects(store.pull('v', { ids: [1n] }), (e) => e.code === grpc.status.UNAVAILABLE);
    assert.equal(pulls(), 1);
  }
});

test('push: attempts are bounded by the policy, then the last error rejects', async (t) => {
  const always = Array(10).fill(grpc.status.UNAVAILABLE);
  for (const [pushRetry, attempts] of [[{ initialBackoffMs: 1 }, 3], [new RetryPolicy({ attempts: 5, initialBackoffMs: 1 }), 5], [NO_RETRY, 1]]) {
    const { store, requestIds } = await flakyStore(t, always, { pushRetry });
    await assert.rejects(store.push('v', [3n], [1, 2]), (e) => e.details === `attempt ${attempts} fails`);
    assert.equal(requestIds.length, attempts);
  }
});

test('RetryPolicy: backoff grows by the multiplier, capped, with jitter of half; bad options refused', () => {
  const policy = new RetryPolicy({ initialBackoffMs: 100, multiplier: 2, maxBackoffMs: 300 });
  for (const [random, retry, expected] of [[0, 1, 50], [1, 1, 100], [0, 2, 100], [1, 2, 200], [0, 5, 150], [1, 5, 300]]) {
    assert.equal(policy.backoffMs(retry, () => random), expected);
  }
  assert.deepEqual([new RetryPolicy().attempts, NO_RETRY.attempts], [3, 1]);
  for (const wrong of [{ attempts: 0 }, { initialBackoffMs: -1 }, { multiplier: 0.5 }]) assert.throws(() => new RetryPolicy(wrong), RangeError);
});

test('enumName: plain words map to proto names; unknown words list the known ones', () => {
  assert.equal(enumName('TrainMode', 'fine-tune'), 'TRAIN_MODE_FINE_TUNE');
  assert.equal(enumName('OptimizerKind', 'lazy-adam'), 'OPTIMIZER_KIND_LAZY_ADAM');
  assert.throws(() => enumName('TrainMode', 'frozen'), /fine-tune/);
});

test('pack and unpack: little-endian float32 round trip, unaligned input copied', () => {
  const bytes = pack([0, 0.25, 0.5, 0.75, 1, 1.25], 2);
  assert.equal(bytes.readFloatLE(4), 0.25);
  const unaligned = Buffer.concat([Buffer.alloc(1), bytes]).subarray(1);
  assert.deepEqual(Array.from(unpack(unaligned, 2, 3)), [0, 0.25, 0.5, 0.75, 1, 1.25]);
  assert.throws(() => pack([1, 2, 3], 2), RangeError);
});

test('ImmutableRowCache: keeps only immutable rows, the first up to its capacity, of one dimension', () => {
  const meta = (id, immutable = true) => ({ id: BigInt(id), immutable });
  const cache = new ImmutableRowCache('v', 2);
  cache.offer(meta(1, false), [9, 9, 9]);
  assert.deepEqual([cache.size, cache.dim], [0, 0]);
  cache.offer(meta(1), new Float32Array([1, 2, 3]));
  cache.offer(meta(2), [4, 5, 6]);
  cache.offer(meta(3), [7, 8, 9]);
  assert.deepEqual([cache.size, cache.dim, cache.has(3n)], [2, 3, false]);
  assert.throws(() => cache.offer(meta(4), [1, 2]), RangeError);
  const destination = new Float32Array(4);
  assert.deepEqual(cache.get('2', destination, 1), meta(2));
  assert.deepEqual(Array.from(destination), [0, 4, 5, 6]);
  assert.equal(cache.get(3, destination), undefined);
  assert.throws(() => new ImmutableRowCache('', 1), TypeError);
  assert.throws(() => new ImmutableRowCache('v', -1), RangeError);
});

test('pull(cache): only the ids the cache lacks are sent, in one call', async (t) => {
  const sent = [];
  const address = await fakeServer(t, api.Rows, {
    Pull(call, callback) {
      const ids = call.request.ids.map(Number);
      sent.push(ids);
      const rows = ids.map((id) => ({ id: String(id), origin: 'ROW_ORIGIN_BASE', immutable: id !== 3 }));
      callback(null, { dim: 2, rows, vectors: pack(ids.flatMap((id) => [id, -id]), ids.length) });
    },
  });
  const store = new Client(address, { timeoutMs: 10000 });
  t.after(() => store.close());
  const cache = new ImmutableRowCache('v', 10);
  await store.pull(cache, { ids: [1n, 3n] });
  const { vectors, dim, rows } = await store.pull(cache, { ids: [3n, 2n, 1n] });
  assert.deepEqual(sent, [[1, 3], [3, 2]]);
  assert.deepEqual([Array.from(vectors), dim, rows.map((r) => r.id)], [[3, -3, 2, -2, 1, -1], 2, [3n, 2n, 1n]]);
  await store.pull(cache, { ids: [2n, 1n] });
  assert.deepEqual([sent.length, cache.hits, cache.misses], [2, 3, 4]);
});
