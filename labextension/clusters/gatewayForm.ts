import { Widget } from '@lumino/widgets';

import { IClusterOptions, IGatewayCreate, IGatewayField, IGatewayOptions } from './api';
import { ClusterForm } from './form';

/** A labelled row of a form: the label, the control, and a hint in words under it. */
function row(label: string, control: HTMLElement, hint = ''): HTMLLabelElement {
  const node = document.createElement('label');
  node.className = 'lazyscope-ClusterForm-row';
  node.append(label, control);
  if (hint) {
    const small = document.createElement('small');
    small.className = 'lazyscope-ClusterForm-hint';
    small.textContent = hint;
    node.append(small);
  }
  return node;
}

function input(name: string, type: string, value: string): HTMLInputElement {
  const node = document.createElement('input');
  node.className = 'jp-mod-styled';
  node.name = name;
  node.type = type;
  node.value = value;
  return node;
}

function select(name: string, choices: [string, string][], value: string): HTMLSelectElement {
  const node = document.createElement('select');
  node.className = 'jp-mod-styled';
  node.name = name;
  for (const [key, label] of choices) {
    node.append(new Option(label, key, false, key === value));
  }
  return node;
}

/** The control of one of the gateway's cluster options, as the gateway declares it. */
function control(field: IGatewayField): HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement {
  const name = `option-${field.name}`;
  switch (field.type) {
    case 'select':
      return select(name, (field.choices ?? []).map(c => [c, c]), String(field.default));
    case 'bool': {
      const box = input(name, 'checkbox', '');
      box.checked = field.default === true;
      return box;
    }
    case 'mapping': {
      const area = document.createElement('textarea');
      area.className = 'jp-mod-styled';
      area.name = name;
      area.value = JSON.stringify(field.default ?? {});
      return area;
    }
    case 'integer':
    case 'float': {
      const number = input(name, 'number', String(field.default));
      number.step = field.type === 'integer' ? '1' : 'any';
      number.min = field.min === null || field.min === undefined ? '' : String(field.min);
      number.max = field.max === null || field.max === undefined ? '' : String(field.max);
      return number;
    }
    default:
      return input(name, 'text', String(field.default ?? ''));
  }
}

/**
 * The gateway's cluster options (fields, defaults and choices as it declares them), the
 * cluster's size (a number of workers, or adaptive bounds) and whether it is kept.
 * Values go to the server as typed (text, as `--option K=V`): the server checks them
 * against the gateway's declaration and says what it allows.
 */
export class GatewayForm extends Widget {
  constructor(options: IGatewayOptions) {
    super();
    this.addClass('lazyscope-GatewayForm');
    for (const field of options.fields) {
      const node = control(field);
      this.controls.set(field.name, node);
      this.node.append(row(field.label || field.name, node, field.allows));
    }
    this.scaling = select('scaling', [['workers', 'Fixed number of workers'], ['adapt', 'Adaptive']], 'workers');
    this.node.append(row('Size', this.scaling));
    this.workers = input('workers', 'number', '1');
    this.minimum = input('minimum', 'number', '0');
    this.maximum = input('maximum', 'number', '2');
    const fixed = row('Workers', this.workers);
    const bounds = [row('Minimum workers', this.minimum), row('Maximum workers', this.maximum)];
    for (const number of [this.workers, this.minimum, this.maximum]) {
      number.min = '0';
    }
    const show = (): void => {
      fixed.hidden = this.scaling.value !== 'workers';
      bounds.forEach(b => (b.hidden = this.scaling.value !== 'adapt'));
    };
    this.scaling.addEventListener('change', show);
    show();
    this.keep = input('keep', 'checkbox', '');
    this.node.append(fixed, ...bounds, row('Keep it running after this Jupyter server stops', this.keep));
  }

  getValue(): IGatewayCreate {
    const options: Record<string, unknown> = {};
    for (const [name, node] of this.controls) {
      options[name] = node instanceof HTMLInputElement && node.type === 'checkbox' ? node.checked : node.value;
    }
    const count = (node: HTMLInputElement): number => Number.parseInt(node.value, 10);
    const size = this.scaling.value === 'adapt'
      ? { adapt: [count(this.minimum), count(this.maximum)] as [number, number] }
      : { workers: count(this.workers) };
    return { engine: 'dask', gateway: true, options, ...size, keep: this.keep.checked };
  }

  private readonly controls = new Map<string, HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>();
  private readonly scaling: HTMLSelectElement;
  private readonly workers: HTMLInputElement;
  private readonly minimum: HTMLInputElement;
  private readonly maximum: HTMLInputElement;
  private readonly keep: HTMLInputElement;
}

/**
 * "New Dask cluster" where a Dask Gateway is configured: where to start it (the gateway,
 * first, or this server), and that place's form. `gateway` is the gateway's options, or
 * why they could not be read (said in the dialog; only this server is offered then).
 */
export class NewDaskForm extends Widget {
  constructor(local: ClusterForm, gateway: IGatewayOptions | Error) {
    super();
    this.addClass('lazyscope-ClusterForm');
    this.local = local;
    const ok = !(gateway instanceof Error);
    const where = ok ? `Dask Gateway (${gateway.address})` : 'Dask Gateway (not reachable)';
    this.where = select('where', [['gateway', where], ['local', 'This Jupyter server']], ok ? 'gateway' : 'local');
    (this.where.options[0] as HTMLOptionElement).disabled = !ok;
    this.node.append(row('Start it on', this.where));
    if (ok) {
      this.gateway = new GatewayForm(gateway);
      this.node.append(this.gateway.node);
    } else {
      const why = document.createElement('p');
      why.className = 'lazyscope-ClusterForm-error';
      why.textContent = gateway.message;
      this.node.append(why);
    }
    this.node.append(local.node);
    const show = (): void => {
      local.node.hidden = this.where.value !== 'local';
      if (this.gateway) {
        this.gateway.node.hidden = this.where.value !== 'gateway';
      }
    };
    this.where.addEventListener('change', show);
    show();
  }

  getValue(): IClusterOptions | IGatewayCreate {
    return this.gateway && this.where.value === 'gateway' ? this.gateway.getValue() : this.local.getValue();
  }

  private readonly where: HTMLSelectElement;
  private readonly local: ClusterForm;
  private readonly gateway: GatewayForm | null = null;
}

/** Adaptive bounds of a Gateway cluster: the gateway keeps its workers between them. */
export class AdaptForm extends Widget {
  constructor(bounds: [number, number]) {
    super();
    this.addClass('lazyscope-ClusterForm');
    this.minimum = input('minimum', 'number', String(bounds[0]));
    this.maximum = input('maximum', 'number', String(bounds[1]));
    this.minimum.min = this.maximum.min = '0';
    this.node.append(row('Minimum workers', this.minimum), row('Maximum workers', this.maximum));
  }

  getValue(): [number, number] {
    return [Number.parseInt(this.minimum.value, 10), Number.parseInt(this.maximum.value, 10)];
  }

  private readonly minimum: HTMLInputElement;
  private readonly maximum: HTMLInputElement;
}
