// Loads the API from protos/ at run time with proto-loader: no generated code to keep in step.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const here = dirname(fileURLToPath(import.meta.url));

/** The .proto file: the packed copy (npm pack puts it in ./protos), else the repository's protos/. */
export function protoPath() {
  const candidates = [join(here, '..', 'protos', 'embedding_store.proto'), join(here, '..', '..', '..', 'protos', 'embedding_store.proto')];
  const found = candidates.find(existsSync);
  if (!found) throw new Error(`embedding_store.proto not found; looked at ${candidates.join(', ')}`);
  return found;
}

// int64 as strings (ids carry their owner's space in bits 40 and up, past 2^53), converted to BigInt
// by the client; enums as their names; unset fields present with their defaults.
const definition = protoLoader.loadSync(protoPath(), { longs: String, enums: String, defaults: true, oneofs: true });

/** The embstore.v1 package: service constructors `Admin` and `Rows`. */
export const api = grpc.loadPackageDefinition(definition).embstore.v1;

/** The value names of enum `type` (e.g. 'TrainMode'), as declared in the proto. */
export function enumNames(type) {
  return definition[`embstore.v1.${type}`].type.value.map((v) => v.name);
}
