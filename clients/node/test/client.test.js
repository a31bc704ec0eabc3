// Client-side behaviour against an in-process fake server: the API key's metadata, subscriptions,
// enum names, vector packing and the immutable-row cache. No store needed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { Client, ImmutableRowCache, pack, unpack } from '../src/index.js';
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
