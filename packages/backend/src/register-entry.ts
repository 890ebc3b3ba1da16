// `import '@kiln/backend/register'`: for scripts and tests whose first line should make the
// kiln backends the default. Library code calls registerKilnBackends() or selectKilnBackend().
import { registerKilnBackends } from './select-backend.js'

registerKilnBackends()
