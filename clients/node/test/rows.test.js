// Import, pull, push and frozen rows against the real store.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { ImmutableRowCache, status } from '../src/index.js';
import { SMALL_TABLE, fresh, storeWithSmallTable, writeSmallTable } from './support.js';

const rowsOf = (vectors, dim) => Array.from({ length: vectors.length / dim }, (_, i) => Array.from(vectors.slice(i * dim, (i + 1) * dim)));

test('upload: small table is listed with its shape', async (t) => {
  const { store, table } = await storeWithSmallTable(t);
  const info = await store.describeTable(table);
  assert.deepEqual([Number(info.rows), info.dim], [4, 4]);
  assert.ok((await store.listTables()).some((x) => x.name === table));
});

test('importFile: a server-side file streams progress and returns the table', async (t) => {
  const { store } = await storeWithSmallTable(t);
  const importDir = process.env.EMBSTORE_IMPORT_DIR;
  assert.ok(importDir, "EMBSTORE_IMPORT_DIR is not set: it must name the store's --import-dir");
  const folder = mkdtempSync(join(tmpdir(), 'embstore-node-'));
  const path = writeSmallTable(folder);
  copyFileSync(path, join(importDir, basename(path)));
  rmSync(folder, { recursive: true });
  const updates = [];
  const info = await store.importFile(fresh('imp'), basename(path), { onProgress: (p) => updates.push(p) });
  assert.equal(Number(info.rows), 4);
  assert.equal(updates.at(-1).done, true);
});

test('pull: known, unknown and pad tokens give vectors and metas', async (t) => {
  const { store, table } = await storeWithSmallTable(t);
  const view = fresh('v');
  await store.createView(view, { table, mode: 'overlay', unknown: 'create' });
  const { vectors, dim, rows } = await store.pull(view, { tokens: ['good', '@user', '<pad>'] });
  assert.equal(dim, 4);
  assert.ok(vectors instanceof Float32Array);
  assert.deepEqual(rowsOf(vectors, 4)[0], SMALL_TABLE.good);
  assert.deepEqual(rowsOf(vectors, 4)[2], [0, 0, 0, 0]);
  assert.deepEqual(rows.map((r) => [r.origin, r.trainable, r.immutable]), [['base', false, true], ['view', true, false], ['pad', false, true]]);
});

test('pull: by ids gives the same rows as by tokens', async (t) => {
  const { store, table } = await storeWithSmallTable(t);
  const view = fresh('v');
  await store.createView(view, { table });
  const ids = await store.resolve(view, ['bad', 'movie']);
  const { vectors, rows } = await store.pull(view, { ids });
  assert.deepEqual(rowsOf(vectors, 4), [SMALL_TABLE.bad, SMALL_TABLE.movie]);
  assert.deepEqual(rows.map((r) => r.id), Array.from(ids));
});

test('pull: an unknown token under the fail policy is NOT_FOUND, naming it', async (t) => {
  const { store, table } = await storeWithSmallTable(t);
  const view = fresh('v');
  await store.createView(view, { table });
  await assert.rejects(store.pull(view, { tokens: ['good', 'zyzzyva'], unknown: 'fail' }),
    (error) => error.code === status.NOT_FOUND && error.details.includes('zyzzyva'));
});

test('push: a gradient to a trainable row takes an SGD step', async (t) => {
  const { store, table } = await storeWithSmallTable(t);
  const view = fresh('v');
  await store.createView(view, { table, init: 'zeros', optimizer: 'sgd', learningRate: 0.5 });
  const ids = await store.resolve(view, ['@user']);
  const reply = await store.push(view, ids, new Float32Array([2, -4, 0, 1]));
  assert.equal(reply.applied, 1);
  const { vectors, rows } = await store.pull(view, { ids });
  assert.deepEqual(Array.from(vectors), [-1, 2, 0, -0.5]);
  assert.equal(rows[0].version, reply.version);
});

test('push: a frozen base row is refused with FAILED_PRECONDITION and nothing is applied', async (t) => {
  const { store, table } = await storeWithSmallTable(t);
  const view = fresh('v');
  await store.createView(view, { table, init: 'zeros' });
  const ids = await store.resolve(view, ['good', '@user']);
  await assert.rejects(store.push(view, ids, new Float32Array(8).fill(1), { kind: 'delta' }),
    (error) => error.code === status.FAILED_PRECONDITION);
  const { vectors } = await store.pull(view, { ids });
  assert.deepEqual(rowsOf(vectors, 4), [SMALL_TABLE.good, [0, 0, 0, 0]]);
});

test('push: with onFrozen report the others are applied and the frozen row listed', async (t) => {
  const { store, table } = await storeWithSmallTable(t);
  const view = fresh('v');
  await store.createView(view, { table, init: 'zeros' });
  const ids = await store.resolve(view, ['good', '@user']);
  const reply = await store.push(view, ids, new Float32Array(8).fill(1), { kind: 'delta', onFrozen: 'report' });
  assert.equal(reply.applied, 1);
  assert.deepEqual(reply.rejected.map((r) => r.id), [ids[0]]);
});

test('push: with returnRows the reply carries the rows as the push left them', async (t) => {
  const { store, table } = await storeWithSmallTable(t);
  const view = fresh('v');
  await store.createView(view, { table, init: 'zeros' });
  const ids = await store.resolve(view, ['good', '@user']);
  const reply = await store.push(view, ids, new Float32Array(8).fill(1), { kind: 'delta', onFrozen: 'report', returnRows: true });
  assert.equal(reply.applied, 1);
  assert.deepEqual(rowsOf(reply.vectors, 4), [SMALL_TABLE.good, [1, 1, 1, 1]]);
  const { vectors } = await store.pull(view, { ids });
  assert.deepEqual(Array.from(reply.vectors), Array.from(vectors));
});

// Pulls through an ImmutableRowCache: kept rows come from the cache, hits and misses count them.

test('pull(cache): a static view\'s rows are pulled once, then served even after the view is deleted', async (t) => {
  const { store, table } = await storeWithSmallTable(t);
  const view = fresh('s');
  await store.createView(view, { table, mode: 'static', unknown: 'fail' });
  const ids = [...await store.resolve(view, ['good', 'bad', 'movie']), 0n];
  const plain = await store.pull(view, { ids });
  const cache = new ImmutableRowCache(view, 10);
  const first = await store.pull(cache, { ids });
  assert.deepEqual([cache.hits, cache.misses, cache.size, cache.dim], [0, 4, 4, 4]);
  await store.deleteView(view);
  await assert.rejects(store.pull(view, { ids }), (error) => error.code === status.NOT_FOUND);
  const second = await store.pull(cache, { ids });
  assert.deepEqual([cache.hits, cache.misses], [4, 4]);
  for (const reply of [first, second]) {
    assert.equal(reply.dim, 4);
    assert.deepEqual(Array.from(reply.vectors), Array.from(plain.vectors));
    assert.deepEqual(reply.rows, plain.rows);
  }
  assert.deepEqual(rowsOf(second.vectors, 4), [SMALL_TABLE.good, SMALL_TABLE.bad, SMALL_TABLE.movie, [0, 0, 0, 0]]);
});

test('pull(cache): through a fine-tune view nothing is kept and a push shows', async (t) => {
  const { store, table } = await storeWithSmallTable(t);
  const view = fresh('f');
  await store.createView(view, { table, mode: 'fine-tune', optimizer: 'sgd' });
  const ids = await store.resolve(view, ['good', 'bad']);
  const cache = new ImmutableRowCache(view, 10);
  const before = await store.pull(cache, { ids });
  assert.deepEqual(before.rows.map((r) => r.immutable), [false, false]);
  await store.push(view, ids, new Float32Array(8).fill(1), { kind: 'delta' });
  const after = await store.pull(cache, { ids });
  assert.deepEqual(rowsOf(after.vectors, 4), [[2, 1, 1, 1], [1, 2, 1, 1]]);
  assert.deepEqual([cache.hits, cache.misses, cache.size], [0, 4, 0]);
});

test('pull(cache): the first immutable rows up to the capacity are kept, created rows never', async (t) => {
  const { store, table } = await storeWithSmallTable(t);
  const view = fresh('v');
  await store.createView(view, { table, mode: 'overlay', unknown: 'create', init: 'zeros' });
  const ids = await store.resolve(view, ['good', '@user', 'bad', 'movie']);
  const cache = new ImmutableRowCache(view, 2);
  await store.pull(cache, { ids });
  assert.equal(cache.size, 2);
  assert.deepEqual([...ids].map((id) => cache.has(id)), [true, false, true, false]);
  const again = await store.pull(cache, { ids });
  assert.deepEqual([cache.hits, cache.misses, cache.size], [2, 6, 2]);
  assert.deepEqual(rowsOf(again.vectors, 4), [SMALL_TABLE.good, [0, 0, 0, 0], SMALL_TABLE.bad, SMALL_TABLE.movie]);
});

test('pull(cache): hits and misses mixed come back in request order', async (t) => {
  const { store, table } = await storeWithSmallTable(t);
  const view = fresh('v');
  await store.createView(view, { table, mode: 'overlay', unknown: 'create', init: 'zeros' });
  const [good, user, bad, movie] = await store.resolve(view, ['good', '@user', 'bad', 'movie']);
  const cache = new ImmutableRowCache(view, 10);
  await store.pull(cache, { ids: [movie, good] });
  const ids = [good, user, bad, movie, good];
  const mixed = await store.pull(cache, { ids });
  assert.deepEqual([cache.hits, cache.misses], [3, 4]);
  const plain = await store.pull(view, { ids });
  assert.deepEqual(Array.from(mixed.vectors), Array.from(plain.vectors));
  assert.deepEqual(mixed.rows, plain.rows);
  assert.deepEqual(mixed.rows.map((r) => r.id), ids);
  await assert.rejects(store.pull(cache, { tokens: ['good'] }), TypeError);
});

test('resolve: NFC and NFD forms of a token are two rows, each keeping its bytes', async (t) => {
  const { store, table } = await storeWithSmallTable(t);
  const view = fresh('v');
  await store.createView(view, { table, mode: 'overlay', unknown: 'create' });
  const nfc = 'caf\u00e9';
  const nfd = 'cafe\u0301';
  const ids = await store.resolve(view, [nfc, nfd], { unknown: 'create' });
  assert.notEqual(ids[0], ids[1]);
  assert.deepEqual(Array.from(await store.resolve(view, [nfc, nfd], { unknown: 'fail' })), Array.from(ids));
  // Both rows get one direction no base row has: each token's nearest neighbour is the other form.
  await store.push(view, ids, new Float32Array([0.3, -0.7, 0.1, 0.5, 0.3, -0.7, 0.1, 0.5]), { kind: 'assign' });
  const [fromNfc] = await store.neighbors(view, { token: nfc, k: 1 });
  assert.deepEqual([fromNfc.token, fromNfc.id], [nfd, ids[1]]);
  const [fromNfd] = await store.neighbors(view, { token: nfd, k: 1 });
  assert.deepEqual([fromNfd.token, fromNfd.id], [nfc, ids[0]]);
});
