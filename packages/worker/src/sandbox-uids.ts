// One OS user per slot for the trials of a root worker: two trials running at once on one
// machine are different users, so neither can signal, trace or read the other's processes
// or working folder. Every worker on the machine (kiln up runs several; tests run many)
// needs uids no other live worker uses, without configuration: each claims a random block
// of uids from a range no distribution or systemd hands out (0x70000000-0x7FFDFFFF, unused
// per systemd's UIDS-GIDS.md), by creating a uniquely named claim file in a root-only folder,
// then listing the folder: if another live worker's claim names the same block, it withdraws
// and draws again (both may withdraw; neither keeps a block the other holds). Since a block
// is this worker's alone, everything running under one of its uids is a trial's leftover,
// and is killed before the slot's next process starts (sweepUid).
import { randomBytes, randomInt } from 'node:crypto'
import { mkdirSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs'
import { lstat, readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { KilnError, ErrorCode } from '@kiln/protocol'

const FIRST = 0x70000000
const BLOCK = 1024
const BLOCKS = Math.floor((0x7ffe0000 - FIRST) / BLOCK)
const DIR = '/run/kiln/sandbox-uids'

/** The uids of one worker's slots, and how to give them back. */
export interface UidClaim {
  uids: number[]
  release(): void
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Claims `count` uids (at most 1024) no other live worker on this machine uses; root only. */
export function claimSandboxUids(count: number, dir = DIR): UidClaim {
  if (count > BLOCK) throw new KilnError(ErrorCode.invalidArgument, `at most ${BLOCK} slots get their own uids`)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  for (let attempt = 0; attempt < 50; attempt++) {
    const block = randomInt(BLOCKS)
    const mine = `${block}.${process.pid}.${randomBytes(6).toString('hex')}`
    writeFileSync(join(dir, mine), '', { flag: 'wx', mode: 0o600 })
    const rivals = readdirSync(dir).filter((f) => f !== mine && f.startsWith(`${block}.`))
    let taken = false
    for (const f of rivals) {
      if (alive(Number(f.split('.')[1]))) taken = true
      // A dead worker's claim: its name is unique, so removing it can remove nothing live.
      else unlinkSync(join(dir, f))
    }
    if (taken) {
      unlinkSync(join(dir, mine))
      continue
    }
    const first = FIRST + block * BLOCK
    return {
      uids: Array.from({ length: count }, (_, k) => first + k),
      release: () => {
        try {
          unlinkSync(join(dir, mine))
        } catch {
          // already gone
        }
      },
    }
  }
  throw new KilnError(ErrorCode.unavailable, `no free block of sandbox uids in ${dir}`)
}

/** Kills every process running as `uid` (one of this worker's trial uids), until none is left. */
export async function sweepUid(uid: number): Promise<number> {
  let killed = 0
  for (let round = 0; round < 20; round++) {
    const pids = (await readdir('/proc')).filter((n) => /^\d+$/.test(n))
    const found = (
      await Promise.all(
        pids.map(async (pid) => {
          const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')
          const ids = /^Uid:\s+(.*)$/m.exec(status)?.[1]?.split(/\s+/).map(Number) ?? []
          // A zombie is dead already; its parent (init, here) reaps it.
          if (!ids.includes(uid) || /^State:\s+Z/m.test(status)) return 0
          try {
            process.kill(Number(pid), 'SIGKILL')
          } catch {
            // ended meanwhile
          }
          return 1
        }),
      )
    ).reduce<number>((a, b) => a + b, 0)
    if (found === 0) return killed
    killed += found
  }
  return killed
}

/**
 * Removes what `uid` (one of this worker's trial uids, none of its processes left) created
 * at the top of the machine's shared temporary folders, so a slot's next trial finds nothing
 * of the last one's there. rm does not follow links.
 */
export async function removeFilesOf(uid: number, dirs = ['/tmp', '/var/tmp', '/dev/shm']): Promise<number> {
  let removed = 0
  for (const dir of dirs) {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const path = join(dir, name)
      const st = await lstat(path).catch(() => undefined)
      if (st?.uid !== uid) continue
      await rm(path, { recursive: true, force: true }).catch(() => undefined)
      removed++
    }
  }
  return removed
}
