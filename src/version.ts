/** Kept equal to package.json's version (a test checks it); written into generated files. */
export const VERSION = '0.2.0';
