// updates.mjs: yjs's doc-less update functions (Y.mergeUpdates, Y.diffUpdate,
// Y.encodeStateVectorFromUpdate, all v1) on realistic update streams, for the C# Updates class.
//
//   node updates.mjs --seed-from A --seed-to B
//   node updates.mjs --typing N [--seed S]
//
// MODE 1 (seeds A..B inclusive) prints one JSON line per seed; each line depends only on its seed:
//   { "seed": n, "gc": bool, "clients": [clientIDs],
//     "updates": [b64],        v1 payloads: every 'update' event of every client (local edits and
//                              remote applies), some Y.encodeStateAsUpdate(client[, sv]) snapshots
//                              (Skips when the client has pending structs), then every merge output
//                              that a later case uses as an input (appended when first reused)
//     "sources": [string],     what each entry of "updates" is (for failure messages only)
//     "cases": [case...] }
//   case = { "kind": "merge", "inputs": [index into updates], "output": b64,  Y.mergeUpdates(inputs)
//            "gcItemTie": bool }   true if one input has a GC and another an Item starting at the
//                                  same ID: yjs's decoder sort then uses an inconsistent comparator,
//                                  so which of the two it writes depends on V8's TimSort (quirk)
//        | { "kind": "diff", "input": index, "sv": b64, "output": b64 }       Y.diffUpdate(input, sv)
//        | { "kind": "sv", "input": index, "output": b64 }       Y.encodeStateVectorFromUpdate(input)
// Cases come in generation order; a merge case's inputs only refer to updates that exist already.
//
// Per seed (lib0 prng): gc on for odd seeds, off for even ones; 3-4 clients from
// {1, 300, 4294967295, 2^40+7} edit root Y.Text 't' (inserts of é/😀/𝄞/\n/CJK, also inside
// surrogate pairs, deletes, a few formats and embeds), root Y.Map 'm' (Any values, binary,
// overwrites, deletes, nested Y.Map/Y.Array/Y.Text, subdocs), root Y.Array 'a' (runs of Any
// values, deletes, nested types), root Y.XmlFragment 'x' (elements, text, attributes) and the
// nested types, and sync now and then (full, or a few raw updates out of order, which leaves
// clients with pending structs). Some seeds add typing bursts: 200-320 one-character
// transactions (and backspaces) by one or two clients, each its own update.
// Merge inputs: random subsets in random order, some with duplicates, some with earlier merge
// outputs (so Skips appear in inputs), a whole typing burst (200+ single-op updates), the whole
// pool, sometimes one or zero updates. Diff state vectors: random per-client clocks at and
// inside struct bounds (from Y.parseUpdateMeta), clocks past the end, unknown clients, the empty
// state vector, and state vectors of clients captured mid-session (partially synced docs).
// State vector cases: every merge output (they have gaps) and random pool entries.
//
// MODE 2 (--typing N) prints one JSON object: N single-edit updates of two clients typing into
// one Y.Text (mostly appends at a cursor, some backspaces and cursor jumps, occasional syncs),
// and their Y.mergeUpdates in production order:
//   { "updates": [b64], "merged": b64 }
//
// MODE 3 (--stdin 1) reads a JSON array of jobs and prints a JSON array of results, one each:
//   job = { "kind": "merge", "inputs": [b64] } | { "kind": "diff", "input": b64, "sv": b64 }
//       | { "kind": "sv", "input": b64 }
//   result = { "output": b64 | null, "error": string | null }   error = what yjs threw

import * as Y from 'yjs'
import * as prng from 'lib0/prng'
import { b64, fromB64, parseArgs, readStdin, nestedTypes } from './common.mjs'

const CLIENT_IDS = [1, 300, 4294967295, 2 ** 40 + 7]

const args = parseArgs(process.argv.slice(2), { seedFrom: 1, seedTo: 1, typing: 0, seed: 1, stdin: 0 })

const seeded = (seed) => prng.create((Math.imul((seed ^ 0x3c6ef372) >>> 0, 0x9e3779b1) >>> 0) || 1)

// ---------------------------------------------------------------- random values

const TEXT_PIECES = ['a', 'b', 'xyz', 'Hello ', 'é', '😀', '\n', 'é😀', ' ', 'ab😀cd', '𝄞x', '日本語', '\t"q"\\']
const KEYS = ['a', 'b', 'c', 'k', '1', '10', 'é', 'n']

const text = (gen) => {
  let s = ''
  for (let i = prng.int32(gen, 1, 3); i > 0; i--) s += prng.oneOf(gen, TEXT_PIECES)
  return s
}

const anyValue = (gen, depth = 0) => {
  switch (prng.int32(gen, 0, depth > 1 ? 7 : 9)) {
    case 0: return prng.int32(gen, -1000, 1000)
    case 1: return prng.oneOf(gen, [2 ** 31, -(2 ** 31), 2 ** 32, 2 ** 40, 2 ** 53 - 1, -0, 0])
    case 2: return prng.oneOf(gen, [NaN, Infinity, 1.5, 0.1, 1e21, 123.456])
    case 3: return text(gen)
    case 4: return prng.bool(gen)
    case 5: return null
    case 6: return prng.uint8Array(gen, prng.int32(gen, 0, 3))
    case 7: return prng.oneOf(gen, ['', 'x', 12345678901234n])
    case 8: return Array.from({ length: prng.int32(gen, 0, 3) }, () => anyValue(gen, depth + 1))
    default: {
      const o = {}
      for (let i = prng.int32(gen, 0, 3); i > 0; i--) o[prng.oneOf(gen, KEYS)] = anyValue(gen, depth + 1)
      return o
    }
  }
}

/** A value Y.Array#insert accepts as one element (a bigint only inside an array). */
const arrayValue = (gen) => {
  const v = anyValue(gen)
  return typeof v === 'bigint' ? [v] : v
}

const newNestedType = (gen) => {
  switch (prng.int32(gen, 0, 2)) {
    case 0: { const m = new Y.Map(); if (prng.bool(gen)) m.set('init', anyValue(gen, 1)); return m }
    case 1: { const a = new Y.Array(); if (prng.bool(gen)) a.insert(0, [arrayValue(gen), arrayValue(gen)]); return a }
    default: { const t = new Y.Text(); if (prng.bool(gen)) t.insert(0, text(gen)); return t }
  }
}

// ---------------------------------------------------------------- edits

const editText = (gen, t, allowFormat) => {
  const len = t.length
  const op = prng.int32(gen, 0, allowFormat ? 7 : 5)
  if (op <= 2 || len === 0) {
    t.insert(prng.int32(gen, 0, len), text(gen)) // may land inside a surrogate pair
  } else if (op <= 5) {
    const pos = prng.int32(gen, 0, len - 1)
    t.delete(pos, prng.int32(gen, 1, Math.min(6, len - pos)))
  } else if (op === 6) {
    const pos = prng.int32(gen, 0, len - 1)
    t.format(pos, prng.int32(gen, 1, len - pos), prng.oneOf(gen, [{ bold: true }, { bold: null }, { i: 1 }]))
  } else {
    t.insertEmbed(prng.int32(gen, 0, len), { image: 'é.png' })
  }
}

const editMap = (gen, m, root, subdocs) => {
  const op = prng.int32(gen, 0, 9)
  const key = prng.oneOf(gen, KEYS)
  if (op <= 4) m.set(key, anyValue(gen)) // often overwrites
  else if (op === 5) m.set(key, prng.uint8Array(gen, prng.int32(gen, 0, 3)))
  else if (op <= 7) m.set(key, newNestedType(gen))
  else if (op === 8 || !root) m.delete(prng.oneOf(gen, [...m.keys(), key]))
  else {
    const n = subdocs.next++
    m.set('sub', new Y.Doc({ guid: 'g' + n, ...prng.oneOf(gen, [{}, { autoLoad: true }, { meta: { n } }, { gc: false }]) }))
  }
}

const editArray = (gen, a) => {
  const len = a.length
  const op = prng.int32(gen, 0, 5)
  if (op <= 1 || len === 0) {
    a.insert(prng.int32(gen, 0, len), Array.from({ length: prng.int32(gen, 1, 6) }, () => arrayValue(gen)))
  } else if (op <= 3) {
    const pos = prng.int32(gen, 0, len - 1)
    a.delete(pos, prng.int32(gen, 1, Math.min(4, len - pos)))
  } else if (op === 4) {
    a.insert(prng.int32(gen, 0, len), [newNestedType(gen)])
  } else {
    a.insert(prng.int32(gen, 0, len), [prng.uint8Array(gen, 2), newNestedType(gen), arrayValue(gen)])
  }
}

const editXml = (gen, doc) => {
  const x = doc.getXmlFragment('x')
  const op = prng.int32(gen, 0, 4)
  if (op <= 1 || x.length === 0) {
    const el = new Y.XmlElement(prng.oneOf(gen, ['p', 'h1']))
    if (prng.bool(gen)) el.setAttribute('class', prng.oneOf(gen, ['a', 'é b']))
    if (prng.bool(gen)) { const t = new Y.XmlText(); t.insert(0, text(gen)); el.insert(0, [t]) }
    x.insert(prng.int32(gen, 0, x.length), [el])
  } else if (op === 2) {
    x.delete(prng.int32(gen, 0, x.length - 1), 1)
  } else {
    const node = x.get(prng.int32(gen, 0, x.length - 1))
    if (node instanceof Y.XmlElement) {
      if (prng.bool(gen)) node.setAttribute(prng.oneOf(gen, ['class', 'id']), text(gen))
      else if (node.length > 0 && node.get(0) instanceof Y.XmlText) editText(gen, node.get(0), false)
      else node.insert(0, [new Y.XmlText(text(gen))])
    }
  }
}

const randomOp = (gen, doc, subdocs) => {
  const r = prng.int32(gen, 0, 19)
  if (r <= 6) return editText(gen, doc.getText('t'), true)
  if (r <= 10) return editMap(gen, doc.getMap('m'), true, subdocs)
  if (r <= 13) return editArray(gen, doc.getArray('a'))
  if (r <= 15) return editXml(gen, doc)
  const nested = nestedTypes(doc)
  if (nested.length === 0) return editArray(gen, doc.getArray('a'))
  const t = prng.oneOf(gen, nested)
  if (t instanceof Y.Map) return editMap(gen, t, false, subdocs)
  if (t instanceof Y.Array) return editArray(gen, t)
  return editText(gen, t, false)
}

/** One character per transaction at a moving cursor; backspaces and jumps now and then. */
const typeBurst = (gen, doc, count, cursor) => {
  const t = doc.getText('t')
  for (let i = 0; i < count; i++) {
    if (cursor.pos > t.length || prng.int32(gen, 0, 29) === 0) cursor.pos = prng.int32(gen, 0, t.length)
    if (cursor.pos > 0 && prng.int32(gen, 0, 7) === 0) {
      t.delete(--cursor.pos, 1)
    } else {
      const c = prng.int32(gen, 0, 19) === 0 ? prng.oneOf(gen, ['é', '😀', '\n']) : String.fromCharCode(prng.int32(gen, 0x61, 0x7a))
      t.insert(cursor.pos, c)
      cursor.pos += c.length
    }
  }
}

// ---------------------------------------------------------------- one seed

/**
 * True if one input has a GC and another an Item starting at the same ID. Y.mergeUpdates sorts its
 * decoders with a comparator that returns -1 for both orders of such a pair (different
 * constructors, neither a Skip), so which one it writes depends on V8's TimSort internals rather
 * than on the input order (yjs quirk).
 */
const gcItemTie = (inputs) => {
  const kinds = new Map() // "client/clock" -> 1 (GC) | 2 (Item), or-ed
  for (const u of inputs) {
    for (const s of Y.decodeUpdate(u).structs) {
      if (s instanceof Y.Skip) continue
      const id = `${s.id.client}/${s.id.clock}`
      kinds.set(id, (kinds.get(id) ?? 0) | (s instanceof Y.GC ? 1 : 2))
    }
  }
  return [...kinds.values()].includes(3)
}

const shuffle = (gen, xs) => {
  for (let i = xs.length - 1; i > 0; i--) { const j = prng.int32(gen, 0, i); [xs[i], xs[j]] = [xs[j], xs[i]] }
  return xs
}

const pick = (gen, xs, n) => shuffle(gen, [...xs]).slice(0, n)

const runSeed = (seed) => {
  const gen = seeded(seed)
  const gc = seed % 2 === 1
  const clientIds = shuffle(gen, [...CLIENT_IDS]).slice(0, prng.int32(gen, 3, 4))

  const updates = [] // Uint8Array
  const sources = []
  const add = (u, source) => { updates.push(u); sources.push(source); return updates.length - 1 }
  const bursts = [] // [from, to) ranges of updates that are typing bursts
  const svPool = [] // state vectors of clients captured mid-session

  const clients = clientIds.map((id) => {
    const doc = new Y.Doc({ gc })
    doc.clientID = id
    doc.on('update', (u, origin) => add(u, `update event of client ${id}${origin === 'remote' ? ' (remote apply)' : ''}`))
    return doc
  })
  const subdocs = { next: 0 }
  const cursors = new Map(clients.map((c) => [c, { pos: 0 }]))

  const steps = prng.int32(gen, 50, 110)
  for (let step = 0; step < steps; step++) {
    const r = prng.int32(gen, 0, 99)
    if (r < 60) {
      const doc = prng.oneOf(gen, clients)
      const n = prng.int32(gen, 0, 3) === 0 ? prng.int32(gen, 2, 5) : 1
      doc.transact(() => { for (let i = 0; i < n; i++) randomOp(gen, doc, subdocs) })
    } else if (r < 72) {
      const [a, b] = pick(gen, clients, 2)
      Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)), 'remote')
    } else if (r < 82) { // a few raw updates, possibly out of order: a may end up with pending structs
      const a = prng.oneOf(gen, clients)
      for (let i = prng.int32(gen, 1, 3); i > 0 && updates.length > 0; i--) {
        Y.applyUpdate(a, updates[prng.int32(gen, Math.max(0, updates.length - 12), updates.length - 1)], 'remote')
      }
    } else if (r < 88) {
      const a = prng.oneOf(gen, clients)
      add(Y.encodeStateAsUpdate(a), `state of client ${a.clientID}${a.store.pendingStructs ? ' (with pending structs)' : ''}`)
    } else if (r < 92) {
      const [a, b] = pick(gen, clients, 2)
      add(Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)), `state of client ${a.clientID} diffed against client ${b.clientID}`)
    } else if (r < 96) {
      svPool.push(Y.encodeStateVector(prng.oneOf(gen, clients)))
    } else if (prng.int32(gen, 0, 2) === 0) { // typing burst: 200+ single-op updates
      const typists = pick(gen, clients, prng.int32(gen, 1, 2))
      const from = updates.length
      const total = prng.int32(gen, 200, 320)
      for (let done = 0; done < total;) {
        const n = Math.min(total - done, prng.int32(gen, 5, 60))
        const c = prng.oneOf(gen, typists)
        typeBurst(gen, c, n, cursors.get(c))
        done += n
      }
      bursts.push([from, updates.length])
    }
  }
  svPool.push(...clients.map((c) => Y.encodeStateVector(c)))

  // ------------------------------------------------------------ cases
  const cases = []
  const indices = (from, to) => Array.from({ length: to - from }, (_, i) => from + i)
  const mergeOutputs = [] // { caseIndex, updateIndex (once added) }

  const useMergeOutput = () => {
    const m = prng.oneOf(gen, mergeOutputs)
    if (m.updateIndex === undefined) m.updateIndex = add(Y.mergeUpdates(m.inputs.map((i) => updates[i])), `output of merge case ${m.caseIndex}`)
    return m.updateIndex
  }

  const randomInputs = () => {
    const n = updates.length
    switch (prng.int32(gen, 0, 9)) {
      case 0: return [prng.int32(gen, 0, n - 1)]
      case 1: return prng.int32(gen, 0, 3) === 0 ? [] : pick(gen, indices(0, n), 2)
      case 2: case 3: { // subset with duplicates
        const xs = pick(gen, indices(0, n), prng.int32(gen, 2, Math.min(n, 15)))
        for (let i = prng.int32(gen, 1, 4); i > 0; i--) xs.splice(prng.int32(gen, 0, xs.length), 0, prng.oneOf(gen, xs))
        return xs
      }
      case 4: case 5: { // earlier merge outputs next to plain updates
        if (mergeOutputs.length === 0) return pick(gen, indices(0, n), prng.int32(gen, 2, Math.min(n, 10)))
        const xs = pick(gen, indices(0, n), prng.int32(gen, 1, Math.min(n, 8)))
        for (let i = prng.int32(gen, 1, 3); i > 0; i--) xs.splice(prng.int32(gen, 0, xs.length), 0, useMergeOutput())
        return xs
      }
      case 6: { // a typing burst (200+ single-op updates), shuffled or in order, plus a few others
        if (bursts.length === 0) return shuffle(gen, indices(0, n))
        const [from, to] = prng.oneOf(gen, bursts)
        const xs = indices(from, to)
        if (prng.bool(gen)) shuffle(gen, xs)
        for (let i = prng.int32(gen, 0, 3); i > 0; i--) xs.splice(prng.int32(gen, 0, xs.length), 0, prng.int32(gen, 0, n - 1))
        return xs
      }
      case 7: return shuffle(gen, indices(0, n)) // everything
      default: return pick(gen, indices(0, n), prng.int32(gen, 2, Math.min(n, 25)))
    }
  }

  const randomSv = (update) => {
    const r = prng.int32(gen, 0, 9)
    if (r === 0) return Y.encodeStateVector(new Map())
    if (r <= 2 && svPool.length > 0) return prng.oneOf(gen, svPool)
    const { from, to } = Y.parseUpdateMeta(update)
    const sv = new Map()
    for (const [client, start] of from) {
      if (prng.int32(gen, 0, 3) === 0) continue
      const end = to.get(client)
      sv.set(client, prng.oneOf(gen, [
        0, start, end, end + prng.int32(gen, 1, 5),
        prng.int32(gen, start, end), prng.int32(gen, start, end), prng.int32(gen, 0, Math.max(0, start))
      ]))
    }
    if (prng.int32(gen, 0, 4) === 0) sv.set(prng.oneOf(gen, [7, 2 ** 33, ...clientIds]), prng.int32(gen, 0, 30))
    return Y.encodeStateVector(sv)
  }

  const mergeCount = prng.int32(gen, 8, 14)
  for (let i = 0; i < mergeCount; i++) {
    const inputs = randomInputs()
    const output = Y.mergeUpdates(inputs.map((j) => updates[j]))
    mergeOutputs.push({ caseIndex: cases.length, inputs })
    cases.push({ kind: 'merge', inputs, output: b64(output), gcItemTie: gcItemTie(inputs.map((j) => updates[j])) })
  }
  const diffCount = prng.int32(gen, 8, 14)
  for (let i = 0; i < diffCount; i++) {
    const input = prng.int32(gen, 0, 2) === 0 ? prng.int32(gen, 0, updates.length - 1) : useMergeOutput()
    const sv = randomSv(updates[input])
    cases.push({ kind: 'diff', input, sv: b64(sv), output: b64(Y.diffUpdate(updates[input], sv)) })
  }
  for (const m of mergeOutputs) {
    if (m.updateIndex === undefined && prng.bool(gen)) continue
    const input = m.updateIndex ?? add(Y.mergeUpdates(m.inputs.map((i) => updates[i])), `output of merge case ${m.caseIndex}`)
    m.updateIndex = input
    cases.push({ kind: 'sv', input, output: b64(Y.encodeStateVectorFromUpdate(updates[input])) })
  }
  for (let i = prng.int32(gen, 3, 6); i > 0; i--) {
    const input = prng.int32(gen, 0, updates.length - 1)
    cases.push({ kind: 'sv', input, output: b64(Y.encodeStateVectorFromUpdate(updates[input])) })
  }

  clients.forEach((c) => c.destroy())
  return { seed, gc, clients: clientIds, updates: updates.map(b64), sources, cases }
}

// ---------------------------------------------------------------- typing

const runTyping = (count, seed) => {
  const gen = seeded(seed)
  const updates = []
  const a = new Y.Doc()
  const b = new Y.Doc()
  a.clientID = 300
  b.clientID = 4294967295
  for (const d of [a, b]) d.on('update', (u, origin) => { if (origin !== 'remote') updates.push(u) })
  const cursors = new Map([[a, { pos: 0 }], [b, { pos: 0 }]])
  while (updates.length < count) {
    const d = prng.int32(gen, 0, 4) === 0 ? b : a
    typeBurst(gen, d, Math.min(count - updates.length, prng.int32(gen, 1, 40)), cursors.get(d))
    if (prng.int32(gen, 0, 3) === 0) {
      Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)), 'remote')
      Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)), 'remote')
    }
  }
  return { updates: updates.map(b64), merged: b64(Y.mergeUpdates(updates)) }
}

// ---------------------------------------------------------------- stdin

/** MODE 3 (--stdin): the same functions on given inputs (see the header). */
const runStdin = (jobs) => jobs.map((job) => {
  try {
    switch (job.kind) {
      case 'merge': return { output: b64(Y.mergeUpdates(job.inputs.map(fromB64))), error: null }
      case 'diff': return { output: b64(Y.diffUpdate(fromB64(job.input), fromB64(job.sv))), error: null }
      case 'sv': return { output: b64(Y.encodeStateVectorFromUpdate(fromB64(job.input))), error: null }
      default: throw new Error(`unknown kind ${job.kind}`)
    }
  } catch (e) {
    return { output: null, error: String(e.message) }
  }
})

if (args.stdin !== 0) {
  process.stdout.write(JSON.stringify(runStdin(JSON.parse(await readStdin()))) + '\n')
} else if (args.typing > 0) {
  process.stdout.write(JSON.stringify(runTyping(args.typing, args.seed)) + '\n')
} else {
  for (let seed = args.seedFrom; seed <= args.seedTo; seed++) {
    process.stdout.write(JSON.stringify(runSeed(seed)) + '\n')
  }
}
