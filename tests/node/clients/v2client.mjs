// A /sync2 client built from real yjs + y-protocols: every document multiplexed on one socket,
// frames = u8 doc-id length ‖ UTF-8 doc id ‖ y-websocket payload (see reference/v2-protocol.md).
// Used by the scenario scripts that the C# tests run against the real server.

import WebSocket from 'ws'
import * as Y from 'yjs'
import * as syncProtocol from 'y-protocols/sync'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'

export const frame = (docId, payload) => {
  const id = Buffer.from(docId, 'utf8')
  return Buffer.concat([Buffer.from([id.length]), id, Buffer.from(payload)])
}

export const unframe = (data) => {
  const bytes = new Uint8Array(data)
  const length = bytes[0]
  return { docId: Buffer.from(bytes.subarray(1, 1 + length)).toString('utf8'), payload: bytes.subarray(1 + length) }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls until `predicate()` is truthy, or throws after `timeout` ms with `what`. */
export const waitFor = async (predicate, what, timeout = 10000) => {
  const start = Date.now()
  while (!predicate()) {
    if (Date.now() - start > timeout) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

export class V2Client {
  /** @param {string} url e.g. ws://127.0.0.1:3030/sync2?token=... */
  constructor (url, { name = 'client', headers } = {}) {
    this.url = url
    this.name = name
    this.headers = headers
    this.docs = new Map() // docId -> { doc, awareness, synced, frames }
    this.texts = []       // parsed JSON texts received, in order
    this.events = []      // ['text', json] | ['binary', docId, messageType] in arrival order
    this.closed = false
  }

  connect () {
    return new Promise((resolve, reject) => {
      this.ws = new WebSocket(this.url, { headers: this.headers })
      this.ws.binaryType = 'arraybuffer'
      this.ws.on('open', () => resolve(this))
      this.ws.on('error', reject)
      this.ws.on('close', (code, reason) => { this.closed = true; this.closeCode = code; this.closeReason = String(reason) })
      this.ws.on('message', (data, isBinary) => this.onMessage(data, isBinary))
    })
  }

  onMessage (data, isBinary) {
    if (!isBinary) {
      const json = JSON.parse(String(data))
      this.texts.push(json)
      this.events.push(['text', json])
      return
    }
    const { docId, payload } = unframe(data)
    const entry = this.docs.get(docId)
    const decoder = decoding.createDecoder(payload)
    const type = decoding.peekVarUint(decoder)
    this.events.push(['binary', docId, type])
    if (!entry) return
    entry.frames++
    while (decoding.hasContent(decoder)) {
      const messageType = decoding.readVarUint(decoder)
      if (messageType === 0) {
        const reply = encoding.createEncoder()
        encoding.writeVarUint(reply, 0)
        const syncType = syncProtocol.readSyncMessage(decoder, reply, entry.doc, this)
        if (syncType === syncProtocol.messageYjsSyncStep2) entry.synced = true
        if (encoding.length(reply) > 1) this.send(docId, encoding.toUint8Array(reply))
      } else if (messageType === 1) {
        awarenessProtocol.applyAwarenessUpdate(entry.awareness, decoding.readVarUint8Array(decoder), this)
      } else {
        break
      }
    }
  }

  send (docId, payload) {
    this.ws.send(frame(docId, payload))
  }

  sendText (json) {
    this.ws.send(JSON.stringify(json))
  }

  /** Opens a document: sends SyncStep1 and forwards local updates from then on. */
  open (docId, { doc = new Y.Doc(), sendStep1 = true } = {}) {
    const awareness = new awarenessProtocol.Awareness(doc)
    const entry = { doc, awareness, synced: false, frames: 0 }
    this.docs.set(docId, entry)
    doc.on('update', (update, origin) => {
      if (origin === this) return
      const encoder = encoding.createEncoder()
      encoding.writeVarUint(encoder, 0)
      syncProtocol.writeUpdate(encoder, update)
      this.send(docId, encoding.toUint8Array(encoder))
    })
    awareness.on('update', ({ added, updated, removed }, origin) => {
      if (origin === this) return
      const encoder = encoding.createEncoder()
      encoding.writeVarUint(encoder, 1)
      encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(awareness, added.concat(updated, removed)))
      this.send(docId, encoding.toUint8Array(encoder))
    })
    if (sendStep1) this.sendStep1(docId)
    return entry
  }

  sendStep1 (docId) {
    const entry = this.docs.get(docId)
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, 0)
    syncProtocol.writeSyncStep1(encoder, entry.doc)
    this.send(docId, encoding.toUint8Array(encoder))
  }

  /** Sends SyncStep2 (what the server lacks, given the server's SV is unknown: everything). */
  sendStep2 (docId) {
    const entry = this.docs.get(docId)
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, 0)
    syncProtocol.writeSyncStep2(encoder, entry.doc)
    this.send(docId, encoding.toUint8Array(encoder))
  }

  doc (docId) { return this.docs.get(docId).doc }

  waitSynced (docId, timeout) { return waitFor(() => this.docs.get(docId).synced, `${this.name}: ${docId} synced`, timeout) }

  waitText (predicate, what, timeout) { return waitFor(() => this.texts.some(predicate), `${this.name}: ${what}`, timeout) }

  close () {
    return new Promise((resolve) => {
      if (this.closed) return resolve()
      this.ws.once('close', () => resolve())
      this.ws.close()
    })
  }
}

export { Y, sleep }
