// cli-table3's own helpers (CommonJS, no types of their own). `strlen` is the measure cli-table3
// lays cells out with: string-width on each line, SGR colour codes ignored.
declare module 'cli-table3/src/utils.js' {
  const utils: { strlen: (text: string) => number };
  export default utils;
}
