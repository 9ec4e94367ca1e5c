#!/usr/bin/env node
// The `liaison` executable: everything happens in main(), which tests call in-process.
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
