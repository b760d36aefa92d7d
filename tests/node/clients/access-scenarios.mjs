// Scenarios of the access matrix (tests/Diaryx.Sync.Lite.Tests/Security/WebSocketAccessMatrixTests.cs): real yjs
// clients try every WebSocket mode with every kind of principal and report what they could read and
// whether their writes were handled; the C# test holds the expectations. Run as
// `node clients/access-scenarios.mjs <scenario> '<json args>'` (see scenario-cli.mjs).
//
// A socket spec ("cell") names one connection and the one document it uses:
//   { id, url, mode, doc }  mode: 'sync2-workspace' | 'sync2-body' (doc = the /sync2 doc id),
//                          'sync1-metadata' | 'sync1-file' (doc unused: the url says it),
//                          'sync1-multiplexed' (doc = the path);
//   `live` also takes `pending` (a /sync2 workspace left at its file manifest) and `idle` (a
//   multiplexed socket that opens its path only after the HTTP requests).
// Writes are markers that name the socket: a files-map key `m-<id>.md` on workspace documents,
// `[m-<id>]` in the text of body documents, so a reader can tell whose writes got through.

import { V2Client, waitFor } from './v2client.mjs'
import { V1Client, connectMetadata } from './v1client.mjs'
import { runScenario } from './scenario-cli.mjs'

const isWorkspace = (mode) => mode === 'sync2-workspace' || mode === 'sync1-metadata'
const keyOf = (cell) => cell.mode.startsWith('sync2') || cell.mode === 'sync1-multiplexed' ? cell.doc : ''
const errorsFor = (client, cell) => client.texts.filter((t) => t.type === 'error' && (keyOf(cell) === '' || t.doc === keyOf(cell)))

/** Every workspace holds `notes.md`, titled and written with its seed text: what a reader of the document sees of it. */
const contentOf = (doc, workspace) => workspace
  ? (doc.getMap('files').has('notes.md') ? JSON.parse(doc.getMap('files').get('notes.md')).title : null)
  : doc.getText('body').toString()

/** Adds this socket's marker (with a suffix) to its document; the client sends the change. */
const writeMarker = (doc, workspace, marker) => {
  if (workspace) doc.getMap('files').set(`m-${marker}.md`, JSON.stringify({ filename: `m-${marker}.md`, title: marker }))
  else doc.getText('body').insert(doc.getText('body').length, `[m-${marker}]`)
}

/** The markers (`m-...`) a document holds. */
const markersIn = (doc, workspace) => workspace
  ? [...doc.getMap('files').keys()].filter((k) => k.startsWith('m-')).map((k) => k.slice(2, -3)).sort()
  : [...doc.getText('body').toString().matchAll(/\[m-([^\]]+)\]/g)].map((m) => m[1]).sort()

/** Opens a document the client may open on /sync2, through the Files-Ready handshake if the server starts one. */
async function openAsOwner (client, doc) {
  const manifests = client.texts.filter((t) => t.type === 'file_manifest').length
  client.open(doc)
  await waitFor(() => client.entry(doc).synced || client.texts.filter((t) => t.type === 'file_manifest').length > manifests, `${client.name}: ${doc} opening`)
  if (!client.entry(doc).synced) client.sendText({ type: 'FilesReady' })
  await client.waitSynced(doc)
}

/**
 * Connects a socket and opens its document as far as the server lets it. `handshake: false` stops a
 * /sync2 workspace at its `file_manifest` (the Files-Ready handshake left pending).
 * Returns { client, status, synced, pending }.
 */
async function open (cell, { handshake = true } = {}) {
  const v2 = cell.mode.startsWith('sync2')
  let client
  try {
    client = cell.mode === 'sync1-metadata'
      ? await connectMetadata(cell.url, cell.id)
      : await (v2 ? new V2Client(cell.url, { name: cell.id }) : new V1Client(cell.url, { name: cell.id, kind: cell.mode === 'sync1-file' ? 'file' : 'multiplexed' })).connect()
  } catch (error) {
    if (error.status) return { client: null, status: error.status, synced: false }
    throw error
  }
  const key = keyOf(cell)
  if (cell.mode === 'sync1-file') client.sendStep1()
  if (v2 || cell.mode === 'sync1-multiplexed') client.open(key)
  const refused = () => client.closed || errorsFor(client, cell).length > 0
  if (cell.mode === 'sync2-workspace') {
    await waitFor(() => refused() || client.entry(key).synced || client.texts.some((t) => t.type === 'file_manifest'), `${cell.id}: opening`)
    if (client.texts.some((t) => t.type === 'file_manifest') && !refused()) {
      if (!handshake) return { client, status: 101, synced: false, pending: true }
      client.sendText({ type: 'FilesReady' })
    }
  }
  await waitFor(() => refused() || client.entry(key).synced, `${cell.id}: synced or refused`)
  return { client, status: 101, synced: client.entry(key).synced && !client.closed }
}

/**
 * Writes the marker `marker` and waits until the server has handled it: a round trip when the
 * document is open, else the error the server answers a frame for a refused document with.
 */
async function write (client, cell, marker) {
  const key = keyOf(cell)
  const workspace = isWorkspace(cell.mode)
  const refusals = errorsFor(client, cell).length
  writeMarker(client.doc(key), workspace, marker)
  if (client.entry(key).synced) return client.roundTrip(key)
  await waitFor(() => client.closed || errorsFor(client, cell).length > refusals, `${cell.id}: the write refused`)
  return false
}

const report = (client, cell) => client && ({
  errors: errorsFor(client, cell).map((t) => t.message),
  texts: client.texts.map((t) => t.type),
  closeCode: client.closed ? client.closeCode : null,
  closeReason: client.closed ? client.closeReason : null,
})

/** Runs `task` over `items`, at most `limit` at a time, keeping the order of the results. */
async function pool (items, limit, task) {
  const results = new Array(items.length)
  let next = 0
  await Promise.all([...Array(Math.min(limit, items.length))].map(async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await task(items[index])
    }
  }))
  return results
}

const scenarios = {
  /** Owners seed their (empty) workspaces: `notes.md` in the files map, titled `text`, with `text` as its body. */
  async seed ({ url, seeds }) {
    for (const { token, workspace, text } of seeds) {
      const client = await new V2Client(`${url}?token=${encodeURIComponent(token)}`, { name: 'seed' }).connect()
      for (const doc of [`workspace:${workspace}`, `body:${workspace}/notes.md`]) {
        client.open(doc)
        await client.waitSynced(doc)
      }
      client.doc(`workspace:${workspace}`).getMap('files').set('notes.md', JSON.stringify({ filename: 'notes.md', title: text }))
      client.doc(`body:${workspace}/notes.md`).getText('body').insert(0, text)
      for (const doc of client.docs.keys()) await client.roundTrip(doc)
      await client.close()
    }
    return {}
  },

  /**
   * Each cell opens its document, reads it, writes its marker and waits until the server handled
   * the write. `observers` ({ url, docs }) stay connected meanwhile and report the markers relayed to them.
   */
  async probe ({ cells, observers = [], concurrency = 12 }) {
    const watching = await Promise.all(observers.map(async ({ url, docs }, i) => {
      const client = await new V2Client(url, { name: `observer-${i}` }).connect()
      for (const doc of docs) await openAsOwner(client, doc)
      return { client, docs }
    }))
    const results = await pool(cells, concurrency, async (cell) => {
      try {
        const { client, status, synced } = await open(cell)
        const result = { id: cell.id, status, synced, content: null, handled: null, ...report(client, cell) }
        if (!client) return result
        if (synced) result.content = contentOf(client.doc(keyOf(cell)), isWorkspace(cell.mode))
        if (!client.closed) result.handled = await write(client, cell, cell.id)
        Object.assign(result, report(client, cell))
        await client.close()
        return result
      } catch (error) {
        return { id: cell.id, failure: String(error?.stack ?? error) }
      }
    })
    const relayed = {}
    for (const { client, docs } of watching) {
      for (const doc of docs) {
        await client.roundTrip(doc) // relays queued before this answer have arrived
        relayed[doc] = markersIn(client.doc(doc), doc.startsWith('workspace:'))
      }
      await client.close()
    }
    return { cells: results, relayed }
  },

  /**
   * Connects every socket of `sockets` and writes a `<id>-before` marker (sockets with
   * `pending: true` stop at the /sync2 file manifest, `idle: true` ones open nothing yet), then
   * makes the HTTP `requests` in order, then tells for each socket whether the server closed it or it
   * still works (an `<id>-after` marker written and handled, or refused).
   */
  async live ({ http, sockets, requests }) {
    const opened = await Promise.all(sockets.map(async (cell) => {
      if (cell.idle) {
        // Opened on the server (listening for revocations, in the room) once it answers a frame: a malformed
        // one, which opens no document, gets an error without a doc.
        const client = await new V1Client(cell.url, { name: cell.id, kind: 'multiplexed' }).connect()
        client.ws.send(Buffer.from([0x85]))
        await waitFor(() => client.closed || client.texts.some((t) => t.type === 'error'), `${cell.id}: opened`)
        return { cell, client }
      }
      const { client, synced, pending } = await open(cell, { handshake: !cell.pending })
      if (!synced && !pending) throw new Error(`${cell.id}: could not open ${cell.doc ?? cell.url}: ${JSON.stringify(report(client, cell))}`)
      const before = pending ? null : await write(client, cell, `${cell.id}-before`)
      return { cell, client, before }
    }))

    const responses = []
    for (const { method, path, token, json } of requests) {
      const headers = token ? { Authorization: `Bearer ${token}` } : {}
      if (json !== undefined) headers['Content-Type'] = 'application/json'
      const response = await fetch(`${http}${path}`, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) })
      responses.push({ method, path, status: response.status })
    }

    const results = []
    for (const { cell, client, before } of opened) {
      const key = keyOf(cell)
      let usable
      if (cell.idle || cell.pending) {
        // Nothing open yet: the socket is still usable if it can open its document now.
        if (cell.idle) client.open(key)
        else if (!client.closed) client.sendText({ type: 'FilesReady' })
        await waitFor(() => client.closed || errorsFor(client, cell).length > 0 || client.entry(key).synced, `${cell.id}: open after the requests`)
        usable = !client.closed && client.entry(key).synced
      } else {
        usable = await client.roundTrip(key)
      }
      const after = usable ? await write(client, cell, `${cell.id}-after`) : null
      results.push({ id: cell.id, before, open: usable, after, ...report(client, cell) })
      await client.close()
    }
    return { responses, sockets: results }
  },

  /** The markers each document holds, read by its owner over /sync2 ({ url, docs }). */
  async read ({ readers }) {
    const markers = {}
    for (const { url, docs } of readers) {
      const client = await new V2Client(url, { name: 'reader' }).connect()
      for (const doc of docs) {
        await openAsOwner(client, doc)
        markers[doc] = markersIn(client.doc(doc), doc.startsWith('workspace:'))
      }
      await client.close()
    }
    return { markers }
  },
}

runScenario(scenarios)
