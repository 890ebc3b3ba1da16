// bench:cluster's no-op trial: an objective-function trial that reports one value and
// returns no model, so the benchmark measures the cluster's control plane, not training.
export default async function noop(ctx) {
  await ctx.report({ score: 1 })
}
