// A partner's first code against the client generated from openapi/openapi.json by
// openapi-typescript: if the document changes shape (a field, an operationId, a response),
// this stops type-checking, and CI says so.
import type { components, operations } from "./masthead";

type Json<T> = T extends { content: { "application/json": infer Body } } ? Body : never;
type ArticlePage = Json<operations["listArticles"]["responses"][200]>;
type Article = Json<operations["getArticleBySlug"]["responses"][200]>;
type CommentForm = Json<operations["getCommentForm"]["responses"][200]>;
type Problem = components["schemas"]["Problem"];
type ListQuery = NonNullable<operations["listArticles"]["parameters"]["query"]>;

async function json<T>(res: Response): Promise<T> {
  if (!res.ok) {
    const problem = (await res.json()) as Problem;
    throw new Error(`${res.status} ${problem.code}: ${problem.detail} (${problem.parameter ?? "-"})`);
  }
  return (await res.json()) as T;
}

export async function newestTitles(base: string, query: ListQuery): Promise<string[]> {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) params.set(name, String(value));
  }
  const page = await json<ArticlePage>(await fetch(`${base}/v1/articles?${params}`));
  const titles = page.items.map((a) => `${a.title}, ${a.dateline} (${a.published_at})`);
  return page.next_cursor ? [...titles, `more after ${page.next_cursor}`] : titles;
}

export async function headline(base: string, slug: string): Promise<string> {
  const article = await json<Article>(await fetch(`${base}/v1/articles/${encodeURIComponent(slug)}`));
  return `${article.title}: ${article.authors.map((b) => b.name).join(", ")}`;
}

/** Posts a comment from nothing but the form's definition. */
export async function comment(base: string, slug: string, typed: Record<string, string>): Promise<number> {
  const form = await json<CommentForm>(await fetch(`${base}/v1/comment-form?article=${encodeURIComponent(slug)}`));
  const body = new URLSearchParams();
  for (const field of form.fields) body.set(field.name, field.value ?? typed[field.name] ?? "");
  const res = await fetch(`${base}${form.action}`, { method: form.method, body });
  return res.status;
}

export const draft: components["schemas"]["ArticleInput"] = {
  title: "Harbour tunnel opens early",
  dateline: "Haifa, Israel",
  section: "middle-east",
  authors: [{ slug: "dana-levi", role: "Reporting" }],
};

// operationIds are unique and stable: generators make them method names.
export const operationIds: (keyof operations)[] = [
  "listArticles",
  "getArticleBySlug",
  "listEditorArticles",
  "submitComment",
  "publishArticle",
];
