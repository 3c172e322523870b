/**
 * The plot's plain-text line, as the kernel writes it (`PlotWidget.__repr__` in
 * src/lazyscope/plotting/_widget.py): the front end writes the same line when it saves the
 * view the user zoomed to, so the text of a saved notebook names the window its image shows.
 */

export type Range = readonly [number, number];

/** "lazyscope plot: count of y vs x (pandas), x -1..1, y 0..2"; a bar chart's line names
 * its bars, not a window ("lazyscope bar: count of rows per k (dask), top 20 of 143 + other"). */
export function plotText(title: string, x: Range, y: Range, kind = 'points'): string {
  if (kind === 'bar') {
    return `lazyscope bar: ${title}`;
  }
  return `lazyscope plot: ${title}, x ${g6(x[0])}..${g6(x[1])}, y ${g6(y[0])}..${g6(y[1])}`;
}

/** A number as Python's `format(v, '.6g')` writes it (six significant digits, no trailing
 * zeros, an exponent below 1e-4 and from 1e6). */
export function g6(value: number): string {
  if (Number.isNaN(value)) {
    return 'nan';
  }
  if (!Number.isFinite(value)) {
    return value > 0 ? 'inf' : '-inf';
  }
  if (value === 0) {
    return Object.is(value, -0) ? '-0' : '0';
  }
  // The exponent after rounding to six digits decides the form, as in Python.
  const [mantissa, exponent] = value.toExponential(5).split('e');
  const power = Number(exponent);
  if (power < -4 || power >= 6) {
    const digits = String(Math.abs(power)).padStart(2, '0');
    return `${trimZeros(mantissa)}e${power < 0 ? '-' : '+'}${digits}`;
  }
  return trimZeros(value.toFixed(5 - power));
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}
