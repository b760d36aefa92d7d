// A /sync2 client built from real yjs + y-protocols: every document multiplexed on one socket,
// frames = u8 doc-id length ‖ UTF-8 doc id ‖ y-websocket payload (see reference/v2-protocol.md).
// Used by the scenario scripts that the C# tests run against the real server.

import * as decoding from 'lib0/decoding'
import { YSyncClient, Y, waitFor, sleep } from './ysync-client.mjs'

export const frame = (docId, payload) => {
  const id = Buffer.from(docId, 'utf8')
  return Buffer.concat([Buffer.from([id.length]), id, Buffer.from(payload)])
}

export const unframe = (data) => {
  const bytes = new Uint8Array(data)
  const length = bytes[0]
  return { docId: Buffer.from(bytes.subarray(1, 1 + length)).toString('utf8'), payload: bytes.subarray(1 + length) }
}

/** Events: ['text', json] | ['binary', docId, first message type]. */
export class V2Client extends YSyncClient {
  encodeFrame (docId, payload) { return frame(docId, payload) }

  decodeFrame (data) {
    const { docId, payload } = unframe(data)
    return { key: docId, payload, event: ['binary', docId, decoding.peekVarUint(decoding.createDecoder(payload))] }
  }
}

export { Y, waitFor, sleep }
