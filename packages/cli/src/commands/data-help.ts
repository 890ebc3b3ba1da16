// `kiln data --help`: every data subcommand in one page.

const CONN =
  '  --nats URL, --creds FILE   the cluster (default: $KILN_NATS_URL / $KILN_NATS_CREDS, else the local one)\n'

/** `kiln data --help`. */
export const DATA_HELP = `Usage: kiln data import fashion-mnist | PATH [--name NAME] [--json]
       kiln data ls [--json]
       kiln data show NAME [--json]
       kiln data transform DATASET --steps FILE --to NAME [--json]
       kiln data validate DATASET --schema FILE [--split train|test] [--json]

import     loads a dataset here (a registered name, or a path in any form kiln train reads:
           x.npy | features.npy,labels.npy | data.csv[#label=..] | MNIST-style folder | IDX)
           and stores it in the cluster, content-addressed: the same data is stored once,
           however often and under whatever names it is imported. Jobs then say
           \`dataset: NAME\` (the latest import of that name) or an id (a fixed version).
ls         lists the stored datasets: name, id, samples, shape, classes, size.
show       one stored dataset: its per-feature statistics (count, missing, mean, std, min,
           max, histogram), categorical features, class balance and lineage.
transform  fits preprocessing steps (a file holding a job spec's preprocessing section:
           drop, impute, clip, oneHot, scale) on DATASET's training split, applies them to
           every split and stores the result as NAME, with its lineage (source, steps,
           fitted statistics). DATASET is a stored name or id, or a path (imported first).
validate   checks DATASET (stored, or a path) against a data schema file (rows, each
           feature's type, min, max, allowed values and missing share, label classes and
           balance) and prints every check; exit status 1 when one fails.

Options:
  -n, --name NAME   (import) the name jobs use (A-Z a-z 0-9 _ -; default: the registered
                    name, or the file or folder name)
      --steps FILE  (transform) the steps, YAML or JSON
      --to NAME     (transform) the new dataset's name
      --schema FILE (validate) the data schema, YAML or JSON
      --split S     (validate) train (default) or test
      --json        JSON output
${CONN}`
