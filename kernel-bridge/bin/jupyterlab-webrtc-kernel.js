#!/usr/bin/env node
'use strict';
require('../lib/kernel/cli/main')
  .main(process.argv.slice(2))
  .then((code) => {
    if (code !== 0) process.exit(code);
  })
  .catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
