// Conversions between Float32Array and the API's packed little-endian float32 bytes.

/** Packs `values` (Float32Array or numbers), `rows` rows of equal length, into a Buffer. */
export function pack(values, rows) {
  const floats = values instanceof Float32Array ? values : Float32Array.from(values);
  if (rows === 0 ? floats.length !== 0 : floats.length === 0 || floats.length % rows !== 0) {
    throw new RangeError(`${floats.length} values do not split into ${rows} rows`);
  }
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength);
}

/** Copies `rows * dim` packed floats into a new Float32Array (message bytes need not be 4-byte aligned). */
export function unpack(bytes, rows, dim) {
  if (bytes.length !== rows * dim * 4) {
    throw new RangeError(`expected ${rows} x ${dim} floats, the server sent ${bytes.length} bytes`);
  }
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}
