// @kiln/worker
export {}
