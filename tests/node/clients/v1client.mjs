// A /sync (v1) client built from real yjs + y-protocols (see reference/v1-protocol.md). Three kinds:
// - 'metadata' and 'file': one document, unframed y-websocket payloads;
// - 'multiplexed': body documents by path, frames = varuint(path length) ‖ UTF-8 path ‖ payload.
// Like the Rust/web v1 clients, it answers every SyncStep1 with SyncStep2 and handles frames that
// hold several messages (the server answers a SyncStep1 with SyncStep2 ‖ SyncStep1 in one frame).

import WebSocket from 'ws'
import * as Y from 'yjs'
import * as syncProtocol from 'y-protocols/sync'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import { waitFor, sleep } from './v2client.mjs'

export const frame = (path, payload) => {
  const encoder = encoding.createEncoder()
  encoding.writeVarString(encoder, path) // varuint(byte length) ‖ UTF-8
  encoding.writeUint8Array(encoder, payload)
  return encoding.toUint8Array(encoder)
}

export const unframe = (data) => {
  const decoder = decoding.createDecoder(new Uint8Array(data))
  const path = decoding.readVarString(decoder)
  return { path, payload: decoding.readTailAsUint8Array(decoder) }
}

/** Message types in a payload, e.g. ['sync:1', 'sync:0'] for SyncStep2 ‖ SyncStep1. */
export const messageTypes = (payload) => {
  const decoder = decoding.createDecoder(new Uint8Array(payload))
  const types = []
  while (decoding.hasContent(decoder)) {
    const type = decoding.readVarUint(decoder)
    if (type === 0) {
      types.push(`sync:${decoding.readVarUint(decoder)}`)
      decoding.readVarUint8Array(decoder)
    } else if (type === 1) {
      types.push('awareness')
      decoding.readVarUint8Array(decoder)
    } else {
      types.push(`other:${type}`)
      break
    }
  }
  return types
}

export const syncMessage = (write) => {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 0)
  write(encoder)
  return encoding.toUint8Array(encoder)
}

/** Resolves with the HTTP status the server answers an upgrade with (101 when it accepts). */
export const upgradeStatus = (url) => new Promise((resolve, reject) => {
  const ws = new WebSocket(url)
  ws.on('unexpected-response', (_req, res) => { resolve(res.statusCode); res.resume(); ws.terminate() })
  ws.on('open', () => { resolve(101); ws.close() })
  ws.on('error', (error) => { if (!String(error).includes('Unexpected server response')) reject(error) })
})

export class V1Client {
  /** @param {string} url a full /sync URL; @param {'metadata'|'file'|'multiplexed'} kind */
  constructor (url, { name = 'client', kind = 'metadata', doc } = {}) {
    this.url = url
    this.name = name
    this.kind = kind
    this.docs = new Map() // key ('' when unframed, else the path) -> { doc, awareness, synced, frames }
    this.texts = []
    this.events = []      // ['text', json] | ['binary', key, [types]]
    this.closed = false
    if (kind !== 'multiplexed') this.open('', { doc, sendStep1: false })
  }

  connect () {
    return new Promise((resolve, reject) => {
      this.ws = new WebSocket(this.url)
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
    const { path, payload } = this.kind === 'multiplexed' ? unframe(data) : { path: '', payload: new Uint8Array(data) }
    this.events.push(['binary', path, messageTypes(payload)])
    const entry = this.docs.get(path)
    if (!entry || entry.paused) return
    entry.frames++
    const decoder = decoding.createDecoder(payload)
    while (decoding.hasContent(decoder)) {
      const messageType = decoding.readVarUint(decoder)
      if (messageType === 0) {
        const reply = encoding.createEncoder()
        encoding.writeVarUint(reply, 0)
        const syncType = syncProtocol.readSyncMessage(decoder, reply, entry.doc, this)
        if (syncType === syncProtocol.messageYjsSyncStep2) entry.synced = true
        if (encoding.length(reply) > 1) this.send(path, encoding.toUint8Array(reply))
      } else if (messageType === 1) {
        awarenessProtocol.applyAwarenessUpdate(entry.awareness, decoding.readVarUint8Array(decoder), this)
      } else {
        break
      }
    }
  }

  send (path, payload) {
    this.ws.send(this.kind === 'multiplexed' ? frame(path, payload) : payload)
  }

  sendText (json) { this.ws.send(JSON.stringify(json)) }

  /** Tracks a document (a path on multiplexed sockets) and forwards its local updates. */
  open (path, { doc = new Y.Doc(), sendStep1 = true } = {}) {
    const awareness = new awarenessProtocol.Awareness(doc)
    const entry = { doc, awareness, synced: false, frames: 0 }
    this.docs.set(path, entry)
    doc.on('update', (update, origin) => {
      if (origin === this) return
      this.send(path, syncMessage((e) => syncProtocol.writeUpdate(e, update)))
    })
    awareness.on('update', ({ added, updated, removed }, origin) => {
      if (origin === this) return
      const encoder = encoding.createEncoder()
      encoding.writeVarUint(encoder, 1)
      encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(awareness, added.concat(updated, removed)))
      this.send(path, encoding.toUint8Array(encoder))
    })
    if (sendStep1) this.sendStep1(path)
    return entry
  }

  sendStep1 (path = '') { this.send(path, syncMessage((e) => syncProtocol.writeSyncStep1(e, this.doc(path)))) }

  sendStep2 (path = '') { this.send(path, syncMessage((e) => syncProtocol.writeSyncStep2(e, this.doc(path)))) }

  doc (path = '') { return this.docs.get(path).doc }

  entry (path = '') { return this.docs.get(path) }

  waitSynced (path = '', timeout) { return waitFor(() => this.docs.get(path).synced, `${this.name}: ${path || 'doc'} synced`, timeout) }

  waitText (predicate, what, timeout) { return waitFor(() => this.texts.some(predicate), `${this.name}: ${what}`, timeout) }

  close () {
    return new Promise((resolve) => {
      if (this.closed) return resolve()
      this.ws.once('close', () => resolve())
      this.ws.close()
    })
  }
}

export { Y, waitFor, sleep }
