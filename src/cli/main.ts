#!/usr/bin/env node
import { runCli } from './run.js'

// Exits explicitly: a Redis client that never connected keeps retrying, and would keep the process alive.
process.exit(await runCli(process.argv.slice(2), (line) => { console.log(line) }, (line) => { console.error(line) }))
