// Importing this module declares every native kernel (each file calls nativeKernel()).
import './matmul.js'
import './conv.js'
import './pool.js'
import './unary.js'
import './binary.js'
import './reduce.js'
import './nn.js'
import './layout.js'
