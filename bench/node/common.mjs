// common.mjs: the engine-independent half of the Node engine benchmarks (engine-yjs.mjs, engine-ywasm.mjs).
//
// An engine adapter is { name, version, newDoc(clientId), getText(doc), onUpdate(doc, fn),
// transact(doc, fn), insert(text, tx, pos, s), del(text, tx, pos, n), toString(text),
// applyUpdate(doc, u), encode(doc), free(doc), extraMemory() }; run(adapter) parses the command line,
// runs the scenarios and prints one JSON object on stdout. The C# bench (bench/Diaryx.Sync.Lite.Bench)
// prints the same shape; bench/engine.mjs runs all three and prints the comparison table.
//
// Command line (all optional):
//   [trace path]           default ../shared/data/editing-traces/automerge-paper.json.gz beside the repo
//   --runs N               timed runs per scenario after one warm-up (default 5; median reported)
//   --replay-runs N        timed runs of the (slow) local replay (default: --runs)
//   --replay-warmup N      untimed runs of the local replay before those (default 1)
//   --state-out FILE       write the encoded final state (update v1) there
//   --updates-out FILE     write the per-patch updates there (u32 little-endian length + bytes, each)
//   --no-memory            skip the memory scenario
// Internal: --memory-child replay|load FILE (measure one document in a fresh process; see below).
//
// Trace format: { startContent, endContent, txns: [{ patches: [[pos, delCount, insertText], ...] }] };
// each patch is its own transaction: delete(pos, delCount) then insert(pos, insertText), like
// Array.splice. Positions are code points in the trace format and UTF-16 units here: equal for BMP-only
// traces (all of josephg/editing-traces' sequential ones). When the file is missing, a sequential
// trace is generated (generateTrace; the C# bench has the same generator) and the output says so.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import crypto from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
export const defaultTracePath = path.join(repoRoot, '..', 'shared', 'data', 'editing-traces', 'automerge-paper.json.gz')

/**
 * A generated sequential trace (the fallback when the trace file is missing; the C# bench has the same
 * generator): one author typing at a cursor, 1 edit in 10 a backspace, the cursor jumping to a random
 * place after 1 edit in 50. Random numbers: MINSTD (seed 42, x = x * 48271 mod 2^31 - 1), exact in
 * doubles and in C# longs.
 */
export const generatedTraceSize = 100000
export const generateTrace = (count = generatedTraceSize) => {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz '
  let seed = 42
  const next = () => (seed = (seed * 48271) % 2147483647)
  const txns = []
  let text = ''
  let cursor = 0
  for (let i = 0; i < count; i++) {
    if (next() % 10 === 0 && cursor > 0) {
      txns.push({ patches: [[cursor - 1, 1, '']] })
      text = text.slice(0, cursor - 1) + text.slice(cursor)
      cursor--
    } else {
      const c = alphabet[next() % alphabet.length]
      txns.push({ patches: [[cursor, 0, c]] })
      text = text.slice(0, cursor) + c + text.slice(cursor)
      cursor++
    }
    if (next() % 50 === 0) cursor = next() % (text.length + 1)
  }
  return { startContent: '', endContent: text, txns }
}

export const loadTrace = (file) => {
  if (!fs.existsSync(file)) {
    return { trace: generateTrace(), source: `generated (${file} not found): ${generatedTraceSize} edits of one author typing at a moving cursor, 1 in 10 a backspace`, generated: true }
  }
  let buf = fs.readFileSync(file)
  if (file.endsWith('.gz')) buf = zlib.gunzipSync(buf)
  return { trace: JSON.parse(buf.toString('utf8')), source: path.resolve(file), generated: false }
}

/** The trace as a flat array of patches [pos, del, ins], startContent first as an insert at 0. */
export const flatten = (trace) => {
  const patches = []
  if (trace.startContent) patches.push([0, 0, trace.startContent])
  for (const txn of trace.txns) for (const p of txn.patches) patches.push(p)
  return patches
}

const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex')
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2 }
const round = (x) => Math.round(x * 1000) / 1000
const gc = () => { if (global.gc) { global.gc(); global.gc() } }

/**
 * `warmups` untimed runs (default 1), then `runs` timed runs (GC before each); returns { result of the
 * last run, ms: median, min, runs: [...] }. dispose(result) releases the results of the other runs
 * (ywasm documents live in WebAssembly memory and must be freed).
 */
const timed = (runs, fn, dispose = () => {}, warmups = 1) => {
  let result
  for (let i = 0; i < warmups; i++) { if (result !== undefined) dispose(result); result = fn() }
  const times = []
  for (let i = 0; i < runs; i++) {
    if (result !== undefined) dispose(result)
    result = undefined
    gc()
    const t0 = process.hrtime.bigint()
    result = fn()
    times.push(Number(process.hrtime.bigint() - t0) / 1e6)
  }
  return { result, ms: round(median(times)), min: round(Math.min(...times)), runs: times.map(round) }
}

const replay = (E, patches, collect = true) => {
  const doc = E.newDoc(1)
  const text = E.getText(doc)
  const updates = []
  if (collect) E.onUpdate(doc, (u) => updates.push(u))
  for (const [pos, del, ins] of patches) {
    E.transact(doc, (tx) => {
      if (del > 0) E.del(text, tx, pos, del)
      if (ins.length > 0) E.insert(text, tx, pos, ins)
    })
  }
  return { doc, text, updates }
}

const applyAll = (E, updates) => {
  const doc = E.newDoc(2)
  for (const u of updates) E.applyUpdate(doc, u)
  return doc
}

const decode = (E, state) => {
  const doc = E.newDoc(3)
  E.applyUpdate(doc, state)
  return doc
}

const textOf = (E, doc) => E.toString(E.getText(doc))

const writeUpdates = (file, updates) => {
  const parts = []
  for (const u of updates) {
    const len = Buffer.alloc(4)
    len.writeUInt32LE(u.length)
    parts.push(len, Buffer.from(u.buffer, u.byteOffset, u.byteLength))
  }
  fs.writeFileSync(file, Buffer.concat(parts))
}

/**
 * Memory held by one document, measured in a fresh process (node --expose-gc): after loading the trace
 * (or reading the state), force GC and read process.memoryUsage(); build the document; force GC
 * again and read it again, the document still referenced. bytes = growth of heapUsed plus growth of the
 * engine's own memory outside the JS heap (adapter.extraMemory(): ywasm's WebAssembly linear memory,
 * whose size is a high-water mark that never shrinks, so transient allocations count too).
 */
const memoryChild = async (E, mode, file) => {
  // One global.gc() right after a big allocation does not free everything (V8 drops some of it only on
  // a later cycle), so collect across a few event-loop turns until heapUsed stops falling.
  const settle = async () => {
    let last = Infinity
    for (let i = 0; i < 10; i++) {
      gc()
      await new Promise((resolve) => setImmediate(resolve))
      const used = process.memoryUsage().heapUsed
      if (used >= last) break
      last = used
    }
  }
  const snap = async () => { await settle(); const m = process.memoryUsage(); return { heap: m.heapUsed, rss: m.rss, extra: E.extraMemory() } }
  let input
  if (mode === 'replay') input = flatten(loadTrace(file).trace)
  else input = new Uint8Array(fs.readFileSync(file))
  const before = await snap()
  const doc = mode === 'replay' ? replay(E, input, false).doc : decode(E, input)
  const after = await snap()
  const length = textOf(E, doc).length
  if (input.length === 0) throw new Error('empty input') // keeps the input alive until after the second reading
  process.stdout.write(JSON.stringify({
    bytes: after.heap - before.heap + after.extra - before.extra,
    heapBytes: after.heap - before.heap,
    extraBytes: after.extra - before.extra,
    rssBytes: after.rss - before.rss,
    length
  }) + '\n')
}

const runMemoryChild = (script, mode, file) => {
  const r = spawnSync(process.execPath, ['--expose-gc', script, '--memory-child', mode, file], { encoding: 'utf8', maxBuffer: 1 << 26 })
  if (r.status !== 0) throw new Error(`memory child (${mode}) failed: ${r.stderr}`)
  return JSON.parse(r.stdout)
}

export const run = (E, script) => {
  const args = process.argv.slice(2)
  const opt = (name, def) => { const i = args.indexOf(name); if (i < 0) return def; const v = args[i + 1]; args.splice(i, 2); return v }
  const flag = (name) => { const i = args.indexOf(name); if (i < 0) return false; args.splice(i, 1); return true }
  const memChild = opt('--memory-child', null)
  if (memChild) { memoryChild(E, memChild, args[0]).catch((e) => { console.error(e); process.exitCode = 1 }); return }
  const runs = Number(opt('--runs', '5'))
  const replayRuns = Number(opt('--replay-runs', String(runs)))
  const replayWarmups = Number(opt('--replay-warmup', '1'))
  const stateOut = opt('--state-out', null)
  const updatesOut = opt('--updates-out', null)
  const noMemory = flag('--no-memory')
  const traceFile = args[0] ?? defaultTracePath
  if (!global.gc) throw new Error('run with node --expose-gc')

  const { trace, source, generated } = loadTrace(traceFile)
  const patches = flatten(trace)
  const out = {
    engine: E.name,
    version: E.version,
    runtime: `node ${process.version}, ${os.cpus().length} cores`,
    trace: { source, generated, patches: patches.length, endLength: trace.endContent.length },
    method: {
      timing: `wall clock (process.hrtime); 1 warm-up run, then the median of ${runs} runs ` +
        `(local replay: ${replayWarmups} warm-up, ${replayRuns} timed); full GC before each run`,
      memory: 'fresh node --expose-gc process per document: (heapUsed + engine memory outside the JS heap) after GC with the document alive, minus the same before building it' +
        (E.memoryNote ? `; ${E.memoryNote}` : '')
    },
    scenarios: {},
    errors: []
  }
  const S = out.scenarios

  // 1. local replay as client 1, one transaction per patch, collecting the v1 update of each.
  const r1 = timed(replayRuns, () => replay(E, patches), (r) => E.free(r.doc), replayWarmups)
  const { doc, updates } = r1.result
  const updateBytes = updates.reduce((n, u) => n + u.length, 0)
  const hash = crypto.createHash('sha256')
  for (const u of updates) hash.update(u)
  S.replay = { ms: r1.ms, min: r1.min, runs: r1.runs, textOk: textOf(E, doc) === trace.endContent, updates: updates.length, updateBytes, updatesSha256: hash.digest('hex') }
  if (!S.replay.textOk) out.errors.push('local replay: final text differs from endContent')

  // 3. encode the final state (v1).
  const r3 = timed(runs, () => E.encode(doc))
  const state = r3.result
  S.encode = { ms: r3.ms, min: r3.min, runs: r3.runs, bytes: state.length, sha256: sha256(state) }
  if (stateOut) fs.writeFileSync(stateOut, state)
  if (updatesOut) writeUpdates(updatesOut, updates)

  // 2. "server apply": every per-patch update, in order, into a fresh doc.
  const r2 = timed(runs, () => applyAll(E, updates), (d) => E.free(d))
  const server = r2.result
  const serverState = E.encode(server)
  S.serverApply = { ms: r2.ms, min: r2.min, runs: r2.runs, textOk: textOf(E, server) === trace.endContent, stateEqualsReplay: sha256(serverState) === S.encode.sha256 }
  if (!S.serverApply.textOk) out.errors.push('server apply: final text differs from endContent')
  E.free(server)

  // 4. decode: the final state into a fresh doc.
  const r4 = timed(runs, () => decode(E, state), (d) => E.free(d))
  S.decode = { ms: r4.ms, min: r4.min, runs: r4.runs, textOk: textOf(E, r4.result) === trace.endContent }
  if (!S.decode.textOk) out.errors.push('decode: final text differs from endContent')
  E.free(r4.result)
  E.free(doc)

  // 5. memory of the replayed document and of the document loaded from the state.
  if (!noMemory) {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'diaryx-bench-'))
    try {
      const stateFile = path.join(tmp, 'state.bin')
      fs.writeFileSync(stateFile, state)
      S.memory = { replayed: runMemoryChild(script, 'replay', traceFile), loaded: runMemoryChild(script, 'load', stateFile) }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true })
    }
  }
  process.stdout.write(JSON.stringify(out, null, 2) + '\n')
}
