// A bigger snapshot from a real one, for the "2.5 GB completes" figure of the heap benchmark:
// k copies of the graph in one file, each copy's root hung under the real root by an element
// edge, ids and edge targets shifted per copy, the strings shared. Writing a real snapshot
// this big takes V8 many minutes and several times its size in memory (FIELD-NOTES).
//   node --import tsx test/bench/heap-synth.ts <in.heapsnapshot> <out.heapsnapshot> <copies>
import fs from 'node:fs';

function section(buf: Buffer, key: string, from = 0): number {
  const at = buf.indexOf(`"${key}":[`, from);
  if (at < 0) throw new Error(`no "${key}" section`);
  return at + key.length + 4;
}

export function synthesize(input: string, output: string, copies: number): void {
  const src = fs.readFileSync(input);
  const headEnd = section(src, 'nodes');
  const head = src.subarray(0, headEnd).toString();
  const meta = JSON.parse(`${head.slice(head.indexOf('{', 1), head.lastIndexOf('},') + 1)}`) as {
    meta: { node_fields: string[]; edge_fields: string[]; edge_types: [string[]] };
    node_count: number;
    edge_count: number;
  };
  const nf = meta.meta.node_fields.length;
  const ef = meta.meta.edge_fields.length;
  const idField = meta.meta.node_fields.indexOf('id');
  const ecField = meta.meta.node_fields.indexOf('edge_count');
  const toField = meta.meta.edge_fields.indexOf('to_node');
  const element = meta.meta.edge_types[0].indexOf('element');
  const N = meta.node_count;
  const E = meta.edge_count;
  const edgesAt = section(src, 'edges', headEnd);
  // int arrays hold digits, commas and newlines only: each ends at its first ']'
  const nodesText = src.subarray(headEnd, src.indexOf(0x5d, headEnd));
  const edgesEnd = src.indexOf(0x5d, edgesAt);
  const edgesText = src.subarray(edgesAt, edgesEnd);
  let maxId = 0;
  const fd = fs.openSync(output, 'w');
  const out = Buffer.allocUnsafe(16 * 2 ** 20);
  let o = 0;
  const flush = () => {
    fs.writeSync(fd, out, 0, o);
    o = 0;
  };
  const put = (b: Buffer) => {
    if (o + b.length > out.length) flush();
    if (b.length > out.length) fs.writeSync(fd, b);
    else {
      b.copy(out, o);
      o += b.length;
    }
  };
  const putInt = (v: number) => {
    if (o + 24 > out.length) flush();
    o += out.write(String(v), o, 'latin1');
  };
  // rewrites one flat int array: `shift(field, row, value)` gives the new value or -1 to copy
  const rewrite = (text: Buffer, width: number, shift: (field: number, row: number, v: number) => number) => {
    let field = 0;
    let row = 0;
    let start = -1;
    let acc = 0;
    for (let i = 0; i <= text.length; i++) {
      const c = i < text.length ? text[i] : 0x2c;
      if (c >= 48 && c <= 57) {
        if (start < 0) {
          start = i;
          acc = 0;
        }
        acc = acc * 10 + (c - 48);
        continue;
      }
      if (start >= 0) {
        const v = shift(field, row, acc);
        if (v < 0) put(text.subarray(start, i));
        else putInt(v);
        start = -1;
        if (++field === width) {
          field = 0;
          row++;
        }
      }
      if (i < text.length) {
        if (o + 1 > out.length) flush();
        out[o++] = c;
      }
    }
  };
  const newHead = head
    .replace(/"node_count":\d+/, `"node_count":${N * copies}`)
    .replace(/"edge_count":\d+/, `"edge_count":${E * copies + copies - 1}`);
  put(Buffer.from(newHead));
  // first pass over copy 0 also finds the largest id, so later copies' ids never collide
  rewrite(nodesText, nf, (f, r, v) => {
    if (f === idField && v > maxId) maxId = v;
    return f === ecField && r === 0 ? v + copies - 1 : -1;
  });
  const idStep = (Math.floor(maxId / 2) + 1) * 2;
  for (let k = 1; k < copies; k++) {
    put(Buffer.from(',\n'));
    rewrite(nodesText, nf, (f, _r, v) => (f === idField ? v + k * idStep : -1));
  }
  put(Buffer.from(`],\n"edges":[`));
  // the real root's edges come first: its own, then one to each copy's root
  const rootEdges = (() => {
    let n = 0;
    let row = 0;
    let field = 0;
    let acc = 0;
    let inNum = false;
    for (const c of nodesText) {
      if (c >= 48 && c <= 57) {
        acc = acc * 10 + (c - 48);
        inNum = true;
      } else if (inNum) {
        if (row === 0 && field === ecField) n = acc;
        inNum = false;
        acc = 0;
        if (++field === nf) {
          field = 0;
          row++;
          break;
        }
      }
    }
    return n;
  })();
  let cut = 0;
  for (let seen = 0; seen < rootEdges * ef; cut++) {
    const c = edgesText[cut];
    const d = c >= 48 && c <= 57;
    const nd = cut + 1 < edgesText.length && edgesText[cut + 1] >= 48 && edgesText[cut + 1] <= 57;
    if (d && !nd) seen++;
  }
  put(edgesText.subarray(0, cut));
  for (let k = 1; k < copies; k++) {
    put(Buffer.from(`\n,${element},${k},${k * N * nf}`));
  }
  rewrite(edgesText.subarray(cut), ef, () => -1);
  for (let k = 1; k < copies; k++) {
    put(Buffer.from(',\n'));
    rewrite(edgesText, ef, (f, _r, v) => (f === toField ? v + k * N * nf : -1));
  }
  // the sections between edges and strings (allocation traces) and the strings, as they are
  put(src.subarray(edgesEnd));
  flush();
  fs.closeSync(fd);
}

if (require.main === module) {
  const [input, output, copies] = process.argv.slice(2);
  const t0 = Date.now();
  synthesize(input, output, Number(copies));
  console.log(
    `${output}: ${(fs.statSync(output).size / 2 ** 20).toFixed(0)} MB in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
  );
}
