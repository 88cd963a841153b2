// A section page with "Load more" (cursor paging) and search with highlighted snippets.
import { graphql, rest } from "./api";
import { articleLink, date, h, trusted } from "./render";

interface Summary {
  slug: string;
  title: string;
  subtitle: string;
  dateline: string;
  published_at: string;
}
interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

function teaser(a: Summary): HTMLElement {
  return h(
    "li",
    { class: "teaser" },
    h("h3", {}, articleLink(a.slug, a.title)),
    a.subtitle ? h("p", { class: "deck" }, a.subtitle) : null,
    h("p", { class: "meta" }, a.dateline ? `${a.dateline} · ` : "", date(a.published_at)),
  );
}

/** A list that grows by its `next_cursor` when the reader asks for more. */
async function paged<T>(
  page: HTMLElement,
  heading: HTMLElement,
  load: (cursor: string | null) => Promise<Page<T>>,
  item: (t: T) => HTMLElement,
  empty: string,
): Promise<void> {
  const list = h("ol", { class: "list" });
  const more = h("button", { type: "button", class: "more" }, "Load more");
  page.replaceChildren(heading, list, more);
  let cursor: string | null = null;
  const next = async () => {
    more.disabled = true;
    const got = await load(cursor);
    list.append(...got.items.map(item));
    cursor = got.next_cursor;
    more.hidden = cursor === null;
    more.disabled = false;
    if (!list.children.length) list.replaceWith(h("p", { class: "empty" }, empty));
  };
  more.addEventListener("click", () => void next());
  await next();
}

export async function sectionPage(slug: string, page: HTMLElement): Promise<void> {
  const { section } = await graphql<{ section: { name: string; description: string } | null }>(
    "query Section($slug: String!) { section(slug: $slug) { name description } }",
    { slug },
  );
  if (!section) {
    page.replaceChildren(h("p", { class: "missing" }, "No such section."));
    return;
  }
  document.title = section.name;
  const heading = h("header", {}, h("h1", {}, section.name), section.description ? h("p", {}, section.description) : null);
  const path = (cursor: string | null) =>
    `/v1/articles?section=${encodeURIComponent(slug)}&limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
  await paged(page, heading, (c) => rest<Page<Summary>>(path(c)), teaser, "No stories yet.");
}

interface Hit {
  article: Summary;
  snippet: string;
}

export async function searchPage(q: string, page: HTMLElement): Promise<void> {
  document.title = `Search: ${q}`;
  const heading = h("header", {}, h("h1", {}, `Search: ${q}`));
  const path = (cursor: string | null) =>
    `/v1/search?q=${encodeURIComponent(q)}&limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
  await paged(
    page,
    heading,
    (c) => rest<Page<Hit>>(path(c)),
    // The snippet is safe HTML: escaped text with each match in <mark>.
    (hit) => {
      const li = teaser(hit.article);
      li.append(trusted(hit.snippet, "p", "snippet"));
      return li;
    },
    "Nothing matches.",
  );
}

export async function homePage(page: HTMLElement): Promise<void> {
  document.title = "The Masthead Example";
  const path = (cursor: string | null) => `/v1/articles?limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
  await paged(page, h("h1", {}, "Latest"), (c) => rest<Page<Summary>>(path(c)), teaser, "No stories yet.");
}
