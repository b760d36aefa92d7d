// A /sync (v1) client built from real yjs + y-protocols (see reference/v1-protocol.md). Three kinds:
// - 'metadata' and 'file': one document, unframed y-websocket payloads;
// - 'multiplexed': body documents by path, frames = varuint(path length) ‖ UTF-8 path ‖ payload.
// Like the Rust/web v1 clients, it answers every SyncStep1 with SyncStep2 and handles frames that
// hold several messages (the server answers a SyncStep1 with SyncStep2 ‖ SyncStep1 in one frame).

import WebSocket from 'ws'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import { YSyncClient, Y, waitFor, sleep, syncMessage } from './ysync-client.mjs'

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

/** Resolves with the HTTP status the server answers an upgrade with (101 when it accepts). */
export const upgradeStatus = (url) => new Promise((resolve, reject) => {
  const ws = new WebSocket(url)
  ws.on('unexpected-response', (_req, res) => { resolve(res.statusCode); res.resume(); ws.terminate() })
  ws.on('open', () => { resolve(101); ws.close() })
  ws.on('error', (error) => { if (!String(error).includes('Unexpected server response')) reject(error) })
})

/** Events: ['text', json] | ['binary', path ('' when unframed), [message types]]. */
export class V1Client extends YSyncClient {
  /** @param {string} url a full /sync URL; @param {'metadata'|'file'|'multiplexed'} kind */
  constructor (url, { name = 'client', kind = 'metadata', doc } = {}) {
    super(url, { name })
    this.kind = kind
    if (kind !== 'multiplexed') this.open('', { doc, sendStep1: false })
  }

  encodeFrame (path, payload) { return this.kind === 'multiplexed' ? frame(path, payload) : payload }

  decodeFrame (data) {
    const { path, payload } = this.kind === 'multiplexed' ? unframe(data) : { path: '', payload: new Uint8Array(data) }
    return { key: path, payload, event: ['binary', path, messageTypes(payload)] }
  }
}

/**
 * Connects a metadata socket and completes whichever opening the server chose: the full state at
 * once, or the Files-Ready handshake (`file_manifest` → `files_ready` → `crdt_state`). Resolves once
 * the workspace is synced; stops early (without throwing) if the server closes the socket.
 */
export async function connectMetadata (url, name) {
  const client = await new V1Client(url, { name, kind: 'metadata' }).connect()
  await waitFor(() => client.closed || client.events.some((e) => e[0] === 'binary' || (e[0] === 'text' && e[1].type === 'file_manifest')), `${name}: opening`)
  if (client.texts.some((t) => t.type === 'file_manifest')) {
    client.sendText({ type: 'files_ready' })
    await waitFor(() => client.closed || client.texts.some((t) => t.type === 'crdt_state'), `${name}: crdt_state`)
    const crdtState = client.texts.find((t) => t.type === 'crdt_state')
    if (crdtState) {
      Y.applyUpdate(client.doc(), Buffer.from(crdtState.state, 'base64'), client)
      client.entry().synced = true
    }
  }
  await waitFor(() => client.closed || client.entry().synced, `${name}: synced`)
  if (!client.closed) client.sendStep1()
  return client
}

export { Y, waitFor, sleep, syncMessage }
