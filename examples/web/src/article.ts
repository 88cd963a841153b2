// The article page: everything on it from ONE GraphQL request (cacheable over GET); the
// comment form from GET /v1/comment-form (a fresh anti-spam token per reader, so never
// part of the cached page); comments posted to the form's action; a view beacon.
import { API, ApiError, graphql, rest } from "./api";
import { type Block, articleLink, blocks, date, figure, h, trusted } from "./render";

export const ARTICLE_PAGE = `query ArticlePage($slug: String!) {
  article(slug: $slug) {
    id slug title subtitle dateline publishedAt updatedAt canonicalUrl commentStatus
    sectionPath { slug name }
    authors { name role title }
    featuredMedia { url alt caption credit }
    body(format: BLOCKS) { blocks }
    corrections { notedAt note }
    tags { slug name }
    jsonLd
    related(first: 4) { article { slug title dateline } }
    moreLikeThis: related(first: 4, scope: SECTION) { article { slug title dateline } }
    commentCount
    comments(first: 20) { nodes { ...comment replies { ...comment replies { ...comment } } } }
  }
  popular(first: 5) { views article { slug title } }
}
fragment comment on Comment { id parentId depth authorName authorUrl createdAt html }`;

interface Comment {
  id: string;
  parentId: string | null;
  depth: number;
  authorName: string;
  authorUrl: string | null;
  createdAt: string;
  html: string;
  replies?: Comment[];
}
interface Teaser {
  article: { slug: string; title: string; dateline?: string };
}
interface ArticlePage {
  article: {
    id: string;
    slug: string;
    title: string;
    subtitle: string;
    dateline: string;
    publishedAt: string;
    updatedAt: string;
    canonicalUrl: string | null;
    commentStatus: string;
    sectionPath: { slug: string; name: string }[];
    authors: { name: string; role: string | null; title: string }[];
    featuredMedia: { url: string; alt: string; caption: string; credit: string } | null;
    body: { blocks: Block[] };
    corrections: { notedAt: string; note: string }[];
    tags: { slug: string; name: string }[];
    jsonLd: unknown;
    related: Teaser[];
    moreLikeThis: Teaser[];
    commentCount: number;
    comments: { nodes: Comment[] };
  } | null;
  popular: (Teaser & { views: number })[];
}

interface FormField {
  name: string;
  type: "textarea" | "text" | "email" | "url" | "hidden";
  label: string;
  placeholder: string;
  required: boolean;
  max_length: number;
  messages: Record<string, string>;
  value: string | null;
}
interface CommentForm {
  open: boolean;
  title: string;
  submit_label: string;
  closed_message: string;
  action: string;
  honeypot_field: string;
  idempotency_header: string;
  fields: FormField[];
}

export async function articlePage(slug: string, page: HTMLElement): Promise<void> {
  const { article, popular } = await graphql<ArticlePage>(ARTICLE_PAGE, { slug });
  if (!article) {
    page.replaceChildren(h("p", { class: "missing" }, "This story is not available."));
    return;
  }
  document.title = article.title;
  const url = article.canonicalUrl ?? location.href;
  const path = article.sectionPath;
  const main = h(
    "article",
    { class: "story" },
    h(
      "nav",
      { class: "crumbs", "aria-label": "Section" },
      path.map((s, i) => [i ? " › " : "", h("a", { href: `#/section/${encodeURIComponent(s.slug)}` }, s.name)]),
    ),
    h("h1", {}, article.title),
    article.subtitle ? h("p", { class: "deck" }, article.subtitle) : null,
    h(
      "p",
      { class: "meta" },
      article.dateline ? h("span", { class: "dateline" }, article.dateline) : null,
      " · ",
      h("time", { datetime: article.publishedAt }, date(article.publishedAt)),
      article.updatedAt !== article.publishedAt ? ` (updated ${date(article.updatedAt)})` : "",
    ),
    h(
      "p",
      { class: "bylines" },
      article.authors.map((a, i) => [
        i ? ", " : "By ",
        h("span", { class: "byline" }, a.name, a.role ? h("span", { class: "role" }, ` (${a.role})`) : null),
      ]),
    ),
    article.featuredMedia
      ? figure(article.featuredMedia.url, article.featuredMedia.alt, article.featuredMedia.caption, article.featuredMedia.credit)
      : null,
    blocks(article.body.blocks),
    article.corrections.length
      ? h(
          "aside",
          { class: "corrections" },
          h("h2", {}, "Corrections"),
          article.corrections.map((c) => h("p", {}, h("time", { datetime: c.notedAt }, date(c.notedAt)), ": ", c.note)),
        )
      : null,
    h("p", { class: "tags" }, article.tags.map((t) => h("span", { class: "tag" }, t.name))),
    share(url, article.title),
  );
  const comments = h("section", { class: "comments", id: "comments" }, h("h2", {}, `Comments (${article.commentCount})`));
  comments.append(thread(article.comments.nodes));
  const aside = h(
    "aside",
    { class: "rail" },
    list("Related", "related", article.related),
    list("More like this", "more-like-this", article.moreLikeThis),
    list("Popular", "popular", popular),
  );
  const jsonLd = h("script", { type: "application/ld+json" });
  jsonLd.textContent = JSON.stringify(article.jsonLd);
  page.replaceChildren(h("div", { class: "article-page" }, main, aside), comments, jsonLd);
  comments.append(await commentForm(slug));
  beacon(slug);
}

function share(url: string, title: string): HTMLElement {
  const u = encodeURIComponent(url);
  const t = encodeURIComponent(title);
  return h(
    "p",
    { class: "share" },
    "Share: ",
    h("a", { href: `https://twitter.com/intent/tweet?url=${u}&text=${t}`, rel: "noopener" }, "X"),
    " · ",
    h("a", { href: `https://www.facebook.com/sharer/sharer.php?u=${u}`, rel: "noopener" }, "Facebook"),
    " · ",
    h("a", { href: `https://wa.me/?text=${t}%20${u}`, rel: "noopener" }, "WhatsApp"),
    " · ",
    h("a", { href: `mailto:?subject=${t}&body=${u}` }, "Email"),
  );
}

function list(title: string, id: string, items: (Teaser & { views?: number })[]): HTMLElement {
  return h(
    "section",
    { id, class: "teasers" },
    h("h2", {}, title),
    items.length
      ? h("ol", {}, items.map((i) => h("li", {}, articleLink(i.article.slug, i.article.title))))
      : h("p", { class: "empty" }, "Nothing yet."),
  );
}

function thread(nodes: Comment[]): HTMLElement {
  return h(
    "ol",
    { class: "thread" },
    nodes.map((c) =>
      h(
        "li",
        { class: "comment", id: `comment-${c.id}` },
        h(
          "p",
          { class: "who" },
          c.authorUrl ? h("a", { href: c.authorUrl, rel: "nofollow ugc noopener" }, c.authorName) : c.authorName,
          " · ",
          h("time", { datetime: c.createdAt }, date(c.createdAt)),
        ),
        trusted(c.html, "div", "text"),
        c.replies?.length ? thread(c.replies) : null,
      ),
    ),
  );
}

/** The reader comment form, built from its definition: labels, required marks, limits,
 * hidden fields (the token, the honeypot), the form's own messages on a 422. */
async function commentForm(slug: string): Promise<HTMLElement> {
  const def = await rest<CommentForm>(`/v1/comment-form?article=${encodeURIComponent(slug)}`);
  if (!def.open) return h("p", { class: "closed" }, def.closed_message);
  const form = h("form", { class: "comment-form", novalidate: "" }, h("h3", {}, def.title));
  const status = h("p", { class: "form-status", role: "status" });
  for (const field of def.fields) {
    if (field.type === "hidden") {
      // The honeypot is hidden from people (not with type=hidden: bots skip those).
      if (field.name === def.honeypot_field) {
        form.append(
          h(
            "div",
            { class: "hp", "aria-hidden": "true" },
            h("input", { name: field.name, tabindex: "-1", autocomplete: "off", value: field.value ?? "" }),
          ),
        );
      } else {
        form.append(h("input", { type: "hidden", name: field.name, value: field.value ?? "" }));
      }
      continue;
    }
    const id = `field-${field.name}`;
    const control =
      field.type === "textarea"
        ? h("textarea", { id, name: field.name, rows: "5", maxlength: String(field.max_length) })
        : h("input", { id, name: field.name, type: field.type, maxlength: String(field.max_length) });
    if (field.placeholder) control.setAttribute("placeholder", field.placeholder);
    if (field.required) control.setAttribute("aria-required", "true");
    form.append(
      h(
        "p",
        { class: "field" },
        h("label", { for: id }, field.label, field.required ? h("span", { class: "required", title: "required" }, " *") : null),
        control,
        h("span", { class: "error", id: `${id}-error`, role: "alert" }),
      ),
    );
  }
  const submit = h("button", { type: "submit" }, def.submit_label);
  form.append(submit, status);
  const key = crypto.randomUUID();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    form.querySelectorAll(".error").forEach((e) => (e.textContent = ""));
    status.textContent = "";
    const body: Record<string, string> = {};
    for (const [name, value] of new FormData(form)) {
      if (typeof value === "string" && (value !== "" || name === def.honeypot_field)) body[name] = value;
    }
    submit.disabled = true;
    try {
      // The same key on a retry: a comment is stored once however often it is sent.
      const accepted = await rest<{ message: string }>(def.action, {
        method: "POST",
        headers: { "content-type": "application/json", [def.idempotency_header]: key },
        body: JSON.stringify(body),
      });
      form.replaceChildren(h("p", { class: "accepted", role: "status" }, accepted.message));
    } catch (error) {
      if (error instanceof ApiError && error.status === 422 && error.problem.errors) {
        for (const e of error.problem.errors) {
          const slot = form.querySelector(`#field-${CSS.escape(e.field)}-error`);
          if (slot) slot.textContent = e.message;
          else status.textContent = e.message;
        }
      } else {
        status.textContent = error instanceof Error ? error.message : String(error);
      }
      submit.disabled = false;
    }
  });
  return form;
}

/** Counts the view, as the page's own beacon (no cookies, nothing else sent). */
function beacon(slug: string): void {
  void fetch(`${API}/v1/articles/${encodeURIComponent(slug)}/views`, { method: "POST", keepalive: true });
}
