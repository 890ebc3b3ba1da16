// One mutation at a time: the leader's read-modify-write steps on its in-memory records
// must not interleave (two status updates of one trial, a placement racing a cancel).

/** Runs tasks one after another, in call order. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve()

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task)
    this.tail = result.catch(() => undefined)
    return result
  }
}
