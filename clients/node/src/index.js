// Node.js client of the embedding store: Float32Array rows, BigInt ids, promises and async iterators.
export { Client, MAX_MESSAGE_BYTES } from './client.js';
export { NO_RETRY, RetryPolicy, newRequestId } from './retry.js';
export { ImmutableRowCache } from './row-cache.js';
export { Subscription } from './subscription.js';
export { pack, unpack } from './vectors.js';
export { status } from '@grpc/grpc-js';
