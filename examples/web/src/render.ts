// Small DOM helpers: every text goes in as text, never as markup, except what the API
// says is safe HTML (comment bodies, search snippets).

type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | undefined> = {},
  ...children: (Child | Child[] | Child[][])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== undefined) el.setAttribute(name, value);
  }
  for (const child of children.flat(2)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child);
  }
  return el;
}

/** Markup the API made safe (sanitised comment HTML, `<mark>`-highlighted snippets). */
export function trusted(html: string, tag: "div" | "p" = "div", className = ""): HTMLElement {
  const el = document.createElement(tag);
  if (className) el.className = className;
  el.innerHTML = html;
  return el;
}

export function date(iso: string): string {
  return new Date(iso).toLocaleString("en-GB", { dateStyle: "long", timeStyle: "short", timeZone: "UTC" }) + " UTC";
}

export function articleLink(slug: string, title: string): HTMLAnchorElement {
  return h("a", { href: `#/article/${encodeURIComponent(slug)}` }, title);
}

// The body's blocks (see Masthead's `Block` schema).
interface Mark {
  type: "bold" | "italic" | "link";
  href?: string;
}
interface Inline {
  text: string;
  marks?: Mark[];
}
export type Block =
  | { type: "paragraph"; content: Inline[] }
  | { type: "heading"; level: number; text: string }
  | { type: "list"; ordered?: boolean; items: Inline[][] }
  | { type: "quote"; text: string; attribution?: string }
  | { type: "image"; url: string; alt?: string; caption?: string; credit?: string; width?: number; height?: number }
  | { type: "embed"; provider: string; url: string };

function inline(run: Inline): Node {
  let node: Node = document.createTextNode(run.text);
  for (const mark of run.marks ?? []) {
    if (mark.type === "bold") node = h("strong", {}, node);
    else if (mark.type === "italic") node = h("em", {}, node);
    else if (mark.type === "link" && mark.href && /^https?:\/\//.test(mark.href))
      node = h("a", { href: mark.href, rel: "noopener" }, node);
  }
  return node;
}

export function figure(url: string, alt: string, caption?: string, credit?: string): HTMLElement {
  return h(
    "figure",
    {},
    h("img", { src: url, alt, loading: "lazy" }),
    caption || credit
      ? h("figcaption", {}, caption ?? "", credit ? h("span", { class: "credit" }, ` ${credit}`) : null)
      : null,
  );
}

export function blocks(list: Block[]): HTMLElement {
  const body = h("div", { class: "body" });
  for (const block of list) {
    switch (block.type) {
      case "paragraph":
        body.append(h("p", {}, block.content.map(inline)));
        break;
      case "heading":
        body.append(h(`h${Math.min(Math.max(block.level, 2), 4)}` as "h2", {}, block.text));
        break;
      case "list":
        body.append(h(block.ordered ? "ol" : "ul", {}, block.items.map((item) => h("li", {}, item.map(inline)))));
        break;
      case "quote":
        body.append(
          h("blockquote", {}, h("p", {}, block.text), block.attribution ? h("cite", {}, `— ${block.attribution}`) : null),
        );
        break;
      case "image":
        body.append(figure(block.url, block.alt ?? "", block.caption, block.credit));
        break;
      case "embed":
        body.append(h("p", { class: "embed" }, h("a", { href: block.url, rel: "noopener" }, `${block.provider}: ${block.url}`)));
        break;
    }
  }
  return body;
}
