import { Widget } from '@lumino/widgets';

import { IClusterOptions } from './api';

/** The body of the "New cluster" dialog: workers, cores and memory per worker. */
export class ClusterForm extends Widget {
  constructor(engine: 'dask' | 'spark', defaults: Omit<IClusterOptions, 'engine'>) {
    super();
    this.engine = engine;
    this.addClass('lazyscope-ClusterForm');
    this.workers = this.field('Workers', 'number', String(defaults.workers));
    this.cores = this.field('Cores per worker', 'number', String(defaults.cores));
    this.memory = this.field('Memory per worker', 'text', defaults.memory);
    this.workers.min = '0';
    this.cores.min = '1';
  }

  getValue(): IClusterOptions {
    return {
      engine: this.engine,
      workers: Number.parseInt(this.workers.value, 10),
      cores: Number.parseInt(this.cores.value, 10),
      memory: this.memory.value.trim()
    };
  }

  private field(label: string, type: string, value: string): HTMLInputElement {
    const row = document.createElement('label');
    row.className = 'lazyscope-ClusterForm-row';
    row.textContent = label;
    const input = document.createElement('input');
    input.className = 'jp-mod-styled';
    input.type = type;
    input.value = value;
    input.name = label.split(' ')[0].toLowerCase();
    row.appendChild(input);
    this.node.appendChild(row);
    return input;
  }

  private readonly engine: 'dask' | 'spark';
  private readonly workers: HTMLInputElement;
  private readonly cores: HTMLInputElement;
  private readonly memory: HTMLInputElement;
}
