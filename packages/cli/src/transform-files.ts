// What `kiln transform --out` makes of a finished transform's predictions: files in a folder
// (NPY and CSV, with a transform.json saying where they came from). The new dataset of
// `--to` is @kiln/data's storePredictedDataset (the pipelines' score step makes the same).
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { encodeNpy, isClassifier, predictedClasses, type TransformOrigin, type TransformOutput } from '@kiln/data'

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
