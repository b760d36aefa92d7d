// any-vectors.mjs: lib0 encoding vectors (writeAny/readAny, varuint, varint) from lib0 0.2.120.
//
//   node any-vectors.mjs --seed N --count K
//
// Prints one JSON object:
//   { "any":     [ { "bytes": b64, "json": s } ]                 K random values: bytes = writeAny(v);
//                                                                decode + re-encode must give bytes back
//     "foreign": [ { "name": s, "bytes": b64, "expected": b64|null, "json": s|null, "error": s|null } ]
//                  hand-written inputs other writers (Yrs, old clients) may send; expected =
//                  writeAny(readAny(bytes)), i.e. what yjs re-encodes them to; or, when readAny
//                  throws, expected/json null and the error message (lib0 0.2.120 decodes strings
//                  with a FATAL TextDecoder: invalid UTF-8 in a string or key is an error, not U+FFFD;
//                  a leading BOM is kept)
//     "varuint": [ { "value": "decimal", "bytes": b64 } ],       fixed edge values, then K random
//     "varint":  [ { "value": "decimal", "bytes": b64 } ] }      ("-0" is negative zero)
// "json" is the canonical JSON (common.mjs) of readAny(bytes).
// Random values: ints near ±2^31, ±2^32, ±(2^53-1), -0, NaN, ±Infinity, float32-exact and other
// doubles, int64 bigints, strings with unicode and lone surrogates (the writer turns those into
// U+FFFD), nested arrays/objects with integer-like keys ("0", "10", "4294967294") next to keys that
// only look numeric ("01", "-1", "4294967295"), Uint8Array, null, undefined, booleans.
// Foreign names starting with "quirk:" pin JS oddities a port may choose not to copy.

import * as prng from 'lib0/prng'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import { b64, canonical, parseArgs } from './common.mjs'

const args = parseArgs(process.argv.slice(2), { seed: 1, count: 200 })
const gen = prng.create((Math.imul((args.seed ^ 0x2545f491) >>> 0, 0x9e3779b1) >>> 0) || 1)

const encode = (write) => { const e = encoding.createEncoder(); write(e); return encoding.toUint8Array(e) }
const writeAny = (v) => encode((e) => encoding.writeAny(e, v))
const readAny = (bytes) => decoding.readAny(decoding.createDecoder(bytes))
const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i])

// ---------------------------------------------------------------- random values

const KEYS = ['a', 'b', 'é', '', '0', '1', '10', '2', '01', '-1', '4294967294', '4294967295', 'key😀', '\ud800']

const randomString = () => {
  let s = ''
  for (let i = prng.int32(gen, 0, 6); i > 0; i--) {
    switch (prng.int32(gen, 0, 5)) {
      case 0: s += String.fromCharCode(prng.int32(gen, 0x20, 0x7e)); break
      case 1: s += String.fromCharCode(prng.int32(gen, 0, 0x1f)); break
      case 2: s += String.fromCharCode(prng.int32(gen, 0xa0, 0xd7ff)); break
      case 3: s += String.fromCodePoint(prng.int32(gen, 0x10000, 0x10ffff)); break
      case 4: s += String.fromCharCode(prng.int32(gen, 0xd800, 0xdfff)); break // lone surrogate
      default: s += prng.oneOf(gen, ['é', '😀', '\n', '"', '\\', '\u2028', '\ufeff', '\uffff'])
    }
  }
  return s
}

const randomNumber = () => {
  switch (prng.int32(gen, 0, 6)) {
    case 0: return prng.int32(gen, -200, 200)
    case 1: return prng.oneOf(gen, [1, -1]) * (prng.oneOf(gen, [2 ** 31, 2 ** 32, 2 ** 53 - 1]) + prng.int32(gen, -2, 2))
    case 2: return prng.oneOf(gen, [-0, 0, NaN, Infinity, -Infinity, 2 ** 53, -(2 ** 53), Number.MIN_VALUE, Number.MAX_VALUE])
    case 3: return Math.fround((prng.real53(gen) - 0.5) * 2 ** prng.int32(gen, -20, 60)) // float32-exact
    case 4: return (prng.real53(gen) - 0.5) * 10 ** prng.int32(gen, -30, 30)
    case 5: return prng.int53(gen, -(2 ** 53 - 1), 2 ** 53 - 1)
    default: return prng.oneOf(gen, [1.5, 0.1, -2.5, 1e21, 1e-7, 3.4028234663852886e38, 16777217])
  }
}

const randomBigint = () => {
  let v = 0n
  for (let i = 0; i < 4; i++) v = (v << 16n) | BigInt(prng.int32(gen, 0, 0xffff))
  return prng.bool(gen) ? BigInt.asIntN(64, v) : BigInt(prng.int32(gen, -1000, 1000))
}

const randomValue = (depth = 0) => {
  switch (prng.int32(gen, 0, depth > 2 ? 7 : 9)) {
    case 0: case 1: return randomNumber()
    case 2: return randomBigint()
    case 3: return randomString()
    case 4: return prng.uint8Array(gen, prng.int32(gen, 0, 5))
    case 5: return prng.oneOf(gen, [null, undefined])
    case 6: return prng.bool(gen)
    case 7: return prng.oneOf(gen, [0, 'x', null])
    case 8: return Array.from({ length: prng.int32(gen, 0, 4) }, () => randomValue(depth + 1))
    default: {
      const o = {}
      for (let i = prng.int32(gen, 0, 5); i > 0; i--) o[prng.oneOf(gen, KEYS)] = randomValue(depth + 1)
      return o
    }
  }
}

const any = []
for (let i = 0; i < args.count; i++) {
  const bytes = writeAny(randomValue())
  if (!same(writeAny(readAny(bytes)), bytes)) throw new Error(`re-encoding changed vector ${i}`)
  any.push({ bytes: b64(bytes), json: canonical(readAny(bytes)) })
}

// ---------------------------------------------------------------- foreign inputs, byte by byte

const w = {
  u8: (e, b) => encoding.writeUint8(e, b),
  key: (e, s) => encoding.writeVarString(e, s),
  int: (e, n) => { encoding.writeUint8(e, 0x7d); encoding.writeVarInt(e, n) }
}
const raw = (...bytes) => (e) => bytes.forEach((b) => encoding.writeUint8(e, b))

const foreignInputs = {
  'yrs integer 2^40 as 7d varint': (e) => w.int(e, 2 ** 40),
  'yrs integer 2^53-1 as 7d varint': (e) => w.int(e, 2 ** 53 - 1),
  'yrs integer -2^31-1 as 7d varint': (e) => w.int(e, -(2 ** 31) - 1),
  'float32 holding integer 1': raw(0x7c, 0x3f, 0x80, 0x00, 0x00),
  'float64 holding 1.5': (e) => { w.u8(e, 0x7b); encoding.writeFloat64(e, 1.5) },
  'float64 holding -0': (e) => { w.u8(e, 0x7b); encoding.writeFloat64(e, -0) },
  'float64 holding 2^31': (e) => { w.u8(e, 0x7b); encoding.writeFloat64(e, 2 ** 31) },
  'object keys in order b, 1': (e) => { w.u8(e, 0x76); encoding.writeVarUint(e, 2); w.key(e, 'b'); w.int(e, 1); w.key(e, '1'); w.int(e, 2) },
  'object keys z, 10, 2, a, 4294967295, 4294967294': (e) => {
    w.u8(e, 0x76); encoding.writeVarUint(e, 6)
    ;['z', '10', '2', 'a', '4294967295', '4294967294'].forEach((k, i) => { w.key(e, k); w.int(e, i) })
  },
  'object duplicate key a (last value wins)': (e) => { w.u8(e, 0x76); encoding.writeVarUint(e, 2); w.key(e, 'a'); w.int(e, 1); w.key(e, 'a'); w.int(e, 2) },
  'object duplicate key b keeps first position': (e) => {
    w.u8(e, 0x76); encoding.writeVarUint(e, 3); w.key(e, 'b'); w.int(e, 1); w.key(e, 'a'); w.int(e, 2); w.key(e, 'b'); w.int(e, 3)
  },
  'array with over-long varuint length 80 00': raw(0x75, 0x80, 0x00),
  'string with over-long varuint length 81 00': raw(0x77, 0x81, 0x00, 0x61),
  'array length 2 as 82 80 00, then two ints': raw(0x75, 0x82, 0x80, 0x00, 0x7d, 0x01, 0x7d, 0x02),
  'int with over-long varint 81 00 (=1)': raw(0x7d, 0x81, 0x00),
  'int -0 as 40': raw(0x7d, 0x40),
  'string with invalid utf-8 ff (throws)': raw(0x77, 0x02, 0xff, 0x61),
  'string starting with a BOM (kept)': raw(0x77, 0x04, 0xef, 0xbb, 0xbf, 0x61),
  'string with utf-8 encoded surrogate ed a0 80 (throws)': raw(0x77, 0x03, 0xed, 0xa0, 0x80),
  'object key with invalid utf-8 (throws)': raw(0x76, 0x01, 0x01, 0xc3, 0x7e),
  'unknown tag 73 (throws)': raw(0x73),
  'truncated float64 (throws)': raw(0x7b, 0x3f, 0xf8),
  'bigint -1': raw(0x7a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
  'undefined in object value': (e) => { w.u8(e, 0x76); encoding.writeVarUint(e, 1); w.key(e, 'u'); w.u8(e, 0x7f) },
  'quirk: key __proto__ with a number value is dropped': (e) => { w.u8(e, 0x76); encoding.writeVarUint(e, 2); w.key(e, '__proto__'); w.int(e, 1); w.key(e, 'a'); w.int(e, 2) },
  'quirk: key __proto__ with an object value is dropped': (e) => {
    w.u8(e, 0x76); encoding.writeVarUint(e, 1); w.key(e, '__proto__'); w.u8(e, 0x76); encoding.writeVarUint(e, 1); w.key(e, 'x'); w.int(e, 1)
  }
}

const foreign = Object.entries(foreignInputs).map(([name, write]) => {
  const bytes = encode(write)
  let value
  try {
    value = readAny(bytes)
  } catch (e) {
    return { name, bytes: b64(bytes), expected: null, json: null, error: String(e.message) }
  }
  return { name, bytes: b64(bytes), expected: b64(writeAny(value)), json: canonical(value), error: null }
})

// ---------------------------------------------------------------- varuint / varint

const num = (n) => Object.is(n, -0) ? '-0' : String(n)
const varuintValues = [0, 1, 127, 128, 255, 256, 300, 16383, 16384, 2 ** 21, 2 ** 28, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 35, 2 ** 49, 2 ** 53 - 1]
const varintValues = [0, -0, 1, -1, 63, -63, 64, -64, 65, -65, 100, -100, 8191, 8192, -8192, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 2 ** 32, -(2 ** 32), 2 ** 53 - 1, -(2 ** 53 - 1)]
for (let i = 0; i < args.count; i++) {
  const bits = prng.int32(gen, 1, 53)
  const v = prng.int53(gen, 0, 2 ** bits - 1)
  varuintValues.push(v)
  varintValues.push(prng.bool(gen) ? -v : v)
}
const varuint = varuintValues.map((v) => ({ value: num(v), bytes: b64(encode((e) => encoding.writeVarUint(e, v))) }))
const varint = varintValues.map((v) => ({ value: num(v), bytes: b64(encode((e) => encoding.writeVarInt(e, v))) }))

process.stdout.write(JSON.stringify({ any, foreign, varuint, varint }) + '\n')
