// @kiln/bundle: trial scripts as self-contained bundles. The client bundles and uploads
// (bundleTrialScript, uploadBundle); workers fetch and import (fetchBundle). esbuild is
// loaded only when bundling, so workers never pay for it.
export { bundleTrialScript, PROVIDED } from './bundle-script.js'
export type { TrialBundle } from './bundle-script.js'
export { uploadBundle, fetchBundle } from './bundle-store.js'
export type { FetchBundleOptions } from './bundle-store.js'
export { readManifest } from './manifest.js'
export type { BundleManifest } from './manifest.js'
export { BundleError } from './errors.js'
export { linkExternals } from './link-externals.js'
export { bundleForThisMachine } from './local-bundle.js'
