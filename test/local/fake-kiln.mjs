// Stands in for `kiln <command>` in the supervision tests, so they test kiln up's process
// handling and not the real coordinator. FAKE_KILN_<COMMAND>=ok (default) | missing | crash |
// http (no ready line, but GET /v2/health/ready on --port answers 200, as the gateway does).
const [command = '', ...args] = process.argv.slice(2)
const mode = process.env[`FAKE_KILN_${command.toUpperCase()}`] ?? 'ok'
if (mode === 'missing') {
  console.error(`kiln: unknown command "${command}"; commands: train (see kiln --help)`)
  process.exit(2)
}
if (mode === 'crash') {
  console.error('boom: cannot start')
  process.exit(3)
}
console.log(JSON.stringify({ level: 'info', component: command, message: 'starting', args }))
if (mode === 'http') {
  const { createServer } = await import('node:http')
  const port = Number(args[args.indexOf('--port') + 1])
  createServer((req, res) => res.writeHead(req.url === '/v2/health/ready' ? 200 : 404).end()).listen(port, '127.0.0.1')
} else {
  console.log(JSON.stringify({ event: 'ready', component: command }))
}
process.on('SIGTERM', () => process.exit(0))
setInterval(() => {}, 1 << 30)
