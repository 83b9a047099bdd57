// cli-table3's own helpers (CommonJS, no types of their own). `strlen` is the measure cli-table3
// lays cells out with: string-width on each line, SGR colour codes ignored. The others are the
// steps a cell is drawn with (src/report/table-rows.ts draws plain rows with them).
declare module 'cli-table3/src/utils.js' {
  const utils: {
    strlen: (text: string) => number;
    wordWrap: (maxLength: number, input: string, wrapOnWordBoundary?: boolean) => string[];
    colorizeLines: (lines: string[]) => string[];
    truncate: (text: string, length: number, truncateChar?: string) => string;
    pad: (text: string, length: number, padChar: string, direction?: 'left' | 'right' | 'center') => string;
  };
  export default utils;
}
