/**
 * A tiny HTML template: `html\`<td>${value}</td>\`` escapes every interpolated value unless it is
 * itself the result of `html` (a fragment built the same way), so nothing from the database or the
 * request reaches the page unescaped. Attributes are always written in double quotes.
 */
export class Html {
  /** `new Html(text)` inserts `text` as it is: for the module's own constants only, never data. */
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

function render(value: HtmlValue): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join('');
  // false, null and undefined render nothing, so `${condition && html`…`}` reads naturally.
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let text = strings[0];
  values.forEach((value, i) => (text += render(value) + strings[i + 1]));
  return new Html(text);
}
