// The embedding store client: one channel, promise-returning calls, an API key on every call, deadlines.
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { api } from './proto.js';
import { adminMethods } from './admin.js';
import { RetryPolicy } from './retry.js';
import { rowsMethods } from './rows.js';

/** Message size limit both ways: a pull of many 300-d rows exceeds gRPC's 4 MiB default. */
export const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

/**
 * Client of one embedding store. Every method returns a promise (subscribe: an async iterable).
 * Vectors are Float32Array (row after row), row ids BigInt. Server errors reject with grpc-js's
 * ServiceError: `code` (compare with `status` from this package) and `details` naming the culprit.
 */
export class Client {
  /**
   * @param {string} address `host:port`, `http://host:port` or `https://host:port` (TLS).
   * @param {object} [options]
   * @param {string} [options.apiKey] sent on every call as `authorization: Bearer <key>`.
   * @param {string|Buffer} [options.caCert] PEM (Buffer) or PEM file path of the server's authority; implies TLS.
   * @param {number} [options.timeoutMs] deadline of each unary call; none by default.
   * @param {RetryPolicy|object} [options.pushRetry] how pushes are retried after UNAVAILABLE or DEADLINE_EXCEEDED, each
   *   attempt with the same request id and its own `timeoutMs`: a {@link RetryPolicy} or its options (default: 3 attempts;
   *   `NO_RETRY` for none). Other calls are never retried.
   */
  constructor(address = '127.0.0.1:5191', { apiKey, caCert, timeoutMs, pushRetry = new RetryPolicy() } = {}) {
    let target = address;
    let tls = caCert !== undefined;
    if (target.startsWith('https://')) { target = target.slice(8); tls = true; }
    else if (target.startsWith('http://')) target = target.slice(7);
    target = target.replace(/\/+$/, '');
    const roots = typeof caCert === 'string' ? readFileSync(caCert) : caCert;
    const credentials = tls ? grpc.credentials.createSsl(roots ?? null) : grpc.credentials.createInsecure();
    const options = { 'grpc.max_receive_message_length': MAX_MESSAGE_BYTES, 'grpc.max_send_message_length': MAX_MESSAGE_BYTES };
    this.admin = new api.Admin(target, credentials, options);
    // One connection for both services.
    this.rows = new api.Rows(target, credentials, { channelOverride: this.admin.getChannel() });
    this.metadata = new grpc.Metadata();
    if (apiKey) this.metadata.set('authorization', `Bearer ${apiKey}`);
    this.timeoutMs = timeoutMs;
    this.pushRetry = pushRetry instanceof RetryPolicy ? pushRetry : new RetryPolicy(pushRetry);
  }

  /** Waits until the store answers (it reports UNAVAILABLE while it recovers). */
  async waitUntilReady(timeoutMs = 30000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.unary(this.admin, 'ListTables', {}, { deadline: Math.max(deadline, Date.now() + 100), waitForReady: true });
        return;
      } catch (error) {
        const retry = error.code === grpc.status.UNAVAILABLE || error.code === grpc.status.DEADLINE_EXCEEDED;
        if (!retry || Date.now() >= deadline) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Closes the channel; calls in flight fail with CANCELLED. */
  close() {
    this.admin.close();
  }

  /** Calls unary `method` of `stub` as a promise, with the API key and the client's deadline. */
  unary(stub, method, request, callOptions = {}) {
    const options = { ...callOptions };
    if (options.deadline === undefined && this.timeoutMs !== undefined) options.deadline = Date.now() + this.timeoutMs;
    return new Promise((resolve, reject) => {
      stub[method](request, this.metadata, options, (error, reply) => (error ? reject(error) : resolve(reply)));
    });
  }
}

Object.assign(Client.prototype, adminMethods, rowsMethods);
