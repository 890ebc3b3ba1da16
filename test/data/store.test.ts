import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { ObjectStore } from '@nats-io/obj'
import {
  DatasetRecordSchema,
  IntegrityError,
  fetchDataset,
  fetchDatasetFile,
  findDataset,
  fromArrays,
  importDataset,
  listDatasets,
  loadDatasetFile,
  sha256Hex,
  type DatasetRecord,
  type ResolvedDataset,
} from '@kiln/data'
import { NotFoundError, ValidationError, encode } from '@kiln/protocol'
import { loud } from '../helpers/hooks.js'
import { startLayout, type TestLayout } from '../helpers/layout.js'
import { randomFloats, randomInts } from '../helpers/random.js'
import { rejects } from '../helpers/rejects.js'

type Ctx = { cluster?: TestLayout; store?: ObjectStore; dir?: string }
const store = suite<Ctx>('data - dataset store')

store.before(
  loud(async (ctx) => {
    ctx.cluster = await startLayout()
    ctx.store = ctx.cluster.layout.objects.datasets
    ctx.dir = mkdtempSync(join(tmpdir(), 'kiln-store-'))
  }),
)
store.after(
  loud(async (ctx) => {
    await ctx.cluster?.stop()
    if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true })
  }),
)

function synthetic(seed: number, count = 40): ResolvedDataset {
  const make = (n: number, s: number) =>
    fromArrays({
      name: 'syn',
      x: randomFloats(n * 6, s),
      labels: randomInts(n, s + 1, 0, 4),
      sampleShape: [3, 2],
      numClasses: 4,
    })
  return { train: make(count, seed), test: make(10, seed + 100) }
}

// Counts downloads of data objects, to tell a cache hit from a fetch.
function counting(inner: ObjectStore): { store: ObjectStore; gets: () => number } {
  let n = 0
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'get')
        return (name: string) => {
          if (name.startsWith('data/')) n++
          return target.get(name)
        }
      const value = Reflect.get(target, prop, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  return { store, gets: () => n }
}

const dataObjects = async (s: ObjectStore) => (await s.list()).filter((o) => o.name.startsWith('data/'))

store(
  'import stores a record with counts, shapes and stats; fetch gives the same data back',
  async ({ store, dir }) => {
    const resolved = synthetic(1)
    const record = await importDataset(store!, resolved, { name: 'syn', source: 'generated' })
    assert.match(record.id, /^[0-9a-f]{64}$/)
    assert.equal(record.counts, { train: 40, test: 10 })
    assert.equal(record.sampleShape, [3, 2])
    assert.is(record.numClasses, 4)
    assert.is(record.fingerprint, resolved.train.fingerprint)
    assert.is(record.stats.numFeatures, 6)
    assert.is(record.stats.features.length, 6)
    assert.ok(
      Math.abs(
        record.stats.features[0]!.mean - resolved.train.x.filter((_, i) => i % 6 === 0).reduce((a, b) => a + b) / 40,
      ) < 1e-6,
    )

    const fetched = await fetchDataset(store!, 'syn', { cacheDir: dir! })
    assert.is(fetched.train.fingerprint, resolved.train.fingerprint)
    assert.is(fetched.test!.fingerprint, resolved.test!.fingerprint)
    assert.is(fetched.train.name, 'syn/train')
    assert.is(fetched.record.id, record.id)
    const cached = join(dir!, 'datasets', `${record.id}.kds`)
    assert.is(sha256Hex(readFileSync(cached)), record.id)
    assert.is(record.bytes, readFileSync(cached).length)
  },
)

store('the same data imported twice, under another name too, is stored once', async ({ store }) => {
  const first = await importDataset(store!, synthetic(2), { name: 'twice', source: 'a' })
  const before = (await dataObjects(store!)).find((o) => o.name === `data/${first.id}`)!
  const again = await importDataset(store!, synthetic(2), { name: 'twice', source: 'a' })
  const other = await importDataset(store!, synthetic(2), { name: 'alias', source: 'b' })
  assert.is(again.id, first.id)
  assert.is(other.id, first.id)
  const copies = (await dataObjects(store!)).filter((o) => o.name === `data/${first.id}`)
  assert.is(copies.length, 1)
  assert.is(copies[0]!.nuid, before.nuid, 'the data object was not rewritten')
  const names = (await listDatasets(store!)).map((r) => r.name)
  assert.ok(names.includes('twice') && names.includes('alias'))
})

store('the latest import of a name wins; older content stays reachable by id and prefix', async ({ store }) => {
  const v1 = await importDataset(store!, synthetic(3), { name: 'moving', source: 'v1' })
  const v2 = await importDataset(store!, synthetic(4, 30), { name: 'moving', source: 'v2' })
  assert.is.not(v1.id, v2.id)
  assert.is((await findDataset(store!, 'moving')).id, v2.id)
  assert.is((await findDataset(store!, v1.id)).source, 'v1')
  assert.is((await findDataset(store!, v1.id.slice(0, 8))).id, v1.id)
  assert.is((await findDataset(store!, v2.id.slice(0, 20))).counts.train, 30)
  const listed = (await listDatasets(store!)).filter((r) => r.name === 'moving')
  assert.equal(
    listed.map((r) => r.id),
    [v2.id],
  )
})

store('lookups that match nothing, too much or a bad name get clear errors', async ({ store }) => {
  const known = await importDataset(store!, synthetic(5), { name: 'known', source: 's' })
  await rejects(
    () => findDataset(store!, 'nope'),
    (e) => e instanceof NotFoundError && /dataset "nope" not found/.test((e as Error).message),
  )
  await rejects(() => findDataset(store!, known.id.slice(0, 7)), NotFoundError, 'a 7-digit prefix')
  // Two records whose ids share 8 digits, written by hand: real ones would take ~2^16 imports.
  for (const tail of ['a', 'b']) {
    const id = `abcdef01${tail.repeat(56)}`
    await store!.putBlob({ name: `ids/${id}` }, encode(DatasetRecordSchema, { ...known, id } satisfies DatasetRecord))
  }
  await rejects(
    () => findDataset(store!, 'abcdef01'),
    (e) => e instanceof ValidationError && /matches 2: abcdef01aaaaaaaa, abcdef01bbbbbbbb/.test((e as Error).message),
  )
  await rejects(
    () => importDataset(store!, synthetic(6), { name: 'has.dot', source: 's' }),
    (e) => e instanceof ValidationError && /^name:/.test((e as Error).message),
  )
  const empty = { train: fromArrays({ name: 'e', x: [], labels: [], sampleShape: [2], numClasses: 2 }) }
  await rejects(
    () => importDataset(store!, empty, { name: 'empty', source: 's' }),
    (e) => e instanceof ValidationError && /train\.count/.test((e as Error).message),
  )
})

store('a corrupt or truncated cache file is fetched again, a good one is used as is', async ({ store, dir }) => {
  const record = await importDataset(store!, synthetic(7), { name: 'cached', source: 's' })
  const cacheDir = join(dir!, 'corrupt')
  const path = join(cacheDir, 'datasets', `${record.id}.kds`)
  const c = counting(store!)
  await fetchDataset(c.store, 'cached', { cacheDir })
  assert.is(c.gets(), 1)
  await fetchDataset(c.store, 'cached', { cacheDir })
  assert.is(c.gets(), 1, 'a good cache file is used without a download')

  const bytes = readFileSync(path)
  bytes[bytes.length - 3]! ^= 0xff
  writeFileSync(path, bytes)
  const again = await fetchDataset(c.store, 'cached', { cacheDir })
  assert.is(c.gets(), 2)
  assert.is(again.train.fingerprint, record.fingerprint)
  assert.is(sha256Hex(readFileSync(path)), record.id)

  writeFileSync(path, readFileSync(path).subarray(0, 100))
  assert.is((await fetchDataset(c.store, 'cached', { cacheDir })).train.fingerprint, record.fingerprint)
  assert.is(c.gets(), 3)
})

store('concurrent fetches of one dataset share a single download', async ({ store, dir }) => {
  await importDataset(store!, synthetic(8, 500), { name: 'shared', source: 's' })
  const c = counting(store!)
  const cacheDir = join(dir!, 'concurrent')
  const all = await Promise.all(Array.from({ length: 4 }, () => fetchDataset(c.store, 'shared', { cacheDir })))
  assert.is(c.gets(), 1)
  assert.equal(new Set(all.map((d) => d.train.fingerprint)).size, 1)
})

store(
  'content that does not hash to its id is refused and never cached; importing again repairs it',
  async ({ store, dir }) => {
    const record = await importDataset(store!, synthetic(9), { name: 'tampered', source: 's' })
    await store!.putBlob({ name: `data/${record.id}` }, new Uint8Array(record.bytes).fill(7))
    const cacheDir = join(dir!, 'tampered')
    await rejects(
      () => fetchDataset(store!, 'tampered', { cacheDir }),
      (e) => e instanceof IntegrityError && (e as IntegrityError).data?.expected === record.id,
    )
    assert.not.ok(existsSync(join(cacheDir, 'datasets', `${record.id}.kds`)))
    // Same size, other content: the store's digest tells them apart, so the data is uploaded again.
    await importDataset(store!, synthetic(9), { name: 'tampered', source: 's' })
    assert.is((await fetchDataset(store!, 'tampered', { cacheDir })).train.fingerprint, record.fingerprint)
  },
)

store(
  'the agent fetches the file, a trial thread loads it; a corrupt file is refused there and repaired by the next fetch',
  async ({ store, dir }) => {
    const record = await importDataset(store!, synthetic(10), { name: 'threaded', source: 's' })
    const cacheDir = join(dir!, 'threaded')
    const { path } = await fetchDatasetFile(store!, record.id.slice(0, 10), { cacheDir })
    assert.is(path, join(cacheDir, 'datasets', `${record.id}.kds`))
    const loaded = await loadDatasetFile(path, { name: 'threaded' })
    assert.is(loaded.train.fingerprint, record.fingerprint)
    assert.is(loaded.test!.name, 'threaded/test')

    const bytes = readFileSync(path)
    bytes[10]! ^= 1
    writeFileSync(path, bytes)
    await rejects(() => loadDatasetFile(path), IntegrityError)
    await fetchDatasetFile(store!, 'threaded', { cacheDir })
    assert.is((await loadDatasetFile(path)).train.fingerprint, record.fingerprint)
    await rejects(
      () => loadDatasetFile(join(cacheDir, 'elsewhere.bin')),
      (e) => e instanceof ValidationError && /path: expected a dataset cache file/.test((e as Error).message),
    )
  },
)

store('a whole id whose cache file is good needs nothing from the store', async ({ store, dir }) => {
  const record = await importDataset(store!, synthetic(11), { name: 'by-id', source: 's' })
  const cacheDir = join(dir!, 'by-id')
  const { path } = await fetchDatasetFile(store!, record.id, { cacheDir })
  let calls = 0
  const watched = new Proxy(store!, {
    get(target, prop) {
      const value = Reflect.get(target, prop)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        calls++
        return value.apply(target, args)
      }
    },
  })
  assert.is((await fetchDatasetFile(watched, record.id, { cacheDir })).path, path)
  assert.is(calls, 0)
  // A bad file is no proof: the store is asked and the file fetched again.
  writeFileSync(path, 'not the dataset')
  assert.is((await fetchDatasetFile(watched, record.id, { cacheDir })).path, path)
  assert.ok(calls > 0)
  assert.is(sha256Hex(readFileSync(path)), record.id)
})

store.run()
