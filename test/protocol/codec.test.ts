import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ERROR_EXT_TYPE, type KilnError, ValidationError, decode, encode } from '@kiln/protocol'

const tensors = suite('protocol - codec tensors')

const kinds = [
  Float32Array,
  Float64Array,
  Int32Array,
  Int16Array,
  Int8Array,
  Uint8Array,
  Uint16Array,
  Uint32Array,
] as const

tensors('typed arrays round-trip with their type and values', () => {
  for (const Kind of kinds) {
    const sent = new Kind([1, 2, 3, 4, 5, 100])
    const got = decode<{ t: InstanceType<typeof Kind> }>(encode({ t: sent })).t
    assert.is(got.constructor, Kind, Kind.name)
    assert.equal(Array.from(got), Array.from(sent), Kind.name)
  }
})

tensors('views with a nonzero byteOffset send only their own bytes', () => {
  const backing = new ArrayBuffer(64)
  new Uint8Array(backing).fill(0xee)
  const f = new Float32Array(backing, 12, 3)
  f.set([1.5, -2, 3.25])
  const i = new Int32Array(backing, 28, 2)
  i.set([-7, 1 << 30])
  const u = new Uint8Array(backing, 37, 4)
  u.set([1, 2, 3, 4])
  const got = decode<{ f: Float32Array; i: Int32Array; u: Uint8Array }>(encode({ f, i, u }))
  assert.instance(got.f, Float32Array)
  assert.equal(Array.from(got.f), [1.5, -2, 3.25])
  assert.instance(got.i, Int32Array)
  assert.equal(Array.from(got.i), [-7, 1 << 30])
  assert.instance(got.u, Uint8Array)
  assert.equal(Array.from(got.u), [1, 2, 3, 4])
})

tensors('tensor bytes travel raw and little-endian, not as a number array', () => {
  const t = new Float32Array(1000).map((_, k) => k * 0.5)
  const bytes = encode(t)
  assert.ok(bytes.length < 4000 + 16, `encoded ${bytes.length} bytes for 4000 bytes of data`)
  const raw = Buffer.from(t.buffer)
  assert.ok(Buffer.from(bytes).includes(raw), 'the LE bytes appear verbatim')
  const view = new DataView(t.buffer)
  assert.is(view.getFloat32(4, true), 0.5)
})

tensors('decoding from an unaligned buffer still gives aligned, owned arrays', () => {
  const bytes = encode({ w: new Float64Array([Math.PI, -1]) })
  const shifted = new Uint8Array(bytes.length + 1)
  shifted.set(bytes, 1)
  const got = decode<{ w: Float64Array }>(shifted.subarray(1)).w
  assert.equal(Array.from(got), [Math.PI, -1])
  shifted.fill(0)
  assert.equal(Array.from(got), [Math.PI, -1], 'not a view of the input')
})

const messages = suite('protocol - codec messages')

messages('plain objects stay plain msgpack maps', () => {
  const msg = { kind: 'heartbeat', node: 'n1', slots: [{ id: 'cpu0', free: true }], at: 1700000000123, none: null }
  assert.equal(decode(encode(msg)), msg)
  // A standard map header (fixmap or map16), not msgpackr's record extension.
  const head = encode(msg)[0]!
  assert.ok((head & 0xf0) === 0x80 || head === 0xde, `header 0x${head.toString(16)}`)
})

messages('errors inside messages travel as wire errors without their cause', () => {
  const err = new ValidationError('optimizer.learningRate', 'a number > 0', { cause: new Error('token=abc') })
  const bytes = encode({ ok: false, error: err })
  assert.not.ok(Buffer.from(bytes).includes(Buffer.from('token=abc')))
  assert.ok(Buffer.from(bytes).includes(ERROR_EXT_TYPE))
  const got = decode<{ error: KilnError }>(bytes).error
  assert.instance(got, ValidationError)
  assert.is(got.code, 'invalid_argument')
  assert.equal(got.data, { field: 'optimizer.learningRate', expected: 'a number > 0' })
  assert.is(got.cause, undefined)
})

tensors.run()
messages.run()
