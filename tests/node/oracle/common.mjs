// Shared helpers for the yjs oracle scripts: argument parsing, base64, and the canonical JSON
// form that the C# tests mirror.
//
// CANONICAL JSON (the "json" fields). A value is rendered as compact JSON text (no whitespace):
//   null, true, false        -> null, true, false
//   finite number            -> ECMAScript Number::toString (what JSON.stringify prints): shortest
//                               round-trip digits; exponent form iff exponent >= 21 or <= -7
//                               ("1e+21", "1.5e-7"); integers in plain digits ("9007199254740991")
//   -0                       -> {"$num":"-0"}
//   NaN, Infinity, -Infinity -> {"$num":"NaN"}, {"$num":"Infinity"}, {"$num":"-Infinity"}
//   bigint                   -> {"$bigint":"<decimal, '-' for negatives>"}
//   string                   -> JSON.stringify(s): escapes \" \\ \b \f \n \r \t, other code units
//                               < 0x20 and lone surrogates as \uXXXX (lowercase hex); every other
//                               character literal (so "é😀" stays as is)
//   Uint8Array               -> {"$bytes":"<base64>"}
//   Y.Doc (subdocument)      -> {"$doc":"<guid>"}
//   array                    -> [a,b,...]; an undefined element -> {"$undefined":true}
//   object                   -> {"k":v,...} with keys sorted by UTF-16 code unit order (JS default
//                               sort, so "1" < "10" < "2" < "B" < "a"), keys whose value is
//                               undefined omitted. Key order in the source (JS puts integer-like keys
//                               first) does not matter here; byte order is checked by the bytes.
//   top-level undefined      -> {"$undefined":true}
// The document JSON of the session/apply scripts is the canonical form of
//   { m: getMap('m').toJSON(), a: getArray('a').toJSON(), t: getText('t').toString(),
//     x: getXmlFragment('x').toString() }
// read from a fresh doc that applied encodeStateAsUpdate(server) (so the server's roots stay
// untyped). Y.Text values render as their plain string (formats and embeds dropped), Y.Map/Y.Array
// as objects/arrays, XML via yjs toString: <name k="v" ...>children</name> with attributes sorted by
// key, XmlText as its plain text, and an XmlHook as the literal "[object Object]" (yjs quirk).

import * as Y from 'yjs'

export const b64 = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')

export const fromB64 = (s) => new Uint8Array(Buffer.from(s, 'base64'))

/** Canonical JSON text of a JS value (rules above). */
export const canonical = (v) => {
  if (v === undefined) return '{"$undefined":true}'
  if (v === null) return 'null'
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false'
    case 'number':
      if (Number.isNaN(v)) return '{"$num":"NaN"}'
      if (v === Infinity) return '{"$num":"Infinity"}'
      if (v === -Infinity) return '{"$num":"-Infinity"}'
      if (Object.is(v, -0)) return '{"$num":"-0"}'
      return JSON.stringify(v)
    case 'bigint':
      return `{"$bigint":${JSON.stringify(v.toString())}}`
    case 'string':
      return JSON.stringify(v)
    case 'object':
      if (v instanceof Uint8Array) return `{"$bytes":${JSON.stringify(b64(v))}}`
      if (v instanceof Y.Doc) return `{"$doc":${JSON.stringify(v.guid)}}`
      if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']'
      return '{' + Object.keys(v).sort()
        .filter((k) => v[k] !== undefined)
        .map((k) => JSON.stringify(k) + ':' + canonical(v[k]))
        .join(',') + '}'
    default:
      throw new Error(`no canonical form for ${typeof v}`)
  }
}

/** Canonical JSON of the content of an update (or state), read without typing the server's roots. */
export const docJson = (state) => {
  const reader = new Y.Doc()
  reader.clientID = 1000003 // never used for writing; fixed so nothing depends on Math.random
  Y.applyUpdate(reader, state)
  const json = typedDocJson(reader)
  reader.destroy()
  return json
}

/** Canonical JSON of a doc whose roots may be typed (clients). */
export const typedDocJson = (doc) => canonical({
  m: doc.getMap('m').toJSON(),
  a: doc.getArray('a').toJSON(),
  t: doc.getText('t').toString(),
  x: doc.getXmlFragment('x').toString()
})

export const isPending = (doc) => doc.store.pendingStructs !== null || doc.store.pendingDs !== null

/** Minimal `--name value` parser; returns numbers for numeric values. */
export const parseArgs = (argv, defaults) => {
  const out = { ...defaults, _: [] }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split('=', 2)
      const key = name.replace(/-([a-z])/g, (_, c) => c.toUpperCase())
      const raw = inline ?? argv[++i]
      if (raw === undefined) throw new Error(`--${name} needs a value`)
      out[key] = /^-?\d+$/.test(raw) ? Number(raw) : raw
    } else {
      out._.push(a)
    }
  }
  return out
}

export const readStdin = async () => {
  const chunks = []
  for await (const c of process.stdin) chunks.push(c)
  return Buffer.concat(chunks).toString('utf8')
}

/** Every live nested Y.Map/Y.Array/Y.Text below m and a. */
export const nestedTypes = (doc) => {
  const out = []
  const walk = (t) => {
    const children = t instanceof Y.Map ? [...t.values()] : t instanceof Y.Array ? t.toArray() : []
    for (const c of children) {
      if (c instanceof Y.Map || c instanceof Y.Array || c instanceof Y.Text) {
        out.push(c)
        walk(c)
      }
    }
  }
  walk(doc.getMap('m'))
  walk(doc.getArray('a'))
  return out
}
