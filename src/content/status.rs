//! The statuses an article and a comment can be in, as types. Each is stored as its lowercase
//! name in a TEXT column (both migrations CHECK the same set) and written the same way in
//! JSON, so this file is the only place a status is spelled; `tests/architecture.rs` fails
//! when a status literal appears anywhere else in `src/`.

use std::fmt;
use std::str::FromStr;

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An enum stored and serialised as its lowercase name.
macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, AsExpression,
            FromSqlRow,
        )]
        #[serde(rename_all = "lowercase")]
        #[diesel(sql_type = Text)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in the order a form lists them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> Result<$name, String> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!(
                        "{other:?} is not one of {}",
                        $name::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
                    )),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<DB> ToSql<Text, DB> for $name
        where
            DB: Backend,
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.as_str().to_sql(out)
            }
        }

        impl<DB> FromSql<Text, DB> for $name
        where
            DB: Backend,
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<$name> {
                Ok(String::from_sql(bytes)?.parse::<$name>()?)
            }
        }
    };
}

named_enum! {
    /// Where an article is in its life. Readers see an article only while it is
    /// `published` (or `scheduled` once its time has come).
    ArticleStatus {
        Draft = "draft",
        /// Published with a publication time still ahead; public once it comes.
        Scheduled = "scheduled",
        Published = "published",
        /// Taken down: kept for the newsroom, never shown to readers.
        Archived = "archived",
    }
}

named_enum! {
    /// Where a reader's comment is in moderation; only approved comments are public.
    CommentStatus {
        Pending = "pending",
        Approved = "approved",
        Spam = "spam",
        Trash = "trash",
    }
}

named_enum! {
    /// Whether an article takes new comments.
    Discussion {
        Open = "open",
        Closed = "closed",
    }
}

named_enum! {
    /// What readers saw happen to an article: the events of the event stream and webhooks.
    EventKind {
        /// It became public (on the spot, or at its scheduled time).
        Published = "published",
        /// It changed while public.
        Updated = "updated",
        /// It stopped being public (unpublished or archived).
        Unpublished = "unpublished",
        /// It was deleted while public.
        Deleted = "deleted",
    }
}

named_enum! {
    /// A WordPress post's status, as its REST API and export files spell it (for imports).
    WordPressStatus {
        Publish = "publish",
        Future = "future",
        Draft = "draft",
        Pending = "pending",
        Private = "private",
        Trash = "trash",
        AutoDraft = "auto-draft",
        Inherit = "inherit",
    }
}

impl WordPressStatus {
    /// What an imported post becomes here: published, scheduled, or a draft (pending
    /// review and private posts too); `None` for what stays behind (the bin, never-saved
    /// drafts, attachments).
    pub fn article_status(self) -> Option<ArticleStatus> {
        match self {
            WordPressStatus::Publish => Some(ArticleStatus::Published),
            WordPressStatus::Future => Some(ArticleStatus::Scheduled),
            WordPressStatus::Draft | WordPressStatus::Pending | WordPressStatus::Private => {
                Some(ArticleStatus::Draft)
            }
            WordPressStatus::Trash | WordPressStatus::AutoDraft | WordPressStatus::Inherit => None,
        }
    }
}

named_enum! {
    /// Where a webhook delivery stands.
    DeliveryStatus {
        /// Waiting for its next attempt.
        Pending = "pending",
        /// An attempt was answered with a 2xx.
        Delivered = "delivered",
        /// Given up after failing for the retry period; it can be redelivered.
        Failed = "failed",
    }
}

impl ArticleStatus {
    /// Statuses an article can be public in once its publication time has come: the rule in
    /// Rust, for rows already read.
    pub fn can_be_public(self) -> bool {
        matches!(self, ArticleStatus::Published | ArticleStatus::Scheduled)
    }
}

/// [`ArticleStatus::can_be_public`] as SQL on the `articles` columns, for queries; written out
/// literally because both planners match the partial indexes on it only then.
pub const PUBLIC_STATUS_SQL: &str = "articles.status IN ('published', 'scheduled')";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sql_rule_names_exactly_the_statuses_that_can_be_public() {
        let mut public: Vec<String> = ArticleStatus::ALL
            .iter()
            .filter(|s| s.can_be_public())
            .map(|s| format!("'{s}'"))
            .collect();
        // In the order the partial indexes' predicates name them.
        public.sort();
        assert_eq!(
            PUBLIC_STATUS_SQL,
            format!("articles.status IN ({})", public.join(", "))
        );
    }

    #[test]
    fn names_round_trip_and_strangers_are_refused() {
        for s in ArticleStatus::ALL {
            assert_eq!(s.as_str().parse::<ArticleStatus>(), Ok(*s));
            assert_eq!(serde_json::to_string(s).unwrap(), format!("\"{s}\""));
        }
        for s in CommentStatus::ALL {
            assert_eq!(s.as_str().parse::<CommentStatus>(), Ok(*s));
        }
        let err = "Published".parse::<ArticleStatus>().unwrap_err();
        assert!(err.contains("draft, scheduled, published, archived"), "{err}");
        assert!("deleted".parse::<CommentStatus>().is_err());
    }
}
