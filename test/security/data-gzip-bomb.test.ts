// Issue 13, finding 7: a small .gz that inflates to a gigabyte must be refused from its
// header, before (or while) it is inflated, with memory bounded by what the header claims.
// The bombs are concatenated gzip members of 16 MiB of zeros each (a gzip file may hold
// several members, and gunzip joins them), so the test builds 1 GiB of zeros in ~1 MB.
import { gzipSync } from 'node:zlib'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { DatasetErrorCode, readIdx } from '@kiln/data'
import { idxBytes, rejects, tempDir } from '../data/fixtures.ts'

const test = suite('security - gzip bomb in a dataset file')
const tmp = tempDir()
test.after(() => tmp.remove())

const MIB = 1024 * 1024
const zeros16 = gzipSync(new Uint8Array(16 * MIB), { level: 9 })

/** `head` gzipped, then `mib` MiB of zeros as further gzip members. */
function bomb(head: Uint8Array, mib: number): Uint8Array {
  const members = [gzipSync(head), ...Array.from({ length: mib / 16 }, () => zeros16)]
  return Buffer.concat(members)
}

// ru_maxrss (KiB) is the process' peak: inflating the bomb in full would lift it by ~1 GiB.
const peakMib = () => process.resourceUsage().maxRSS / 1024

test('1 GiB of zeros in a ~1 MB .gz is refused from its header without inflating it', async () => {
  const file = tmp.write('zeros-images-idx3-ubyte.gz', bomb(new Uint8Array(0), 1024))
  const before = peakMib()
  await rejects(() => readIdx(file), DatasetErrorCode.malformed, file, 'not a valid IDX file', 'dtype')
  const grew = peakMib() - before
  assert.ok(grew < 256, `peak RSS grew by ${grew.toFixed(0)} MiB while refusing the file`)
})

test('a valid header followed by 1 GiB of zeros stops at the size the header declares', async () => {
  const head = idxBytes('uint8', [10, 10], new Array(100).fill(3))
  const file = tmp.write('padded-images-idx3-ubyte.gz', bomb(head, 1024))
  const before = peakMib()
  await rejects(() => readIdx(file), DatasetErrorCode.malformed, file, 'more than the 112 bytes its header declares')
  const grew = peakMib() - before
  assert.ok(grew < 256, `peak RSS grew by ${grew.toFixed(0)} MiB while refusing the file`)
})

test('a header that declares more than Kiln reads is refused before inflating', async () => {
  // 65535^3 uint8 elements: 2.8e14 bytes.
  const head = idxBytes('uint8', [65535, 65535, 65535], [])
  const file = tmp.write('huge-images-idx3-ubyte.gz', bomb(head, 64))
  await rejects(() => readIdx(file), DatasetErrorCode.malformed, file, 'declares', 'bytes of data')
})

test('a gzipped IDX file of the size its header declares still reads', async () => {
  const raw = idxBytes('uint8', [4, 2], [1, 2, 3, 4, 5, 6, 7, 8])
  const file = tmp.write('ok-images-idx3-ubyte.gz', gzipSync(raw))
  const got = await readIdx(file)
  assert.equal(got.shape, [4, 2])
  assert.equal(Array.from(got.data as Uint8Array), [1, 2, 3, 4, 5, 6, 7, 8])
})

test.run()
