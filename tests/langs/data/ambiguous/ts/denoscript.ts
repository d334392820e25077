#!/usr/bin/env -S deno run
const x: number = 1;
console.log(x);
