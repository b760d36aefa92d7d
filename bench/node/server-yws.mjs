// server-yws.mjs: @y/websocket-server 0.1.1 as the server benchmark runs it (bench/server.mjs starts
// this file): its own src/server.js (the `y-websocket-server` bin), unchanged. Env: PORT (required);
// YPERSISTENCE=<dir> turns on its y-leveldb persistence (one LevelDB put per update); without it
// documents live in memory only.
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
process.env.HOST = '127.0.0.1'
const here = path.dirname(fileURLToPath(import.meta.url))
await import(pathToFileURL(path.join(here, 'node_modules', '@y', 'websocket-server', 'src', 'server.js')).href)
