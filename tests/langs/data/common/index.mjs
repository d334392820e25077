import { readFile } from 'node:fs/promises';
export default readFile;
