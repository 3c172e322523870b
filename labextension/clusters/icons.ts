import { LabIcon } from '@jupyterlab/ui-components';

// Simple shapes in the theme's icon colour (jp-icon3), so the dark theme works.
export const clustersIcon = new LabIcon({
  name: 'lazyscope:clusters',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><g class="jp-icon3" fill="#616161">' +
    '<circle cx="6" cy="6" r="3"/><circle cx="18" cy="6" r="3"/><circle cx="6" cy="18" r="3"/>' +
    '<circle cx="18" cy="18" r="3"/><rect x="11" y="5" width="2" height="14"/>' +
    '<rect x="5" y="11" width="14" height="2"/></g></svg>'
});

export const daskIcon = new LabIcon({
  name: 'lazyscope:dask',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><g fill="#FC6E6B">' +
    '<path d="M4 20 L10 4 L13 4 L7 20 Z"/><path d="M10 20 L16 4 L19 4 L13 20 Z" fill="#FDA061"/>' +
    '</g></svg>'
});

export const sparkIcon = new LabIcon({
  name: 'lazyscope:spark',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path fill="#E25A1C" ' +
    'd="M12 2 L14.5 9.5 L22 12 L14.5 14.5 L12 22 L9.5 14.5 L2 12 L9.5 9.5 Z"/></svg>'
});
