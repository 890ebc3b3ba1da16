// Importing this module declares every kiln-cuda device kernel (each file calls cudaKernel()).
import './elementwise.js'
import './reduce.js'
import './matmul.js'
import './conv.js'
import './pool.js'
import './nn.js'
import './layout.js'
