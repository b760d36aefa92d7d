// session.mjs: random multi-client Yjs sessions replayed into an untyped "server" doc, step by step.
//
//   node session.mjs --seed-from A --seed-to B [--steps N]
//
// Seeds A..B inclusive; N (default 60) steps per seed (N-1 if nothing is left for the final
// merged step). Each seed's line depends only on its seed. 300 seeds take ~10 s (~55 MB).
//
// Prints one JSON line per seed:
//   { "seed": n, "gc": bool, "clients": [clientIDs], "steps": [step...] }
//   step = { "update": b64,           v1 update applied to the server in this step
//            "sv": b64,               Y.encodeStateVector(server) after it
//            "state": b64,            Y.encodeStateAsUpdate(server) after it
//            "json": string,          canonical JSON of the content (rules in common.mjs)
//            "pending": bool,         server has pending structs or a pending delete set
//            "diffs": [ { "sv": b64, "update": b64 } ] }   1-2 random target state vectors (some
//                                     clients, clocks below and sometimes above the server's) and
//                                     Y.encodeStateAsUpdate(server, sv)
//
// Per seed (deterministic, lib0 prng): gc = (seed is even); 3-4 clients with IDs from
// {1, 300, 4294967295, 2^40+7, 2^31}, all with the same gc setting. Clients edit root Y.Text 't'
// (insert with é/😀/\n, delete, format, insertEmbed), root Y.Map 'm' (lib0 Any values of every
// kind, nested Y.Map/Y.Array/Y.Text, subdocs, deletes), root Y.Array 'a' and root
// Y.XmlFragment 'x' (XmlElement + attributes, XmlText, XmlHook), one or several ops per
// transaction, and now and then sync with each other (full or a few raw updates). Every 'update'
// event of every client is queued for the server, which gets them shuffled, some duplicated and
// some held back (so pending structs/delete sets occur). Only the root text gets `format`: the
// server's roots are never typed, so yjs's formatting cleanup never runs on it, while nested text
// is always typed. The last step delivers Y.mergeUpdates of everything still queued; the script
// then checks that all clients, fully synced, have the server's JSON (and throws otherwise).

import * as Y from 'yjs'
import * as prng from 'lib0/prng'
import { b64, docJson, typedDocJson, isPending, parseArgs, nestedTypes } from './common.mjs'

const CLIENT_IDS = [1, 300, 4294967295, 2 ** 40 + 7, 2 ** 31]
const SERVER_ID = 999983 // the server never writes; fixed so no Math.random-chosen id is involved

const args = parseArgs(process.argv.slice(2), { seedFrom: 1, seedTo: 1, steps: 60 })

const seeded = (seed) => prng.create((Math.imul((seed ^ 0x5bd1e995) >>> 0, 0x9e3779b1) >>> 0) || 1)

// ---------------------------------------------------------------- random values

const TEXT_PIECES = ['a', 'b', 'xyz', 'Hello ', 'é', '😀', '\n', 'é😀', ' ', 'ab😀cd', 'ünï', '\t"q"\\']
const KEYS = ['a', 'b', 'c', 'k', '1', '10', 'é', 'n']
const FORMATS = [{ bold: true }, { bold: null }, { italic: true }, { italic: null }, { color: '#f00' }, { link: { href: 'x' } }]

// A fresh copy every time: yjs adds `key: null` entries to the attribute objects it is given.
const formatAttrs = (gen) => structuredClone(prng.oneOf(gen, FORMATS))

const text = (gen) => {
  let s = ''
  for (let i = prng.int32(gen, 1, 3); i > 0; i--) s += prng.oneOf(gen, TEXT_PIECES)
  return s
}

/** A lib0 Any value (everything writeAny supports, lone surrogates excluded). */
const anyValue = (gen, depth = 0) => {
  switch (prng.int32(gen, 0, depth > 1 ? 8 : 11)) {
    case 0: return prng.int32(gen, -1000, 1000)
    case 1: return prng.oneOf(gen, [2 ** 31, -(2 ** 31), 2 ** 31 - 1, 2 ** 32, 2 ** 40, 2 ** 53 - 1, -(2 ** 53 - 1), -0, 0])
    case 2: return prng.oneOf(gen, [NaN, Infinity, -Infinity, 1.5, 0.1, -2.75, 1e21, 1e-7, 3.4e38, 123.456])
    case 3: return text(gen)
    case 4: return prng.bool(gen)
    case 5: return null
    case 6: return prng.oneOf(gen, [12345678901234n, -9223372036854775808n, 9223372036854775807n, 0n, -1n])
    case 7: return prng.uint8Array(gen, prng.int32(gen, 0, 4))
    case 8: return prng.oneOf(gen, ['', 'x', undefined])
    case 9: return Array.from({ length: prng.int32(gen, 0, 3) }, () => anyValue(gen, depth + 1))
    case 10: return prng.oneOf(gen, [{ b: 1, 1: 2 }, { z: 'é', 10: [1], 2: null }, {}])
    default: {
      const o = {}
      for (let i = prng.int32(gen, 0, 3); i > 0; i--) o[prng.oneOf(gen, KEYS)] = anyValue(gen, depth + 1)
      return o
    }
  }
}

/** A value Y.Array#insert accepts (no top-level undefined or bigint: those go inside an array). */
const arrayValue = (gen) => {
  const v = anyValue(gen)
  return v === undefined || typeof v === 'bigint' ? [v] : v
}

const newNestedType = (gen) => {
  switch (prng.int32(gen, 0, 2)) {
    case 0: { const m = new Y.Map(); if (prng.bool(gen)) m.set('init', anyValue(gen, 1)); return m }
    case 1: { const a = new Y.Array(); if (prng.bool(gen)) a.insert(0, [arrayValue(gen)]); return a }
    default: { const t = new Y.Text(); if (prng.bool(gen)) t.insert(0, text(gen)); return t }
  }
}

// ---------------------------------------------------------------- edits

const xmlNodes = (doc) => [...doc.getXmlFragment('x').createTreeWalker(() => true)]

/** True if `index` falls between the two halves of a surrogate pair of `t`'s text. */
const splitsPair = (t, index) => {
  let pos = 0
  for (const { insert } of t.toDelta()) {
    const len = typeof insert === 'string' ? insert.length : 1
    if (index > pos && index < pos + len) {
      const c = insert.charCodeAt(index - pos - 1)
      return c >= 0xd800 && c <= 0xdbff
    }
    pos += len
  }
  return false
}

const editText = (gen, t, allowFormat) => {
  const len = t.length
  const op = prng.int32(gen, 0, allowFormat ? 5 : 2)
  if (op <= 1 || len === 0) {
    const attrs = allowFormat && prng.int32(gen, 0, 4) === 0 ? formatAttrs(gen) : undefined
    t.insert(prng.int32(gen, 0, len), text(gen), attrs)
  } else if (op === 2) {
    const pos = prng.int32(gen, 0, len - 1)
    t.delete(pos, prng.int32(gen, 1, Math.min(4, len - pos)))
  } else if (op <= 4) {
    // A format boundary inside a surrogate pair splits the pair (into two U+FFFD) only on this
    // replica when no Format item ends up there (yjs quirk): the replicas would diverge. Inserts
    // and deletes inside a pair are fine (every replica splits at the same place).
    let pos = prng.int32(gen, 0, len - 1)
    let end = prng.int32(gen, pos + 1, len)
    if (splitsPair(t, pos)) pos--
    if (splitsPair(t, end)) end++
    t.format(pos, end - pos, formatAttrs(gen))
  } else {
    t.insertEmbed(prng.int32(gen, 0, len), { image: prng.oneOf(gen, ['a.png', 'é.gif']) },
      prng.bool(gen) ? { bold: true } : undefined)
  }
}

const editMap = (gen, m, root, subdocCounter) => {
  const op = prng.int32(gen, 0, 9)
  const key = prng.oneOf(gen, KEYS)
  if (op <= 4) m.set(key, anyValue(gen))
  else if (op <= 5) m.set(key, prng.uint8Array(gen, prng.int32(gen, 0, 3))) // ContentBinary
  else if (op <= 7) m.set(key, newNestedType(gen))
  else if (op === 8 || !root) m.delete(prng.oneOf(gen, [...m.keys(), key]))
  else {
    const n = subdocCounter.next++
    const opts = prng.oneOf(gen, [{}, { autoLoad: true }, { meta: { n } }, { gc: false }])
    m.set('sub', new Y.Doc({ guid: 'g' + n, ...opts }))
  }
}

const editArray = (gen, a) => {
  const len = a.length
  const op = prng.int32(gen, 0, 5)
  if (op <= 1 || len === 0) {
    a.insert(prng.int32(gen, 0, len), Array.from({ length: prng.int32(gen, 1, 4) }, () =>
      prng.int32(gen, 0, 5) === 0 ? prng.uint8Array(gen, 2) : arrayValue(gen)))
  } else if (op <= 3) {
    const pos = prng.int32(gen, 0, len - 1)
    a.delete(pos, prng.int32(gen, 1, Math.min(3, len - pos)))
  } else if (op === 4) {
    a.push([newNestedType(gen)])
  } else {
    a.insert(prng.int32(gen, 0, len), [newNestedType(gen), arrayValue(gen)])
  }
}

const editXml = (gen, doc) => {
  const x = doc.getXmlFragment('x')
  const nodes = xmlNodes(doc)
  const node = nodes.length > 0 ? prng.oneOf(gen, nodes) : null
  const op = prng.int32(gen, 0, 7)
  if (op <= 1 || node === null) {
    const el = new Y.XmlElement(prng.oneOf(gen, ['p', 'h1', 'li']))
    if (prng.bool(gen)) el.setAttribute('class', prng.oneOf(gen, ['a', 'é b']))
    if (prng.bool(gen)) { const t = new Y.XmlText(); t.insert(0, text(gen)); el.insert(0, [t]) }
    x.insert(prng.int32(gen, 0, x.length), [el])
  } else if (op === 2) {
    x.insert(prng.int32(gen, 0, x.length), [new Y.XmlHook('h')])
  } else if (op === 3 && x.length > 0) {
    const pos = prng.int32(gen, 0, x.length - 1)
    x.delete(pos, prng.int32(gen, 1, Math.min(2, x.length - pos)))
  } else if (node instanceof Y.XmlElement) {
    const k = prng.int32(gen, 0, 3)
    if (k === 0) node.setAttribute(prng.oneOf(gen, ['class', 'id', 'data-x']), text(gen))
    else if (k === 1) node.removeAttribute(prng.oneOf(gen, ['class', 'id']))
    else if (k === 2) node.insert(prng.int32(gen, 0, node.length), [new Y.XmlText()])
    else if (node.length > 0) node.delete(prng.int32(gen, 0, node.length - 1), 1)
    else node.insert(0, [new Y.XmlElement('em')])
  } else if (node instanceof Y.XmlText) {
    editText(gen, node, false) // nested text: never `format` (see header)
  } else if (node instanceof Y.XmlHook) {
    node.set(prng.oneOf(gen, ['k', 'v']), anyValue(gen))
  }
}

const randomOp = (gen, doc, subdocCounter) => {
  const r = prng.int32(gen, 0, 19)
  if (r <= 5) return editText(gen, doc.getText('t'), true)
  if (r <= 9) return editMap(gen, doc.getMap('m'), true, subdocCounter)
  if (r <= 12) return editArray(gen, doc.getArray('a'))
  if (r <= 15) return editXml(gen, doc)
  const nested = nestedTypes(doc)
  if (nested.length === 0) return editMap(gen, doc.getMap('m'), true, subdocCounter)
  const t = prng.oneOf(gen, nested)
  if (t instanceof Y.Map) return editMap(gen, t, false, subdocCounter)
  if (t instanceof Y.Array) return editArray(gen, t)
  return editText(gen, t, false)
}

// ---------------------------------------------------------------- one seed

const randomTargetSv = (gen, server) => {
  const sv = new Map()
  for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(server))) {
    if (prng.int32(gen, 0, 2) === 0) continue
    sv.set(client, prng.int32(gen, 0, 5) === 0 ? clock + prng.int32(gen, 1, 5) : prng.int32(gen, 0, clock))
  }
  if (prng.int32(gen, 0, 5) === 0) sv.set(prng.oneOf(gen, [7, 2 ** 33]), prng.int32(gen, 0, 3))
  return Y.encodeStateVector(sv)
}

const runSeed = (seed, targetSteps) => {
  const gen = seeded(seed)
  const gc = seed % 2 === 0
  const ids = [...CLIENT_IDS]
  for (let i = ids.length - 1; i > 0; i--) { const j = prng.int32(gen, 0, i); [ids[i], ids[j]] = [ids[j], ids[i]] }
  const clientIds = ids.slice(0, prng.int32(gen, 3, 4))

  const queue = [] // undelivered update payloads, in production order
  const delivered = []
  const clients = clientIds.map((id) => {
    const doc = new Y.Doc({ gc })
    doc.clientID = id
    doc.on('update', (u) => queue.push(u))
    return doc
  })
  const ownUpdates = new Map(clients.map((c) => [c, []])) // local updates per client, for raw syncs
  clients.forEach((c) => c.on('update', (u, origin) => { if (origin !== 'remote') ownUpdates.get(c).push(u) }))

  const server = new Y.Doc({ gc })
  server.clientID = SERVER_ID
  const subdocCounter = { next: 0 }
  const steps = []

  const deliver = (update) => {
    Y.applyUpdate(server, update)
    const diffs = Array.from({ length: prng.int32(gen, 1, 2) }, () => {
      const sv = randomTargetSv(gen, server)
      return { sv: b64(sv), update: b64(Y.encodeStateAsUpdate(server, sv)) }
    })
    const state = Y.encodeStateAsUpdate(server)
    steps.push({
      update: b64(update),
      sv: b64(Y.encodeStateVector(server)),
      state: b64(state),
      json: docJson(state),
      pending: isPending(server),
      diffs
    })
  }

  while (steps.length < targetSteps - 1) {
    const r = prng.int32(gen, 0, 99)
    if (r < 38) {
      const doc = prng.oneOf(gen, clients)
      const n = prng.int32(gen, 0, 2) === 0 ? prng.int32(gen, 2, 5) : 1
      doc.transact(() => { for (let i = 0; i < n; i++) randomOp(gen, doc, subdocCounter) })
    } else if (r < 48) {
      const a = prng.oneOf(gen, clients)
      const b = prng.oneOf(gen, clients)
      if (a === b) continue
      if (prng.bool(gen)) {
        Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)), 'remote')
      } else { // a few of b's raw updates, possibly out of order (a may end up with pending structs)
        const own = ownUpdates.get(b)
        for (let i = prng.int32(gen, 1, 3); i > 0 && own.length > 0; i--) {
          Y.applyUpdate(a, own[prng.int32(gen, Math.max(0, own.length - 6), own.length - 1)], 'remote')
        }
      }
    } else if (delivered.length > 0 && r < 54) {
      deliver(prng.oneOf(gen, delivered)) // duplicate
    } else if (queue.length > 0) {
      // mostly in order; sometimes one a little further back (the skipped ones are delayed)
      const i = prng.int32(gen, 0, 9) < 3 ? prng.int32(gen, 0, Math.min(queue.length - 1, 8)) : 0
      const [u] = queue.splice(i, 1)
      delivered.push(u)
      deliver(u)
    }
  }

  // Converge: sync all clients fully (this may emit more updates, e.g. format cleanup), then give
  // the server everything still queued as one merged update.
  for (let round = 0; round < 3; round++) {
    for (const a of clients) for (const b of clients) {
      if (a !== b) Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)), 'remote')
    }
  }
  if (queue.length > 0) deliver(Y.mergeUpdates(queue.splice(0)))

  const serverJson = steps[steps.length - 1].json
  if (isPending(server)) throw new Error(`seed ${seed}: server still pending after the final merged update`)
  for (const c of clients) {
    if (isPending(c)) throw new Error(`seed ${seed}: client ${c.clientID} still pending`)
    const json = typedDocJson(c)
    if (json !== serverJson) {
      throw new Error(`seed ${seed}: client ${c.clientID} diverged\nclient ${json}\nserver ${serverJson}`)
    }
  }
  clients.forEach((c) => c.destroy())
  server.destroy()
  return { seed, gc, clients: clientIds, steps }
}

for (let seed = args.seedFrom; seed <= args.seedTo; seed++) {
  process.stdout.write(JSON.stringify(runSeed(seed, args.steps)) + '\n')
}
