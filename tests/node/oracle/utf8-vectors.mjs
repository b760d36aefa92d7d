// utf8-vectors.mjs: how JS decodes valid and invalid UTF-8, for the C# string decoder.
//
//   node utf8-vectors.mjs --seed N --count K
//
// Prints a JSON array: first one vector per hand-picked case, then K random byte sequences mixing
// valid characters (1-4 bytes) with truncated multibyte sequences, overlongs (c0 80, e0 80 80,
// f0 80 80 80), UTF-8-encoded surrogates (ed a0 80, ed bf bf), code points above U+10FFFF
// (f4 90 80 80), bytes f5-ff, lone continuation bytes, and a leading BOM (ef bb bf).
//   [ { "bytes": b64,
//       "utf16": [code units],        new TextDecoder().decode(bytes): non-fatal (each maximal
//                                     invalid subpart -> U+FFFD, WHATWG rules) and a leading BOM
//                                     stripped
//       "lib0": [code units] | null } ]  lib0 0.2.120's readVarString decoder (what yjs uses for
//                                     every string in an update): fatal, so null = it throws;
//                                     ignoreBOM, so a leading BOM is kept
// Deterministic for a given seed (lib0 prng).

import * as prng from 'lib0/prng'
import { b64, parseArgs } from './common.mjs'

const args = parseArgs(process.argv.slice(2), { seed: 1, count: 200 })
const gen = prng.create((Math.imul((args.seed ^ 0x7f4a7c15) >>> 0, 0x9e3779b1) >>> 0) || 1)

const lenient = new TextDecoder()
const lib0Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }) // as lib0/string.js

const units = (s) => Array.from({ length: s.length }, (_, i) => s.charCodeAt(i))

const vector = (bytes) => {
  let lib0 = null
  try { lib0 = units(lib0Decoder.decode(bytes)) } catch { /* invalid UTF-8: lib0 throws */ }
  return { bytes: b64(bytes), utf16: units(lenient.decode(bytes)), lib0 }
}

const utf8 = (s) => [...new TextEncoder().encode(s)]
const cont = () => prng.int32(gen, 0x80, 0xbf)

/** One random piece: valid or some kind of broken UTF-8. */
const piece = () => {
  switch (prng.int32(gen, 0, 12)) {
    case 0: return [prng.int32(gen, 0x00, 0x7f)]
    case 1: return utf8(String.fromCodePoint(prng.int32(gen, 0x80, 0x7ff)))
    case 2: { let c; do c = prng.int32(gen, 0x800, 0xffff); while (c >= 0xd800 && c <= 0xdfff); return utf8(String.fromCharCode(c)) }
    case 3: return utf8(String.fromCodePoint(prng.int32(gen, 0x10000, 0x10ffff)))
    case 4: return utf8(prng.oneOf(gen, ['é', '😀', 'a', '\n'])).slice(0, -1) // maybe truncated
    case 5: { const full = utf8(String.fromCodePoint(prng.int32(gen, 0x800, 0x10ffff))); return full.slice(0, prng.int32(gen, 1, full.length - 1)) }
    case 6: return prng.oneOf(gen, [[0xc0, 0x80], [0xc1, 0xbf], [0xe0, 0x80, 0x80], [0xe0, 0x9f, 0xbf], [0xf0, 0x80, 0x80, 0x80], [0xf0, 0x8f, 0xbf, 0xbf]]) // overlong
    case 7: return [0xed, prng.int32(gen, 0xa0, 0xbf), cont()] // surrogate
    case 8: return [0xf4, prng.int32(gen, 0x90, 0xbf), cont(), cont()] // > U+10FFFF
    case 9: return [prng.int32(gen, 0xf5, 0xff)]
    case 10: return Array.from({ length: prng.int32(gen, 1, 3) }, cont) // lone continuation bytes
    case 11: return [prng.int32(gen, 0xc2, 0xf4), prng.int32(gen, 0x00, 0x7f)] // lead byte, then ASCII
    default: return [0xef, 0xbb, 0xbf] // BOM (stripped by TextDecoder only at the start)
  }
}

const fixed = [
  [], [0x61], [0xef, 0xbb, 0xbf, 0x61], [0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf], [0xc3, 0xa9], [0xf0, 0x9f, 0x98, 0x80],
  [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xf0, 0x9f, 0x98, 0x61], [0xc0, 0x80], [0xe0, 0x80, 0x80],
  [0xf0, 0x80, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80],
  [0xf4, 0x90, 0x80, 0x80], [0xf5], [0xff], [0xfe, 0xff], [0x80], [0xbf, 0x80, 0x61], [0xe0, 0xa0], [0xe1, 0x80, 0xe1, 0x80, 0x80]
]

const out = fixed.map((b) => vector(new Uint8Array(b)))
for (let i = 0; i < args.count; i++) {
  const bytes = []
  for (let n = prng.int32(gen, 1, 6); n > 0; n--) bytes.push(...piece())
  out.push(vector(new Uint8Array(bytes)))
}
process.stdout.write(JSON.stringify(out) + '\n')
