// Tables, views, snapshots, imports, exports and checkpoints (the Admin service), mixed into Client.
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { once } from 'node:events';
import { basename } from 'node:path';
import { finished } from 'node:stream/promises';
import { enumName } from './enums.js';

/** The contract's limit per UploadChunk. */
export const UPLOAD_CHUNK_BYTES = 1024 * 1024;

export const adminMethods = {
  /** Creates an empty table of `dim` columns; resolves to its TableInfo. */
  createTable(name, dim) {
    return this.unary(this.admin, 'CreateTable', { name, dim });
  },

  async listTables() {
    return (await this.unary(this.admin, 'ListTables', {})).tables;
  },

  describeTable(name) {
    return this.unary(this.admin, 'DescribeTable', { name });
  },

  /** Deletes a table; resolves to the number of records removed. */
  async deleteTable(name) {
    return Number((await this.unary(this.admin, 'DeleteTable', { name })).recordsRemoved);
  },

  /**
   * Creates a view over `table` or over another view `parentView` (exactly one).
   * `mode`: static, overlay or fine-tune; `unknown`: fail, unk or create; `init`: uniform, zeros,
   * normal or copy; `optimizer`: sgd, adagrad, adadelta or lazy-adam.
   */
  createView(name, {
    table, parentView, mode = 'overlay', unknown = 'create', init, initScale = 0, initCopyToken = '',
    optimizer = 'adadelta', learningRate = 0, seed = 0, padToken = '', unkToken = '',
  } = {}) {
    if ((table === undefined) === (parentView === undefined)) throw new TypeError('give exactly one of table and parentView');
    return this.unary(this.admin, 'CreateView', {
      name, ...(table !== undefined ? { table } : { view: parentView }),
      mode: enumName('TrainMode', mode), unknownPolicy: enumName('UnknownPolicy', unknown), init: enumName('InitKind', init),
      initScale, initCopyToken, optimizer: { kind: enumName('OptimizerKind', optimizer), learningRate },
      padToken, unkToken, seed: String(seed),
    });
  },

  /** Every view, or those over `table` (at any depth). */
  async listViews(table = '') {
    return (await this.unary(this.admin, 'ListViews', { table })).views;
  },

  describeView(name) {
    return this.unary(this.admin, 'DescribeView', { name });
  },

  /** Deletes a view and its own rows; resolves to the number of records removed. */
  async deleteView(name) {
    return Number((await this.unary(this.admin, 'DeleteView', { name })).recordsRemoved);
  },

  /** Pins `view` as it reads now under `name` (a static view); resolves to its ViewInfo. */
  createSnapshot(view, name) {
    return this.unary(this.admin, 'CreateSnapshot', { view, name });
  },

  /** Imports a file from the server's import folder; `onProgress(ImportProgress)` per update. Resolves to the TableInfo. */
  async importFile(table, path, { format = 'auto', onProgress } = {}) {
    let last;
    for await (last of this.admin.ImportFile({ table, path, format: enumName('VectorFormat', format) }, this.metadata)) {
      onProgress?.(last);
    }
    if (!last?.done) throw new Error(`import of ${path} ended without its final message`);
    return last.table;
  },

  /** Uploads a local vector file into a new table, 1 MiB per message; resolves to its TableInfo. */
  async upload(table, localPath, { format = 'auto' } = {}) {
    let call;
    let over = false;
    const reply = new Promise((resolve, reject) => {
      call = this.admin.UploadFile(this.metadata, (error, progress) => {
        over = true;
        if (error) reject(error); else resolve(progress);
      });
    });
    // The server may refuse before the file is sent (ALREADY_EXISTS, a bad header): stop sending then.
    const ended = reply.catch(() => {});
    const header = { table, format: enumName('VectorFormat', format), totalBytes: String(statSync(localPath).size), sourceName: basename(localPath) };
    call.write({ header });
    for await (const data of createReadStream(localPath, { highWaterMark: UPLOAD_CHUNK_BYTES })) {
      if (over) break;
      if (!call.write({ data })) await Promise.race([once(call, 'drain'), ended]);
    }
    call.end();
    return (await reply).table;
  },

  /** Writes every token `view` reads, with its vector, as a word2vec file; resolves to the row count. */
  async export(view, outPath, { format = 'word2vec-binary' } = {}) {
    const out = createWriteStream(outPath);
    let rows = 0;
    for await (const chunk of this.admin.Export({ view, format: enumName('VectorFormat', format) }, this.metadata)) {
      if (!out.write(chunk.data)) await once(out, 'drain');
      rows = Number(chunk.rowsDone);
    }
    out.end();
    await finished(out);
    return rows;
  },

  /** Takes a checkpoint now; resolves once it is on disk. `{ compact: true }` compacts the store's log first. */
  checkpoint({ compact = false } = {}) {
    return this.unary(this.admin, 'Checkpoint', { compact });
  },
};
