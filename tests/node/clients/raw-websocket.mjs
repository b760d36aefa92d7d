// A WebSocket client on a bare TCP socket, for peers no real library would be: one that completes
// the upgrade and then never answers a ping, or one that never finishes its request headers.
// It records every frame the server sends and when the server ends the connection.

import net from 'node:net'
import { randomBytes } from 'node:crypto'

const Opcode = { close: 0x8, ping: 0x9 }

export class RawWebSocket {
  /** Connects to `url` (ws://host:port/path?query) without sending anything yet. */
  static connect (url) {
    const { hostname, port, pathname, search } = new URL(url)
    return new Promise((resolve, reject) => {
      const socket = net.connect(Number(port), hostname, () => resolve(new RawWebSocket(socket, `${pathname}${search}`, `${hostname}:${port}`)))
      socket.once('error', reject)
    })
  }

  constructor (socket, path, host) {
    this.socket = socket
    this.path = path
    this.host = host
    this.received = Buffer.alloc(0)
    this.status = null  // the HTTP status of the upgrade response, once its headers are in
    this.frames = []    // { opcode, payload } of each complete server frame after the upgrade
    this.ended = false  // the server closed or reset the TCP connection
    socket.on('data', (chunk) => this.onData(chunk))
    socket.on('error', () => {})
    socket.on('close', () => { this.ended = true })
  }

  /** Sends the request headers of a WebSocket upgrade; `complete: false` leaves out the blank line that ends them. */
  sendUpgradeRequest ({ complete = true } = {}) {
    const lines = [
      `GET ${this.path} HTTP/1.1`, `Host: ${this.host}`, 'Upgrade: websocket', 'Connection: Upgrade',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`, 'Sec-WebSocket-Version: 13',
    ]
    this.socket.write(lines.join('\r\n') + '\r\n' + (complete ? '\r\n' : ''))
  }

  /** Sends one binary message, masked as a client must. */
  sendBinary (payload) {
    const mask = randomBytes(4)
    const length = payload.length
    const header = length < 126
      ? Buffer.from([0x82, 0x80 | length])
      : Buffer.from([0x82, 0x80 | 126, length >> 8, length & 0xff])
    const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]))
    this.socket.write(Buffer.concat([header, mask, masked]))
  }

  pings () { return this.frames.filter((f) => f.opcode === Opcode.ping).length }

  closeFrame () { return this.frames.find((f) => f.opcode === Opcode.close) ?? null }

  destroy () { this.socket.destroy() }

  onData (chunk) {
    this.received = Buffer.concat([this.received, chunk])
    if (this.status === null) {
      const end = this.received.indexOf('\r\n\r\n')
      if (end < 0) return
      this.status = Number(this.received.subarray(0, end).toString('latin1').split(' ')[1])
      this.received = this.received.subarray(end + 4)
    }
    // Server frames are not masked: FIN/opcode, a 7-bit length or 126 + u16 or 127 + u64, the payload.
    while (this.received.length >= 2) {
      let length = this.received[1] & 0x7f
      let offset = 2
      if (length >= 126) {
        offset = length === 126 ? 4 : 10
        if (this.received.length < offset) return
        length = length === 126 ? this.received.readUInt16BE(2) : Number(this.received.readBigUInt64BE(2))
      }
      if (this.received.length < offset + length) return
      this.frames.push({ opcode: this.received[0] & 0x0f, payload: this.received.subarray(offset, offset + length) })
      this.received = this.received.subarray(offset + length)
    }
  }
}
