// Routes: #/ (latest), #/article/{slug}, #/section/{slug}, #/search?q=…
import "./style.css";
import { rest } from "./api";
import { articlePage } from "./article";
import { homePage, searchPage, sectionPage } from "./lists";
import { h } from "./render";

const page = document.getElementById("page") as HTMLElement;

async function route(): Promise<void> {
  const [path, query = ""] = location.hash.replace(/^#/, "").split("?");
  const [, kind, slug] = path.split("/").map(decodeURIComponent);
  page.setAttribute("aria-busy", "true");
  try {
    if (kind === "article" && slug) await articlePage(slug, page);
    else if (kind === "section" && slug) await sectionPage(slug, page);
    else if (kind === "search") await searchPage(new URLSearchParams(query).get("q") ?? "", page);
    else await homePage(page);
  } catch (error) {
    page.replaceChildren(h("p", { class: "error" }, `Could not load this page: ${error instanceof Error ? error.message : error}`));
  } finally {
    page.removeAttribute("aria-busy");
    window.scrollTo(0, 0);
  }
}

async function navigation(): Promise<void> {
  const tree = await rest<{ items: { slug: string; name: string }[] }>("/v1/sections");
  document
    .getElementById("sections")
    ?.replaceChildren(...tree.items.map((s) => h("a", { href: `#/section/${encodeURIComponent(s.slug)}` }, s.name)));
}

document.getElementById("search-form")?.addEventListener("submit", (event) => {
  event.preventDefault();
  const q = new FormData(event.target as HTMLFormElement).get("q");
  location.hash = `#/search?q=${encodeURIComponent(String(q ?? ""))}`;
});
window.addEventListener("hashchange", () => void route());
void navigation();
void route();
