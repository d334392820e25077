#!/usr/bin/env node
import { readFileSync } from "fs";

export function countLines(path: string): number {
  return readFileSync(path, "utf8").split("\n").length;
}

console.log(countLines(process.argv[2]));
