// apply.mjs: apply v1 updates (e.g. produced by the C# engine) to a fresh yjs doc and report its state.
//
//   echo '{ "gc": true, "updates": ["<b64>", ...] }' | node apply.mjs
//
// The doc is `new Y.Doc({ gc })` with untyped roots (no formatting cleanup, like session.mjs's
// server); updates are applied in order with Y.applyUpdate. Prints one JSON object:
//   { "sv": b64 Y.encodeStateVector(doc), "state": b64 Y.encodeStateAsUpdate(doc),
//     "json": canonical JSON string (rules in common.mjs), "pending": bool,
//     "error": null | message of the exception thrown by Y.applyUpdate,
//     "failedAt": null | index of the update that threw (later updates are not applied) }
// After an error the doc is reported as yjs left it (possibly half-applied).
// Batch form: stdin may be a JSON array of such jobs; the output is then an array of results.

import * as Y from 'yjs'
import { b64, docJson, fromB64, isPending, readStdin } from './common.mjs'

const run = ({ gc = true, updates }) => {
  const doc = new Y.Doc({ gc })
  doc.clientID = 999983 // never writes; fixed so no random id is involved
  let error = null
  let failedAt = null
  for (let i = 0; i < updates.length; i++) {
    try {
      Y.applyUpdate(doc, fromB64(updates[i]))
    } catch (e) {
      error = String(e?.message ?? e)
      failedAt = i
      break
    }
  }
  const state = Y.encodeStateAsUpdate(doc)
  const result = {
    sv: b64(Y.encodeStateVector(doc)),
    state: b64(state),
    json: docJson(state),
    pending: isPending(doc),
    error,
    failedAt
  }
  doc.destroy()
  return result
}

const input = JSON.parse(await readStdin())
process.stdout.write(JSON.stringify(Array.isArray(input) ? input.map(run) : run(input)) + '\n')
