//! Feed and sitemap documents, written with the syndication crates and an XML writer, never
//! by gluing strings: escaping is theirs to get right.

mod json_feed;
mod sitemap;
mod syndication;

pub use json_feed::json_feed;
pub use sitemap::{news_sitemap, sitemap_index, urlset};
pub use syndication::{atom, rss};
