// trace.mjs: replay a sequential editing trace in yjs (client 1) and print the resulting doc.
//
//   node trace.mjs [path]
//
// path defaults to ../shared/data/editing-traces/automerge-paper.json.gz beside the repository
// root (resolved from this script's location, so any working directory works). Trace format:
// { endContent, txns: [{ patches: [[pos, delCount, insertText], ...] }] }. Each patch is its own
// transaction on getText('text'): delete(pos, delCount) then insert(pos, insertText), like
// Array.splice. Prints one JSON object:
//   { "endContentOk": bool (text === endContent), "length": text length in UTF-16 units,
//     "patches": number of patches, "state": b64 Y.encodeStateAsUpdate, "sv": b64 Y.encodeStateVector }

import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { fileURLToPath } from 'node:url'
import * as Y from 'yjs'
import { b64 } from './common.mjs'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const file = process.argv[2] ??
  path.join(repoRoot, '..', 'shared', 'data', 'editing-traces', 'automerge-paper.json.gz')

const trace = JSON.parse(zlib.gunzipSync(fs.readFileSync(file)).toString('utf8'))

const doc = new Y.Doc()
doc.clientID = 1
const text = doc.getText('text')
let patches = 0
for (const txn of trace.txns) {
  for (const [pos, del, ins] of txn.patches) {
    doc.transact(() => {
      if (del > 0) text.delete(pos, del)
      if (ins.length > 0) text.insert(pos, ins)
    })
    patches++
  }
}

const content = text.toString()
process.stdout.write(JSON.stringify({
  endContentOk: content === trace.endContent,
  length: content.length,
  patches,
  state: b64(Y.encodeStateAsUpdate(doc)),
  sv: b64(Y.encodeStateVector(doc))
}) + '\n')
