/**
 * What a click on a plot's saved still says. A still is a picture: the rows under a pixel
 * come from the plot in its kernel (`PlotWidget.inspect`), which a notebook reopened without
 * that kernel does not have. (Its own module, free of DOM imports, so vitest runs it in Node.)
 */
export function stillClickText(title: string): string {
  const what = title ? `this is a saved picture of ${title}` : 'this is a saved picture';
  return `Inspect needs the running kernel: ${what}. Run the cell again to inspect its pixels.`;
}
