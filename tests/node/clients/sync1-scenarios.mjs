// Scenarios that drive the real server over /sync (v1) with real yjs clients (and, where they meet,
// /sync2 clients and the stock y-websocket WebsocketProvider). The C# tests start the server, run
// `node clients/sync1-scenarios.mjs <scenario> '<json args>'` and check the JSON it prints. A scenario
// throws (exit code 1) when its own expectations fail.
//
// Common args: base (ws://127.0.0.1:<port>), token, workspace.

import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import { V1Client, Y, waitFor, sleep, upgradeStatus, messageTypes, syncMessage, connectMetadata } from './v1client.mjs'
import { V2Client } from './v2client.mjs'
import * as syncProtocol from 'y-protocols/sync'
import { args, runScenario } from './scenario-cli.mjs'


const query = (params) => Object.entries(params).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')
const v1url = (base, params) => `${base}/sync?${query(params)}`
const fileMeta = (filename, title, extra = {}) => JSON.stringify({ filename, title, part_of: null, contents: null, attachments: [], deleted: false, audience: null, description: null, extra: {}, modified_at: Date.now(), ...extra })
const connect = (url, name, kind, options = {}) => new V1Client(url, { name, kind, ...options }).connect()
const kinds = (client) => client.events.map((e) => e[0] === 'text' ? e[1].type : `binary:${e[2].join('+')}`)

const files = (doc) => [...doc.getMap('files').keys()].sort()

const scenarios = {
  /** HTTP status of each upgrade attempt. */
  async statuses ({ urls }) {
    const result = []
    for (const url of urls) result.push(await upgradeStatus(url))
    return { statuses: result }
  },

  /** Metadata socket on an empty workspace: full state first, Step1 answered in one frame, sync_complete after the first Step2. */
  async legacy ({ base, token, doc }) {
    const client = await connect(v1url(base, { doc, token }), 'legacy', 'metadata')
    await client.waitSynced()
    const first = client.events[0]
    client.sendStep1()
    await waitFor(() => client.events.filter((e) => e[0] === 'binary').length >= 2, 'reply to SyncStep1')
    const reply = client.events.filter((e) => e[0] === 'binary')[1][2]
    // Our client answered the server's SyncStep1 with a SyncStep2: sync_complete follows, once.
    await client.waitText((t) => t.type === 'sync_complete', 'sync_complete')
    client.doc().getMap('files').set('hello.md', fileMeta('hello.md', 'Hello'))
    client.sendStep2()
    await sleep(300)
    const syncCompletes = client.texts.filter((t) => t.type === 'sync_complete')
    await client.close()
    return { first, reply, syncCompletes }
  },

  /** Two sockets of one user with doc given as `doc`: edits reach each other live. */
  async pair ({ base, token, doc, otherDoc }) {
    const a = await connectMetadata(v1url(base, { doc, token }), 'a')
    const b = await connectMetadata(v1url(base, { doc: otherDoc ?? doc, token }), 'b')
    a.doc().getMap('files').set('from-a.md', fileMeta('from-a.md', 'A'))
    await waitFor(() => b.doc().getMap('files').has('from-a.md'), 'b sees a\'s file')
    b.doc().getMap('files').set('from-b.md', fileMeta('from-b.md', 'B'))
    await waitFor(() => a.doc().getMap('files').has('from-b.md'), 'a sees b\'s file')
    await Promise.all([a.close(), b.close()])
    return { files: files(a.doc()) }
  },

  /** What the files map of a workspace holds, read over /sync2. */
  async read2 ({ url2, token, workspace }) {
    const client = await new V2Client(`${url2}?token=${encodeURIComponent(token)}`, { name: 'reader' }).connect()
    client.open(`workspace:${workspace}`)
    await waitFor(() => client.texts.some((t) => t.type === 'file_manifest') || client.docs.get(`workspace:${workspace}`).synced, 'opening')
    if (client.texts.some((t) => t.type === 'file_manifest')) client.sendText({ type: 'FilesReady' })
    await client.waitSynced(`workspace:${workspace}`)
    const result = files(client.doc(`workspace:${workspace}`))
    await client.close()
    return { files: result }
  },

  /** Non-empty workspace: file_manifest, binary ignored until files_ready, crdt_state = the server's state. */
  async handshake ({ base, token, doc }) {
    const seed = await connectMetadata(v1url(base, { doc, token }), 'seed')
    seed.doc().getMap('files').set('README.md', fileMeta('README.md', 'My Journal'))
    seed.doc().getMap('files').set('old.md', fileMeta('old.md', 'Old', { deleted: true }))
    await sleep(200)
    await seed.close()

    const client = await connect(v1url(base, { doc, token }), 'client', 'metadata')
    await client.waitText((t) => t.type === 'file_manifest', 'file_manifest')
    client.sendStep1() // ignored before files_ready
    await sleep(300)
    const binaryBeforeReady = client.events.filter((e) => e[0] === 'binary').length
    client.sendText({ type: args.spelling ?? 'files_ready' })
    await client.waitText((t) => t.type === 'crdt_state', 'crdt_state')
    const fromState = new Y.Doc()
    Y.applyUpdate(fromState, Buffer.from(client.texts.find((t) => t.type === 'crdt_state').state, 'base64'))
    Y.applyUpdate(client.doc(), Buffer.from(client.texts.find((t) => t.type === 'crdt_state').state, 'base64'), client)
    client.sendStep1()
    await waitFor(() => client.events.some((e) => e[0] === 'binary'), 'reply after files_ready')
    await client.waitText((t) => t.type === 'sync_complete', 'sync_complete')
    // A live change by another socket now reaches this one.
    const other = await connectMetadata(v1url(base, { doc, token }), 'other')
    other.doc().getMap('files').set('live.md', fileMeta('live.md', 'Live'))
    await waitFor(() => client.doc().getMap('files').has('live.md'), 'client sees the live change')
    await Promise.all([client.close(), other.close()])
    return {
      sequence: kinds(client),
      manifest: client.texts.find((t) => t.type === 'file_manifest'),
      binaryBeforeReady,
      crdtFiles: files(fromState),
      syncComplete: client.texts.find((t) => t.type === 'sync_complete'),
    }
  },

  /** With --v1-handshake off a non-empty workspace still opens with the full state. */
  async nohandshake ({ base, token, doc }) {
    const seed = await connectMetadata(v1url(base, { doc, token }), 'seed')
    seed.doc().getMap('files').set('README.md', fileMeta('README.md', 'My Journal'))
    await sleep(200)
    await seed.close()
    const client = await connect(v1url(base, { doc, token }), 'client', 'metadata')
    await client.waitSynced()
    await client.close()
    return { sequence: kinds(client), files: files(client.doc()) }
  },

  /** file= socket: the server opens with SyncStep1; v1 and v2 clients edit the same body live. */
  async singlefile ({ base, url2, token, workspace, path }) {
    const v1 = await connect(v1url(base, { doc: workspace, token, file: path }), 'v1', 'file')
    await waitFor(() => v1.events.length > 0, 'server opening')
    const opening = v1.events[0]
    v1.sendStep1()
    await v1.waitSynced()
    const v2 = await new V2Client(`${url2}?token=${encodeURIComponent(token)}`, { name: 'v2' }).connect()
    const id = `body:${workspace}/${path}`
    v2.open(id)
    await v2.waitSynced(id)
    v1.doc().getText('body').insert(0, 'from v1. ')
    await waitFor(() => v2.doc(id).getText('body').toString().includes('from v1'), 'v2 sees v1')
    v2.doc(id).getText('body').insert(v2.doc(id).getText('body').length, 'from v2.')
    await waitFor(() => v1.doc().getText('body').toString().includes('from v2'), 'v1 sees v2')
    // Concurrent edits on both sides converge.
    for (let i = 0; i < 20; i++) {
      v1.doc().getText('body').insert(0, `a${i} `)
      v2.doc(id).getText('body').insert(v2.doc(id).getText('body').length, ` b${i}`)
    }
    await waitFor(() => v1.doc().getText('body').toString() === v2.doc(id).getText('body').toString() && v1.doc().getText('body').toString().includes('b19') && v1.doc().getText('body').toString().includes('a19'), 'convergence')
    const text = v1.doc().getText('body').toString()
    await Promise.all([v1.close(), v2.close()])
    return { opening, text }
  },

  /** One multiplexed socket syncs `count` files; a second one reads them; routing is per path. */
  async multiplexed ({ base, token, workspace, count = 500 }) {
    const url = v1url(base, { doc: workspace, token, multiplexed: 'true' })
    const writer = await connect(url, 'writer', 'multiplexed')
    const paths = [...Array(count)].map((_, i) => `notes/n${String(i).padStart(3, '0')}.md`)
    for (const path of paths) writer.open(path)
    for (const path of paths) await writer.waitSynced(path, 30000)
    const firstReply = writer.events.find((e) => e[0] === 'binary')[2]
    for (const path of paths) writer.doc(path).getText('body').insert(0, `content of ${path}`)
    await writer.waitText((t) => t.type === 'sync_complete', 'sync_complete', 15000)

    const reader = await connect(url, 'reader', 'multiplexed')
    for (const path of paths) reader.open(path)
    await waitFor(() => paths.every((path) => reader.doc(path).getText('body').toString() === `content of ${path}`), 'reader has every file', 60000)

    // Isolation: a socket that used only one path gets updates for that path only.
    const narrow = await connect(url, 'narrow', 'multiplexed')
    narrow.open(paths[0])
    await narrow.waitSynced(paths[0])
    writer.doc(paths[1]).getText('body').insert(0, 'changed ')
    writer.doc(paths[0]).getText('body').insert(0, 'changed ')
    await waitFor(() => narrow.doc(paths[0]).getText('body').toString().startsWith('changed'), 'narrow sees its path')
    await waitFor(() => reader.doc(paths[1]).getText('body').toString().startsWith('changed'), 'reader sees path 1')
    await sleep(200)
    const narrowPaths = [...new Set(narrow.events.filter((e) => e[0] === 'binary').map((e) => e[1]))]
    await Promise.all([writer.close(), reader.close(), narrow.close()])
    return {
      files: paths.length,
      firstReply,
      progress: writer.texts.filter((t) => t.type === 'sync_progress'),
      syncComplete: writer.texts.filter((t) => t.type === 'sync_complete'),
      narrowPaths,
    }
  },

  /** Data written over v1 (metadata and multiplexed bodies), for a restart check with `readback`. */
  async write ({ base, token, workspace, count = 5 }) {
    const meta = await connectMetadata(v1url(base, { doc: workspace, token }), 'meta')
    const bodies = await connect(v1url(base, { doc: workspace, token, multiplexed: 'true' }), 'bodies', 'multiplexed')
    for (let i = 0; i < count; i++) {
      const path = `keep/${i}.md`
      bodies.open(path)
      await bodies.waitSynced(path)
      bodies.doc(path).getText('body').insert(0, `kept ${i}`)
      meta.doc().getMap('files').set(path, fileMeta(`${i}.md`, `Kept ${i}`))
    }
    await sleep(300)
    await Promise.all([meta.close(), bodies.close()])
    return { written: count }
  },

  async readback ({ base, token, workspace, count = 5 }) {
    const meta = await connectMetadata(v1url(base, { doc: workspace, token }), 'meta')
    const bodies = await connect(v1url(base, { doc: workspace, token, multiplexed: 'true' }), 'bodies', 'multiplexed')
    const texts = []
    for (let i = 0; i < count; i++) {
      const path = `keep/${i}.md`
      bodies.open(path)
      await bodies.waitSynced(path)
      texts.push(bodies.doc(path).getText('body').toString())
    }
    const result = { texts, files: files(meta.doc()) }
    await Promise.all([meta.close(), bodies.close()])
    return result
  },

  /** Share-session guests: session_joined, peer_joined/peer_left with correct counts, writes of a writable session. */
  async guests ({ base, token, workspace, session }) {
    const host = await connectMetadata(v1url(base, { doc: workspace, token }), 'host')
    const hostBodies = await connect(v1url(base, { doc: workspace, token, multiplexed: 'true' }), 'hostBodies', 'multiplexed')
    // The server follows the workspace for this socket once it has opened it, a moment after the upgrade:
    // a body synced over it shows that it has (a guest joining before that is not heard on it).
    hostBodies.open('host.md')
    await hostBodies.waitSynced('host.md')
    const guest = await connect(v1url(base, { session: session.toLowerCase(), guest_id: 'visitor-1', doc: 'ignored', token: 'ignored' }), 'guest', 'metadata')
    await guest.waitSynced()
    await host.waitText((t) => t.type === 'peer_joined', 'host hears peer_joined')
    await hostBodies.waitText((t) => t.type === 'peer_joined', 'host bodies hear peer_joined')
    await guest.waitText((t) => t.type === 'peer_joined', 'guest hears its own peer_joined')
    guest.doc().getMap('files').set('guest.md', fileMeta('guest.md', 'Guest'))
    await waitFor(() => host.doc().getMap('files').has('guest.md'), 'host sees the guest\'s file')
    const second = await connectMetadata(v1url(base, { session }), 'second') // the workspace has a file now: handshake
    await host.waitText((t) => t.type === 'peer_joined' && t.peer_count === 3, 'second peer_joined')
    await second.close()
    await host.waitText((t) => t.type === 'peer_left', 'peer_left')
    await guest.close()
    await waitFor(() => host.texts.filter((t) => t.type === 'peer_left').length === 2, 'second peer_left')
    await Promise.all([host.close(), hostBodies.close()])
    return {
      guestSequence: kinds(guest).slice(0, 2),
      sessionJoined: guest.texts.find((t) => t.type === 'session_joined'),
      peerEvents: host.texts.filter((t) => t.type === 'peer_joined' || t.type === 'peer_left'),
      syncComplete: guest.texts.filter((t) => t.type === 'sync_complete').length,
    }
  },

  /** A read-only guest writes over every kind of socket: nothing is applied, relayed or stored. */
  async readonly ({ base, token, workspace, session }) {
    const owner = await connectMetadata(v1url(base, { doc: workspace, token }), 'owner')
    owner.doc().getMap('files').set('shared.md', fileMeta('shared.md', 'Shared'))
    const ownerBody = await connect(v1url(base, { doc: workspace, token, file: 'shared.md' }), 'ownerBody', 'file')
    ownerBody.sendStep1()
    await ownerBody.waitSynced()
    ownerBody.doc().getText('body').insert(0, 'owner text')
    await sleep(200)

    const guestMeta = await connectMetadata(v1url(base, { session, guest_id: 'reader' }), 'guestMeta')
    const guestFile = await connect(v1url(base, { session, file: 'shared.md' }), 'guestFile', 'file')
    guestFile.sendStep1()
    await guestFile.waitSynced()
    const guestMux = await connect(v1url(base, { session, multiplexed: 'true' }), 'guestMux', 'multiplexed')
    guestMux.open('shared.md')
    await guestMux.waitSynced('shared.md')
    const guestSaw = guestMux.doc('shared.md').getText('body').toString()
    guestMeta.doc().getMap('files').set('guest.md', fileMeta('guest.md', 'Guest'))
    guestMeta.sendStep2()
    guestFile.doc().getText('body').insert(0, 'FILE ')
    guestMux.doc('shared.md').getText('body').insert(0, 'MUX ')
    guestMux.sendStep2('shared.md')
    await sleep(500)
    const ownerText = ownerBody.doc().getText('body').toString()
    const ownerFiles = files(owner.doc())
    await Promise.all([owner.close(), ownerBody.close(), guestMeta.close(), guestFile.close(), guestMux.close()])
    const fresh = await connect(v1url(base, { doc: workspace, token, file: 'shared.md' }), 'fresh', 'file')
    fresh.sendStep1()
    await fresh.waitSynced()
    const freshText = fresh.doc().getText('body').toString()
    await fresh.close()
    return { sessionJoined: guestMeta.texts.find((t) => t.type === 'session_joined'), guestSaw, ownerText, ownerFiles, freshText }
  },

  /** focus/unfocus on multiplexed sockets: focus_list_changed to the room, the list on connect, cleared on disconnect. */
  async focus ({ base, token, workspace }) {
    const url = v1url(base, { doc: workspace, token, multiplexed: 'true' })
    const meta = await connectMetadata(v1url(base, { doc: workspace, token }), 'meta')
    const a = await connect(url, 'a', 'multiplexed')
    const b = await connect(url, 'b', 'multiplexed')
    const lists = (c) => c.texts.filter((t) => t.type === 'focus_list_changed').map((t) => t.files)
    // Both sockets opened on the server (a body synced over each): a change before b was in the room
    // would reach it as the list sent on connect instead, or as both.
    for (const c of [a, b]) { c.open('probe.md'); await c.waitSynced('probe.md') }
    a.sendText({ type: 'focus', files: ['a.md'] })
    await waitFor(() => lists(meta).length === 1 && lists(b).length === 1 && lists(a).length === 1, 'first focus_list_changed everywhere')
    b.sendText({ type: 'focus', files: ['a.md', 'b.md'] })
    await waitFor(() => lists(meta).length === 2, 'second change')
    a.sendText({ type: 'focus', files: ['a.md'] }) // no change: nothing sent
    a.sendText({ type: 'unfocus', files: ['a.md'] }) // b still holds a.md: no change
    a.sendText({ type: 'focus', files: ['c.md', '../bad'] })
    await waitFor(() => lists(meta).length === 3, 'third change')
    const c = await connect(url, 'c', 'multiplexed')
    await waitFor(() => lists(c).length === 1, 'c gets the list on connect')
    await a.close()
    await waitFor(() => lists(meta).length === 4, 'a\'s focus cleared on disconnect')
    b.sendText({ type: 'unfocus', files: ['a.md', 'b.md'] })
    await waitFor(() => lists(meta).length === 5, 'b unfocuses')
    await Promise.all([meta.close(), b.close(), c.close()])
    return { meta: lists(meta), onConnect: lists(c)[0] }
  },

  /** Garbage on each kind of socket: one clear error (a JSON error text, or close 1007 where there are no texts). */
  async garbage ({ base, token, workspace }) {
    const meta = await connectMetadata(v1url(base, { doc: workspace, token }), 'meta')
    meta.ws.send(Buffer.from([0, 2, 10, 1, 2, 3])) // truncated update
    meta.ws.send('not json')
    await meta.waitText((t) => t.type === 'error', 'metadata error')
    meta.doc().getMap('files').set('after.md', fileMeta('after.md', 'After'))

    const mux = await connect(v1url(base, { doc: workspace, token, multiplexed: 'true' }), 'mux', 'multiplexed')
    mux.open('ok.md')
    await mux.waitSynced('ok.md')
    mux.ws.send(Buffer.from([0x85])) // truncated path length
    mux.ws.send(Buffer.from([5, 0x61])) // path longer than the frame
    mux.ws.send(Buffer.concat([Buffer.from([5]), Buffer.from('../x'), Buffer.from([0]), Buffer.from([0, 0, 1, 0])])) // invalid path
    mux.ws.send(Buffer.concat([Buffer.from([5]), Buffer.from('ok.md'), Buffer.from([9, 9, 9])])) // unknown message type
    await waitFor(() => mux.texts.filter((t) => t.type === 'error').length >= 4, 'multiplexed errors')
    mux.doc('ok.md').getText('body').insert(0, 'still works')

    const file = await connect(v1url(base, { doc: workspace, token, file: 'ok.md' }), 'file', 'file')
    file.sendStep1()
    await file.waitSynced()
    const fileText = file.doc().getText('body').toString()
    file.ws.send(Buffer.from([0, 2, 10, 1, 2, 3]))
    await waitFor(() => file.closed, 'single-file socket closed')

    const check = await connectMetadata(v1url(base, { doc: workspace, token }), 'check')
    const ok = check.doc().getMap('files').has('after.md')
    await Promise.all([meta.close(), mux.close(), check.close()])
    return {
      metaErrors: meta.texts.filter((t) => t.type === 'error').map((t) => t.message),
      muxErrors: mux.texts.filter((t) => t.type === 'error').map((t) => t.message),
      fileText,
      fileClose: file.closeCode,
      metaStillWorks: ok,
    }
  },

  /** The stock y-websocket WebsocketProvider (room `sync`, the v1 query as params): text and awareness. */
  async provider ({ base, token, workspace, path }) {
    const params = { doc: workspace, token, file: path }
    const docA = new Y.Doc()
    const docB = new Y.Doc()
    const a = new WebsocketProvider(base, 'sync', docA, { WebSocketPolyfill: WebSocket, params, disableBc: true })
    const b = new WebsocketProvider(base, 'sync', docB, { WebSocketPolyfill: WebSocket, params, disableBc: true })
    await waitFor(() => a.synced && b.synced, 'both providers synced')
    docA.getText('body').insert(0, 'hello from A')
    await waitFor(() => docB.getText('body').toString() === 'hello from A', 'B sees A')
    docB.getText('body').insert(docB.getText('body').length, ', and B')
    await waitFor(() => docA.getText('body').toString() === 'hello from A, and B', 'A sees B')
    a.awareness.setLocalStateField('user', { name: 'Alice' })
    const seesAlice = (p) => [...p.awareness.getStates().values()].some((s) => s.user?.name === 'Alice')
    await waitFor(() => seesAlice(b), 'B sees A\'s awareness')
    // A latecomer gets the awareness states with its opening, and a query-awareness answer.
    const docC = new Y.Doc()
    const c = new WebsocketProvider(base, 'sync', docC, { WebSocketPolyfill: WebSocket, params, disableBc: true })
    await waitFor(() => c.synced && seesAlice(c) && docC.getText('body').toString() === 'hello from A, and B', 'C synced with awareness')
    const raw = await connect(v1url(base, params), 'raw', 'file')
    await waitFor(() => raw.events.length > 0, 'raw opening')
    const awarenessFrames = () => raw.events.filter((e) => e[0] === 'binary' && e[2][0] === 'awareness').length
    const before = awarenessFrames()
    raw.ws.send(Buffer.from([3]))
    await waitFor(() => awarenessFrames() > before && [...raw.entry().awareness.getStates().values()].some((s) => s.user?.name === 'Alice'), 'query-awareness answered')
    await raw.close()
    a.destroy()
    await waitFor(() => !seesAlice(b), 'A\'s awareness removed when it disconnects')
    const text = docC.getText('body').toString()
    b.destroy()
    c.destroy()
    return { text, awareness: true }
  },
}

runScenario(scenarios)
