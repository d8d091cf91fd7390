import { html } from './html';

describe('html template', () => {
  it('escapes every value, in text and in attributes', () => {
    const evil = `"><script>alert('x')</script>&`;
    expect(html`<a title="${evil}">${evil}</a>`.text).toBe(
      '<a title="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;">&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;</a>',
    );
  });

  it('keeps nested fragments and lists as they are, and renders nothing for false, null and undefined', () => {
    const rows = ['a<b', 'c'].map((cell) => html`<td>${cell}</td>`);
    expect(html`<tr>${rows}</tr>${false}${null}${undefined}${0}`.text).toBe('<tr><td>a&lt;b</td><td>c</td></tr>0');
  });
});
