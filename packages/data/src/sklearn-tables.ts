// The small tables that Debian's python3-sklearn ships (sklearn/datasets/data/), registered
// as named datasets: breast-cancer, wine, iris (first line "rows,features,class names...",
// then rows of features and a class index), digits (8x8 images, no header) and the
// regression table diabetes (space-separated features, targets in a second file). Read from
// the package's files: nothing is downloaded.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { type Dataset, fromArrays } from './dataset.js'
import { DatasetError, DatasetErrorCode } from './errors.js'

/** Where python3-sklearn puts the tables; KILN_SKLEARN_DATA overrides it. */
export const SKLEARN_DATA_DIR = '/usr/lib/python3/dist-packages/sklearn/datasets/data'
const DEBIAN_PACKAGE = 'python3-sklearn'

const PARTS = ['radius', 'texture', 'perimeter', 'area', 'smoothness', 'compactness', 'concavity']
const CANCER_PARTS = [...PARTS, 'concave points', 'symmetry', 'fractal dimension']

interface Table {
  file: string
  /** Regression: the file of targets (one per line); rows are then space-separated. */
  targets?: string
  /** Feature names in file order (scikit-learn's). */
  features: string[]
  /** Class names for files without a first line that names them. */
  classNames?: string[]
}

/** The named tables: the dataset name a spec uses, the file and its feature names. */
export const SKLEARN_TABLES: Record<string, Table> = {
  'breast-cancer': {
    file: 'breast_cancer.csv',
    features: ['mean', 'error', 'worst'].flatMap((kind) => CANCER_PARTS.map((p) => `${kind} ${p}`)),
  },
  wine: {
    file: 'wine_data.csv',
    features: [
      'alcohol',
      'malic_acid',
      'ash',
      'alcalinity_of_ash',
      'magnesium',
      'total_phenols',
      'flavanoids',
      'nonflavanoid_phenols',
      'proanthocyanins',
      'color_intensity',
      'hue',
      'od280/od315_of_diluted_wines',
      'proline',
    ],
  },
  iris: {
    file: 'iris.csv',
    features: ['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)'],
  },
  digits: {
    file: 'digits.csv.gz',
    features: Array.from({ length: 64 }, (_, i) => `pixel_${Math.floor(i / 8)}_${i % 8}`),
    classNames: Array.from({ length: 10 }, (_, i) => String(i)),
  },
  diabetes: {
    file: 'diabetes_data_raw.csv.gz',
    targets: 'diabetes_target.csv.gz',
    features: ['age', 'sex', 'bmi', 'bp', 's1', 's2', 's3', 's4', 's5', 's6'],
  },
}

/** Loads one of SKLEARN_TABLES from python3-sklearn's files. */
export async function loadSklearnTable(
  name: string,
  dir = process.env.KILN_SKLEARN_DATA ?? SKLEARN_DATA_DIR,
): Promise<Dataset> {
  const table = SKLEARN_TABLES[name]
  if (!table || !Object.hasOwn(SKLEARN_TABLES, name))
    throw new DatasetError(DatasetErrorCode.notFound, name, `not one of ${Object.keys(SKLEARN_TABLES).join(', ')}`)
  const path = join(dir, table.file)
  const lines = await readLines(path)
  const width = table.features.length
  if (table.targets) {
    const targetPath = join(dir, table.targets)
    const targets = (await readLines(targetPath)).map(Number)
    const x = new Float32Array(lines.length * width)
    lines.forEach((line, r) => {
      const cells = line.trim().split(/\s+/).map(Number)
      if (cells.length !== width || cells.some((v) => !Number.isFinite(v)))
        throw new DatasetError(DatasetErrorCode.malformed, path, `line ${r + 1}: expected ${width} numbers`)
      x.set(cells, r * width)
    })
    return fromArrays({
      name,
      x,
      labels: new Int32Array(lines.length),
      sampleShape: [width],
      featureNames: table.features,
      targets,
    })
  }
  let classNames = table.classNames
  if (!classNames) classNames = lines.shift()!.split(',').slice(2)
  const x = new Float32Array(lines.length * width)
  const labels = new Int32Array(lines.length)
  lines.forEach((line, r) => {
    const cells = line.split(',').map(Number)
    if (cells.length !== width + 1 || cells.some((v) => !Number.isFinite(v)))
      throw new DatasetError(DatasetErrorCode.malformed, path, `line ${r + 2}: expected ${width} numbers and a class`)
    x.set(cells.slice(0, width), r * width)
    labels[r] = cells[width]!
  })
  return fromArrays({ name, x, labels, sampleShape: [width], classNames, featureNames: table.features })
}

async function readLines(path: string): Promise<string[]> {
  const raw = await readFile(path).catch((err: NodeJS.ErrnoException) => {
    throw new DatasetError(
      DatasetErrorCode.notFound,
      path,
      `cannot be read (${err.code ?? err.message}); the table comes from the Debian package ${DEBIAN_PACKAGE} (apt-get install ${DEBIAN_PACKAGE}, which scripts/setup does)`,
      { cause: err, data: { package: DEBIAN_PACKAGE } },
    )
  })
  const text = new TextDecoder().decode(path.endsWith('.gz') ? gunzipSync(raw) : raw)
  return text.split('\n').filter((l) => l.trim() !== '')
}
