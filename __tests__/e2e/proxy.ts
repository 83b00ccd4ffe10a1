// A forward proxy on 127.0.0.1 for the proxy tests, as a corporate proxy in front of a
// self-hosted runner: it tunnels CONNECT requests (what undici's ProxyAgent sends, for http and
// https alike) and forwards absolute-URI requests. Every host it is asked for resolves to
// 127.0.0.1, so a made-up name such as "registry.test" reaches the fake only through the proxy.
import http from 'node:http'
import net from 'node:net'
import type { AddressInfo } from 'node:net'

export interface TestProxy {
  url: string
  /** "host:port" of every CONNECT and forwarded request, in arrival order. */
  targets: string[]
  stop(): Promise<void>
}

export async function startProxy(): Promise<TestProxy> {
  const targets: string[] = []
  const sockets = new Set<net.Socket>()
  const track = (socket: net.Socket): void => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  }
  const server = http.createServer((req, res) => {
    const target = new URL(req.url ?? '/')
    targets.push(target.host)
    const upstream = http.request(
      { host: '127.0.0.1', port: Number(target.port || 80), method: req.method, path: target.pathname + target.search, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      }
    )
    upstream.on('error', () => res.writeHead(502).end())
    req.pipe(upstream)
  })
  server.on('connection', track)
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const target = req.url ?? ''
    targets.push(target)
    const port = Number(target.slice(target.lastIndexOf(':') + 1))
    const upstream = net.connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    track(upstream)
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    targets,
    stop: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((done) => server.close(() => done()))
    }
  }
}
