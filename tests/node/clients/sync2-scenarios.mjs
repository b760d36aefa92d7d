// Scenarios that drive the real server over /sync2 with real yjs clients. The C# tests start the
// server, run `node clients/sync2-scenarios.mjs <scenario> '<json args>'` and check the JSON it
// prints. A scenario throws (exit code 1) when its own expectations fail.
//
// Common args: url (ws://127.0.0.1:<port>/sync2), token, workspace.

import { V2Client, Y, waitFor, sleep } from './v2client.mjs'
import { args, runScenario } from './scenario-cli.mjs'

const withToken = (url, token, extra = '') => `${url}?token=${encodeURIComponent(token)}${extra}`
const ws = (id) => `workspace:${id}`
const body = (id, path) => `body:${id}/${path}`
const fileMeta = (filename, title) => JSON.stringify({ filename, title, part_of: null, contents: null, attachments: [], deleted: false, audience: null, description: null, extra: {}, modified_at: Date.now() })

const connect = async (url, name) => new V2Client(url, { name }).connect()

const scenarios = {
  /** Several clients edit the workspace and one body concurrently; all converge. */
  async converge ({ url, token, workspace, clients = 2 }) {
    const peers = await Promise.all([...Array(clients)].map((_, i) => connect(withToken(url, token), `c${i}`)))
    for (const peer of peers) {
      peer.open(ws(workspace))
      peer.open(body(workspace, 'shared.md'))
    }
    for (const peer of peers) {
      await peer.waitSynced(ws(workspace))
      await peer.waitSynced(body(workspace, 'shared.md'))
    }
    peers.forEach((peer, i) => {
      peer.doc(ws(workspace)).getMap('files').set(`note-${i}.md`, fileMeta(`note-${i}.md`, `Note ${i}`))
      peer.doc(body(workspace, 'shared.md')).getText('body').insert(0, `[${peer.name}]`)
    })
    const files = (p) => [...p.doc(ws(workspace)).getMap('files').keys()].sort().join(',')
    const text = (p) => p.doc(body(workspace, 'shared.md')).getText('body').toString()
    await waitFor(() => peers.every((p) => p.doc(ws(workspace)).getMap('files').size === clients && text(p).length === text(peers[0]).length && text(p).split('[').length === clients + 1), 'all clients converge')
    await waitFor(() => peers.every((p) => files(p) === files(peers[0]) && text(p) === text(peers[0])), 'identical content')
    await Promise.all(peers.map((p) => p.close()))
    return { files: files(peers[0]).split(','), text: text(peers[0]) }
  },

  /** One socket opens `docs` body documents and writes each; a second socket reads them all. */
  async multiplex ({ url, token, workspace, docs = 200 }) {
    const writer = await connect(withToken(url, token), 'writer')
    const paths = [...Array(docs)].map((_, i) => `notes/n${i}.md`)
    for (const path of paths) writer.open(body(workspace, path))
    for (const path of paths) await writer.waitSynced(body(workspace, path))
    for (const path of paths) writer.doc(body(workspace, path)).getText('body').insert(0, `content of ${path}`)
    const reader = await connect(withToken(url, token), 'reader')
    for (const path of paths) reader.open(body(workspace, path))
    await waitFor(() => paths.every((path) => reader.doc(body(workspace, path)).getText('body').toString() === `content of ${path}`), 'reader sees every document', 30000)
    await Promise.all([writer.close(), reader.close()])
    return { documents: paths.length }
  },

  /** Awareness is relayed, and removed for the others when its owner disconnects. */
  async awareness ({ url, token, workspace }) {
    const a = await connect(withToken(url, token), 'a')
    const b = await connect(withToken(url, token), 'b')
    const id = body(workspace, 'presence.md')
    const entryA = a.open(id)
    const entryB = b.open(id)
    await a.waitSynced(id)
    await b.waitSynced(id)
    entryA.awareness.setLocalState({ user: { name: 'Alice' } })
    const seesAlice = () => [...entryB.awareness.getStates().values()].some((s) => s.user?.name === 'Alice')
    await waitFor(seesAlice, 'b sees a\'s awareness')
    await a.close()
    await waitFor(() => !seesAlice(), 'a\'s awareness removed after disconnect')
    await b.close()
    return { relayed: true, removed: true }
  },

  /** Writes the files map (so the workspace is non-empty), then a second client goes through Files-Ready. */
  async handshake ({ url, token, workspace }) {
    const seed = await connect(withToken(url, token), 'seed')
    seed.open(ws(workspace))
    await seed.waitSynced(ws(workspace))
    seed.doc(ws(workspace)).getMap('files').set('README.md', fileMeta('README.md', 'My Journal'))
    seed.doc(ws(workspace)).getMap('files').set('daily/2026-11-25.md', fileMeta('2026-11-25.md', 'Today'))
    await sleep(200)
    await seed.close()

    const client = await connect(withToken(url, token), 'client')
    client.open(ws(workspace))
    await client.waitText((t) => t.type === 'file_manifest', 'file_manifest')
    const manifest = client.texts.find((t) => t.type === 'file_manifest')
    client.sendText({ type: 'FilesReady' })
    await client.waitSynced(ws(workspace))
    await sleep(100)
    const sequence = client.events.map((e) => e[0] === 'text' ? e[1].type : `binary:${e[2]}`)
    const state = client.texts.find((t) => t.type === 'crdt_state')
    const fromState = new Y.Doc()
    Y.applyUpdate(fromState, Buffer.from(state.state, 'base64'))
    await client.close()
    return { sequence, manifest, syncComplete: client.texts.find((t) => t.type === 'sync_complete'), crdtFiles: [...fromState.getMap('files').keys()].sort(), files: [...client.doc(ws(workspace)).getMap('files').keys()].sort() }
  },

  /** leave tells the other peer; save is accepted; the document keeps working for the other peer. */
  async leave ({ url, token, workspace }) {
    const a = await connect(withToken(url, token), 'a')
    const b = await connect(withToken(url, token), 'b')
    const id = body(workspace, 'leave.md')
    a.open(id)
    await a.waitSynced(id)
    b.open(id)
    await b.waitSynced(id)
    await a.waitText((t) => t.type === 'peer_joined' && t.peer_count === 2, 'peer_joined')
    b.doc(id).getText('body').insert(0, 'before save')
    await waitFor(() => a.doc(id).getText('body').toString() === 'before save', 'a receives b\'s edit')
    a.sendText({ action: 'save', doc: id })
    b.sendText({ action: 'leave', doc: id })
    await a.waitText((t) => t.type === 'peer_left' && t.peer_count === 1, 'peer_left')
    a.doc(id).getText('body').insert(0, 'after leave, ')
    await sleep(200)
    const bText = b.doc(id).getText('body').toString()
    await Promise.all([a.close(), b.close()])
    return { peerJoined: a.texts.find((t) => t.type === 'peer_joined'), peerLeft: a.texts.find((t) => t.type === 'peer_left'), bAfterLeave: bText }
  },

  /** Writes `count` body docs (and the workspace) so a restart can be checked with `read`. */
  async write ({ url, token, workspace, count = 5 }) {
    const client = await connect(withToken(url, token), 'writer')
    client.open(ws(workspace))
    await client.waitSynced(ws(workspace))
    for (let i = 0; i < count; i++) {
      const id = body(workspace, `keep/${i}.md`)
      client.open(id)
      await client.waitSynced(id)
      client.doc(id).getText('body').insert(0, `kept ${i}`)
      client.doc(ws(workspace)).getMap('files').set(`keep/${i}.md`, fileMeta(`${i}.md`, `Kept ${i}`))
    }
    await sleep(300)
    await client.close()
    return { written: count }
  },

  async read ({ url, token, workspace, count = 5 }) {
    const client = await connect(withToken(url, token), 'reader')
    client.open(ws(workspace))
    if (args.handshake) {
      await client.waitText((t) => t.type === 'file_manifest', 'file_manifest')
      client.sendText({ type: 'FilesReady' })
    }
    await client.waitSynced(ws(workspace))
    const texts = []
    for (let i = 0; i < count; i++) {
      const id = body(workspace, `keep/${i}.md`)
      client.open(id)
      await client.waitSynced(id)
      texts.push(client.doc(id).getText('body').toString())
    }
    const files = [...client.doc(ws(workspace)).getMap('files').keys()].sort()
    await client.close()
    return { texts, files }
  },

  /** `count` small edits to one document, one transaction each; a second client sees them all. */
  async edits ({ url, token, workspace, path = 'many.md', count = 100 }) {
    const id = body(workspace, path)
    const writer = await connect(withToken(url, token), 'writer')
    const observer = await connect(withToken(url, token), 'observer')
    writer.open(id)
    observer.open(id)
    await writer.waitSynced(id)
    await observer.waitSynced(id)
    const text = writer.doc(id).getText('body')
    for (let i = 0; i < count; i++) text.insert(text.length, 'x')
    await waitFor(() => observer.doc(id).getText('body').length === count, 'observer sees every edit', 60000)
    await Promise.all([writer.close(), observer.close()])
    return { length: count }
  },

  /** A legacy bare workspace id and the prefixed id reach the same document. */
  async legacy ({ url, token, workspace }) {
    const bare = await connect(withToken(url, token), 'bare')
    const prefixed = await connect(withToken(url, token), 'prefixed')
    bare.open(workspace)
    prefixed.open(ws(workspace))
    await bare.waitSynced(workspace)
    await prefixed.waitSynced(ws(workspace))
    bare.doc(workspace).getMap('files').set('from-bare.md', fileMeta('from-bare.md', 'Bare'))
    prefixed.doc(ws(workspace)).getMap('files').set('from-prefixed.md', fileMeta('from-prefixed.md', 'Prefixed'))
    const keys = (doc) => [...doc.getMap('files').keys()].sort().join(',')
    await waitFor(() => keys(bare.doc(workspace)) === 'from-bare.md,from-prefixed.md' && keys(prefixed.doc(ws(workspace))) === keys(bare.doc(workspace)), 'both ids converge')
    await Promise.all([bare.close(), prefixed.close()])
    return { files: keys(bare.doc(workspace)).split(',') }
  },

  /**
   * One socket holds the same document under two ids (bare and prefixed): each id gets the other
   * peers' changes, and leaving one id leaves the other open.
   */
  async twoNames ({ url, token, workspace }) {
    const both = await connect(withToken(url, token), 'both')
    const writer = await connect(withToken(url, token), 'writer')
    both.open(workspace)
    both.open(ws(workspace))
    writer.open(ws(workspace))
    for (const [client, id] of [[both, workspace], [both, ws(workspace)], [writer, ws(workspace)]]) await client.waitSynced(id)
    const keys = (doc) => [...doc.getMap('files').keys()].sort().join(',')
    writer.doc(ws(workspace)).getMap('files').set('first.md', fileMeta('first.md', 'First'))
    await waitFor(() => keys(both.doc(workspace)) === 'first.md' && keys(both.doc(ws(workspace))) === 'first.md', 'both ids receive the change')
    both.sendText({ action: 'leave', doc: workspace })
    await both.roundTrip(ws(workspace)) // frames are handled in order: the leave has been too
    writer.doc(ws(workspace)).getMap('files').set('second.md', fileMeta('second.md', 'Second'))
    await waitFor(() => keys(both.doc(ws(workspace))) === 'first.md,second.md', 'the id still open receives the next change')
    await sleep(200)
    const result = { stillOpen: keys(both.doc(ws(workspace))).split(','), left: keys(both.doc(workspace)).split(',') }
    await Promise.all([both.close(), writer.close()])
    return result
  },

  /** A peer that stops reading must not hold up the document: the others get everything, the slow one is dropped. */
  async slow ({ url, token, workspace, updates = 400, size = 64 * 1024 }) {
    const id = body(workspace, 'slow.md')
    const slow = await connect(withToken(url, token), 'slow')
    const writer = await connect(withToken(url, token), 'writer')
    const observer = await connect(withToken(url, token), 'observer')
    for (const c of [slow, writer, observer]) c.open(id)
    for (const c of [slow, writer, observer]) await c.waitSynced(id)
    slow.ws._socket.pause() // stop reading: the server's queue for this peer fills up
    const chunk = 'y'.repeat(size)
    const text = writer.doc(id).getText('body')
    for (let i = 0; i < updates; i++) text.insert(0, chunk)
    await waitFor(() => observer.doc(id).getText('body').length === updates * size, 'observer receives every update while one peer is stuck', 60000)
    slow.ws._socket.resume()
    await waitFor(() => slow.closed, 'the stuck peer is dropped', 30000)
    await Promise.all([writer.close(), observer.close()])
    return { observed: observer.doc(id).getText('body').length, slowClosed: slow.closed }
  },

  /** Marks a file of the workspace as deleted (Diaryx's soft delete). */
  async markDeleted ({ url, token, workspace, path }) {
    const client = await connect(withToken(url, token), 'deleter')
    client.open(ws(workspace))
    await client.waitText((t) => t.type === 'file_manifest', 'file_manifest')
    client.sendText({ type: 'FilesReady' })
    await client.waitSynced(ws(workspace))
    const files = client.doc(ws(workspace)).getMap('files')
    files.set(path, JSON.stringify({ ...JSON.parse(files.get(path)), deleted: true, modified_at: Date.now() }))
    await sleep(200)
    await client.close()
    return { deleted: path }
  },

  /** Connects to a body and waits until it reads `expected` (changed by someone else meanwhile). */
  async awaitBody ({ url, token, workspace, path, expected, timeout = 30000 }) {
    const client = await connect(withToken(url, token), 'watcher')
    const id = body(workspace, path)
    client.open(id)
    await client.waitSynced(id)
    process.stderr.write('ready\n')
    await waitFor(() => client.doc(id).getText('body').toString() === expected, `${path} reads the expected text`, timeout)
    await client.close()
    return { text: expected }
  },

  /** A guest of a read-only share session tries to change the workspace and a body. */
  async readonly ({ url, token, workspace, session }) {
    const owner = await connect(withToken(url, token), 'owner')
    owner.open(ws(workspace))
    await owner.waitSynced(ws(workspace))
    owner.doc(ws(workspace)).getMap('files').set('shared.md', fileMeta('shared.md', 'Shared'))
    owner.open(body(workspace, 'shared.md'))
    await owner.waitSynced(body(workspace, 'shared.md'))
    owner.doc(body(workspace, 'shared.md')).getText('body').insert(0, 'owner text')
    await sleep(200)

    const guest = await connect(`${url}?session=${session}&guest_id=visitor`, 'guest')
    guest.open(ws(workspace))
    await guest.waitText((t) => t.type === 'session_joined', 'session_joined')
    guest.sendText({ type: 'FilesReady' })
    await guest.waitSynced(ws(workspace))
    guest.open(body(workspace, 'shared.md'))
    await guest.waitSynced(body(workspace, 'shared.md'))
    const guestSaw = guest.doc(body(workspace, 'shared.md')).getText('body').toString()
    guest.doc(body(workspace, 'shared.md')).getText('body').insert(0, 'GUEST WAS HERE ')
    guest.doc(ws(workspace)).getMap('files').set('guest.md', fileMeta('guest.md', 'Guest'))
    guest.sendStep2(body(workspace, 'shared.md'))
    guest.sendText({ action: 'save', doc: body(workspace, 'shared.md') })
    await sleep(500)
    const ownerText = owner.doc(body(workspace, 'shared.md')).getText('body').toString()
    const ownerFiles = [...owner.doc(ws(workspace)).getMap('files').keys()].sort()
    await Promise.all([owner.close(), guest.close()])

    const fresh = await connect(withToken(url, token), 'fresh')
    fresh.open(body(workspace, 'shared.md'))
    await fresh.waitSynced(body(workspace, 'shared.md'))
    const freshText = fresh.doc(body(workspace, 'shared.md')).getText('body').toString()
    await fresh.close()
    return { sessionJoined: guest.texts.find((t) => t.type === 'session_joined'), guestSaw, ownerText, ownerFiles, freshText }
  },

  /** Another user's token tries to open this workspace: refused, nothing sent, nothing changed. */
  async foreign ({ url, token, otherToken, workspace }) {
    const intruder = await connect(withToken(url, otherToken), 'intruder')
    intruder.open(ws(workspace))
    intruder.open(body(workspace, 'secret.md'))
    const doc = new Y.Doc()
    doc.getText('body').insert(0, 'overwritten')
    const update = Y.encodeStateAsUpdate(doc)
    intruder.send(body(workspace, 'secret.md'), Uint8Array.from([0, 2, ...encodeVarBytes(update)]))
    await sleep(500)
    const binaries = intruder.events.filter((e) => e[0] === 'binary').length
    const errors = intruder.texts.filter((t) => t.type === 'error')
    await intruder.close()
    const owner = await connect(withToken(url, token), 'owner')
    owner.open(body(workspace, 'secret.md'))
    await owner.waitSynced(body(workspace, 'secret.md'))
    const text = owner.doc(body(workspace, 'secret.md')).getText('body').toString()
    await owner.close()
    return { binaries, errors, ownerText: text }
  },

  /** Garbage frames are dropped; the connection and its other documents keep working. */
  async garbage ({ url, token, workspace }) {
    const a = await connect(withToken(url, token), 'a')
    const b = await connect(withToken(url, token), 'b')
    const id = body(workspace, 'healthy.md')
    a.open(id)
    b.open(id)
    await a.waitSynced(id)
    await b.waitSynced(id)
    const garbage = [
      Buffer.alloc(0), Buffer.from([5, 1, 2]), Buffer.from([2, 0xff, 0xfe, 0, 0]),
      Buffer.concat([Buffer.from([id.length]), Buffer.from(id), Buffer.from([0, 2, 10, 1, 2, 3])]), // truncated update
      Buffer.concat([Buffer.from([id.length]), Buffer.from(id), Buffer.from([9, 9, 9])]),           // unknown message type
      Buffer.concat([Buffer.from([id.length]), Buffer.from(id), Buffer.from([0, 2, 5, 1, 0xc8, 0xff, 0xff, 0xff])]),
      Buffer.concat([Buffer.from([9]), Buffer.from('body:../x'), Buffer.from([0, 0, 1, 0])]),       // invalid id
    ]
    for (const g of garbage) a.ws.send(g)
    a.ws.send('not json at all')
    a.ws.send(JSON.stringify({ action: 'leave' }))
    await sleep(200)
    a.doc(id).getText('body').insert(0, 'still works')
    await waitFor(() => b.doc(id).getText('body').toString() === 'still works', 'b receives a\'s edit after the garbage')
    const errors = a.texts.filter((t) => t.type === 'error').length
    const open = !a.closed
    await Promise.all([a.close(), b.close()])
    return { text: 'still works', errors, open }
  },
}

function encodeVarBytes (bytes) {
  const out = []
  let n = bytes.length
  while (n > 127) { out.push(0x80 | (n & 0x7f)); n >>>= 7 }
  out.push(n)
  return [...out, ...bytes]
}

runScenario(scenarios)
