// server-hocuspocus.mjs: Hocuspocus as the server benchmark runs it (bench/server.mjs starts this file).
// Env: PORT (required), HP_SQLITE=<file> to add @hocuspocus/extension-sqlite (full-state upserts,
// debounced 2 s / max 10 s by Hocuspocus). maxPendingDocuments is raised from 100 so that one client
// can open a whole workspace; everything else is Hocuspocus's default.
import { Server } from '@hocuspocus/server'

const extensions = []
if (process.env.HP_SQLITE) {
  const { SQLite } = await import('@hocuspocus/extension-sqlite')
  extensions.push(new SQLite({ database: process.env.HP_SQLITE }))
}
const server = new Server({
  port: Number(process.env.PORT),
  address: '127.0.0.1',
  quiet: true,
  maxPendingDocuments: 100000,
  extensions
})
await server.listen()
