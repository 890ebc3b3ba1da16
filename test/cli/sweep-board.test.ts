// kiln sweep show's leaderboard for a sweep over a conditional space: a trial shows "-" for
// the dimensions its family does not have, and a whole model section by its kind.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { SweepRecord } from '@kiln/protocol'
import { leaderboardLines } from '../../packages/cli/src/sweep-board.js'

const text = suite('cli - sweep leaderboard')

text('conditional params: absent ones are "-", a model section is its builtin', () => {
  const sweep = {
    metric: { name: 'val_accuracy', mode: 'max' },
    leaderboard: [
      {
        trialId: 't1',
        state: 'completed',
        t: 9,
        value: 0.93,
        params: { model: { builtin: 'gbdt', trees: 300 }, 'model.maxLeaves': 31 },
      },
      {
        trialId: 't2',
        state: 'stopped',
        t: 1,
        rung: 0,
        value: 0.81,
        params: { model: { builtin: 'mlp' }, 'model.hidden': [64] },
      },
    ],
  } as unknown as SweepRecord
  const lines = leaderboardLines(sweep)
  assert.match(lines[0]!, /^TRIAL\s+STATE\s+EPOCH\s+RUNG\s+VAL_ACCURACY\s+model\s+model\.hidden\s+model\.maxLeaves$/)
  assert.match(lines[1]!, /^t1\s+completed\s+9\s+-\s+0\.9300\s+gbdt\s+-\s+31\s*$/)
  assert.match(lines[2]!, /^t2\s+stopped\s+1\s+0\s+0\.8100\s+mlp\s+\[64\]\s+-\s*$/)
})

text.run()
