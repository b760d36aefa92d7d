// engine-ywasm.mjs: the engine benchmark for ywasm (Yrs, the Rust port of yjs, compiled to WebAssembly).
//
//   node --expose-gc engine-ywasm.mjs [trace path] [--runs N] [--replay-runs N] [--state-out FILE]
//
// Prints one JSON object (scenarios: replay, serverApply, encode, decode, memory); the shape and the
// options are described in common.mjs. bench/engine.mjs runs this next to the C# and yjs benches.
// ywasm API (0.18): new YDoc({ clientID, gc }), doc.beginTransaction(origin) -> YTransaction (committed
// when freed), YText.insert(index, chunk, attributes, txn) / delete(index, length, txn) /
// toString(txn), doc.onUpdate(fn(update v1)), applyUpdate(doc, update, origin),
// encodeStateAsUpdate(doc). Documents live in WebAssembly memory and are released with free().

import fs from 'node:fs'
import { fileURLToPath } from 'node:url'
import * as Y from 'ywasm'
import { run } from './common.mjs'

const pkg = JSON.parse(fs.readFileSync(new URL('./node_modules/ywasm/package.json', import.meta.url), 'utf8'))
const observers = new WeakMap()

run({
  name: 'ywasm',
  version: pkg.version,
  memoryNote: 'for ywasm that is JS heap growth plus WebAssembly linear-memory growth (a high-water mark: it never shrinks, so it includes memory freed during the build)',
  newDoc: (clientId) => new Y.YDoc({ clientID: clientId, gc: true }),
  getText: (doc) => doc.getText('text'),
  onUpdate: (doc, fn) => observers.set(doc, doc.onUpdate((update) => fn(update))),
  transact: (doc, fn) => {
    const tx = doc.beginTransaction(undefined)
    try { fn(tx) } finally { tx.free() }
  },
  insert: (text, tx, pos, s) => text.insert(pos, s, undefined, tx),
  del: (text, tx, pos, n) => text.delete(pos, n, tx),
  toString: (text) => text.toString(undefined),
  applyUpdate: (doc, update) => Y.applyUpdate(doc, update, undefined),
  encode: (doc) => Y.encodeStateAsUpdate(doc),
  free: (doc) => { observers.get(doc)?.free(); doc.free() },
  extraMemory: () => Y.__wasm.memory.buffer.byteLength
}, fileURLToPath(import.meta.url))
