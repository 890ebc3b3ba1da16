// What `kiln transform` makes of a finished transform's predictions: files in a folder
// (NPY and CSV, with a transform.json saying where they came from), or a new dataset in the
// cluster's store: the source's samples labelled with the predicted classes (or values).
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { encodeNpy, fromArrays, type Dataset, type ResolvedDataset } from '@kiln/data'
import type { TransformOutput } from '@kiln/client'

/** Where the predictions came from (transform.json, and the new dataset's source). */
export interface TransformOrigin {
  jobId: string
  model: string
  version: number
  dataset: string
  datasetId: string
  /** The model's class names, when it is a classifier with named classes. */
  classNames?: readonly string[]
  /** Rows of the dataset's train split (the rows after it are its test split). */
  trainRows: number
}

/** A classifier answers a score per class; a regression model one value per row. */
export const isClassifier = (out: Pick<TransformOutput, 'outputs'>) => out.outputs > 1

/** The predicted class of each row (the highest score). */
export function predictedClasses(out: TransformOutput): Int32Array {
  const classes = new Int32Array(out.rows)
  for (let r = 0; r < out.rows; r++) {
    let best = 0
    for (let j = 1; j < out.outputs; j++)
      if (out.data[r * out.outputs + j]! > out.data[r * out.outputs + best]!) best = j
    classes[r] = best
  }
  return classes
}

const csvCell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s)

/** Writes predictions.npy, probabilities.npy (classifiers), predictions.csv and transform.json; the file names. */
export async function writeTransformFiles(dir: string, out: TransformOutput, o: TransformOrigin): Promise<string[]> {
  await mkdir(dir, { recursive: true })
  const split = (r: number) => (r < o.trainRows ? 'train' : 'test')
  const lines: string[] = []
  const files: Record<string, Uint8Array | string> = {}
  if (isClassifier(out)) {
    const classes = predictedClasses(out)
    const names = o.classNames ?? Array.from({ length: out.outputs }, (_, j) => String(j))
    files['predictions.npy'] = encodeNpy(classes, [out.rows])
    files['probabilities.npy'] = encodeNpy(out.data, [out.rows, out.outputs])
    lines.push(['row', 'split', 'class', 'label', ...names.map((n) => `p_${n}`)].map(csvCell).join(','))
    for (let r = 0; r < out.rows; r++) {
      const p = Array.from(out.data.subarray(r * out.outputs, (r + 1) * out.outputs), (v) => String(v))
      lines.push([String(r), split(r), String(classes[r]), csvCell(names[classes[r]!] ?? ''), ...p].join(','))
    }
  } else {
    files['predictions.npy'] = encodeNpy(out.data, [out.rows])
    lines.push('row,split,value')
    for (let r = 0; r < out.rows; r++) lines.push(`${r},${split(r)},${out.data[r]}`)
  }
  files['predictions.csv'] = `${lines.join('\n')}\n`
  files['transform.json'] =
    `${JSON.stringify({ ...o, rows: out.rows, outputs: out.outputs, at: new Date().toISOString() }, null, 2)}\n`
  for (const [name, body] of Object.entries(files)) await writeFile(join(dir, name), body)
  return Object.keys(files)
}

/** The source's samples with the predictions as their labels (classifiers) or targets (regression). */
export function predictedDataset(source: ResolvedDataset, out: TransformOutput, o: TransformOrigin): ResolvedDataset {
  const classes = isClassifier(out) ? predictedClasses(out) : undefined
  const part = (d: Dataset, from: number) =>
    fromArrays({
      name: d.name,
      x: d.x,
      sampleShape: [...d.sampleShape],
      ...(classes
        ? {
            labels: classes.subarray(from, from + d.count),
            numClasses: out.outputs,
            ...(o.classNames?.length === out.outputs ? { classNames: [...o.classNames] } : {}),
          }
        : { labels: new Int32Array(d.count), targets: out.data.subarray(from, from + d.count) }),
      ...(d.featureNames ? { featureNames: [...d.featureNames] } : {}),
    })
  return {
    train: part(source.train, 0),
    ...(source.test ? { test: part(source.test, source.train.count) } : {}),
  }
}
