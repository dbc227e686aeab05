'use strict'
// A rerank service on 127.0.0.1 for the tests: it records every request
// (path, headers, JSON body, arrival time) and answers with the handler the
// test queued for it, or the default one. Handlers can misbehave: wait, drop
// the connection, send bad JSON, refuse.

const http = require('node:http')

/** An HTTP server on 127.0.0.1 for the test `t`, closed (open sockets too) after it; resolves to its URL. */
async function listen(t, handler) {
  const server = http.createServer(handler)
  const sockets = new Set()
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => {
    for (const s of sockets) s.destroy()
    server.close()
  })
  return `http://127.0.0.1:${server.address().port}`
}

async function startService(t, defaultHandler) {
  const requests = []
  const queue = []
  const url = await listen(t, (req, res) => {
    let text = ''
    req.on('data', (chunk) => (text += chunk))
    req.on('end', () => {
      let body
      try {
        body = JSON.parse(text)
      } catch {
        body = text
      }
      const request = { method: req.method, path: req.url, headers: req.headers, body, at: performance.now() }
      requests.push(request)
      const handler = queue.shift() ?? defaultHandler
      handler(request, res)
    })
  })
  return {
    url,
    requests,
    /** The next requests get these handlers, in order. */
    next(...handlers) {
      queue.push(...handlers)
    },
  }
}

function json(res, status, value, headers = {}) {
  const body = typeof value === 'string' ? value : JSON.stringify(value)
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...headers })
  res.end(body)
}

/** Scores as a deterministic function of the text: its length. */
const lengthScore = (text) => text.length

/** Cohere-shaped results, best first (so not in input order). */
function cohereResults(documents, field = 'results') {
  const results = documents.map((d, index) => ({ index, relevance_score: lengthScore(d) }))
  results.sort((a, b) => b.relevance_score - a.relevance_score)
  return { [field]: results }
}

module.exports = { listen, startService, json, cohereResults, lengthScore }
