// An ESM app: `import`s its apache-arrow (MATRIX_ARROW; its ESM build, another
// copy than the one lancerank `require`s) and lancerank's named exports.
import { RRFReranker, FunctionReranker, CrossEncoderReranker, rerankQuery } from 'lancerank'
import * as lancedb from '@lancedb/lancedb'
import cases from './cases.js'

const arrow = await import(process.env.MATRIX_ARROW)
const lr = { RRFReranker, FunctionReranker, CrossEncoderReranker, rerankQuery }
console.log(JSON.stringify(await cases.run(arrow, lr, lancedb, process.env.MATRIX_PART)))
