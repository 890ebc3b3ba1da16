import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ExitCode, exitCodeFor } from '@kiln/cli'
import { DatasetError, DatasetErrorCode } from '@kiln/data'
import { ErrorCode, KilnError, fromWire, toWire } from '@kiln/protocol'

const exits = suite('cli - exit codes follow the one error code list')

exits('a dataset error is bad input (2), also after a trip over the wire', () => {
  const err = new DatasetError(DatasetErrorCode.truncated, '/tmp/x.idx', 'expected 4 bytes of data, found 3')
  assert.is(err.code, ErrorCode.datasetTruncated)
  assert.is(exitCodeFor(err), ExitCode.badInput)
  assert.is(exitCodeFor(fromWire(toWire(err))), ExitCode.badInput)
})

exits('system failures are 1, a stop is 130', () => {
  assert.is(exitCodeFor(new KilnError(ErrorCode.unavailable, 'no coordinator')), ExitCode.failed)
  assert.is(exitCodeFor(new KilnError(ErrorCode.cancelled, 'stopped')), ExitCode.interrupted)
  assert.is(exitCodeFor(new Error('plain')), ExitCode.failed)
})

exits.run()
