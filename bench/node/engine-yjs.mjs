// engine-yjs.mjs: the engine benchmark for yjs (the reference implementation).
//
//   node --expose-gc engine-yjs.mjs [trace path] [--runs N] [--replay-runs N] [--state-out FILE]
//
// Prints one JSON object (scenarios: replay, serverApply, encode, decode, memory); the shape and the
// options are described in common.mjs. bench/engine.mjs runs this next to the C# and ywasm benches.

import fs from 'node:fs'
import { fileURLToPath } from 'node:url'
import * as Y from 'yjs'
import { run } from './common.mjs'

const pkg = JSON.parse(fs.readFileSync(new URL('./node_modules/yjs/package.json', import.meta.url), 'utf8'))

run({
  name: 'yjs',
  version: pkg.version,
  newDoc: (clientId) => { const doc = new Y.Doc({ gc: true }); doc.clientID = clientId; return doc },
  getText: (doc) => doc.getText('text'),
  onUpdate: (doc, fn) => doc.on('update', (update) => fn(update)),
  transact: (doc, fn) => doc.transact(fn),
  insert: (text, _tx, pos, s) => text.insert(pos, s),
  del: (text, _tx, pos, n) => text.delete(pos, n),
  toString: (text) => text.toString(),
  applyUpdate: (doc, update) => Y.applyUpdate(doc, update),
  encode: (doc) => Y.encodeStateAsUpdate(doc),
  free: (doc) => doc.destroy(),
  extraMemory: () => 0
}, fileURLToPath(import.meta.url))
