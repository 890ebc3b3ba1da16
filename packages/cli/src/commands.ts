// The command table: `kiln <name>`, one entry per command. Each loads its module only when
// it runs, so `kiln --help` loads none of them (nor TensorFlow.js or the native addon;
// test/cli/entry.test.ts traces it). This file imports nothing at run time.
import type { CliIo } from './io.js'

export interface Command {
  name: string
  /** One line for `kiln --help`. */
  summary: string
  usage: string
  run(argv: string[], io: CliIo): Promise<number>
}

/** Every command, in the order `kiln --help` lists them. */
export const COMMANDS: readonly Command[] = [
  {
    name: 'train',
    summary: 'train a model on this machine from a job spec (YAML or JSON)',
    usage: 'kiln train SPEC [--out DIR] [--set KEY=VALUE ...] [--json]',
    run: async (argv, io) => (await import('./commands/train.js')).trainCommand(argv, io),
  },
  {
    name: 'up',
    summary: 'start a Kiln cluster on this machine (nats-server, coordinator, workers, gateway), or find it',
    usage: 'kiln up [--workers N] [--port P] [--no-gateway] [--detach] [--json]',
    run: async (argv, io) => (await import('./commands/up.js')).upCommand(argv, io),
  },
  {
    name: 'down',
    summary: 'stop the local cluster (its data stays)',
    usage: 'kiln down [--json]',
    run: async (argv, io) => (await import('./commands/down.js')).downCommand(argv, io),
  },
  {
    name: 'status',
    summary: 'show the local cluster: processes, NATS, coordinator, nodes, gateway',
    usage: 'kiln status [--json]',
    run: async (argv, io) => (await import('./commands/status.js')).statusCommand(argv, io),
  },
  {
    name: 'coordinator',
    summary: 'run a coordinator (API, placement, job state; several for standby)',
    usage: 'kiln coordinator [--nats URL] [--creds FILE]',
    run: async (argv, io) => (await import('./commands/daemons.js')).coordinatorCommand(argv, io),
  },
  {
    name: 'worker',
    summary: "run a node agent that offers this machine's CPU/GPU slots",
    usage: 'kiln worker [--nats URL] [--creds NODE.creds] [--slots auto|N] [--gpus auto|LIST] [--name N]',
    run: async (argv, io) => (await import('./commands/daemons.js')).workerCommand(argv, io),
  },
  {
    name: 'node',
    summary: "issue or revoke a worker node's own credentials (kiln node add NAME)",
    usage: 'kiln node add NAME [--out FILE] | kiln node revoke NAME | kiln node ls [--nats-conf DIR]',
    run: async (argv, io) => (await import('./commands/node.js')).nodeCommand(argv, io),
  },
  {
    name: 'submit',
    summary: 'submit a job spec to the cluster',
    usage: 'kiln submit SPEC [--set KEY=VALUE ...] [--watch] [--json]',
    run: async (argv, io) => (await import('./commands/jobs.js')).submitCommand(argv, io),
  },
  {
    name: 'data',
    summary: 'datasets in the cluster: import, ls, show (statistics), transform (preprocessing), validate (schema)',
    usage:
      'kiln data import fashion-mnist | PATH [--name NAME] | ls | show NAME | transform DATASET --steps FILE --to NAME | validate DATASET --schema FILE',
    run: async (argv, io) => (await import('./commands/data.js')).dataCommand(argv, io),
  },
  {
    name: 'sweep',
    summary: 'launch a hyperparameter sweep, or show / stop one',
    usage: 'kiln sweep SPEC [--watch] | kiln sweep show ID | kiln sweep stop ID',
    run: async (argv, io) => (await import('./commands/sweep.js')).sweepCommand(argv, io),
  },
  {
    name: 'autopilot',
    summary: 'find a model for a dataset by itself: families searched as one sweep, an ensemble, explained',
    usage: 'kiln autopilot DATASET [--target COL] [--metric M] [--budget 10m] [--deploy] [--json]',
    run: async (argv, io) => (await import('./commands/autopilot.js')).autopilotCommand(argv, io),
  },
  {
    name: 'sweeps',
    summary: "list the cluster's sweeps",
    usage: 'kiln sweeps [--json]',
    run: async (argv, io) => (await import('./commands/sweep.js')).sweepsCommand(argv, io),
  },
  {
    name: 'jobs',
    summary: "list the cluster's jobs",
    usage: 'kiln jobs [--json]',
    run: async (argv, io) => (await import('./commands/jobs.js')).jobsCommand(argv, io),
  },
  {
    name: 'trials',
    summary: 'list trials (of one job)',
    usage: 'kiln trials [JOB] [--json]',
    run: async (argv, io) => (await import('./commands/jobs.js')).trialsCommand(argv, io),
  },
  {
    name: 'nodes',
    summary: 'list worker nodes, their slots and liveness',
    usage: 'kiln nodes [--json]',
    run: async (argv, io) => (await import('./commands/jobs.js')).nodesCommand(argv, io),
  },
  {
    name: 'logs',
    summary: "print (or follow) a trial's log",
    usage: 'kiln logs TRIAL [-f]',
    run: async (argv, io) => (await import('./commands/jobs.js')).logsCommand(argv, io),
  },
  {
    name: 'cancel',
    summary: 'cancel a job or a trial',
    usage: 'kiln cancel ID',
    run: async (argv, io) => (await import('./commands/jobs.js')).cancelCommand(argv, io),
  },
  {
    name: 'dash',
    summary: 'a live terminal dashboard: nodes, sweeps and trials, launch, endpoints, logs',
    usage: 'kiln dash [--gateway URL] [--specs DIR] [--view NAME] [--record FILE] | --snapshot FILE',
    run: async (argv, io) => (await import('./commands/dash.js')).dashCommand(argv, io),
  },
  {
    name: 'gateway',
    summary: 'serve models over HTTP (Open Inference Protocol v2), from a folder or the cluster',
    usage:
      'kiln gateway [--models DIR] [--nats URL] [--port P] [--host H] [--api-key K ...] [--memory-budget MB] [--max-batch N] [--max-delay-us N]',
    run: async (argv, io) => (await import('./commands/gateway.js')).gatewayCommand(argv, io),
  },
  {
    name: 'deploy',
    summary: 'put a registered model version behind an endpoint (rollout, canary or shadow)',
    usage:
      'kiln deploy MODEL[@VERSION|@ALIAS] [--endpoint E] [--weight W | --shadow RATE] [--capture RATE] [--api-key-file F]',
    run: async (argv, io) => (await import('./commands/deploy.js')).deployCommand(argv, io),
  },
  {
    name: 'runs',
    summary: 'search every job and sweep trial: --experiment, --where EXPR, --sort, --limit; runs show RUN',
    usage: 'kiln runs [--experiment E] [--where EXPR] [--sort METRIC] [--limit N] | kiln runs show RUN [--history]',
    run: async (argv, io) => (await import('./commands/runs.js')).runsCommand(argv, io),
  },
  {
    name: 'compare',
    summary: 'put runs side by side: differing params, final and best metrics, per-class F1, curves',
    usage: 'kiln compare RUN RUN [RUN ...] [--json]',
    run: async (argv, io) => (await import('./commands/runs.js')).compareCommand(argv, io),
  },
  {
    name: 'report',
    summary: 'write a self-contained HTML report of a job, sweep or model version (curves, evaluation, lineage)',
    usage: 'kiln report JOB|SWEEP|MODEL[@VERSION|@ALIAS] --html FILE',
    run: async (argv, io) => (await import('./commands/report.js')).reportCommand(argv, io),
  },
  {
    name: 'models',
    summary: 'the model registry: versions, metrics, aliases, approval, archive/delete',
    usage:
      'kiln models [NAME] | show NAME[@V|@ALIAS] | alias NAME@V ALIAS | approve|reject NAME@V | archive|delete NAME@V',
    run: async (argv, io) => (await import('./commands/models.js')).modelsCommand(argv, io),
  },
  {
    name: 'eval',
    summary: 'evaluate a registered model (or a model folder) on a dataset',
    usage: 'kiln eval MODEL[@VERSION|@ALIAS] DATASET [--split test|train|all] [--json]',
    run: async (argv, io) => (await import('./commands/eval.js')).evalCommand(argv, io),
  },
  {
    name: 'transform',
    summary: 'score a whole dataset with a registered model as a cluster job (predictions to files or a new dataset)',
    usage: 'kiln transform MODEL[@VERSION|@ALIAS] DATASET [--out DIR | --to NAME] [--shards N] [--batch-size N]',
    run: async (argv, io) => (await import('./commands/transform.js')).transformCommand(argv, io),
  },
  {
    name: 'pipeline',
    summary:
      'run a pipeline file (prepare, train, tune, evaluate, gate, register, deploy, score) and list, show, retry or cancel runs',
    usage: 'kiln pipeline run FILE [--param K=V ...] [--no-cache] | ls | show RUN | retry RUN | cancel RUN',
    run: async (argv, io) => (await import('./commands/pipeline.js')).pipelineCommand(argv, io),
  },
  {
    name: 'endpoint',
    summary: 'list and show endpoints (traffic, latency, accuracy), shift traffic, promote, roll back',
    usage: 'kiln endpoint list|show|traffic|promote|rollback ENDPOINT ...',
    run: async (argv, io) => (await import('./commands/endpoint.js')).endpointCommand(argv, io),
  },
  {
    name: 'capture',
    summary: "read an endpoint's captured requests, responses and ground truth (table, JSON or NPY)",
    usage: 'kiln capture ENDPOINT [--since WHEN] [--json | --npy DIR]',
    run: async (argv, io) => (await import('./commands/capture.js')).captureCommand(argv, io),
  },
]

/** The command called `name`, if any. */
export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name)
}
