#!/usr/bin/env node
// server.mjs: the server benchmark, our published executable against Hocuspocus 4.7.0 and
// @y/websocket-server 0.1.1, in one run on this machine, driven by one Node load generator
// (bench/node/server-load.mjs).
//
//   node bench/server.mjs [--quick] [--only 1,2,...] [--servers ours,hocuspocus,yws] [--json FILE]
//        [--fan-docs N] [--fan-clients N] [--fan-rate N] [--fan-seconds N] [--fan-size N] [--fan-rounds N]
//        [--ws-docs N] [--ws-size N] [--idle-docs N] [--idle-size N] [--durable-docs N]
//        [--durable-updates N] [--big-clients N] [--big-rounds N] [--cold-runs N] [--trace PATH]
//
// Defaults are the numbers (fan-out 50 docs × 10 clients × 5/s × 30 s, 1,000-doc workspace,
// 10,000 idle docs, 50 clients on the big doc); --quick shrinks them (fan-out 10 × 5 × 5/s × 10 s,
// 300-doc workspace, 2,000 idle docs, 10,000 durable updates, 20 big-doc clients). Fan-out and the
// big document run in 3 rounds (--quick: 1), the servers taking turns in an order that rotates each
// round, because on a 2-core machine their figures drift by a third from one run to the next and
// whoever runs first fares worse; the table shows each figure's median over the rounds.
//
// Steps: npm ci in bench/node when node_modules is missing or older than the lockfile; dotnet publish
// -c Release (Native AOT) of Diaryx.Sync.Lite.csproj into a temp dir; then, per server and per
// scenario, one after the other, a fresh server process on a free 127.0.0.1 port with a fresh temp
// data dir, stopped afterwards. Server CPU = utime+stime from /proc/<pid>/stat, peak RSS = VmHWM,
// RSS = VmRSS from /proc/<pid>/status. Prints the table (ratio < 1: ours is faster/smaller) and the
// raw numbers. Asserts no timings; exits non-zero only when a server fails to start or updates are lost.
//
// Sockets: ours multiplexes /sync2 where a client would (workspace open, idle footprint, the reopen
// after a kill), the others get one socket per document there (Hocuspocus could multiplex, but with
// 10,000 documents on one socket it did not sync within 120 s here); in fan-out, durable writes and
// the big document every client has its own socket on every server. Persistence: ours always logs
// every update; Hocuspocus gets @hocuspocus/extension-sqlite and y-websocket YPERSISTENCE (LevelDB)
// in scenarios 2 and 4 only (they must reload after a restart there), in memory otherwise.

import fs from 'node:fs'
import os from 'node:os'
import net from 'node:net'
import path from 'node:path'
import { spawn, spawnSync } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import { markdownTable } from './table.mjs'
import { fileURLToPath, pathToFileURL } from 'node:url'

const benchDir = path.dirname(fileURLToPath(import.meta.url))
const repoRoot = path.resolve(benchDir, '..')
const nodeDir = path.join(benchDir, 'node')

const args = process.argv.slice(2)
const flag = (name) => { const i = args.indexOf(name); if (i < 0) return false; args.splice(i, 1); return true }
const opt = (name, def) => { const i = args.indexOf(name); if (i < 0) return def; const v = args[i + 1]; args.splice(i, 2); return v }
const quick = flag('--quick')
const num = (name, full, q) => Number(opt(name, String(quick ? q : full)))
const cfg = {
  fan: { docs: num('--fan-docs', 50, 10), clients: num('--fan-clients', 10, 5), rate: num('--fan-rate', 5, 5), seconds: num('--fan-seconds', 30, 10), size: num('--fan-size', 24, 24), rounds: num('--fan-rounds', 3, 1) },
  ws: { count: num('--ws-docs', 1000, 300), size: num('--ws-size', 1000, 1000) },
  idle: { count: num('--idle-docs', 10000, 2000), size: num('--idle-size', 100, 100) },
  durable: { docs: num('--durable-docs', 10, 10), total: num('--durable-updates', 50000, 10000) },
  big: { clients: num('--big-clients', 50, 20), rounds: num('--big-rounds', 3, 1) },
  coldRuns: num('--cold-runs', 5, 3)
}
const only = (opt('--only', '1,2,3,4,5,6')).split(',').map(Number)
const serverKeys = opt('--servers', 'ours,hocuspocus,yws').split(',')
const jsonOut = opt('--json', null)
const tracePath = path.resolve(opt('--trace', path.join(repoRoot, '..', 'shared', 'data', 'editing-traces', 'automerge-paper.json.gz')))

const log = (msg) => process.stderr.write(`[bench] ${msg}\n`)
const fail = (msg) => { process.stderr.write(`\n[bench] FAILED: ${msg}\n`); process.exit(1) }
const sh = (cmd, cmdArgs, cwd, what) => {
  log(`${what}: ${cmd} ${cmdArgs.join(' ')}`)
  const started = Date.now()
  const r = spawnSync(cmd, cmdArgs, { cwd, encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] })
  log(`${what}: done in ${((Date.now() - started) / 1000).toFixed(0)} s`)
  return r
}

// 1. Node dependencies, from the committed lockfile.
const lock = path.join(nodeDir, 'package-lock.json')
const installed = path.join(nodeDir, 'node_modules', '.package-lock.json')
if (!fs.existsSync(installed) || fs.statSync(installed).mtimeMs < fs.statSync(lock).mtimeMs) {
  const r = sh('npm', ['ci', '--no-audit', '--no-fund'], nodeDir, 'npm ci')
  if (r.status !== 0) fail(`npm ci in ${nodeDir}:\n${r.stdout}${r.stderr}`)
}
const load = await import(pathToFileURL(path.join(nodeDir, 'server-load.mjs')).href)
const pkgVersion = (name) => JSON.parse(fs.readFileSync(path.join(nodeDir, 'node_modules', ...name.split('/'), 'package.json'), 'utf8')).version

// 2. Our executable, published (Native AOT, Release) into a temp dir.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'diaryx-server-bench-'))
const children = new Set()
const cleanup = () => { for (const c of children) { try { c.kill('SIGKILL') } catch {} } fs.rmSync(tmp, { recursive: true, force: true }) }
process.on('exit', cleanup)
process.on('SIGINT', () => process.exit(130))
const exeOpt = opt('--exe', null) // an already published executable: skips the publish step
const exe = exeOpt ? path.resolve(exeOpt) : path.join(tmp, 'publish', 'diaryx-sync-lite')
if (args.length) { process.stderr.write(`unknown arguments: ${args.join(' ')}\n`); process.exit(2) }
if (serverKeys.includes('ours') && !exeOpt) {
  const r = sh('dotnet', ['publish', path.join(repoRoot, 'Diaryx.Sync.Lite.csproj'), '-c', 'Release', '-o', path.dirname(exe), '-nologo', '-v', 'q', '-clp:NoSummary;ErrorsOnly'], repoRoot, 'dotnet publish')
  if (r.status !== 0 || !fs.existsSync(exe)) fail(`dotnet publish -c Release:\n${r.stdout}${r.stderr}`)
}

// 3. Servers.
const freePort = () => new Promise((resolve, reject) => {
  const s = net.createServer()
  s.once('error', reject)
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)) })
})
/** CPU seconds of the process so far: in user space (utime) and in the kernel (stime), fields 14 and 15. */
const procTimes = (pid) => {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ')
  return { user: Number(f[11]) / clkTck, kernel: Number(f[12]) / clkTck }
}
/** Bytes of files the process dirtied in the page cache, bound for the disk (write_bytes; wchar would count socket writes too). */
const procWritten = (pid) => Number(fs.readFileSync(`/proc/${pid}/io`, 'utf8').match(/^write_bytes: (\d+)$/m)[1])
const clkTck = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100
const procStatus = (pid) => {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (k) => Number((s.match(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm')) ?? [])[1] ?? NaN) * 1024
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') }
}

const servers = {
  ours: {
    label: 'ours',
    prepare (dir) {
      const r = spawnSync(exe, ['token', 'create', '--email', 'bench@example.org', '--db', path.join(dir, 'bench.db')], { encoding: 'utf8' })
      if (r.status !== 0) fail(`token create: ${r.stdout}${r.stderr}`)
      return r.stdout.trim().split('\n').pop().trim()
    },
    // the default --max-docs-per-connection is 10,000: raised only when --idle-docs asks for more
    spawn: (dir, port) => spawn(exe, ['serve', '--port', String(port), '--db', path.join(dir, 'bench.db'), '--log-level', 'Warning', ...(cfg.idle.count > 10000 ? ['--max-docs-per-connection', String(cfg.idle.count)] : [])], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] }),
    persistence: 'SQLite WAL update log, every update appended (synchronous=NORMAL; always on)'
  },
  hocuspocus: {
    label: 'Hocuspocus',
    prepare: () => null,
    spawn: (dir, port, persist) => spawn(process.execPath, [path.join(nodeDir, 'server-hocuspocus.mjs')], { cwd: dir, env: { ...process.env, PORT: String(port), ...(persist ? { HP_SQLITE: path.join(dir, 'hp.sqlite') } : {}) }, stdio: ['ignore', 'ignore', 'pipe'] }),
    persistence: '@hocuspocus/extension-sqlite (full-state upsert, debounced 2 s / max 10 s) in scenarios 2 and 4; in memory otherwise'
  },
  yws: {
    label: 'y-websocket',
    prepare: () => null,
    spawn: (dir, port, persist) => spawn(process.execPath, [path.join(nodeDir, 'server-yws.mjs')], { cwd: dir, env: { ...process.env, PORT: String(port), ...(persist ? { YPERSISTENCE: path.join(dir, 'leveldb') } : {}) }, stdio: ['ignore', 'ignore', 'pipe'] }),
    persistence: 'YPERSISTENCE=<dir> (y-leveldb, one put per update, no fsync) in scenarios 2 and 4; in memory otherwise'
  }
}

/** Starts `key` on a fresh port over `dir`; resolves once a WebSocket is accepted, with the cold start time. */
const start = async (key, dir, { token, persist }) => {
  const s = servers[key]
  const port = await freePort()
  const target = load.makeTarget(key, port, token)
  const t0 = performance.now()
  const child = s.spawn(dir, port, persist)
  children.add(child)
  let stderr = ''
  child.stderr.on('data', (d) => { if (stderr.length < 20000) stderr += d })
  let exited = null
  child.on('exit', (code, sig) => { exited = { code, sig }; children.delete(child) })
  const { WebSocket } = await import(pathToFileURL(path.join(nodeDir, 'node_modules', 'ws', 'wrapper.mjs')).href)
  const url = target.url('coldstart')
  for (;;) {
    if (exited) fail(`${key} exited during start (${JSON.stringify(exited)}):\n${stderr}`)
    if (performance.now() - t0 > 30000) fail(`${key} did not accept a WebSocket within 30 s:\n${stderr}`)
    const ok = await new Promise((resolve) => {
      const ws = new WebSocket(url)
      ws.on('open', () => { ws.terminate(); resolve(true) })
      ws.on('error', () => resolve(false))
    })
    if (ok) break
    await load.sleep(2)
  }
  const coldMs = performance.now() - t0
  const pid = child.pid
  return {
    key, child, pid, port, target, coldMs, dir,
    cpuTimes: () => procTimes(pid),
    cpu: () => { const t = procTimes(pid); return t.user + t.kernel },
    written: () => procWritten(pid),
    rss: () => procStatus(pid),
    stderr: () => stderr,
    async stop (signal = 'SIGTERM') {
      if (exited) return exited
      const done = new Promise((resolve) => child.once('exit', (code, sig) => resolve({ code, sig })))
      child.kill(signal)
      const t = setTimeout(() => { try { child.kill('SIGKILL') } catch {} }, 15000)
      const r = await done
      clearTimeout(t)
      return r
    }
  }
}

/** Ours only: its garbage-collector counters from /metrics (null for the others). */
const gcMetrics = async (srv) => {
  if (srv.key !== 'ours') return null
  const text = await (await fetch(`http://127.0.0.1:${srv.port}/metrics`)).text()
  const value = (name) => Number(text.match(new RegExp(`^${name} (\\S+)$`, 'm'))[1])
  return { collections: value('diaryx_gc_collections_total'), pauseSeconds: value('diaryx_gc_pause_seconds_total'), allocatedMB: value('diaryx_gc_allocated_bytes_total') / 1e6 }
}

const freshDir = (key, scenario) => fs.mkdtempSync(path.join(tmp, `${key}-${scenario}-`))

// 4. Scenarios, per server.
const bigDoc = only.includes(6) ? load.buildBigDoc(tracePath) : null
if (bigDoc) log(`big document: ${bigDoc.source}: ${bigDoc.length.toLocaleString('en-US')} chars, ${bigDoc.update.length.toLocaleString('en-US')} B state`)
const loadAvg = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
const loadBefore = loadAvg()
const results = Object.fromEntries(serverKeys.map((key) => [key, { coldStarts: [] }]))
let lostAny = false
const attempt = async (key, n, fn) => {
  const r = results[key]
  log(`${key}: scenario ${n}`)
  try { await fn(r) } catch (err) { r[`error${n}`] = String(err?.stack ?? err); log(`${key}: scenario ${n} failed: ${err?.message ?? err}`) }
}

// Scenarios 1 and 6 run in rounds: the servers take turns, in an order rotated each round; the table
// shows each figure's median over the rounds.
const median = (xs) => { const v = xs.filter((x) => x != null).sort((a, b) => a - b); return v.length ? v[Math.floor((v.length - 1) / 2)] : null }
const inRounds = async (n, rounds, name, fn) => {
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < serverKeys.length; i++) {
      const key = serverKeys[(i + round) % serverKeys.length]
      await attempt(key, n, async (r) => {
        const dir = freshDir(key, name)
        const srv = await start(key, dir, { token: servers[key].prepare(dir) })
        r.coldStarts.push(srv.coldMs)
        ;(r[`${name}Rounds`] ??= []).push(await fn(srv))
        await srv.stop()
      })
    }
  }
}
const medians = (name, keys, summary) => {
  for (const r of Object.values(results)) {
    const rounds = r[`${name}Rounds`]
    if (!rounds?.length) continue
    r[name] = { rounds: rounds.length, ...summary(rounds) }
    for (const k of keys) r[name][k] = median(rounds.map((x) => x[k]))
  }
}

if (only.includes(1)) {
  await inRounds(1, cfg.fan.rounds, 'fanout', async (srv) => {
    const gcBefore = await gcMetrics(srv)
    const fanout = await load.fanout(srv.target, cfg.fan, srv)
    if (fanout.lost > 0) lostAny = true
    const gcAfter = await gcMetrics(srv)
    return gcBefore ? { ...fanout, gc: Object.fromEntries(Object.keys(gcAfter).map((k) => [k, +(gcAfter[k] - gcBefore[k]).toFixed(3)])) } : fanout
  })
  medians('fanout', ['p50', 'p99', 'max', 'cpuSeconds', 'kernelCpuSeconds', 'writtenBytes', 'peakRss', 'loadGeneratorCpuSeconds', 'loadGeneratorLoopDelayP99'],
    (rounds) => ({ lost: Math.max(...rounds.map((x) => x.lost)), drained: rounds.every((x) => x.drained) }))
}

if (only.includes(6)) {
  await inRounds(6, cfg.big.rounds, 'big', (srv) => load.bigDoc(srv.target, { update: bigDoc.update, length: bigDoc.length, clients: cfg.big.clients }, srv))
  medians('big', ['ms', 'cpuSeconds', 'peakRss'], (rounds) => ({ ok: rounds.every((x) => x.ok), appliedAsDifferent: Math.max(...rounds.map((x) => x.appliedAsDifferent)) }))
}

for (const key of serverKeys) {
  const r = results[key]
  const run = (n, fn) => only.includes(n) ? attempt(key, n, fn) : undefined

  await run(2, async () => {
    const dir = freshDir(key, 'workspace')
    const token = servers[key].prepare(dir)
    let srv = await start(key, dir, { token, persist: true })
    r.coldStarts.push(srv.coldMs)
    const pop = await load.populate(srv.target, { count: cfg.ws.count, size: cfg.ws.size, prefix: 'ws' })
    await load.sleep(2000)
    await load.closeAll(pop.conns)
    await load.sleep(3000) // let debounced stores (Hocuspocus: 2 s) and LevelDB writes finish
    const stopped = await srv.stop('SIGTERM')
    srv = await start(key, dir, { token, persist: true })
    const rssBefore = srv.rss().rss
    const cpu0 = srv.cpu()
    const o = await load.openAll(srv.target, pop.names, { expectLength: cfg.ws.size, shared: key === 'ours' })
    const st = srv.rss()
    r.workspace = { docs: cfg.ws.count, size: cfg.ws.size, ok: o.ok, ms: o.ms, connectedMs: o.connectedMs, docsWithContent: o.lengths.filter((l) => l === cfg.ws.size).length, cpuSeconds: srv.cpu() - cpu0, rssBefore, rssAfter: st.rss, socketMode: key === 'ours' ? 'one multiplexed /sync2 socket' : 'one socket per document', stoppedWith: stopped }
    await load.closeAll(o.conns)
    await srv.stop()
  })

  await run(3, async () => {
    const dir = freshDir(key, 'idle')
    const srv = await start(key, dir, { token: servers[key].prepare(dir) })
    r.coldStarts.push(srv.coldMs)
    await load.sleep(500)
    const base = srv.rss().rss
    const pop = await load.populate(srv.target, { count: cfg.idle.count, size: cfg.idle.size, prefix: 'idle', shared: key === 'ours' })
    // the clients stay connected (every server keeps a document loaded while a client has it); let the server settle
    await load.sleep(5000)
    const after = srv.rss()
    r.idle = { docs: cfg.idle.count, size: cfg.idle.size, rssBase: base, rssAfter: after.rss, peakRss: after.hwm, perDoc: (after.rss - base) / cfg.idle.count, socketMode: key === 'ours' ? 'one multiplexed /sync2 socket' : 'one socket per document (documents stay loaded while a client has them open)' }
    await load.closeAll(pop.conns)
    await srv.stop()
  })

  await run(4, async () => {
    const dir = freshDir(key, 'durable')
    const token = servers[key].prepare(dir)
    let srv = await start(key, dir, { token, persist: true })
    r.coldStarts.push(srv.coldMs)
    const d = await load.durable(srv.target, cfg.durable)
    const killed = await srv.stop('SIGKILL')
    for (const c of d.conns) { try { c.ws.terminate() } catch {} }
    srv = await start(key, dir, { token, persist: true })
    const o = await load.openAll(srv.target, d.names, { shared: true, timeout: 60000 })
    await load.sleep(200)
    const recovered = o.entries.reduce((n, e) => n + e.doc.getText('body').length, 0)
    r.durable = { docs: cfg.durable.docs, sent: d.sent, relayed: d.seen, allRelayed: d.ok, ms: d.ms, relayedPerSecond: d.seen / (d.ms / 1000), recoveredAfterKill: recovered, lostAtKill: d.sent - recovered, durablePerSecond: recovered / (d.ms / 1000), killed, persistence: servers[key].persistence }
    await load.closeAll(o.conns)
    await srv.stop()
  })

  await run(5, async () => {
    for (let i = 0; i < cfg.coldRuns; i++) {
      const dir = freshDir(key, `cold${i}`)
      const srv = await start(key, dir, { token: servers[key].prepare(dir) })
      r.coldStarts.push(srv.coldMs)
      await srv.stop()
    }
  })

  const cs = [...r.coldStarts].sort((a, b) => a - b)
  r.coldStartMedian = cs.length ? cs[Math.floor(cs.length / 2)] : null
  r.coldStartMin = cs.length ? cs[0] : null
}
const loadAfter = loadAvg()

// 5. The report.
const ms = (x) => (x == null || Number.isNaN(x) ? '–' : x >= 100 ? `${Math.round(x).toLocaleString('en-US')} ms` : `${x.toFixed(1)} ms`)
const sec = (x) => (x == null ? '–' : `${x.toFixed(2)} s`)
const mb = (x) => (x == null || Number.isNaN(x) ? '–' : `${(x / 1048576).toFixed(1)} MB`)
const kb = (x) => (x == null || Number.isNaN(x) ? '–' : `${(x / 1024).toFixed(1)} KB`)
const int = (x) => (x == null ? '–' : Math.round(x).toLocaleString('en-US'))
const perSec = (x) => (x == null ? '–' : `${Math.round(x).toLocaleString('en-US')}/s`)
const ratio = (a, b) => (a == null || b == null || !Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? '–' : (a / b).toFixed(2))
const f = cfg.fan
const rows = [
  [`1. fan-out relay latency p50 (${f.docs}×${f.clients}, ${f.rate}/s, ${f.seconds} s; median of ${f.rounds})`, (r) => r.fanout?.p50, ms],
  ['1. fan-out relay latency p99', (r) => r.fanout?.p99, ms],
  ['1. (load generator event-loop delay p99 meanwhile)', (r) => r.fanout?.loadGeneratorLoopDelayP99, ms],
  ['1. fan-out server CPU', (r) => r.fanout?.cpuSeconds, sec],
  ['1. (of which in the kernel: sockets, wakeups, file writes)', (r) => r.fanout?.kernelCpuSeconds, sec],
  ['1. fan-out server peak RSS', (r) => r.fanout?.peakRss, mb],
  ['1. fan-out server disk writes', (r) => r.fanout?.writtenBytes, mb],
  ['1. fan-out updates lost', (r) => r.fanout?.lost, int],
  [`2. workspace open, ${cfg.ws.count} docs, until all synced`, (r) => (r.workspace?.ok ? r.workspace.ms : null), ms],
  [`3. idle RSS per document (${cfg.idle.count.toLocaleString('en-US')} docs)`, (r) => r.idle?.perDoc, kb],
  ['4. durable updates/s (survived SIGKILL)', (r) => (r.durable ? r.durable.durablePerSecond : null), perSec],
  ['4. updates lost at SIGKILL', (r) => r.durable?.lostAtKill, int],
  ['5. cold start to first WebSocket (median)', (r) => r.coldStartMedian, ms],
  [`6. big doc opened by ${cfg.big.clients} clients (median of ${cfg.big.rounds})`, (r) => (r.big?.ok ? r.big.ms : null), ms],
  ['6. big doc server peak RSS', (r) => r.big?.peakRss, mb]
]
const has = (k) => serverKeys.includes(k)
const header = ['scenario', ...serverKeys.map((k) => servers[k].label), ...(has('ours') ? serverKeys.filter((k) => k !== 'ours').map((k) => `ours/${servers[k].label}`) : [])]
const table = rows.map(([label, get, fmt]) => {
  const vals = serverKeys.map((k) => get(results[k]))
  const o = has('ours') ? get(results.ours) : null
  return [label, ...vals.map(fmt), ...(has('ours') ? serverKeys.filter((k) => k !== 'ours').map((k) => ratio(o, get(results[k]))) : [])]
})
const git = (gitArgs) => { const r = spawnSync('git', gitArgs, { cwd: repoRoot, encoding: 'utf8' }); return r.status === 0 ? r.stdout.trim() : null }
const commit = git(['rev-parse', '--short', 'HEAD'])
const dirty = commit && git(['status', '--porcelain', '--untracked-files=no', '--', '.', ':!bench'])
const out = []
out.push(`Server benchmark${quick ? ' (--quick)' : ''}: ours at ${commit ?? 'n/a'}${dirty ? ' plus uncommitted changes' : ''} (Native AOT, Release), @hocuspocus/server ${pkgVersion('@hocuspocus/server')}, @y/websocket-server ${pkgVersion('@y/websocket-server')}; load generator: yjs ${pkgVersion('yjs')} on Node ${process.version}`)
out.push(`${os.cpus().length} CPUs (${os.cpus()[0]?.model?.trim() ?? '?'}), load average before: ${loadBefore}, after: ${loadAfter}`)
out.push('')
out.push(...markdownTable(header, table))
out.push('')
out.push('ratio < 1: ours is faster / smaller; – : not measured or did not finish (see the raw numbers).')
out.push('')
out.push('Raw numbers:')
for (const k of serverKeys) {
  out.push(`  ${servers[k].label}: persistence: ${servers[k].persistence}`)
  const { coldStarts, ...rest } = results[k]
  out.push(`    cold starts (ms): ${coldStarts.map((x) => x.toFixed(1)).join(', ')}`)
  for (const [name, v] of Object.entries(rest)) out.push(`    ${name}: ${typeof v === 'object' ? JSON.stringify(v, (_, x) => (typeof x === 'number' && !Number.isInteger(x) ? Number(x.toFixed(3)) : x)) : v}`)
}
process.stdout.write(out.join('\n') + '\n')
if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify({ config: cfg, quick, results }, null, 2) + '\n')
process.exit(lostAny ? 1 : 0)
