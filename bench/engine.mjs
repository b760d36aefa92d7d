#!/usr/bin/env node
// engine.mjs: the engine benchmark, ours (C#) against yjs and ywasm, measured side by side in one run.
//
//   node bench/engine.mjs [trace path] [--runs N] [--ywasm-replay-runs N] [--json FILE]
//
//   trace path             default ../shared/data/editing-traces/automerge-paper.json.gz beside the repo;
//                          when missing, every engine replays the same generated sequential trace instead
//                          and the output says so
//   --runs N               timed runs per scenario after one warm-up, median reported (default 5)
//   --ywasm-replay-runs N  timed runs of ywasm's local replay, which takes about a minute and a half
//                          per run here (default 1, and no warm-up for it)
//   --json FILE            also write every engine's raw results there
//
// Steps: npm ci in bench/node when node_modules is missing or older than the lockfile; dotnet build -c
// Release of bench/Diaryx.Sync.Lite.Bench; then, one after the other (never in parallel), the C#
// bench, bench/node/engine-yjs.mjs and bench/node/engine-ywasm.mjs, each printing one JSON object.
// Prints a table (rows: scenarios; columns: ours, yjs, ywasm, ours/yjs, ours/ywasm, a ratio < 1 meaning
// ours is faster or smaller) and the correctness checks: final texts, and whether our encoded state
// and per-patch updates are byte-identical to yjs's. Asserts no timings; exits non-zero only when an
// engine fails or a check does not hold. Progress goes to stderr, the report to stdout.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { markdownTable } from './table.mjs'
import { fileURLToPath } from 'node:url'

const benchDir = path.dirname(fileURLToPath(import.meta.url))
const repoRoot = path.resolve(benchDir, '..')
const nodeDir = path.join(benchDir, 'node')
const csDir = path.join(benchDir, 'Diaryx.Sync.Lite.Bench')

const args = process.argv.slice(2)
const opt = (name, def) => { const i = args.indexOf(name); if (i < 0) return def; const v = args[i + 1]; args.splice(i, 2); return v }
const runs = opt('--runs', '5')
const ywasmReplayRuns = opt('--ywasm-replay-runs', '1')
const jsonOut = opt('--json', null)
const tracePath = path.resolve(args[0] ?? path.join(repoRoot, '..', 'shared', 'data', 'editing-traces', 'automerge-paper.json.gz'))

const log = (msg) => process.stderr.write(`[bench] ${msg}\n`)
const sh = (cmd, cmdArgs, cwd, what) => {
  log(`${what}: ${cmd} ${cmdArgs.join(' ')}`)
  const started = Date.now()
  const r = spawnSync(cmd, cmdArgs, { cwd, encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] })
  log(`${what}: done in ${((Date.now() - started) / 1000).toFixed(0)} s`)
  return r
}
const fail = (msg) => { process.stderr.write(`\n[bench] FAILED: ${msg}\n`); process.exit(1) }

// 1. Node dependencies, from the committed lockfile.
const lock = path.join(nodeDir, 'package-lock.json')
const installed = path.join(nodeDir, 'node_modules', '.package-lock.json')
if (!fs.existsSync(installed) || fs.statSync(installed).mtimeMs < fs.statSync(lock).mtimeMs) {
  const r = sh('npm', ['ci', '--no-audit', '--no-fund'], nodeDir, 'npm ci')
  if (r.status !== 0) fail(`npm ci in ${nodeDir}:\n${r.stdout}${r.stderr}`)
}

// 2. The C# bench, in Release.
{
  const r = sh('dotnet', ['build', '-c', 'Release', '-nologo', '-v', 'q', '-clp:NoSummary;ErrorsOnly'], csDir, 'dotnet build')
  if (r.status !== 0) fail(`dotnet build -c Release of ${csDir}:\n${r.stdout}${r.stderr}`)
}
const csDll = path.join(csDir, 'bin', 'Release', 'net10.0', 'diaryx-sync-lite-bench.dll')

// 3. The three engines, one after the other.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'diaryx-engine-bench-'))
const load = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
const loadBefore = fs.existsSync('/proc/loadavg') ? load() : 'n/a'
const git = (gitArgs) => { const r = spawnSync('git', gitArgs, { cwd: repoRoot, encoding: 'utf8' }); return r.status === 0 ? r.stdout.trim() : null }
const commit = git(['rev-parse', '--short', 'HEAD'])
const dirty = commit && git(['status', '--porcelain', '--untracked-files=no', '--', '.', ':!bench'])
const revision = commit ? `${commit}${dirty ? ' plus uncommitted changes' : ''}` : 'n/a (not a git checkout)'
const engines = [
  { key: 'ours', cmd: 'dotnet', args: [csDll], extra: [] },
  { key: 'yjs', cmd: process.execPath, args: ['--expose-gc', path.join(nodeDir, 'engine-yjs.mjs')], extra: [] },
  { key: 'ywasm', cmd: process.execPath, args: ['--expose-gc', path.join(nodeDir, 'engine-ywasm.mjs')], extra: ['--replay-runs', ywasmReplayRuns, '--replay-warmup', '0'] }
]
const results = {}
const stateFiles = {}
const updateFiles = {}
for (const e of engines) {
  stateFiles[e.key] = path.join(tmp, `${e.key}-state.bin`)
  updateFiles[e.key] = path.join(tmp, `${e.key}-updates.bin`)
  const r = sh(e.cmd, [...e.args, tracePath, '--runs', runs, ...e.extra, '--state-out', stateFiles[e.key], '--updates-out', updateFiles[e.key]], repoRoot, e.key)
  try {
    results[e.key] = JSON.parse(r.stdout)
  } catch {
    results[e.key] = { engine: e.key, scenarios: {}, errors: [`exit code ${r.status}, no JSON on stdout; stderr:\n${r.stderr}\nstdout:\n${r.stdout}`] }
  }
  if (r.status !== 0 && !(results[e.key].errors ?? []).length) results[e.key].errors = [`exit code ${r.status}: ${r.stderr}`]
}
const loadAfter = fs.existsSync('/proc/loadavg') ? load() : 'n/a'

// 4. Byte comparisons against yjs.
const compareFiles = (a, b) => {
  if (!fs.existsSync(a) || !fs.existsSync(b)) return { same: false, text: 'n/a (missing output)' }
  const x = fs.readFileSync(a)
  const y = fs.readFileSync(b)
  if (x.equals(y)) return { same: true, text: `identical (${x.length.toLocaleString('en-US')} bytes)` }
  let i = 0
  while (i < x.length && i < y.length && x[i] === y[i]) i++
  return { same: false, text: `DIFFERENT (${x.length.toLocaleString('en-US')} vs ${y.length.toLocaleString('en-US')} bytes, first difference at byte ${i})` }
}
const updatesDiff = (a, b) => {
  if (!fs.existsSync(a) || !fs.existsSync(b)) return { same: false, text: 'n/a (missing output)' }
  const split = (buf) => { const out = []; for (let o = 0; o < buf.length;) { const n = buf.readUInt32LE(o); out.push(buf.subarray(o + 4, o + 4 + n)); o += 4 + n } return out }
  const x = split(fs.readFileSync(a))
  const y = split(fs.readFileSync(b))
  const total = x.reduce((n, u) => n + u.length, 0)
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (!x[i].equals(y[i])) return { same: false, text: `DIFFERENT (first at patch ${i}: ${x[i].toString('hex')} vs ${y[i].toString('hex')})` }
  }
  if (x.length !== y.length) return { same: false, text: `DIFFERENT (${x.length} vs ${y.length} updates)` }
  return { same: true, text: `identical (${x.length.toLocaleString('en-US')} updates, ${total.toLocaleString('en-US')} bytes)` }
}
const oursState = compareFiles(stateFiles.ours, stateFiles.yjs)
const ywasmState = compareFiles(stateFiles.ywasm, stateFiles.yjs)
const oursUpdates = updatesDiff(updateFiles.ours, updateFiles.yjs)
const ywasmUpdates = updatesDiff(updateFiles.ywasm, updateFiles.yjs)
fs.rmSync(tmp, { recursive: true, force: true })

// 5. The report.
const get = (key, p) => p.split('.').reduce((o, k) => (o == null ? undefined : o[k]), results[key]?.scenarios)
const ms = (x) => (x == null ? '–' : x >= 100 ? `${Math.round(x).toLocaleString('en-US')} ms` : `${x.toFixed(1)} ms`)
const bytes = (x) => (x == null ? '–' : `${x.toLocaleString('en-US')} B`)
const mb = (x) => (x == null ? '–' : `${(x / 1048576).toFixed(2)} MB`)
const ratio = (a, b) => (a == null || b == null || b === 0 ? '–' : (a / b).toFixed(2))
const rows = [
  ['1. local replay, 1 txn per patch', 'replay.ms', ms],
  ['2. server apply of every update', 'serverApply.ms', ms],
  ['3. encode state (v1)', 'encode.ms', ms],
  ['3. state size (v1)', 'encode.bytes', bytes],
  ['4. decode state into a fresh doc', 'decode.ms', ms],
  ['5. memory, replayed doc', 'memory.replayed.bytes', mb],
  ['5. memory, doc loaded from state', 'memory.loaded.bytes', mb]
]
const header = ['scenario', 'ours', 'yjs', 'ywasm', 'ours/yjs', 'ours/ywasm']
const table = rows.map(([label, p, fmt]) => {
  const [o, y, w] = ['ours', 'yjs', 'ywasm'].map((k) => get(k, p))
  return [label, fmt(o), fmt(y), fmt(w), ratio(o, y), ratio(o, w)]
})
const trace = results.yjs?.trace ?? results.ours?.trace ?? {}
const out = []
out.push(`Engine benchmark: ${trace.generated ? 'GENERATED TRACE — ' : ''}${trace.source ?? tracePath}`)
out.push(`  ${(trace.patches ?? 0).toLocaleString('en-US')} patches, final text ${(trace.endLength ?? 0).toLocaleString('en-US')} chars`)
if (trace.generated) out.push('  (the trace file was not found, so every engine replayed the same generated sequential trace instead)')
const traces = ['ours', 'yjs', 'ywasm'].map((k) => results[k]?.trace).filter(Boolean)
if (traces.some((t) => t.patches !== trace.patches || t.endLength !== trace.endLength || t.generated !== trace.generated)) {
  out.push(`  WARNING: the engines did not replay the same trace: ${JSON.stringify(traces)}`)
}
out.push(`ours:  ${results.ours?.runtime ?? '?'}, engine at ${revision}`)
out.push(`yjs:   ${results.yjs?.version ?? '?'} on ${results.yjs?.runtime ?? '?'}`)
out.push(`ywasm: ${results.ywasm?.version ?? '?'} on ${results.ywasm?.runtime ?? '?'}`)
out.push(`load average (1/5/15 min) before: ${loadBefore}, after: ${loadAfter}`)
out.push('')
out.push(...markdownTable(header, table))
out.push('')
out.push('ratio < 1: ours is faster / smaller.')
out.push('')
out.push('Checks:')
const textOk = (k) => ['replay', 'serverApply', 'decode'].map((s) => `${s} ${get(k, `${s}.textOk`) === true ? 'ok' : get(k, `${s}.textOk`) === false ? 'WRONG' : '–'}`).join(', ')
for (const k of ['ours', 'yjs', 'ywasm']) out.push(`  final text == endContent (${k}): ${textOk(k)}; server doc state == replayed state: ${get(k, 'serverApply.stateEqualsReplay') ?? '–'}`)
out.push(`  encoded state, ours vs yjs:   ${oursState.text}`)
out.push(`  per-patch updates, ours vs yjs: ${oursUpdates.text}`)
out.push(`  encoded state, ywasm vs yjs:  ${ywasmState.text}`)
out.push(`  per-patch updates, ywasm vs yjs: ${ywasmUpdates.text}`)
out.push('')
out.push('Method:')
for (const k of ['ours', 'yjs', 'ywasm']) {
  if (!results[k]?.method) continue
  out.push(`  ${k} timing: ${results[k].method.timing}`)
  out.push(`  ${k} memory: ${results[k].method.memory}`)
}
out.push('  server apply: the per-patch v1 updates the engine itself emitted in 1, applied in order to a fresh doc.')
const errors = Object.entries(results).flatMap(([k, r]) => (r.errors ?? []).map((e) => `${k}: ${e}`))
if (errors.length) {
  out.push('')
  out.push('ERRORS:')
  for (const e of errors) out.push(`  ${e}`)
}
process.stdout.write(out.join('\n') + '\n')
if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify(results, null, 2) + '\n')

const checksHold = oursState.same && oursUpdates.same && errors.length === 0 &&
  ['replay', 'serverApply', 'decode'].every((s) => get('ours', `${s}.textOk`) === true)
process.exit(checksHold ? 0 : 1)
