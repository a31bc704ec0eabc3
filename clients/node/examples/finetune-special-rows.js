// Fine-tunes a few special-symbol rows of a view by pushing gradients, the way a trainer does.
//
// The special symbols get rows of their own in an overlay view; every step pulls them, computes the
// gradient of a toy loss -- the squared distance of each symbol's row to the mean of a few words it
// should sit near -- and pushes it for the view's server-side optimizer (Adagrad) to apply.
//
//   node examples/finetune-special-rows.js --address 127.0.0.1:5191 --table glove \
//       --near @user=he,she,they --near '<num>=one,two,three'
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { Client } from '../src/index.js';

const DEFAULT_NEAR = ['@user=he,she,they', '<num>=one,two,three', '<url>=website,link,page'];

/** Runs the fine-tuning; resolves to the loss before and after, for callers that check it. */
export async function main(argv = process.argv.slice(2), log = console.log) {
  const { values } = parseArgs({
    args: argv,
    options: {
      address: { type: 'string', default: '127.0.0.1:5191' },
      table: { type: 'string' },
      view: { type: 'string', default: 'special-rows' },
      near: { type: 'string', multiple: true },
      steps: { type: 'string', default: '30' },
      'learning-rate': { type: 'string', default: '0.1' },
      'api-key': { type: 'string' },
    },
  });
  if (!values.table) throw new Error('--table is required (an imported table, e.g. glove)');
  const targets = new Map((values.near ?? DEFAULT_NEAR).map((pair) => pair.split(/=(.*)/s).slice(0, 2)));
  const steps = Number(values.steps);
  const store = new Client(values.address, { apiKey: values['api-key'], timeoutMs: 60000 });
  try {
    if (!(await store.listViews(values.table)).some((v) => v.name === values.view)) {
      await store.createView(values.view, { table: values.table, mode: 'overlay', unknown: 'create', optimizer: 'adagrad', learningRate: Number(values['learning-rate']) });
    }
    const symbols = [...targets.keys()];
    // The words are pretrained rows: read once, never pushed.
    const goals = [];
    for (const symbol of symbols) {
      const words = targets.get(symbol).split(',');
      const { vectors, dim } = await store.pull(values.view, { tokens: words, unknown: 'fail' });
      goals.push(Float32Array.from({ length: dim }, (_, j) => words.reduce((sum, _w, i) => sum + vectors[i * dim + j], 0) / words.length));
    }
    const ids = await store.resolve(values.view, symbols);
    const losses = [];
    for (let step = 0; step <= steps; step++) {
      const { vectors, dim, rows } = await store.pull(values.view, { ids });
      if (!rows.every((r) => r.trainable)) throw new Error("special rows are the view's own, hence trainable");
      const gradient = new Float32Array(vectors.length);
      let loss = 0;
      for (let i = 0; i < symbols.length; i++) {
        for (let j = 0; j < dim; j++) {
          const difference = vectors[i * dim + j] - goals[i][j];
          loss += difference * difference;
          gradient[i * dim + j] = (2 * difference) / symbols.length;
        }
      }
      losses.push(loss / symbols.length);
      if (step < steps) await store.push(values.view, ids, gradient);
      if (step % 10 === 0) log(`step ${String(step).padStart(3)}  loss ${losses.at(-1).toFixed(4)}`);
    }
    log(`loss ${losses[0].toFixed(4)} -> ${losses.at(-1).toFixed(4)} over ${steps} pushes`);
    return { before: losses[0], after: losses.at(-1) };
  } finally {
    store.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();
