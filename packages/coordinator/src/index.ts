// @kiln/coordinator
export {}
