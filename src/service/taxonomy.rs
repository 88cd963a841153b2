//! Tags, authors and section pages, each with its first page of articles.

use super::ContentService;
use super::articles::ArticleFilter;
use super::paging::{Page, PageRequest};
use super::sections::section_ref;
use super::views::Feeds;
use super::views::{
    ArticlePage, AuthorDetail, AuthorPage, AuthorView, SectionDetail, TagDetail, TagPage, TagView,
};
use crate::content::cursor::{ArticleCursor, NameCursor};
use crate::db::taxonomy::{self, AuthorRow, TagRow};
use crate::error::AppError;

pub fn tag_view(row: TagRow) -> TagView {
    TagView {
        id: row.id,
        slug: row.slug,
        name: row.name,
        description: row.description,
    }
}

pub fn author_view(row: AuthorRow) -> AuthorView {
    AuthorView {
        id: row.id,
        slug: row.slug,
        name: row.name,
        title: row.title,
        bio: row.bio,
        avatar_url: row.avatar_url,
    }
}

impl ContentService {
    pub async fn tag(&self, slug: &str) -> Result<TagView, AppError> {
        let owned = slug.to_owned();
        self.db
            .run(move |c| Ok(taxonomy::tag_by_slug(c, &owned)?))
            .await?
            .map(tag_view)
            .ok_or_else(|| AppError::not_found("tag", format!("with slug {slug:?}")))
    }

    pub async fn author(&self, slug: &str) -> Result<AuthorView, AppError> {
        let owned = slug.to_owned();
        self.db
            .run(move |c| Ok(taxonomy::author_by_slug(c, &owned)?))
            .await?
            .map(author_view)
            .ok_or_else(|| AppError::not_found("author", format!("with slug {slug:?}")))
    }

    /// Tags in alphabetical order.
    pub async fn tags(&self, page: PageRequest<NameCursor>) -> Result<TagPage, AppError> {
        let rows = self
            .db
            .run(move |c| Ok(taxonomy::list_tags(c, page.after.as_ref(), page.limit + 1)?))
            .await?;
        let views = rows.into_iter().map(tag_view).collect();
        let Page { items, next_cursor } = Page::from_rows(views, page.limit, TagView::cursor);
        Ok(TagPage { items, next_cursor })
    }

    /// Authors in alphabetical order.
    pub async fn authors(&self, page: PageRequest<NameCursor>) -> Result<AuthorPage, AppError> {
        let rows = self
            .db
            .run(move |c| Ok(taxonomy::list_authors(c, page.after.as_ref(), page.limit + 1)?))
            .await?;
        let views = rows.into_iter().map(author_view).collect();
        let Page { items, next_cursor } = Page::from_rows(views, page.limit, AuthorView::cursor);
        Ok(AuthorPage { items, next_cursor })
    }

    pub async fn tag_detail(&self, slug: &str) -> Result<TagDetail, AppError> {
        let tag = self.tag(slug).await?;
        let filter = ArticleFilter::tag(&tag.slug);
        let articles = ArticlePage::clone(
            &*self
                .article_page(filter, PageRequest::<ArticleCursor>::first())
                .await?,
        );
        let feeds = Feeds::at(&format!(
            "/feeds/tags/{}",
            crate::content::slug::encode(&tag.slug)
        ));
        Ok(TagDetail { tag, articles, feeds })
    }

    pub async fn author_detail(&self, slug: &str) -> Result<AuthorDetail, AppError> {
        let author = self.author(slug).await?;
        let filter = ArticleFilter::author(&author.slug);
        let articles = ArticlePage::clone(
            &*self
                .article_page(filter, PageRequest::<ArticleCursor>::first())
                .await?,
        );
        let feeds = Feeds::at(&format!("/feeds/authors/{}", author.slug));
        Ok(AuthorDetail {
            author,
            articles,
            feeds,
        })
    }

    pub async fn section_detail(&self, slug: &str) -> Result<SectionDetail, AppError> {
        let section = self.section(slug).await?;
        let tree = self.section_tree().await?;
        let filter = ArticleFilter::section(&section.slug);
        let articles = ArticlePage::clone(
            &*self
                .article_page(filter, PageRequest::<ArticleCursor>::first())
                .await?,
        );
        Ok(SectionDetail {
            id: section.id,
            slug: section.slug.clone(),
            name: section.name.clone(),
            description: section.description.clone(),
            position: section.position,
            parent: tree.parent(section.id).map(section_ref),
            path: tree.path(section.id).into_iter().map(section_ref).collect(),
            children: tree.children(Some(section.id)).map(section_ref).collect(),
            articles,
            feeds: Feeds::at(&format!(
                "/feeds/sections/{}",
                crate::content::slug::encode(&section.slug)
            )),
        })
    }
}
