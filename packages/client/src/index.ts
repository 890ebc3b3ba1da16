// @kiln/client: the typed SDK over the cluster's NATS API.
export {}
