// Scenarios for the reliability tests (tests/Diaryx.Sync.Lite.Tests/Reliability): clients that keep
// writing while the C# test kills or stops the server, and a reader that checks what survived;
// clients that exceed the --max-* limits; hostile clients next to honest ones.
// Run as `node clients/crash-scenarios.mjs <scenario> '<json args>'`; prints one JSON line.
//
// Every edit inserts a unique token `<round>.<client>.<n>;` at the end of the Y.Text `body` of a
// document. A token that a client finds in its copy of a document and did not write itself came
// from the server, i.e. the server relayed it (or served it from storage): such tokens are
// "observed", and every observed token must still be there after the server restarts.
//
// Common args: v2url (ws://127.0.0.1:<port>/sync2), base (ws://127.0.0.1:<port>), token, workspace,
// docs (body documents crash/d<i>.md, i < docs), v1docs (how many of them a /sync client also edits).

import { V2Client, Y, waitFor, sleep, frame } from './v2client.mjs'
import { syncMessage } from './ysync-client.mjs'
import * as syncProtocol from 'y-protocols/sync'
import { RawWebSocket } from './raw-websocket.mjs'
import * as awarenessProtocol from 'y-protocols/awareness'
import { V1Client } from './v1client.mjs'
import WebSocket from 'ws'
import fs from 'node:fs'
import { args, runScenario } from './scenario-cli.mjs'


const withToken = (url, token) => `${url}?token=${encodeURIComponent(token)}`
/** A /sync2 client that has opened document `id` and holds what the server has of it. */
const syncedClient = async (v2url, token, id, name) => {
  const client = await new V2Client(withToken(v2url, token), { name }).connect()
  client.open(id)
  await client.waitSynced(id)
  return client
}
const path = (i) => `crash/d${i}.md`
const body = (workspace, i) => `body:${workspace}/${path(i)}`
const tokensOf = (text) => text.split(';').filter((t) => t.length > 0)

/** A small seeded PRNG: random(n) is an integer in [0, n). */
const prng = (seed) => {
  let state = seed >>> 0 || 1
  return (n) => {
    state ^= state << 13; state >>>= 0
    state ^= state >>> 17
    state ^= state << 5; state >>>= 0
    return state % n
  }
}

const varUint = (n) => {
  const out = []
  while (n > 127) { out.push(0x80 | (n & 0x7f)); n = Math.floor(n / 128) }
  out.push(n)
  return out
}
const varBytes = (bytes) => [...varUint(bytes.length), ...bytes]
const v1frame = (path, payload) => [...varBytes(Buffer.from(path, 'utf8')), ...payload]

/**
 * y-websocket payloads that must never corrupt a document: every truncation of a real update
 * message, bit flips of it, random bytes, and varuints far beyond any real length or type.
 */
const hostilePayloads = (random) => {
  const source = new Y.Doc()
  source.getText('body').insert(0, 'hostile content that must not half-apply')
  source.getMap('meta').set('k', 'v')
  const update = [0, 2, ...varBytes(Y.encodeStateAsUpdate(source))]
  const payloads = []
  for (let n = 1; n < update.length; n++) payloads.push(update.slice(0, n))
  for (let i = 0; i < 150; i++) {
    const mutated = [...update]
    mutated[2 + random(mutated.length - 2)] ^= 1 << random(8)
    payloads.push(mutated)
  }
  for (let i = 0; i < 150; i++) payloads.push([...Array(1 + random(64))].map(() => random(256)))
  const huge = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]
  payloads.push(huge, [0, ...huge], [0, 2, ...huge, 1, 2], [0, 1, 0xff, 0xff, 0xff, 0xff, 0x0f, 1], [1, ...huge, 1], [0, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01])
  payloads.push([0, 2, ...varUint(1 << 30), 1, 2, 3], [1, ...varUint(1 << 30), 0], [3, ...varUint(1 << 30), 0x41])
  return payloads.map((p) => Buffer.from(p))
}

/** Tries a WebSocket upgrade: { status: 101 } when accepted (then closed), else the HTTP status and body. */
const upgrade = (url) => new Promise((resolve, reject) => {
  const socket = new WebSocket(url)
  socket.on('unexpected-response', (_request, response) => {
    let text = ''
    response.on('data', (chunk) => { text += chunk })
    response.on('end', () => { resolve({ status: response.statusCode, type: response.headers['content-type'], text }); socket.terminate() })
  })
  socket.on('open', () => { socket.close(); resolve({ status: 101 }) })
  socket.on('error', (error) => { if (!String(error).includes('Unexpected server response')) reject(error) })
})

/** Connects, or returns null when the server is already gone. */
const tryConnect = async (client) => {
  try {
    return await client.connect()
  } catch {
    return null
  }
}

const scenarios = {
  /**
   * Two /sync2 writers, one /sync2 observer and one /sync multiplexed writer edit `docs` documents
   * until their sockets close (the server was killed or stopped) or `maxMs` passes. Returns, per
   * document, the tokens some client received from the server.
   */
  async churn ({ v2url, base, token, workspace, docs = 16, v1docs = 4, round = 0, maxMs = 15000, intervalMs = 4 }) {
    const started = Date.now()
    const v2 = ['w0', 'w1', 'obs'].map((name) => new V2Client(withToken(v2url, token), { name }))
    const v1 = new V1Client(`${base}/sync?doc=${encodeURIComponent(workspace)}&token=${encodeURIComponent(token)}&multiplexed=true`, { name: 'v1', kind: 'multiplexed' })
    const clients = []
    for (const client of [...v2, v1]) if (await tryConnect(client)) clients.push(client)
    const written = new Map(clients.map((c) => [c, new Set()]))
    const keyOf = (client, i) => client instanceof V1Client ? path(i) : body(workspace, i)
    const docCount = (client) => client instanceof V1Client ? v1docs : docs
    for (const client of clients) {
      for (let i = 0; i < docCount(client); i++) {
        if (!client.closed) client.open(keyOf(client, i))
      }
    }
    const alive = () => clients.length > 0 && clients.every((c) => !c.closed)
    const writers = clients.filter((c) => c.name !== 'obs')
    let n = 0
    // Write until a socket closes. A document's edits start once its client has synced it.
    while (alive() && Date.now() - started < maxMs) {
      for (const client of writers) {
        const i = n % docCount(client)
        const entry = client.docs.get(keyOf(client, i))
        if (!entry?.synced) continue
        const tokenText = `${round}.${client.name}.${n}`
        written.get(client).add(tokenText)
        const text = entry.doc.getText('body')
        text.insert(text.length, `${tokenText};`)
      }
      n++
      await sleep(intervalMs)
    }
    const killed = !alive()
    // Whatever was already on its way to us still arrives before the close is seen; give stragglers a moment.
    await sleep(50)
    const observed = {}
    for (const client of clients) {
      for (let i = 0; i < docCount(client); i++) {
        const entry = client.docs.get(keyOf(client, i))
        if (!entry) continue
        const docId = body(workspace, i)
        const seen = tokensOf(entry.doc.getText('body').toString()).filter((t) => !written.get(client).has(t))
        observed[docId] ??= []
        observed[docId].push(...seen)
      }
    }
    for (const docId of Object.keys(observed)) observed[docId] = [...new Set(observed[docId])]
    if (!killed) await Promise.all(clients.map((c) => c.close()))
    const closeCodes = clients.map((c) => c.closeCode ?? null)
    return { killed, observed, written: [...written.values()].reduce((sum, s) => sum + s.size, 0), closeCodes, connected: clients.length }
  },

  /** Opens every document on a fresh /sync2 socket and returns its tokens. */
  async read ({ v2url, token, workspace, docs = 16 }) {
    const client = await new V2Client(withToken(v2url, token), { name: 'reader' }).connect()
    for (let i = 0; i < docs; i++) client.open(body(workspace, i))
    const tokens = {}
    for (let i = 0; i < docs; i++) {
      await client.waitSynced(body(workspace, i), 20000)
      tokens[body(workspace, i)] = tokensOf(client.doc(body(workspace, i)).getText('body').toString())
    }
    await client.close()
    return { tokens }
  },

  /** A message over the frame limit closes that socket with 1009; the other socket and the document are unaffected. */
  async frameLimit ({ v2url, token, workspace, limit }) {
    const id = `body:${workspace}/limits/frame.md`
    const [a, b] = await Promise.all([syncedClient(v2url, token, id, 'a'), syncedClient(v2url, token, id, 'b')])
    a.doc(id).getText('body').insert(0, 'before;')
    await waitFor(() => b.doc(id).getText('body').toString() === 'before;', 'b sees a\'s edit')
    a.send(id, Buffer.alloc(limit + 1, 7))
    await waitFor(() => a.closed, 'a closed for its oversized frame')
    b.doc(id).getText('body').insert(7, 'after;')
    const fresh = await syncedClient(v2url, token, id, 'fresh')
    await waitFor(() => fresh.doc(id).getText('body').toString() === 'before;after;', 'fresh sees both edits')
    const result = { closeCode: a.closeCode, closeReason: a.closeReason, bOpen: !b.closed, text: fresh.doc(id).getText('body').toString() }
    await Promise.all([b.close(), fresh.close()])
    return result
  },

  /** Opening more documents than the limit: the extra ones get an error text, the socket and its documents keep working. */
  async docLimit ({ v2url, token, workspace, limit, extra = 3 }) {
    const a = await new V2Client(withToken(v2url, token), { name: 'a' }).connect()
    const ids = [...Array(limit + extra)].map((_, i) => `body:${workspace}/limits/many/${i}.md`)
    for (const id of ids) a.open(id)
    const refused = () => a.texts.filter((t) => t.type === 'error' && ids.includes(t.doc))
    await waitFor(() => ids.slice(0, limit).every((id) => a.docs.get(id).synced) && refused().length === extra, 'the first documents synced and the rest refused', 30000)
    const synced = ids.filter((id) => a.docs.get(id).synced).length
    a.doc(ids[0]).getText('body').insert(0, 'still works')
    const b = await new V2Client(withToken(v2url, token), { name: 'b' }).connect()
    b.open(ids[0])
    b.open(ids[limit]) // refused on a, fine on another socket
    await waitFor(() => b.docs.get(ids[0]).synced && b.docs.get(ids[limit]).synced && b.doc(ids[0]).getText('body').toString() === 'still works', 'b sees a\'s edit and opens the refused document')
    const result = { synced, refused: refused().map((t) => ({ doc: t.doc, message: t.message })), open: !a.closed }
    await Promise.all([a.close(), b.close()])
    return result
  },

  /** `limit` sockets are accepted, the next upgrade gets 503 with a text; a freed slot is usable again. */
  async connectionLimit ({ v2url, base, token, workspace, limit }) {
    const clients = []
    for (let i = 0; i < limit; i++) clients.push(await new V2Client(withToken(v2url, token), { name: `c${i}` }).connect())
    const refusedV2 = await upgrade(withToken(v2url, token))
    const refusedV1 = await upgrade(`${base}/sync?doc=${encodeURIComponent(workspace)}&token=${encodeURIComponent(token)}`)
    // The connections already open are unaffected.
    const id = `body:${workspace}/limits/connections.md`
    clients[0].open(id)
    clients[1].open(id)
    await clients[0].waitSynced(id)
    await clients[1].waitSynced(id)
    clients[0].doc(id).getText('body').insert(0, 'shared')
    await waitFor(() => clients[1].doc(id).getText('body').toString() === 'shared', 'c1 sees c0\'s edit')
    await clients.pop().close()
    let again = null
    for (let attempt = 0; attempt < 50 && again?.status !== 101; attempt++) {
      again = await upgrade(withToken(v2url, token))
      if (again.status !== 101) await sleep(50)
    }
    await Promise.all(clients.map((c) => c.close()))
    return { refusedV2, refusedV1, again: again.status }
  },

  /**
   * A peer that opens a document and then goes silent, never answering a ping (a laptop shut), next
   * to a healthy client; the server runs with --max-connections 2 and short ping flags. The silent
   * peer must be dropped, its connection slot freed and its place in the document left.
   */
  async silentPeer ({ v2url, token, workspace }) {
    const id = `body:${workspace}/limits/silent.md`
    const healthy = await syncedClient(v2url, token, id, 'healthy')
    const silent = await RawWebSocket.connect(withToken(v2url, token))
    silent.sendUpgradeRequest()
    await waitFor(() => silent.status !== null, 'the silent peer\'s upgrade response')
    silent.sendBinary(frame(id, syncMessage((e) => syncProtocol.writeSyncStep1(e, new Y.Doc()))))
    await healthy.waitText((t) => t.type === 'peer_joined', 'the silent peer joined')
    const refused = await upgrade(withToken(v2url, token))
    await waitFor(() => silent.ended, 'the silent peer dropped', 30000)
    await healthy.waitText((t) => t.type === 'peer_left', 'the silent peer left the document')
    let again = null
    for (let attempt = 0; attempt < 50 && again?.status !== 101; attempt++) {
      again = await upgrade(withToken(v2url, token))
      if (again.status !== 101) await sleep(50)
    }
    // The healthy client, which answered every ping, still works.
    healthy.doc(id).getText('body').insert(0, 'still here')
    const fresh = await new V2Client(withToken(v2url, token), { name: 'fresh' }).connect()
    fresh.open(id)
    await waitFor(() => fresh.docs.get(id).synced && fresh.doc(id).getText('body').toString() === 'still here', 'a fresh client sees the healthy client\'s edit')
    const result = { upgrade: silent.status, pings: silent.pings(), closeFrame: silent.closeFrame() !== null, refused: refused.status, again: again.status, healthyOpen: !healthy.closed }
    await Promise.all([healthy.close(), fresh.close()])
    return result
  },

  /**
   * With --handshake-timeout-seconds 1: a client that never finishes its request headers, or never
   * starts them, is dropped;
   * a /sync2 socket that sends nothing after the upgrade is closed with 1008; a /sync2 client that
   * opened a document at once and a /sync multiplexed socket (admitted before the upgrade) that sends
   * nothing are both still open afterwards.
   */
  async handshakeTimeout ({ v2url, base, token, workspace }) {
    const id = `body:${workspace}/limits/handshake.md`
    const prompt = await new V2Client(withToken(v2url, token), { name: 'prompt' }).connect()
    prompt.open(id)
    const multiplexed = await new V1Client(`${base}/sync?doc=${encodeURIComponent(workspace)}&token=${encodeURIComponent(token)}&multiplexed=true`, { name: 'v1', kind: 'multiplexed' }).connect()
    const nothing = await RawWebSocket.connect(v2url)
    const headers = await RawWebSocket.connect(v2url)
    headers.sendUpgradeRequest({ complete: false })
    const mute = await new V2Client(v2url, { name: 'mute' }).connect()
    await waitFor(() => mute.closed, 'the mute /sync2 socket closed', 20000)
    await waitFor(() => headers.ended, 'the client with unfinished headers dropped', 20000)
    await waitFor(() => nothing.ended, 'the client that sent nothing dropped', 20000)
    await prompt.waitSynced(id)
    const result = {
      headers: headers.status,
      mute: { code: mute.closeCode, reason: mute.closeReason },
      promptOpen: !prompt.closed,
      multiplexedOpen: !multiplexed.closed,
    }
    await Promise.all([prompt.close(), multiplexed.close()])
    return result
  },

  /** With --idle-timeout-seconds 2: a client that goes quiet is closed with 1001; one that keeps sending awareness is not. */
  async idleTimeout ({ v2url, token, workspace }) {
    const id = `body:${workspace}/limits/idle.md`
    const quiet = await new V2Client(withToken(v2url, token), { name: 'quiet' }).connect()
    const chatty = await new V2Client(withToken(v2url, token), { name: 'chatty' }).connect()
    quiet.open(id)
    const entry = chatty.open(id)
    let n = 0
    const timer = setInterval(() => entry.awareness.setLocalState({ n: n++ }), 300)
    try {
      await waitFor(() => quiet.closed, 'the quiet client closed', 30000)
    } finally {
      clearInterval(timer)
    }
    const result = { quiet: { code: quiet.closeCode, reason: quiet.closeReason }, chattyOpen: !chatty.closed, sent: n }
    await chatty.close()
    return result
  },

  /**
   * `limit` /sync2 upgrades without any credentials (accepted: /sync2 authenticates with the first
   * document) fill --max-connections: an authenticated upgrade is then refused with 503, and accepted
   * once one of them has gone.
   */
  async unauthenticatedFlood ({ v2url, token, limit }) {
    const flood = []
    for (let i = 0; i < limit; i++) flood.push(await new V2Client(v2url, { name: `anonymous${i}` }).connect())
    const refused = await upgrade(withToken(v2url, token))
    await flood.pop().close()
    let again = null
    for (let attempt = 0; attempt < 50 && again?.status !== 101; attempt++) {
      again = await upgrade(withToken(v2url, token))
      if (again.status !== 101) await sleep(50)
    }
    await Promise.all(flood.map((c) => c.close()))
    return { refused, again: again.status }
  },

  /**
   * Clients on /sync2 and /sync that stay connected until the server goes away (the C# test sends
   * SIGTERM once /api/status counts them); returns how each socket was closed.
   */
  async shutdownClose ({ v2url, base, token, workspace }) {
    const id = `body:${workspace}/limits/shutdown.md`
    const v2 = await new V2Client(withToken(v2url, token), { name: 'v2' }).connect()
    const file = await new V1Client(`${base}/sync?doc=${encodeURIComponent(workspace)}&token=${encodeURIComponent(token)}&file=${encodeURIComponent('limits/shutdown.md')}`, { name: 'file', kind: 'file' }).connect()
    v2.open(id)
    file.sendStep1()
    await waitFor(() => v2.closed && file.closed, 'both sockets closed by the server', 60000)
    return { closes: [v2, file].map((c) => ({ name: c.name, code: c.closeCode, reason: c.closeReason })) }
  },

  /**
   * One /sync2 client sends truncated, bit-flipped and random y-sync frames, huge varuints, invalid
   * ids and an awareness flood on a document it shares with an honest client. Returns what each
   * side saw; the document must stay the same for everyone.
   */
  async hostileV2 ({ v2url, token, workspace, seed = 1 }) {
    const random = prng(seed)
    const id = `body:${workspace}/hostile/v2.md`
    const [a, b] = await Promise.all([syncedClient(v2url, token, id, 'attacker'), syncedClient(v2url, token, id, 'honest')])
    const [entryA, entryB] = [a.entry(id), b.entry(id)]
    a.doc(id).getText('body').insert(0, 'good;')
    await waitFor(() => b.doc(id).getText('body').toString() === 'good;', 'b sees the good edit')

    const payloads = hostilePayloads(random)
    for (const payload of payloads) a.send(id, payload)
    // Frames whose id is not a valid document id (or not even UTF-8 / not framed).
    const step1 = [0, 0, 1, 0]
    const badIds = [`body:${workspace}/../escape.md`, `body:${workspace}//etc/passwd`, `body:${workspace}/a\\b.md`, `body:${workspace}/nul\0.md`,
      `body:${workspace}/`, 'workspace:../../etc', `body:${workspace}/${'x'.repeat(240)}/..`, 'nonsense',
      `workspace:${'w'.repeat(200)}`] // the last: a well-formed id, but longer than any workspace id may be
    for (const badId of badIds) a.send(badId, step1)
    a.ws.send(Buffer.from([3, 0xff, 0xfe, 0xfd, ...step1])) // invalid UTF-8 id
    a.ws.send(Buffer.from([200, 1, 2, 3]))                   // id longer than the frame
    a.ws.send(Buffer.from([0, ...step1]))                    // empty id
    // Awareness flood: many updates of one state, then one update naming 1000 made-up clients.
    for (let i = 0; i < 2000; i++) entryA.awareness.setLocalState({ n: i })
    entryA.awareness.setLocalState({ n: 'final' })
    const fake = new awarenessProtocol.Awareness(new Y.Doc())
    const fakeIds = [...Array(1000)].map((_, i) => 4_000_000 + i)
    for (const clientId of fakeIds) {
      fake.states.set(clientId, { flood: clientId })
      fake.meta.set(clientId, { clock: 1, lastUpdated: Date.now() })
    }
    a.send(id, Buffer.from([1, ...varBytes(awarenessProtocol.encodeAwarenessUpdate(fake, fakeIds))]))
    const states = () => [...entryB.awareness.getStates().values()]
    // A peer may bring 16 awareness clients to a document (HubOptions.MaxAwarenessClientsPerPeer): its own and 15 of the flood.
    await waitFor(() => states().some((s) => s.n === 'final') && states().filter((s) => s.flood !== undefined).length === 15, 'b sees the final awareness state and the capped flood', 20000)

    // The honest client rejoins in case the hub reloaded the document, then edits; a fresh reader agrees.
    b.sendStep1(id)
    b.doc(id).getText('body').insert(b.doc(id).getText('body').length, 'after;')
    const errors = a.texts.filter((t) => t.type === 'error').map((t) => t.message)
    const attackerOpen = !a.closed
    await a.close()
    await waitFor(() => states().every((s) => s.flood === undefined && s.n === undefined), 'the attacker\'s awareness removed when it leaves', 20000)
    const c = await syncedClient(v2url, token, id, 'reader')
    await waitFor(() => c.doc(id).getText('body').toString() === b.doc(id).getText('body').toString() && b.doc(id).getText('body').toString().includes('after;'), 'the reader and b agree')
    const result = { sent: payloads.length, errors, attackerOpen, honestOpen: !b.closed, text: c.doc(id).getText('body').toString() }
    await Promise.all([b.close(), c.close()])
    return result
  },

  /**
   * /sync: a multiplexed socket sends malformed frames (huge path lengths, invalid UTF-8, bad paths,
   * garbage payloads) and a single-file socket a truncated update; an honest /sync2 client's document
   * stays intact.
   */
  async hostileV1 ({ v2url, base, token, workspace, seed = 2 }) {
    const random = prng(seed)
    const path = 'hostile/v1.md'
    const id = `body:${workspace}/${path}`
    const query = `doc=${encodeURIComponent(workspace)}&token=${encodeURIComponent(token)}`
    const m = await new V1Client(`${base}/sync?${query}&multiplexed=true`, { name: 'attacker', kind: 'multiplexed' }).connect()
    const b = await new V2Client(withToken(v2url, token), { name: 'honest' }).connect()
    m.open(path)
    b.open(id)
    await m.waitSynced(path)
    await b.waitSynced(id)
    m.doc(path).getText('body').insert(0, 'good;')
    await waitFor(() => b.doc(id).getText('body').toString() === 'good;', 'b sees the good edit')

    const framed = (p, payload) => Buffer.from(v1frame(p, payload))
    const raw = [
      Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0, 0, 1, 0]), // path length ~2^63
      Buffer.from([0x80, 0x80, 0x80, 0x80, 0x10, 1, 2, 3]),                                   // path length 2^32
      Buffer.from([3, 0xff, 0xfe, 0xfd, 0, 0, 1, 0]),                                          // invalid UTF-8 path
      Buffer.from([]),
      framed('../escape.md', [0, 0, 1, 0]), framed('/abs.md', [0, 0, 1, 0]), framed('a\\b.md', [0, 0, 1, 0]), framed('nul\0.md', [0, 0, 1, 0]),
      ...hostilePayloads(random).map((payload) => framed(path, payload)),
    ]
    for (const frame of raw) m.ws.send(frame)
    await sleep(200)
    m.sendStep1(path) // rejoin in case the document was reloaded
    m.doc(path).getText('body').insert(m.doc(path).getText('body').length, 'v1 after;')
    // (The attacker's copy lacks what it sent, since nothing is echoed: its edit need not land last.)
    await waitFor(() => b.doc(id).getText('body').toString().includes('v1 after;'), 'the multiplexed socket still works', 20000)

    // A single-file socket has no text channel: a malformed message closes it with 1007.
    const file = await new V1Client(`${base}/sync?${query}&file=${encodeURIComponent(path)}`, { name: 'file', kind: 'file' }).connect()
    await waitFor(() => file.entry().frames > 0, 'file socket greeting')
    file.ws.send(Buffer.from([0, 2, 10, 1, 2, 3]))
    await waitFor(() => file.closed, 'the file socket closed')

    b.sendStep1(id)
    b.doc(id).getText('body').insert(b.doc(id).getText('body').length, 'after;')
    const c = await syncedClient(v2url, token, id, 'reader')
    await waitFor(() => c.doc(id).getText('body').toString() === b.doc(id).getText('body').toString() && c.doc(id).getText('body').toString().includes('after;'), 'the reader and b agree')
    const result = {
      errors: m.texts.filter((t) => t.type === 'error').map((t) => t.message),
      multiplexedOpen: !m.closed,
      fileClose: { code: file.closeCode, reason: file.closeReason },
      honestOpen: !b.closed,
      text: c.doc(id).getText('body').toString(),
    }
    await Promise.all([m.close(), b.close(), c.close()])
    return result
  },

  /**
   * Two /sync2 clients on one document while the C# test breaks storage (a lock on the database, or
   * a file-size limit: a full disk) and then repairs it. The test and this script take turns through
   * files in `signals`: this script creates `<step>.ready` and waits for `<step>.go`.
   * A change made while storage is broken must reach nobody (it was not stored) and its sender must
   * be told; once storage works again, rejoining brings the change back from the sender's copy.
   */
  async storageFault ({ v2url, token, workspace, signals }) {
    const turn = async (step) => {
      fs.writeFileSync(`${signals}/${step}.ready`, '')
      await waitFor(() => fs.existsSync(`${signals}/${step}.go`), `the test's go for ${step}`, 60000)
    }
    const id = `body:${workspace}/fault/doc.md`
    const text = (client) => client.doc(id).getText('body').toString()
    const [a, b] = await Promise.all([syncedClient(v2url, token, id, 'writer'), syncedClient(v2url, token, id, 'watcher')])
    a.doc(id).getText('body').insert(0, 'before;')
    await waitFor(() => text(b) === 'before;', 'b sees the change made before the fault')

    await turn('break')
    a.doc(id).getText('body').insert(text(a).length, 'during;')
    const closedText = (t) => t.type === 'error' && t.doc === id && /closed/.test(t.message)
    await a.waitText(closedText, 'the writer is told its document closed', 40000)
    await b.waitText(closedText, 'the watcher is told its document closed', 40000)
    const watcherDuringFault = text(b)

    await turn('repair')
    a.sendStep1(id)
    b.sendStep1(id)
    await waitFor(() => text(b) === 'before;during;', 'b gets the change once storage works again', 30000)
    const errors = a.texts.filter((t) => t.type === 'error').map((t) => t.message)
    await Promise.all([a.close(), b.close()])
    return { watcherDuringFault, recovered: 'before;during;', errors }
  },

  /**
   * An awareness flood of ever new client ids (`rounds` updates naming `perRound` fresh clients each)
   * next to an honest client on one document. Returns how many flood states the honest client holds
   * once the server has handled every update (a SyncStep1 round trip after the last one).
   */
  async awarenessChurn ({ v2url, token, workspace, rounds, perRound, firstId }) {
    const id = `body:${workspace}/hostile/churn.md`
    const [a, b] = await Promise.all([syncedClient(v2url, token, id, 'flooder'), syncedClient(v2url, token, id, 'honest')])
    for (let round = 0; round < rounds; round++) {
      const fake = new awarenessProtocol.Awareness(new Y.Doc())
      const ids = [...Array(perRound)].map((_, i) => firstId + round * perRound + i)
      for (const clientId of ids) {
        fake.states.set(clientId, { flood: clientId, name: 'x'.repeat(40) })
        fake.meta.set(clientId, { clock: 1, lastUpdated: Date.now() })
      }
      a.send(id, Buffer.from([1, ...varBytes(awarenessProtocol.encodeAwarenessUpdate(fake, ids))]))
    }
    await a.roundTrip(id)
    const flood = [...b.entry(id).awareness.getStates().values()].filter((s) => s.flood !== undefined).length
    await Promise.all([a.close(), b.close()])
    return { flood }
  },

  /** The body text of one document, as a fresh /sync2 reader sees it. */
  async readText ({ v2url, token, id }) {
    const c = await syncedClient(v2url, token, id, 'reader')
    const text = c.doc(id).getText('body').toString()
    await c.close()
    return { text }
  },
}

runScenario(scenarios)
