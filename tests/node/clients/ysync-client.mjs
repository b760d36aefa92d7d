// What the /sync2 and /sync test clients share: a WebSocket, a set of real yjs documents (with
// y-protocols awareness) keyed by doc id or path, the y-sync message handling (a frame may hold
// several messages; every SyncStep1 is answered), the texts received, and the waits. Subclasses
// say how a key and payload are framed on their wire (`encodeFrame`, `decodeFrame`).

import WebSocket from 'ws'
import * as Y from 'yjs'
import * as syncProtocol from 'y-protocols/sync'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls until `predicate()` is truthy, or throws after `timeout` ms with `what`. */
export const waitFor = async (predicate, what, timeout = 10000) => {
  const start = Date.now()
  while (!predicate()) {
    if (Date.now() - start > timeout) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

/** A y-websocket sync message (type 0) written by `write`. */
export const syncMessage = (write) => {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 0)
  write(encoder)
  return encoding.toUint8Array(encoder)
}

export class YSyncClient {
  constructor (url, { name = 'client', headers } = {}) {
    this.url = url
    this.name = name
    this.headers = headers
    this.docs = new Map() // key -> { doc, awareness, synced, frames, step2s }
    this.texts = []       // parsed JSON texts received, in order
    this.events = []      // ['text', json] | ['binary', key, ...] in arrival order
    this.closed = false
  }

  /** The wire bytes of `payload` for document `key`. */
  encodeFrame (key, payload) { throw new Error('encodeFrame not implemented') }

  /** `{ key, payload, event }` of a received binary frame (`event` is what `events` records). */
  decodeFrame (data) { throw new Error('decodeFrame not implemented') }

  /** Opens the socket; a refused upgrade rejects with an error whose `status` is the HTTP status. */
  connect () {
    return new Promise((resolve, reject) => {
      this.ws = new WebSocket(this.url, { headers: this.headers })
      this.ws.binaryType = 'arraybuffer'
      this.ws.on('open', () => resolve(this))
      this.ws.on('error', reject)
      this.ws.on('unexpected-response', (_request, response) => {
        response.resume()
        this.ws.terminate()
        reject(Object.assign(new Error(`${this.name}: upgrade refused with HTTP ${response.statusCode}`), { status: response.statusCode }))
      })
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
    const { key, payload, event } = this.decodeFrame(data)
    this.events.push(event)
    const entry = this.docs.get(key)
    if (!entry || entry.paused) return
    entry.frames++
    const decoder = decoding.createDecoder(payload)
    while (decoding.hasContent(decoder)) {
      const messageType = decoding.readVarUint(decoder)
      if (messageType === 0) {
        const reply = encoding.createEncoder()
        encoding.writeVarUint(reply, 0)
        const syncType = syncProtocol.readSyncMessage(decoder, reply, entry.doc, this)
        if (syncType === syncProtocol.messageYjsSyncStep2) {
          entry.synced = true
          entry.step2s++
        }
        if (encoding.length(reply) > 1) this.send(key, encoding.toUint8Array(reply))
      } else if (messageType === 1) {
        awarenessProtocol.applyAwarenessUpdate(entry.awareness, decoding.readVarUint8Array(decoder), this)
      } else {
        break
      }
    }
  }

  send (key, payload) { this.ws.send(this.encodeFrame(key, payload)) }

  sendText (json) { this.ws.send(JSON.stringify(json)) }

  /** Tracks a document and forwards its local updates and awareness; sends SyncStep1 unless told not to. */
  open (key, { doc = new Y.Doc(), sendStep1 = true } = {}) {
    const awareness = new awarenessProtocol.Awareness(doc)
    const entry = { doc, awareness, synced: false, frames: 0, step2s: 0 }
    this.docs.set(key, entry)
    doc.on('update', (update, origin) => {
      if (origin === this) return
      this.send(key, syncMessage((e) => syncProtocol.writeUpdate(e, update)))
    })
    awareness.on('update', ({ added, updated, removed }, origin) => {
      if (origin === this) return
      const encoder = encoding.createEncoder()
      encoding.writeVarUint(encoder, 1)
      encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(awareness, added.concat(updated, removed)))
      this.send(key, encoding.toUint8Array(encoder))
    })
    if (sendStep1) this.sendStep1(key)
    return entry
  }

  sendStep1 (key = '') { this.send(key, syncMessage((e) => syncProtocol.writeSyncStep1(e, this.doc(key)))) }

  /** Sends SyncStep2 with everything (the server's state vector is not known here). */
  sendStep2 (key = '') { this.send(key, syncMessage((e) => syncProtocol.writeSyncStep2(e, this.doc(key)))) }

  /**
   * Sends SyncStep1 and waits for the server's SyncStep2 answer. The server handles a socket's frames
   * in order, so by then everything sent before on this socket has been handled (applied and logged,
   * or dropped). False when the socket closed first.
   */
  async roundTrip (key = '', timeout) {
    const entry = this.docs.get(key)
    const answered = entry.step2s
    this.sendStep1(key)
    await waitFor(() => entry.step2s > answered || this.closed, `${this.name}: ${key || 'doc'} round trip`, timeout)
    return entry.step2s > answered
  }

  doc (key = '') { return this.docs.get(key).doc }

  entry (key = '') { return this.docs.get(key) }

  waitSynced (key = '', timeout) { return waitFor(() => this.docs.get(key).synced, `${this.name}: ${key || 'doc'} synced`, timeout) }

  waitText (predicate, what, timeout) { return waitFor(() => this.texts.some(predicate), `${this.name}: ${what}`, timeout) }

  close () {
    return new Promise((resolve) => {
      if (this.closed) return resolve()
      this.ws.once('close', () => resolve())
      this.ws.close()
    })
  }
}

export { Y }
