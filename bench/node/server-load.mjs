// server-load.mjs: the load generator of the server benchmark (bench/server.mjs imports it). One
// client implementation, real yjs + y-protocols, for the three servers; only the framing differs:
//   ours        /sync2?token=T, documents multiplexed: frame = u8 doc-id length ‖ UTF-8 doc id ‖ message,
//               doc ids body:default/bench/<name>.md (the token holder's default workspace by name)
//   hocuspocus  ws://host:port/, every message prefixed with the document name (lib0 varString); an
//               Auth(Token) message per document first (Hocuspocus queues a document's messages until it)
//   y-websocket ws://host:port/<name>, one document per socket, the y-protocols message as is
// A Conn is one socket and can carry several documents where the server allows it. Every wait is
// bounded by a timeout; no scenario asserts timings.

import fs from 'node:fs'
import zlib from 'node:zlib'
import { performance, monitorEventLoopDelay } from 'node:perf_hooks'
import WebSocket from 'ws'
import * as Y from 'yjs'
import * as syncProtocol from 'y-protocols/sync'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'

export { Y }
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const now = () => performance.now()

export const waitFor = async (predicate, what, timeout) => {
  const start = now()
  while (!predicate()) {
    if (now() - start > timeout) throw new Error(`timed out after ${Math.round(timeout)} ms waiting for ${what}`)
    await sleep(5)
  }
  return now() - start
}

/** kind: 'ours' | 'hocuspocus' | 'yws'. */
export const makeTarget = (kind, port, token) => ({
  kind,
  port,
  multiplexes: kind !== 'yws',
  url: (name) => kind === 'ours' ? `ws://127.0.0.1:${port}/sync2?token=${token}` : kind === 'hocuspocus' ? `ws://127.0.0.1:${port}/` : `ws://127.0.0.1:${port}/${name}`,
  docId: (name) => kind === 'ours' ? `body:default/bench/${name}.md` : name
})

const syncUpdateMessage = (update) => {
  const e = encoding.createEncoder()
  encoding.writeVarUint(e, 0)
  syncProtocol.writeUpdate(e, update)
  return encoding.toUint8Array(e)
}

export class Conn {
  constructor (target, firstName) {
    this.target = target
    this.url = target.url(firstName)
    this.docs = new Map() // wire doc id -> entry
    this.closed = false
  }

  connect (timeout = 30000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error(`connect ${this.url}: timeout`)); try { this.ws.terminate() } catch {} }, timeout)
      this.ws = new WebSocket(this.url, { perMessageDeflate: false })
      this.ws.on('open', () => { clearTimeout(timer); resolve(this) })
      this.ws.on('error', (err) => { clearTimeout(timer); this.error = err; reject(err) })
      this.ws.on('close', () => { this.closed = true })
      this.ws.on('message', (data) => this.onMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)))
    })
  }

  frame (id, payload) {
    const kind = this.target.kind
    if (kind === 'yws') return payload
    if (kind === 'ours') {
      const idBytes = Buffer.from(id, 'utf8')
      const out = new Uint8Array(1 + idBytes.length + payload.length)
      out[0] = idBytes.length
      out.set(idBytes, 1)
      out.set(payload, 1 + idBytes.length)
      return out
    }
    const e = encoding.createEncoder()
    encoding.writeVarString(e, id)
    encoding.writeUint8Array(e, payload)
    return encoding.toUint8Array(e)
  }

  send (id, payload) {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(this.frame(id, payload))
  }

  onMessage (bytes) {
    const kind = this.target.kind
    let id
    let decoder
    if (kind === 'yws') {
      id = this.onlyId
      decoder = decoding.createDecoder(bytes)
    } else if (kind === 'ours') {
      const n = bytes[0]
      id = this.knownId(bytes.subarray(1, 1 + n))
      decoder = decoding.createDecoder(bytes.subarray(1 + n))
    } else {
      decoder = decoding.createDecoder(bytes)
      const n = decoding.readVarUint(decoder)
      id = this.knownId(decoding.readUint8Array(decoder, n))
    }
    const entry = this.docs.get(id)
    if (!entry) return
    while (decoding.hasContent(decoder)) {
      const type = decoding.readVarUint(decoder)
      if ((type === 0 || (type === 4 && kind === 'hocuspocus')) && entry.onRawState && decoding.peekVarUint(decoder) === syncProtocol.messageYjsSyncStep2) {
        decoding.readVarUint(decoder)
        const state = decoding.readVarUint8Array(decoder)
        if (!entry.onRawState(state)) Y.applyUpdate(entry.doc, state, this)
        if (!entry.synced) { entry.synced = true; entry.syncedAt = now() }
      } else if (type === 0 && entry.onRawUpdate && decoding.peekVarUint(decoder) === syncProtocol.messageYjsUpdate) {
        decoding.readVarUint(decoder)
        const update = decoding.readVarUint8Array(decoder)
        entry.onRawUpdate(update) // scanned for the benchmark's tokens
        if (entry.applies) Y.applyUpdate(entry.doc, update, this)
      } else if (type === 0 || (type === 4 && kind === 'hocuspocus')) { // 4: Hocuspocus SyncReply
        const reply = encoding.createEncoder()
        encoding.writeVarUint(reply, 0)
        const syncType = syncProtocol.readSyncMessage(decoder, reply, entry.doc, this)
        if (syncType === syncProtocol.messageYjsSyncStep2 && !entry.synced) { entry.synced = true; entry.syncedAt = now() }
        if (encoding.length(reply) > 1) this.send(id, encoding.toUint8Array(reply))
      } else {
        break // awareness, auth, sync status: not needed by the benchmark
      }
    }
  }

  /** The doc id in a frame: the socket's only document without decoding when the bytes match it (the load generator's cost is the same for every server). */
  knownId (idBytes) {
    const only = this.onlyIdBytes
    return only && only.length === idBytes.length && only.equals(idBytes) ? this.onlyId : Buffer.from(idBytes).toString('utf8')
  }

  /** Opens a document on this socket: (Hocuspocus: Auth first) SyncStep1; local updates are sent from then on. */
  open (name, doc = new Y.Doc()) {
    const id = this.target.docId(name)
    const entry = { name, id, doc, synced: false, openedAt: now(), syncedAt: 0 }
    this.docs.set(id, entry)
    this.onlyId = id
    this.onlyIdBytes = this.docs.size === 1 ? Buffer.from(id, 'utf8') : null
    doc.on('update', (update, origin) => { if (origin !== this && origin !== 'no-send') this.send(id, syncUpdateMessage(update)) })
    if (this.target.kind === 'hocuspocus') {
      const e = encoding.createEncoder()
      encoding.writeVarUint(e, 2) // Auth
      encoding.writeVarUint(e, 0) // Token
      encoding.writeVarString(e, 'bench')
      this.send(id, encoding.toUint8Array(e))
    }
    const e = encoding.createEncoder()
    encoding.writeVarUint(e, 0)
    syncProtocol.writeSyncStep1(e, doc)
    this.send(id, encoding.toUint8Array(e))
    return entry
  }

  sendUpdate (entry, update) { this.send(entry.id, syncUpdateMessage(update)) }

  close () {
    return new Promise((resolve) => {
      if (this.closed || !this.ws) return resolve()
      const t = setTimeout(() => { try { this.ws.terminate() } catch {} resolve() }, 2000)
      this.ws.once('close', () => { clearTimeout(t); resolve() })
      this.ws.close()
    })
  }
}

/**
 * Opens `names`: on one socket when `shared` and the server multiplexes, else one socket per document
 * (connected `batch` at a time). Returns { conns, entries } once every socket is open; SyncStep1 sent.
 */
export const openDocs = async (target, names, { shared, batch = 500, docs } = {}) => {
  const conns = []
  const entries = []
  if (shared && target.multiplexes) {
    const c = await new Conn(target, names[0]).connect()
    conns.push(c)
    names.forEach((n, i) => entries.push(c.open(n, docs?.[i])))
    return { conns, entries }
  }
  for (let i = 0; i < names.length; i += batch) {
    const part = names.slice(i, i + batch)
    const cs = await Promise.all(part.map((n) => new Conn(target, n).connect()))
    cs.forEach((c, j) => { conns.push(c); entries.push(c.open(part[j], docs?.[i + j])) })
  }
  return { conns, entries }
}

export const closeAll = async (conns) => { for (let i = 0; i < conns.length; i += 500) await Promise.all(conns.slice(i, i + 500).map((c) => c.close())) }

export const quantile = (sorted, q) => sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]

const filler = (n, seed) => {
  const words = ['lorem', 'ipsum', 'dolor', 'sit', 'amet', 'journal', 'entry', 'today', 'walked', 'garden', 'wrote', 'notes']
  let s = ''
  let x = seed + 1
  while (s.length < n) { x = (x * 48271) % 2147483647; s += words[x % words.length] + ' ' }
  return s.slice(0, n)
}

// ---------------------------------------------------------------------------------------------
// Scenario 1: fan-out. `docs` documents × `clients` clients (one socket each); every client inserts
// a token "\u0002<client>.<seq>\u0003" padded to `size` characters at the end of the text `rate` times
// a second for `seconds`. A receiver's latency = receive time − send time of each token it sees
// (same process, same clock): the tokens are found in the relayed update's bytes (ASCII inside the
// encoded string content), each distinct token counting as delivered. Client 0 of each document also
// applies every relayed update with yjs, and afterwards its text must hold every token of its document;
// the others only scan (so that the load generator keeps up). The load generator's own per-message
// work is kept small and the same for every server (no per-message strings or growing maps, no
// Y.Text delta, which walks the whole text), and its event-loop delay is reported beside the
// latencies: a relay can only be seen once the generator gets to it.
// `server` = { cpu(), cpuTimes(), rss(), written() } of the server process, read around the sending phase.
export const fanout = async (target, { docs, clients, rate, seconds, size, drainTimeout = 60000 }, server) => {
  const names = Array.from({ length: docs }, (_, d) => `fan-${d}`)
  const all = []
  const senders = Array.from({ length: docs }, () => new Array(clients))
  const latencies = []
  const sent = new Array(docs).fill(0)
  for (let c = 0; c < clients; c++) {
    const { conns, entries } = await openDocs(target, names, { shared: false })
    entries.forEach((e, d) => { e.conn = conns[d]; e.client = c; e.d = d; e.sendTimes = []; senders[d][c] = e; all.push(e) })
  }
  await waitFor(() => all.every((e) => e.synced), 'fan-out clients synced', 60000)
  const tokenRe = /\u0002(\d+)\.(\d+)\u0003/g
  const maxSeq = Math.ceil(rate * seconds) + 2
  for (const e of all) {
    e.text = e.doc.getText('body')
    e.seq = 0
    e.applies = e.client === 0
    e.seen = new Set() // client × maxSeq + seq
    e.onRawUpdate = (update) => {
      const t = now()
      for (const m of Buffer.from(update.buffer, update.byteOffset, update.byteLength).toString('latin1').matchAll(tokenRe)) {
        const client = Number(m[1])
        if (client === e.client) continue // y-websocket echoes a client's own updates back to it
        const seq = Number(m[2])
        const key = client * maxSeq + seq
        if (e.seen.has(key)) continue
        e.seen.add(key)
        const st = senders[e.d][client]?.sendTimes[seq]
        if (st !== undefined) latencies.push(t - st)
      }
    }
  }
  const loopDelay = monitorEventLoopDelay({ resolution: 1 })
  const cpu0 = server.cpuTimes()
  const written0 = server.written()
  const gen0 = process.cpuUsage()
  loopDelay.enable()
  const t0 = now()
  const period = 1000 / rate
  const timers = all.map((e) => setTimeout(function tick () {
    if (now() - t0 >= seconds * 1000) return
    const seq = e.seq++
    let token = `\u0002${e.client}.${seq}\u0003`
    if (token.length < size) token += 'x'.repeat(size - token.length)
    e.sendTimes[seq] = now()
    sent[e.d]++
    e.text.insert(e.text.length, token)
    e.timer = setTimeout(tick, period)
  }, Math.random() * period))
  await sleep(seconds * 1000 + period)
  loopDelay.disable()
  for (const e of all) { clearTimeout(e.timer) }
  timers.forEach(clearTimeout)
  const expected = (e) => sent[e.d] - e.seq
  // client 0: the tokens of the others in its yjs text; the rest: the distinct tokens seen
  const count = (e) => { if (!e.applies) return e.seen.size; let n = 0; for (const m of e.text.toString().matchAll(tokenRe)) if (Number(m[1]) !== e.client) n++; return n }
  let drained = true
  try {
    const want = sent.reduce((a, b) => a + b, 0) * (clients - 1)
    await waitFor(() => latencies.length >= want, 'every relayed update', drainTimeout)
  } catch { drained = false }
  const cpu1 = server.cpuTimes()
  const written1 = server.written()
  const gen1 = process.cpuUsage(gen0)
  const elapsed = (now() - t0) / 1000
  let lost = 0
  for (const e of all) lost += Math.max(0, expected(e) - count(e))
  const rss = server.rss()
  await closeAll(all.map((e) => e.conn))
  latencies.sort((a, b) => a - b)
  const total = sent.reduce((a, b) => a + b, 0)
  return {
    docs, clients, rate, seconds, size,
    updatesSent: total,
    relaysExpected: total * (clients - 1),
    relaysSeen: latencies.length,
    drained,
    lost,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    max: latencies.length ? latencies[latencies.length - 1] : null,
    cpuSeconds: cpu1.user + cpu1.kernel - cpu0.user - cpu0.kernel,
    kernelCpuSeconds: cpu1.kernel - cpu0.kernel,
    writtenBytes: written1 - written0,
    wallSeconds: elapsed,
    peakRss: rss.hwm,
    loadGeneratorCpuSeconds: (gen1.user + gen1.system) / 1e6,
    // how late the generator's event loop ran its timers while sending: a floor under every latency it measures
    loadGeneratorLoopDelayP50: loopDelay.percentile(50) / 1e6,
    loadGeneratorLoopDelayP99: loopDelay.percentile(99) / 1e6,
    receivers: 'every receiver finds the tokens in the relayed bytes; client 0 of each document also applies every update with yjs (its final text must hold every token)'
  }
}

// Scenario 2, first half: `count` documents with `size` characters each, written through the server
// (it then gets stopped gracefully and restarted on the same data, see bench/server.mjs).
export const populate = async (target, { count, size, prefix, shared = true }) => {
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${i}`)
  const { conns, entries } = await openDocs(target, names, { shared })
  await waitFor(() => entries.every((e) => e.synced), 'populate: documents synced', 120000)
  entries.forEach((e, i) => e.doc.getText('body').insert(0, filler(size, i)))
  return { names, conns, entries }
}

// Scenario 2, second half (and the reopen of scenario 4): open `names` (one multiplexed socket for
// ours, one socket per document for the others), time until every document is synced and holds
// `expectLength` characters (when given).
export const openAll = async (target, names, { expectLength, shared, timeout = 120000 }) => {
  const t0 = now()
  const { conns, entries } = await openDocs(target, names, { shared })
  const connectedMs = now() - t0
  let ok = true
  try {
    await waitFor(() => entries.every((e) => e.synced && (expectLength == null || e.doc.getText('body').length === expectLength)), `${names.length} documents synced`, timeout)
  } catch { ok = false }
  const ms = now() - t0
  const lengths = entries.map((e) => e.doc.getText('body').length)
  return { ms, connectedMs, ok, conns, entries, lengths }
}

// Scenario 4: `docs` documents, one sender and one observer socket each. The senders' updates (one
// character each, `total` in all) are encoded beforehand and written as fast as the sockets take
// them; done when every observer holds every character. bench/server.mjs then kills the server with
// SIGKILL at once, restarts it on the same data and counts what survived.
export const durable = async (target, { docs, total, timeout = 120000 }) => {
  const per = Math.floor(total / docs)
  const names = Array.from({ length: docs }, (_, d) => `durable-${d}`)
  const updates = names.map((_, d) => {
    const doc = new Y.Doc()
    doc.clientID = 1000 + d
    const out = []
    doc.on('update', (u) => out.push(u))
    const text = doc.getText('body')
    for (let i = 0; i < per; i++) text.insert(i, 'abcdefghijklmnopqrstuvwxyz'[i % 26])
    return out
  })
  const senders = await openDocs(target, names, { shared: false })
  const observers = await openDocs(target, names, { shared: false })
  const everyone = [...senders.entries, ...observers.entries]
  await waitFor(() => everyone.every((e) => e.synced), 'durable: documents synced', 60000)
  const t0 = now()
  // interleave the documents, 100 updates at a time per socket
  for (let i = 0; i < per; i += 100) {
    senders.entries.forEach((e, d) => { for (let j = i; j < Math.min(per, i + 100); j++) senders.conns[d].sendUpdate(e, updates[d][j]) })
    await new Promise(setImmediate)
  }
  let ok = true
  try {
    await waitFor(() => observers.entries.every((e) => e.doc.getText('body').length === per), 'observers hold every update', timeout)
  } catch { ok = false }
  const ms = now() - t0
  const seen = observers.entries.reduce((n, e) => n + e.doc.getText('body').length, 0)
  return { names, per, sent: per * docs, seen, ok, ms, conns: [...senders.conns, ...observers.conns] }
}

// Scenario 6: the automerge-paper final document, built by replaying the trace with yjs (or a
// generated one when the file is missing).
export const buildBigDoc = (tracePath) => {
  const doc = new Y.Doc()
  doc.clientID = 4242
  const text = doc.getText('body')
  let source = tracePath
  if (fs.existsSync(tracePath)) {
    const trace = JSON.parse(zlib.gunzipSync(fs.readFileSync(tracePath)))
    if (trace.startContent) text.insert(0, trace.startContent)
    for (const txn of trace.txns) {
      for (const [pos, del, ins] of txn.patches) {
        doc.transact(() => {
          if (del) text.delete(pos, del)
          if (ins) text.insert(pos, ins)
        })
      }
    }
  } else {
    source = `GENERATED (${tracePath} not found): 60,000 one-character edits`
    let x = 42
    for (let i = 0; i < 60000; i++) {
      x = (x * 48271) % 2147483647
      const len = text.length
      if (x % 10 === 0 && len > 0) text.delete(x % len, 1)
      else text.insert(len === 0 ? 0 : x % (len + 1), 'abcdefghijklmnopqrstuvwxyz '[x % 27])
    }
  }
  const update = Y.encodeStateAsUpdate(doc)
  Y.applyUpdate(new Y.Doc(), update) // the load generator's decoding warmed up before any server is timed
  return { update, length: text.length, source }
}

export const bigDoc = async (target, { update, length, clients }, server) => {
  const name = 'paper'
  // seed: one client writes the whole document and stays connected
  const seeder = await openDocs(target, [name], { shared: false })
  await waitFor(() => seeder.entries[0].synced, 'big doc: seeder synced', 30000)
  Y.applyUpdate(seeder.entries[0].doc, update) // sent as one update message by the doc's update handler
  const probe = await openAll(target, [name], { expectLength: length, shared: false, timeout: 60000 })
  await closeAll(probe.conns)
  if (!probe.ok) throw new Error('big doc: the server did not take the seed document')
  await sleep(500)
  const rssBefore = server.rss().rss
  const cpu0 = server.cpu()
  const t0 = now()
  const conns = await Promise.all(Array.from({ length: clients }, () => new Conn(target, name).connect()))
  // Client 0 applies the state it gets with yjs; the others compare it with the state the seeder
  // sent, byte for byte, and apply it only when it differs, so that the time measures the server,
  // not the load generator decoding 50 copies one after the other.
  const expected = Buffer.from(update.buffer, update.byteOffset, update.byteLength)
  let appliedAsDifferent = 0
  const entries = conns.map((c, i) => {
    const entry = c.open(name)
    if (i > 0) {
      entry.onRawState = (state) => {
        const same = expected.equals(state)
        if (!same) appliedAsDifferent++
        entry.holds = same
        return same
      }
    }
    return entry
  })
  const holds = (e) => e.synced && (e.holds || e.doc.getText('body').length === length)
  let ok = true
  try {
    await waitFor(() => entries.every(holds), `${clients} clients hold the big document`, 120000)
  } catch { ok = false }
  const ms = now() - t0
  const cpu1 = server.cpu()
  const rss = server.rss()
  await closeAll([...conns, ...seeder.conns])
  return { clients, bytes: update.length, length, ok, ms, appliedAsDifferent, cpuSeconds: cpu1 - cpu0, rssBefore, rssAfter: rss.rss, peakRss: rss.hwm }
}
