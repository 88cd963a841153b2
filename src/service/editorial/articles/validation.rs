//! What an article input must be before it is written: known section, tags, authors and
//! pins, a free slug, a body that parses, fields within their limits; every fault is
//! reported at once, each at its field.

use super::*;

/// Reports every slug of `given` that is not among `found`, at its own index.
pub(super) fn unknown_slugs(
    errors: &mut Vec<FieldError>,
    given: &[String],
    found: Vec<(String, i64)>,
    field: impl Fn(usize) -> String,
    what: &str,
) {
    let known: HashMap<String, i64> = found.into_iter().collect();
    for (i, slug) in given.iter().enumerate() {
        if !known.contains_key(slug) {
            errors.push(FieldError::new(
                field(i),
                "unknown",
                format!("There is no {what} {slug:?}."),
            ));
        }
    }
}

impl EditorialService {
    /// Applies `input` over `base`, checking every field; all problems are reported at once.
    pub(super) fn apply(
        &self,
        c: &mut DbConn,
        mut base: Content,
        input: ArticleInput,
        id: Option<i64>,
    ) -> Result<Content, AppError> {
        let mut errors = Vec::new();
        let mut text = |field: &str, value: Option<String>, max: usize, required: bool, into: &mut String| {
            if let Some(v) = value {
                *into = v.trim().to_owned();
            }
            if required && into.is_empty() {
                errors.push(FieldError::new(field, "required", format!("Give a {field}.")));
            } else if into.chars().count() > max {
                errors.push(FieldError::new(
                    field,
                    "too_long",
                    format!("The {field} is limited to {max} characters."),
                ));
            }
        };
        text("title", input.title, 300, true, &mut base.title);
        text("subtitle", input.subtitle, 500, false, &mut base.subtitle);
        text("dateline", input.dateline, 200, false, &mut base.dateline);
        text("excerpt", input.excerpt, 1000, false, &mut base.excerpt);
        match (input.body, input.body_html) {
            (Some(_), Some(_)) => errors.push(FieldError::new(
                "body",
                "conflict",
                "Send body or body_html, not both.",
            )),
            (Some(json), None) => match serde_json::from_value::<Vec<Block>>(json) {
                Ok(mut blocks) => {
                    // Stored as it will be served: clients that show `html` blocks as
                    // they are never get a script, whoever sent it.
                    for block in &mut blocks {
                        if let Block::Html { html } = block {
                            *html = crate::content::blocks::sanitise_html(html);
                        }
                    }
                    for (i, b) in blocks.iter().enumerate() {
                        if let Block::Heading { level, .. } = b
                            && !(2..=4).contains(level)
                        {
                            errors.push(FieldError::new(
                                format!("body[{i}].level"),
                                "invalid",
                                "Headings are level 2, 3 or 4.",
                            ));
                        }
                    }
                    base.body = blocks;
                }
                Err(e) => errors.push(FieldError::new(
                    "body",
                    "invalid",
                    format!("The body is not a list of blocks: {e}."),
                )),
            },
            (None, Some(html)) => base.body = crate::content::html::html_to_blocks(&html),
            (None, None) => {}
        }
        // The slug: given, kept, or made from the title and made unique.
        match input.slug {
            Some(slug) => {
                let slug = slug.trim().to_owned();
                check_slug(&mut errors, "slug", &slug);
                if q::slug_owner(c, &slug)?.is_some_and(|owner| Some(owner) != id) {
                    errors.push(FieldError::new(
                        "slug",
                        "taken",
                        "Another article already has this slug.",
                    ));
                }
                base.slug = slug;
            }
            None if base.slug.is_empty() => base.slug = self.free_slug(c, &base.title)?,
            None => {}
        }
        if let Some(section) = input.section {
            base.section = section.trim().to_owned();
        }
        if base.section.is_empty() {
            errors.push(FieldError::new("section", "required", "Choose a section."));
        } else if q::section_ids_by_slug(c, std::slice::from_ref(&base.section))?.is_empty() {
            errors.push(FieldError::new(
                "section",
                "unknown",
                format!("There is no section {:?}.", base.section),
            ));
        }
        if let Some(list) = input.sections {
            base.sections = list;
        }
        let found = q::section_ids_by_slug(c, &base.sections)?;
        unknown_slugs(
            &mut errors,
            &base.sections,
            found,
            |i| format!("sections[{i}]"),
            "section",
        );
        if let Some(list) = input.tags {
            base.tags = list;
        }
        let found = q::tag_ids_by_slug(c, &base.tags)?;
        unknown_slugs(&mut errors, &base.tags, found, |i| format!("tags[{i}]"), "tag");
        if let Some(list) = input.authors {
            base.authors = list;
        }
        let slugs: Vec<String> = base.authors.iter().map(|a| a.slug.clone()).collect();
        let found = q::author_ids_by_slug(c, &slugs)?;
        unknown_slugs(
            &mut errors,
            &slugs,
            found,
            |i| format!("authors[{i}].slug"),
            "author",
        );
        match input.featured_media_id {
            Some(0) => base.featured_media_id = None,
            Some(m) => {
                if !q::media_exists(c, m)? {
                    errors.push(FieldError::new(
                        "featured_media_id",
                        "unknown",
                        format!("There is no media {m}."),
                    ));
                }
                base.featured_media_id = Some(m);
            }
            None => {}
        }
        if let Some(url) = input.canonical_url {
            let url = url.trim().to_owned();
            let lower = url.to_ascii_lowercase();
            if url.is_empty() {
                base.canonical_url = None;
            } else if !(lower.starts_with("https://") || lower.starts_with("http://")) {
                errors.push(FieldError::new(
                    "canonical_url",
                    "invalid",
                    "The canonical URL must be http(s).",
                ));
            } else {
                base.canonical_url = Some(url);
            }
        }
        if let Some(lang) = input.language {
            let ok =
                (2..=35).contains(&lang.len()) && lang.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            if !ok {
                errors.push(FieldError::new(
                    "language",
                    "invalid",
                    "Give a language tag such as en or pt-BR.",
                ));
            }
            base.language = lang;
        }
        if let Some(status) = input.comment_status {
            match status.parse::<Discussion>() {
                Ok(status) => base.comment_status = status,
                Err(_) => errors.push(FieldError::new(
                    "comment_status",
                    "invalid",
                    "Comments are open or closed.",
                )),
            }
        }
        if let Some(list) = input.related {
            base.related = list.into_iter().map(|s| s.trim().to_owned()).collect();
        }
        if base.related.len() > MAX_PINS {
            errors.push(FieldError::new(
                "related",
                "too_many",
                format!("Pin at most {MAX_PINS} related articles."),
            ));
        }
        for (i, slug) in base.related.iter().enumerate() {
            match q::slug_owner(c, slug)? {
                None => errors.push(FieldError::new(
                    format!("related[{i}]"),
                    "unknown",
                    format!("There is no article {slug:?}."),
                )),
                Some(owner) if Some(owner) == id || slug == &base.slug => errors.push(FieldError::new(
                    format!("related[{i}]"),
                    "self",
                    "An article cannot be related to itself.",
                )),
                Some(_) => {}
            }
        }
        if errors.is_empty() {
            Ok(base)
        } else {
            Err(AppError::Validation(errors))
        }
    }

    pub(super) fn free_slug(&self, c: &mut DbConn, title: &str) -> Result<String, AppError> {
        let base = match slugify(title) {
            s if s.is_empty() => "article".to_owned(),
            s => s
                .chars()
                .take(100)
                .collect::<String>()
                .trim_end_matches('-')
                .to_owned(),
        };
        let mut candidate = base.clone();
        let mut n = 2;
        while q::slug_owner(c, &candidate)?.is_some() || q::redirect_owner(c, &candidate)?.is_some() {
            candidate = format!("{base}-{n}");
            n += 1;
        }
        Ok(candidate)
    }

    pub(super) fn columns(
        &self,
        c: &mut DbConn,
        content: &Content,
        now: NaiveDateTime,
    ) -> Result<ArticleColumns, AppError> {
        let stats = body_stats(&content.body);
        let section_id = q::section_ids_by_slug(c, std::slice::from_ref(&content.section))?
            .first()
            .map(|(_, id)| *id)
            .ok_or_else(|| AppError::field("section", "unknown", "Choose a section."))?;
        Ok(ArticleColumns {
            slug: content.slug.clone(),
            title: content.title.clone(),
            subtitle: content.subtitle.clone(),
            dateline: content.dateline.clone(),
            excerpt: content.excerpt.clone(),
            body: stats.json,
            section_id,
            featured_media_id: content.featured_media_id,
            canonical_url: content.canonical_url.clone(),
            language: content.language.clone(),
            comment_status: content.comment_status,
            word_count: stats.word_count,
            reading_time_minutes: stats.reading_time_minutes,
            updated_at: now,
        })
    }

    pub(super) fn write_relations(&self, c: &mut DbConn, id: i64, content: &Content) -> Result<(), AppError> {
        let sections: HashMap<String, i64> = q::section_ids_by_slug(c, &content.sections)?
            .into_iter()
            .collect();
        let tags: HashMap<String, i64> = q::tag_ids_by_slug(c, &content.tags)?.into_iter().collect();
        let slugs: Vec<String> = content.authors.iter().map(|a| a.slug.clone()).collect();
        let authors: HashMap<String, i64> = q::author_ids_by_slug(c, &slugs)?.into_iter().collect();
        let mut section_ids: Vec<i64> = content
            .sections
            .iter()
            .filter_map(|s| sections.get(s).copied())
            .collect();
        section_ids.dedup();
        let mut tag_ids: Vec<i64> = Vec::new();
        for t in content.tags.iter().filter_map(|t| tags.get(t).copied()) {
            if !tag_ids.contains(&t) {
                tag_ids.push(t);
            }
        }
        let mut bylines: Vec<(i64, Option<String>)> = Vec::new();
        for a in &content.authors {
            if let Some(&aid) = authors.get(&a.slug)
                && !bylines.iter().any(|(x, _)| *x == aid)
            {
                bylines.push((aid, a.role.clone().filter(|r| !r.trim().is_empty())));
            }
        }
        q::replace_relations(c, id, &section_ids, &tag_ids, &bylines)?;
        let mut pinned: Vec<i64> = Vec::new();
        for slug in &content.related {
            if let Some(pin) = q::slug_owner(c, slug)?
                && !pinned.contains(&pin)
            {
                pinned.push(pin);
            }
        }
        crate::db::discovery::replace_pins(c, id, &pinned)?;
        Ok(())
    }
}
