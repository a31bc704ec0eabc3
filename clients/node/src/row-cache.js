// Rows the store marked immutable, kept on the client so that `pull(cache, { ids })` pulls each once.

const BLOCK_ROWS = 4096;

/**
 * The rows of one view that the store marked `immutable` (a table's base rows read through views none of which
 * is a fine-tune view, a static view's or a snapshot's own rows, the padding row). `store.pull(cache, { ids })`
 * serves them from here and asks the store only for the others; rows the store may still change are never kept.
 * At most `capacity` rows are kept (the first ones seen), in growing Float32Array blocks. A kept row is served even
 * after its view, its table or the row itself was deleted: the next call that reaches the store tells.
 * `hits` and `misses` count the rows served from here and those pulled from the store.
 */
export class ImmutableRowCache {
  #slots = new Map(); // BigInt id -> { slot, meta }
  #blocks = [];
  #dim = 0;

  /**
   * @param {string} view the view whose rows this cache keeps; pulls through the cache read it.
   * @param {number} capacity the most rows kept, e.g. the size of the vocabulary a model reads.
   */
  constructor(view, capacity) {
    if (typeof view !== 'string' || view === '') throw new TypeError('view must be a non-empty string');
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`capacity must be a whole number >= 0, not ${capacity}`);
    this.view = view;
    this.capacity = capacity;
    this.hits = 0;
    this.misses = 0;
  }

  /** The dimension of the rows kept (0 until the first row). */
  get dim() { return this.#dim; }

  /** Rows kept. */
  get size() { return this.#slots.size; }

  /** Whether the row `id` is kept. */
  has(id) { return this.#slots.has(BigInt(id)); }

  /** Copies the row kept for `id` into `destination` at `offset` and returns its meta; undefined when not kept. */
  get(id, destination, offset = 0) {
    const entry = this.#slots.get(BigInt(id));
    if (entry === undefined) return undefined;
    destination.set(this.#row(entry.slot), offset);
    return entry.meta;
  }

  /** Keeps the row if its meta is `immutable` and there is room; throws a RangeError if its length differs from the rows kept. */
  offer(meta, vector) {
    if (!meta.immutable) return;
    if (this.#dim === 0) this.#dim = vector.length;
    if (vector.length !== this.#dim) throw new RangeError(`a row of ${vector.length} floats offered to a cache of ${this.#dim}-d rows`);
    const id = BigInt(meta.id);
    if (this.#slots.size >= this.capacity || this.#slots.has(id)) return;
    const slot = this.#slots.size;
    // A block at slot k * BLOCK_ROWS holds the next BLOCK_ROWS rows, or fewer when the capacity ends sooner.
    if (slot % BLOCK_ROWS === 0) this.#blocks.push(new Float32Array(Math.min(BLOCK_ROWS, this.capacity - slot) * this.#dim));
    this.#row(slot).set(vector);
    this.#slots.set(id, { slot, meta });
  }

  #row(slot) {
    const start = (slot % BLOCK_ROWS) * this.#dim;
    return this.#blocks[Math.floor(slot / BLOCK_ROWS)].subarray(start, start + this.#dim);
  }
}
