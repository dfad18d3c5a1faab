/**
 * The line (0-based) of each record of an NDJSON body, in record order. The gateway skips blank
 * lines (spaces, tabs and \r only) and counts records, so a 422's record index is an index here.
 */
export function recordLines(body: string): number[] {
  const lines: number[] = [];
  body.split("\n").forEach((line, i) => {
    if (line.replace(/[ \t\r]/g, "") !== "") lines.push(i);
  });
  return lines;
}
