// Masthead's API, as this page reaches it from its own origin: REST for the comment form,
// comments and the view beacon, GraphQL (over GET, so browsers and CDNs cache it) for pages.

/** Where the API lives: `?api=` on the page, else VITE_MASTHEAD_API, else the default port. */
export const API: string = (
  new URLSearchParams(location.search).get("api") ??
  import.meta.env.VITE_MASTHEAD_API ??
  "http://127.0.0.1:8080"
).replace(/\/$/, "");

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
}

export interface Problem {
  title?: string;
  detail?: string;
  code?: string;
  errors?: { field: string; code: string; message: string }[];
}

export async function rest<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${API}${path}`, init);
  const body = res.status === 204 ? null : await res.json();
  if (!res.ok) throw new ApiError(res.status, body as Problem);
  return body as T;
}

export async function graphql<T>(query: string, variables: Record<string, unknown>): Promise<T> {
  const url = new URL(`${API}/graphql`);
  url.searchParams.set("query", query);
  url.searchParams.set("variables", JSON.stringify(variables));
  const res = await fetch(url, { headers: { accept: "application/graphql-response+json" } });
  const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join("; "));
  return body.data as T;
}
