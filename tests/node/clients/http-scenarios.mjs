// Scenarios where the HTTP API acts on live /sync2 connections: the C# tests (tests/Diaryx.Sync.Lite.Tests/Http)
// start the server, run `node clients/http-scenarios.mjs <scenario> '<json args>'` and check the JSON it
// prints. The scenarios make the HTTP calls themselves (fetch), between steps of real yjs clients.
// A scenario throws (exit code 1) when its own expectations fail.
//
// Common args: url (ws://127.0.0.1:<port>/sync2), http (http://127.0.0.1:<port>), token, workspace;
// base (ws://127.0.0.1:<port>) where a /sync (v1) socket joins in.

import { V2Client, waitFor, sleep } from './v2client.mjs'
import { V1Client } from './v1client.mjs'
import { args, runScenario } from './scenario-cli.mjs'

const withToken = (url, token) => `${url}?token=${encodeURIComponent(token)}`
const ws = (id) => `workspace:${id}`
const body = (id, path) => `body:${id}/${path}`
const fileMeta = (filename, title) => JSON.stringify({ filename, title, part_of: null, contents: null, attachments: [], deleted: false, audience: null, description: null, extra: {}, modified_at: Date.now() })

const connect = async (url, name) => new V2Client(url, { name }).connect()

/** One HTTP call; returns { status, body } (body parsed as JSON when it is JSON). */
const call = async (base, method, path, { token, json } = {}) => {
  const headers = {}
  if (token) headers.Authorization = `Bearer ${token}`
  if (json !== undefined) headers['Content-Type'] = 'application/json'
  const response = await fetch(`${base}${path}`, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) })
  const text = await response.text()
  let parsed = text
  try { parsed = JSON.parse(text) } catch {}
  return { status: response.status, body: parsed }
}

/** Opens the workspace as a guest: session_joined, FilesReady if a manifest came, synced. */
const openAsGuest = async (guest, workspace) => {
  guest.open(ws(workspace))
  await guest.waitText((t) => t.type === 'session_joined', 'session_joined')
  guest.sendText({ type: 'FilesReady' })
  await guest.waitSynced(ws(workspace))
}

/** Owner and guest both on the workspace and on body `shared.md`; the guest's first edit reaches the owner. */
const ownerAndGuest = async ({ url, token, workspace, session }) => {
  const owner = await connect(withToken(url, token), 'owner')
  owner.open(ws(workspace))
  await owner.waitSynced(ws(workspace))
  const id = body(workspace, 'shared.md')
  owner.open(id)
  await owner.waitSynced(id)
  const guest = await connect(`${url}?session=${session}&guest_id=visitor`, 'guest')
  await openAsGuest(guest, workspace)
  guest.open(id)
  await guest.waitSynced(id)
  guest.doc(id).getText('body').insert(0, 'guest-before ')
  await waitFor(() => owner.doc(id).getText('body').toString().includes('guest-before'), 'owner sees the guest\'s first edit')
  return { owner, guest, id }
}

/** What a client that connects now reads from the server. */
const readFresh = async ({ url, token }, id) => {
  const fresh = await connect(withToken(url, token), 'fresh')
  fresh.open(id)
  await fresh.waitSynced(id)
  const text = fresh.doc(id).getText('body').toString()
  await fresh.close()
  return text
}

const scenarios = {
  /** Opens the workspace with `token` and reports what came back (nothing but an error when the token is refused). */
  async open ({ url, token, workspace }) {
    const client = await connect(withToken(url, token), 'client')
    client.open(ws(workspace))
    await waitFor(() => client.texts.some((t) => t.type === 'error') || client.docs.get(ws(workspace)).synced, 'an error or the sync', 5000)
    await sleep(200)
    const result = {
      synced: client.docs.get(ws(workspace)).synced,
      binaries: client.events.filter((e) => e[0] === 'binary').length,
      errors: client.texts.filter((t) => t.type === 'error').map((t) => t.message),
    }
    await client.close()
    return result
  },

  /**
   * Connects with `token`, writes the workspace and a body, then makes the HTTP call `request`
   * ({ method, path, token }) and waits for the server to close the connection.
   */
  async closedByRequest ({ url, base, http, token, workspace, request }) {
    // With `base`, a /sync (v1) metadata socket of the same token is connected too (first, while the workspace is empty).
    let v1 = null
    if (base) {
      v1 = await new V1Client(`${base}/sync?doc=${workspace}&token=${encodeURIComponent(token)}`, { name: 'v1', kind: 'metadata' }).connect()
      await v1.waitSynced()
    }
    const client = await connect(withToken(url, token), 'client')
    client.open(ws(workspace))
    await client.waitSynced(ws(workspace))
    const id = body(workspace, 'doomed.md')
    client.open(id)
    await client.waitSynced(id)
    client.doc(ws(workspace)).getMap('files').set('doomed.md', fileMeta('doomed.md', 'Doomed'))
    client.doc(id).getText('body').insert(0, 'soon gone')
    await sleep(300) // logged and stored
    const response = await call(http, request.method, request.path, { token: request.token })
    await waitFor(() => client.closed, 'the server closes the connection', 5000)
    if (v1) await waitFor(() => v1.closed, 'the server closes the /sync connection', 5000)
    return { status: response.status, closed: client.closed, v1Closed: v1?.closed ?? null }
  },

  /** A guest whose session is made read-only while connected, then writable again. */
  async guestMadeReadOnly (a) {
    const { owner, guest, id } = await ownerAndGuest(a)
    const patch = await call(a.http, 'PATCH', `/api/sessions/${a.session}`, { token: a.token, json: { read_only: true } })
    await guest.waitText((t) => t.type === 'read_only_changed' && t.read_only === true, 'read_only_changed to the guest')
    await owner.waitText((t) => t.type === 'read_only_changed' && t.read_only === true, 'read_only_changed to the owner')
    guest.doc(id).getText('body').insert(0, 'guest-after ')
    const entry = guest.docs.get(id)
    entry.awareness.setLocalState({ user: { name: 'Visitor' } })
    const ownerSeesVisitor = () => [...owner.docs.get(id).awareness.getStates().values()].some((s) => s.user?.name === 'Visitor')
    await waitFor(ownerSeesVisitor, 'the read-only guest\'s awareness still reaches the owner')
    await sleep(300)
    const ownerTextWhileReadOnly = owner.doc(id).getText('body').toString()

    const unpatch = await call(a.http, 'PATCH', `/api/sessions/${a.session}`, { token: a.token, json: { read_only: false } })
    await guest.waitText((t) => t.type === 'read_only_changed' && t.read_only === false, 'read_only_changed back to the guest')
    // A document the guest did not touch while read-only (its refused body edit stays missing on the
    // server, so later body edits wait for it until the guest syncs again).
    guest.doc(ws(a.workspace)).getMap('files').set('guest-writable.md', fileMeta('guest-writable.md', 'Accepted'))
    await waitFor(() => owner.doc(ws(a.workspace)).getMap('files').has('guest-writable.md'), 'the writable guest\'s change reaches the owner')
    await Promise.all([owner.close(), guest.close()])
    return { patch, unpatch, ownerTextWhileReadOnly, storedText: await readFresh(a, id) }
  },

  /** A guest whose session is ended while connected: it hears session_ended, then the server closes its connection. */
  async guestSessionEnded (a) {
    const { owner, guest, id } = await ownerAndGuest(a)
    const ended = await call(a.http, 'DELETE', `/api/sessions/${a.session}`, { token: a.token })
    await guest.waitText((t) => t.type === 'session_ended', 'session_ended to the guest')
    await owner.waitText((t) => t.type === 'session_ended', 'session_ended to the owner')
    await waitFor(() => guest.closed, 'the server closes the guest\'s connection')
    await owner.roundTrip(id)
    const ownerText = owner.doc(id).getText('body').toString()
    const after = await call(a.http, 'GET', `/api/sessions/${a.session}`)
    await owner.close()
    return { status: ended.status, ownerText, closeCode: guest.closeCode, closeReason: guest.closeReason, getAfter: after, storedText: await readFresh(a, id) }
  },

  /** The owner deletes the account while a guest has its documents open: they close under the guest, who cannot reopen them. */
  async guestOfDeletedAccount (a) {
    const { owner, guest, id } = await ownerAndGuest(a)
    await sleep(200) // the guest's edit is stored
    const deleted = await call(a.http, 'DELETE', '/auth/account', { token: a.token })
    await waitFor(() => owner.closed, 'the owner\'s connection is closed')
    await guest.waitText((t) => t.type === 'error' && t.doc === id, 'the body document closes under the guest')
    guest.doc(id).getText('body').insert(0, 'guest-after ')
    guest.sendStep1(id) // try to rejoin
    await guest.waitText((t) => t.type === 'error' && t.doc === id && t.message.includes('access denied'), 'the guest cannot reopen it')
    await sleep(300)
    const errors = guest.texts.filter((t) => t.type === 'error').map((t) => `${t.doc}: ${t.message}`)
    await guest.close()
    return { status: deleted.status, errors }
  },

  /** An owner and a guest on the workspace document, then GET /api/sessions/{code} counts them. */
  async peerCount (a) {
    const owner = await connect(withToken(a.url, a.token), 'owner')
    owner.open(ws(a.workspace))
    await owner.waitSynced(ws(a.workspace))
    const guest = await connect(`${a.url}?session=${a.session}`, 'guest')
    await openAsGuest(guest, a.workspace)
    const info = await call(a.http, 'GET', `/api/sessions/${a.session.toLowerCase()}`)
    const status = await call(a.http, 'GET', '/api/status')
    await Promise.all([owner.close(), guest.close()])
    return { info, status }
  },
}

runScenario(scenarios)
