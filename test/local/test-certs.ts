// A throwaway CA and a certificate for 127.0.0.1/localhost, made with the openssl command
// (the cluster config test's TLS); undefined where openssl is not installed.
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** Whether the openssl command runs here. */
export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** Writes ca.pem, cert.pem and key.pem (EC P-256, valid two days) into `dir`. */
export function makeTestCerts(dir: string): { ca: string; cert: string; key: string } {
  const f = (name: string) => join(dir, name)
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' })
  run([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    f('ca-key.pem'),
    '-out',
    f('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=kiln-test-ca',
  ])
  run(['req', ...ec, '-keyout', f('key.pem'), '-out', f('cert.csr'), '-subj', '/CN=localhost'])
  writeFileSync(f('ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n')
  run([
    'x509',
    '-req',
    '-in',
    f('cert.csr'),
    '-CA',
    f('ca.pem'),
    '-CAkey',
    f('ca-key.pem'),
    '-CAcreateserial',
    '-out',
    f('cert.pem'),
    '-days',
    '2',
    '-extfile',
    f('ext.cnf'),
  ])
  return { ca: f('ca.pem'), cert: f('cert.pem'), key: f('key.pem') }
}
