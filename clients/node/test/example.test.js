// The fine-tuning example runs against the real store and brings its special rows nearer their goal.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { main } from '../examples/finetune-special-rows.js';
import { address, fresh, storeWithSmallTable } from './support.js';

test('finetune-special-rows: on the small table the loss falls below half', async (t) => {
  const { table } = await storeWithSmallTable(t);
  const { before, after } = await main(['--address', address(), '--table', table, '--view', fresh('ft'),
    '--near', '@user=good,great', '--near', '<num>=movie', '--steps', '30'], () => {});
  assert.ok(after < before / 2, `loss ${before} -> ${after}`);
});
