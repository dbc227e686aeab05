'use strict'
// Service rerankers against real HTTP servers on 127.0.0.1 that speak each
// protocol: the exact requests, merging after splits, retries and their
// spacing, timeouts, cancellation, malformed replies, and keys kept out of errors.
const test = require('node:test')
const assert = require('node:assert/strict')
const { CohereReranker, JinaReranker, VoyageAIReranker, OpenaiReranker, WatsonxReranker, HttpReranker } = require('..')
const { resultSet, column } = require('./helpers.js')
const { startService, json, cohereResults, lengthScore } = require('./service-server.js')

const TEXTS = ['a', 'bbbb', 'cc', 'ddddddd', 'eee']
const KEY = 'sk-test-0123456789abcdef'
const fast = { retryDelayMs: 10 }

function withEnv(t, values) {
  const saved = {}
  for (const [name, value] of Object.entries(values)) {
    saved[name] = process.env[name]
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }
  t.after(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  })
}

const cohereService = (t) => startService(t, (req, res) => json(res, 200, cohereResults(req.body.documents)))

test('CohereReranker sends the documented request and ranks by the scores, whatever their order', async (t) => {
  const service = await cohereService(t)
  const reranker = new CohereReranker({ apiKey: KEY, baseUrl: service.url })
  assert.deepEqual(Array.from(await reranker.score('q', TEXTS)), TEXTS.map(lengthScore))
  const [request] = service.requests
  assert.equal(request.method, 'POST')
  assert.equal(request.path, '/v2/rerank')
  assert.equal(request.headers.authorization, `Bearer ${KEY}`)
  assert.match(request.headers['content-type'], /application\/json/)
  assert.deepEqual(request.body, { model: 'rerank-english-v2.0', query: 'q', documents: TEXTS, top_n: TEXTS.length })

  const vec = resultSet({ ids: [1, 2, 3], distances: [0.1, 0.2, 0.3], texts: ['a', 'bbbb', 'cc'] })
  const fts = resultSet({ ids: [3, 4], scores: [2, 1], texts: ['cc', 'ddddddd'] })
  const ranked = await new CohereReranker({ apiKey: KEY, baseUrl: service.url, topN: 3 }).rerankHybrid('q', vec, fts)
  assert.deepEqual(column(ranked, 'text'), ['ddddddd', 'bbbb', 'cc'])
  assert.deepEqual(column(ranked, '_relevance_score'), [7, 4, 2])
  assert.deepEqual(service.requests.at(-1).body.documents, ['a', 'bbbb', 'cc', 'ddddddd'])
  const all = await new CohereReranker({ apiKey: KEY, baseUrl: service.url, returnScore: 'all' }).rerankVector('q', vec)
  assert.deepEqual(all.schema.fields.map((f) => f.name), ['text', '_distance', '_rowid', '_relevance_score'])
})

test('keys: the option wins over the environment, a missing key names the variable', async (t) => {
  const service = await cohereService(t)
  withEnv(t, { COHERE_API_KEY: 'from-env-key', JINA_API_KEY: undefined, VOYAGE_API_KEY: undefined, OPENAI_API_KEY: undefined, WATSONX_API_KEY: undefined })
  await new CohereReranker({ baseUrl: service.url }).score('q', ['x'])
  assert.equal(service.requests[0].headers.authorization, 'Bearer from-env-key')
  await new CohereReranker({ baseUrl: service.url, apiKey: KEY }).score('q', ['x'])
  assert.equal(service.requests[1].headers.authorization, `Bearer ${KEY}`)
  for (const [Class, variable, extra] of [
    [JinaReranker, 'JINA_API_KEY', {}],
    [VoyageAIReranker, 'VOYAGE_API_KEY', { model: 'rerank-2' }],
    [OpenaiReranker, 'OPENAI_API_KEY', {}],
    [WatsonxReranker, 'WATSONX_API_KEY', { projectId: 'p' }],
  ]) {
    assert.throws(() => new Class(extra), new RegExp(`option \`apiKey\`: no API key: pass option \`apiKey\` or set ${variable}`))
  }
})

test('JinaReranker and VoyageAIReranker speak their own dialects', async (t) => {
  const jina = await startService(t, (req, res) => json(res, 200, cohereResults(req.body.documents)))
  const scores = await new JinaReranker({ apiKey: KEY, baseUrl: jina.url }).score('q', TEXTS)
  assert.deepEqual(Array.from(scores), TEXTS.map(lengthScore))
  assert.equal(jina.requests[0].path, '/v1/rerank')
  assert.deepEqual(jina.requests[0].body, { model: 'jina-reranker-v2-base-multilingual', query: 'q', documents: TEXTS, top_n: 5, return_documents: false })

  const voyage = await startService(t, (req, res) => json(res, 200, { object: 'list', ...cohereResults(req.body.documents, 'data') }))
  assert.throws(() => new VoyageAIReranker({ apiKey: KEY }), /option `model` is required/)
  const v = await new VoyageAIReranker({ apiKey: KEY, baseUrl: voyage.url, model: 'rerank-2', truncation: false }).score('q', TEXTS)
  assert.deepEqual(Array.from(v), TEXTS.map(lengthScore))
  assert.equal(voyage.requests[0].path, '/v1/rerank')
  assert.deepEqual(voyage.requests[0].body, { model: 'rerank-2', query: 'q', documents: TEXTS, top_k: 5, truncation: false, return_documents: false })
})

test('OpenaiReranker matches scores to documents by index and rejects replies that skip or invent documents', async (t) => {
  const reply = (scores) => ({ choices: [{ message: { role: 'assistant', content: JSON.stringify({ scores }) } }] })
  const judge = (req, res) => {
    const { documents } = JSON.parse(req.body.messages[1].content)
    // Reordered, as models do: the rows must still line up.
    json(res, 200, reply(documents.map((d) => ({ index: d.index, relevance_score: lengthScore(d.text) / 10 })).reverse()))
  }
  const service = await startService(t, judge)
  const reranker = new OpenaiReranker({ apiKey: KEY, baseUrl: service.url, concurrency: 1, ...fast })
  const texts = Array.from({ length: 45 }, (_, i) => 'x'.repeat(i % 9))
  assert.deepEqual(Array.from(await reranker.score('q', texts)), texts.map((x) => x.length / 10))
  assert.equal(service.requests.length, 3, 'split into requests of 20 documents')
  const [first] = service.requests
  assert.equal(first.path, '/chat/completions')
  assert.equal(first.body.model, 'gpt-4-turbo-preview')
  assert.deepEqual(first.body.response_format, { type: 'json_object' })
  assert.deepEqual(JSON.parse(first.body.messages[1].content).documents.slice(0, 2), [{ index: 0, text: '' }, { index: 1, text: 'x' }])

  const cases = [
    [reply([{ index: 0, relevance_score: 1 }]), /1 results for 2 documents \(1 missing, the first is document 1\)/],
    [reply([{ index: 0, relevance_score: 1 }, { index: 5, relevance_score: 1 }]), /result 1 has index 5, but 2 documents were sent/],
    [reply([{ index: 0, relevance_score: 1 }, { index: 0, relevance_score: 1 }]), /document 0 is scored twice/],
    [{ choices: [{ message: { content: 'Sure! Here are the scores.' } }] }, /not JSON/],
    [{ choices: [] }, /no `choices\[0\].message.content`/],
  ]
  for (const [body, message] of cases) {
    service.next((req, res) => json(res, 200, body))
    await assert.rejects(reranker.score('q', ['a', 'b']), message)
  }
})

test('WatsonxReranker exchanges the key for an IAM token once, then reranks in the project', async (t) => {
  const service = await startService(t, (req, res) => {
    if (req.path === '/identity/token') return json(res, 200, { access_token: 'iam-token-xyz', expires_in: 3600 })
    json(res, 200, { model_id: req.body.model_id, results: req.body.inputs.map((input, index) => ({ index, score: lengthScore(input.text) })).reverse() })
  })
  const options = { apiKey: KEY, url: service.url, iamUrl: service.url, projectId: 'proj-1' }
  const reranker = new WatsonxReranker(options)
  assert.deepEqual(Array.from(await reranker.score('q', TEXTS)), TEXTS.map(lengthScore))
  await reranker.score('q', ['again'])
  const [token, first, second] = service.requests
  assert.equal(token.path, '/identity/token')
  assert.equal(token.body, `grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey&apikey=${KEY}`)
  assert.equal(first.path, '/ml/v1/text/rerank?version=2024-05-01')
  assert.equal(first.headers.authorization, 'Bearer iam-token-xyz')
  assert.deepEqual(first.body, {
    model_id: 'cross-encoder/ms-marco-minilm-l-12-v2',
    query: 'q',
    inputs: TEXTS.map((text) => ({ text })),
    project_id: 'proj-1',
    parameters: { return_options: { top_n: 5 } },
  })
  assert.equal(second.path, first.path, 'the token is reused')
  withEnv(t, { WATSONX_PROJECT_ID: undefined, WATSONX_SPACE_ID: undefined })
  assert.throws(() => new WatsonxReranker({ ...options, spaceId: 's' }), /give `projectId` or `spaceId`, not both/)
  assert.throws(() => new WatsonxReranker({ apiKey: KEY }), /give `projectId` or `spaceId`/)
})

test('HttpReranker on TEI splits to the batch size the server reports and merges the parts', async (t) => {
  const limit = 4
  const service = await startService(t, (req, res) => {
    const n = req.body.texts.length
    if (n > limit) return json(res, 413, { error: `batch size ${n} > maximum allowed batch size ${limit}`, error_type: 'Validation' })
    json(res, 200, req.body.texts.map((text, index) => ({ index, score: lengthScore(text) })).reverse())
  })
  const texts = Array.from({ length: 11 }, (_, i) => 'y'.repeat(i + 1))
  const reranker = new HttpReranker({ url: service.url, protocol: 'tei', headers: { 'X-Team': 'search' }, rawScores: true })
  assert.deepEqual(Array.from(await reranker.score('q', texts)), texts.map(lengthScore))
  assert.deepEqual(service.requests.map((r) => r.body.texts.length), [11, 4, 4, 3])
  assert.deepEqual(service.requests[0].body, { query: 'q', texts, raw_scores: true, truncate: true, return_text: false })
  assert.equal(service.requests[0].path, '/rerank')
  assert.equal(service.requests[0].headers['x-team'], 'search')
  // The limit is remembered: the next call splits up front.
  await reranker.score('q', texts)
  assert.deepEqual(service.requests.slice(4).map((r) => r.body.texts.length).sort(), [3, 4, 4])
})

test('HttpReranker speaks the Cohere and Jina protocols of vLLM and Infinity', async (t) => {
  const service = await startService(t, (req, res) => json(res, 200, cohereResults(req.body.documents)))
  const cohere = new HttpReranker({ url: `${service.url}/v1/rerank`, protocol: 'cohere', model: 'BAAI/bge-reranker-v2-m3', apiKey: KEY })
  assert.deepEqual(Array.from(await cohere.score('q', TEXTS)), TEXTS.map(lengthScore))
  assert.equal(service.requests[0].path, '/v1/rerank')
  assert.equal(service.requests[0].headers.authorization, `Bearer ${KEY}`)
  assert.deepEqual(service.requests[0].body, { model: 'BAAI/bge-reranker-v2-m3', query: 'q', documents: TEXTS, top_n: 5 })
  await new HttpReranker({ url: service.url, protocol: 'jina' }).score('q', TEXTS)
  assert.equal(service.requests[1].path, '/rerank')
  assert.equal(service.requests[1].headers.authorization, undefined)
  assert.throws(() => new HttpReranker({ url: service.url, protocol: 'grpc' }), /option `protocol`: expected 'tei', 'cohere' or 'jina', got 'grpc'/)
  assert.throws(() => new HttpReranker({ url: 'ftp://x', protocol: 'tei' }), /option `url`: expected an http:\/\/ or https:\/\/ URL/)
  assert.throws(() => new HttpReranker({ protocol: 'tei' }), /option `url` is required/)
})

test('retries: 500 then success, 429 with Retry-After, exponential backoff, and a bounded number of attempts', async (t) => {
  const service = await cohereService(t)
  const reranker = new CohereReranker({ apiKey: KEY, baseUrl: service.url, retryDelayMs: 100 })
  service.next((req, res) => json(res, 500, { message: 'internal error' }))
  assert.deepEqual(Array.from(await reranker.score('q', ['ab'])), [2])
  assert.equal(service.requests.length, 2)

  service.next((req, res) => json(res, 429, { message: 'slow down' }, { 'Retry-After': '1' }))
  await reranker.score('q', ['ab'])
  const [limited, after] = service.requests.slice(2)
  assert.ok(after.at - limited.at >= 950, `waited ${after.at - limited.at} ms after Retry-After: 1`)

  service.next(...Array.from({ length: 4 }, () => (req, res) => json(res, 503, { message: 'overloaded' })))
  const start = service.requests.length
  await assert.rejects(reranker.score('q', ['ab']), /Cohere rerank at http:\/\/127\.0\.0\.1:\d+\/v2\/rerank: HTTP 503: overloaded \(after 4 attempts\)/)
  const times = service.requests.slice(start).map((r) => r.at)
  assert.equal(times.length, 4)
  const gaps = times.slice(1).map((at, i) => at - times[i])
  // Backoff with equal jitter: attempt n waits between 0.5 and 1 times 100·2^n ms.
  gaps.forEach((gap, n) => assert.ok(gap >= 100 * 2 ** n * 0.5 - 5 && gap < 100 * 2 ** n + 500, `gap ${n}: ${gap} ms`))

  service.next((req, res) => json(res, 400, { message: 'bad model' }))
  await assert.rejects(reranker.score('q', ['ab']), /HTTP 400: bad model$/)
  assert.equal(service.requests.length, start + 5, '4xx other than 429 is not retried')
})

test('a dropped connection mid-body is retried; a slow reply times out', async (t) => {
  const service = await cohereService(t)
  service.next((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 1000 })
    res.write('{"results": [')
    setTimeout(() => res.destroy(), 10)
  })
  const reranker = new CohereReranker({ apiKey: KEY, baseUrl: service.url, ...fast })
  assert.deepEqual(Array.from(await reranker.score('q', ['abc'])), [3])
  assert.equal(service.requests.length, 2)

  service.next(...Array.from({ length: 2 }, () => (req, res) => setTimeout(() => json(res, 200, cohereResults(req.body.documents)), 800)))
  const slow = new CohereReranker({ apiKey: KEY, baseUrl: service.url, timeoutMs: 100, maxRetries: 1, ...fast })
  await assert.rejects(slow.score('q', ['abc']), /no complete reply within 100 ms \(option `timeoutMs`\) \(after 2 attempts\)/)
})

test('malformed replies reject with what is wrong', async (t) => {
  const service = await cohereService(t)
  const reranker = new CohereReranker({ apiKey: KEY, baseUrl: service.url, ...fast })
  const cases = [
    ['<html>bad gateway</html>', /malformed reply: not JSON/],
    [{ id: 'x' }, /malformed reply: expected a list of results, got null/],
    [{ results: [{ index: 0, relevance_score: 1 }, { index: 7, relevance_score: 1 }] }, /result 1 has index 7, but 2 documents were sent/],
    [{ results: [{ index: 1, relevance_score: 1 }, { index: 1, relevance_score: 2 }] }, /document 1 is scored twice/],
    [{ results: [{ index: 0, relevance_score: 'NaN' }, { index: 1, relevance_score: 1 }] }, /result 0 has no finite number `relevance_score`/],
    [{ results: [{ index: 0, relevance_score: 1 }] }, /1 results for 2 documents/],
    [{ results: [{ index: -1, relevance_score: 1 }, { index: 0, relevance_score: 1 }] }, /result 0 has no integer `index`/],
  ]
  for (const [body, message] of cases) {
    service.next((req, res) => json(res, 200, body))
    await assert.rejects(reranker.score('q', ['a', 'b']), message)
  }
  assert.equal(service.requests.length, cases.length, 'malformed replies are not retried')
})

test('the key never appears in errors, even when the service echoes it', async (t) => {
  const service = await startService(t, (req, res) => json(res, 401, { message: `invalid api token: ${req.headers.authorization}` }))
  for (const reranker of [
    new CohereReranker({ apiKey: KEY, baseUrl: service.url }),
    new HttpReranker({ url: service.url, protocol: 'cohere', headers: { Authorization: `Bearer ${KEY}` } }),
  ]) {
    const err = await reranker.score('q', ['a']).then(() => null, (e) => e)
    assert.ok(err instanceof Error)
    assert.match(err.message, /HTTP 401: invalid api token: (Bearer )?\[redacted\]/)
    assert.ok(!err.message.includes(KEY) && !String(err.stack).includes(KEY))
  }
  const reranker = new CohereReranker({ apiKey: KEY, baseUrl: service.url })
  assert.ok(!JSON.stringify(reranker).includes(KEY) && !require('node:util').inspect(reranker, { showHidden: true, depth: 5 }).includes(KEY))
})

test('an AbortSignal cancels a call in flight, per call or for the whole reranker', async (t) => {
  const service = await startService(t, (req, res) => setTimeout(() => json(res, 200, cohereResults(req.body.documents)), 3000))
  const reranker = new CohereReranker({ apiKey: KEY, baseUrl: service.url })
  const controller = new AbortController()
  const started = performance.now()
  const call = reranker.score('q', ['a'], { signal: controller.signal })
  setTimeout(() => controller.abort(), 50)
  await assert.rejects(call, { name: 'AbortError' })
  assert.ok(performance.now() - started < 1000)
  await assert.rejects(reranker.score('q', ['a'], { signal: AbortSignal.abort() }), { name: 'AbortError' })

  const timeout = new CohereReranker({ apiKey: KEY, baseUrl: service.url, signal: AbortSignal.timeout(50) })
  await assert.rejects(timeout.rerankVector('q', resultSet({ ids: [1], distances: [0.1] })), { name: 'TimeoutError' })
  assert.throws(() => new CohereReranker({ apiKey: KEY, signal: 'soon' }), /option `signal`: expected an AbortSignal/)
})

test('large inputs are split to the service limit and sent concurrently, in order', async (t) => {
  const service = await cohereService(t)
  const texts = Array.from({ length: 2500 }, (_, i) => 'z'.repeat(i % 13))
  const scores = await new CohereReranker({ apiKey: KEY, baseUrl: service.url }).score('q', texts)
  assert.deepEqual(Array.from(scores), texts.map(lengthScore))
  assert.deepEqual(service.requests.map((r) => r.body.documents.length).sort(), [1000, 1000, 500])
  const small = await new CohereReranker({ apiKey: KEY, baseUrl: service.url, batchSize: 7, concurrency: 2 }).score('q', texts.slice(0, 20))
  assert.deepEqual(Array.from(small), texts.slice(0, 20).map(lengthScore))
  assert.deepEqual(service.requests.slice(3).map((r) => r.body.documents.length).sort(), [6, 7, 7])
})

test('deadlineMs bounds a whole call, retries and backoff included, and rejects with LANCERANK_TIMEOUT', async (t) => {
  // Each attempt is refused with a 503 after 150 ms: without a deadline the
  // call would take 4 attempts plus backoff.
  const slow = await startService(t, (req, res) => setTimeout(() => json(res, 503, { message: 'busy' }), 150))
  const reranker = new HttpReranker({ url: slow.url, protocol: 'cohere', deadlineMs: 400, retryDelayMs: 200 })
  const started = performance.now()
  const err = await reranker.score('q', ['a']).then(() => null, (e) => e)
  const elapsed = performance.now() - started
  assert.equal(err?.code, 'LANCERANK_TIMEOUT', err?.message)
  assert.match(err.message, /no complete answer within 400 ms \(option `deadlineMs`\), retries and backoff included/)
  assert.ok(elapsed >= 390 && elapsed < 1500, `${elapsed} ms`)
  assert.ok(slow.requests.length >= 1 && slow.requests.length < 4, `${slow.requests.length} requests`)
  // Within its deadline, a call answers as ever.
  const quick = await startService(t, (req, res) => json(res, 200, cohereResults(req.body.documents)))
  assert.equal((await new HttpReranker({ url: quick.url, protocol: 'cohere', deadlineMs: 5000 }).score('q', ['a', 'bb'])).length, 2)
  assert.throws(() => new HttpReranker({ url: quick.url, deadlineMs: 0 }), (e) => e instanceof RangeError && /option `deadlineMs`: must be an integer from 1/.test(e.message))
})

test("redirects: 'follow' by default, 'same-origin' refuses another origin, 'error' refuses every redirect", async (t) => {
  const other = await startService(t, (req, res) => json(res, 200, cohereResults(req.body.documents)))
  const service = await startService(t, (req, res) => {
    if (req.path.startsWith('/final')) return json(res, 200, cohereResults(req.body.documents))
    const to = req.path.startsWith('/same') ? `${service.url}/final/rerank` : `${other.url}/rerank`
    res.writeHead(307, { Location: to }).end()
  })
  const reranker = (url, redirects) => new HttpReranker({ url, protocol: 'cohere', maxRetries: 0, ...(redirects && { redirects }) })
  // follow (the default): the documents go to the other origin, credentials do not.
  assert.equal((await reranker(`${service.url}/away`).score('q', ['a'])).length, 1)
  assert.equal(other.requests.length, 1)
  // same-origin: a redirect within the origin is followed, one away is refused, and nothing reaches the other origin.
  assert.equal((await reranker(`${service.url}/same`, 'same-origin').score('q', ['a'])).length, 1)
  const away = await reranker(`${service.url}/away`, 'same-origin').score('q', ['a']).then(() => null, (e) => e)
  assert.equal(away?.code, 'LANCERANK_HTTP')
  assert.match(away.message, /HTTP 307: redirected to another origin \(http:\/\/127\.0\.0\.1:\d+\/rerank\), and option `redirects` is 'same-origin'/)
  assert.equal(other.requests.length, 1, 'the documents were not sent to the other origin')
  // error: no redirect at all.
  const none = await reranker(`${service.url}/same`, 'error').score('q', ['a']).then(() => null, (e) => e)
  assert.match(none?.message, /HTTP 307: redirected to http:\/\/127\.0\.0\.1:\d+\/final\/rerank, and option `redirects` is 'error'/)
  assert.throws(() => reranker(service.url, 'sometimes'), (e) => e instanceof RangeError && /option `redirects`: expected 'follow', 'same-origin' or 'error', got 'sometimes'/.test(e.message))
})
