//! Generated newsrooms for benchmarks: realistic shapes (a section tree, skewed tag use,
//! several authors, long bodies with subheadings and lists, years of publication dates),
//! deterministic for a seed.

use std::collections::HashMap;
use std::fmt;
use std::time::Instant;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use indicatif::{ProgressBar, ProgressStyle};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{ArticleDraft, slugify};
use crate::content::status::ArticleStatus;
use crate::content::{Block, Inline, Mark};
use crate::db::seed_writes::{self as w, ArticleBatch};
use crate::db::{Backend, Db};
use crate::error::AppError;

pub struct Options {
    pub articles: u64,
    pub seed: u64,
    /// Inclusive range of body lengths in words.
    pub body_words: (u32, u32),
    /// Write articles in stories: runs of 6 to 12 articles that share names, tags, a
    /// section and a fortnight, the ground truth for measuring related articles.
    pub stories: bool,
    /// Where to write `slug,story` lines (with `stories`).
    pub labels: Option<std::path::PathBuf>,
    /// Also record readers' views of recent weeks, for popular lists.
    pub views: bool,
    /// Add to a database that already holds articles (refused otherwise: a second run, or
    /// one after an interrupted run, would add the same stories again under new slugs).
    pub append: bool,
    /// Set (by Ctrl-C) to stop after the batch being written.
    pub stop: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
}

pub struct Report {
    pub articles: u64,
    pub elapsed: std::time::Duration,
    pub backend: Backend,
    /// Stopped by the operator before `asked` articles were written.
    pub interrupted: Option<u64>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.elapsed.as_secs_f64();
        if let Some(asked) = self.interrupted {
            return write!(
                f,
                "interrupted: {} of {asked} articles generated on {} in {secs:.1} s, every one committed; \
                 run again with --append and --articles {} to add the rest",
                self.articles,
                self.backend,
                asked - self.articles
            );
        }
        write!(
            f,
            "generated {} articles on {} in {:.1} s ({:.0} articles/s)",
            self.articles,
            self.backend,
            secs,
            self.articles as f64 / secs.max(0.001)
        )
    }
}

/// Sections of the generated newsroom: (slug, name, parent slug).
const SECTIONS: &[(&str, &str, Option<&str>)] = &[
    ("world", "World", None),
    ("middle-east", "Middle East", Some("world")),
    ("europe", "Europe", Some("world")),
    ("americas", "Americas", Some("world")),
    ("asia", "Asia", Some("world")),
    ("politics", "Politics", None),
    ("business", "Business", None),
    ("markets", "Markets", Some("business")),
    ("tech", "Tech", None),
    ("science", "Science", None),
    ("climate", "Climate", None),
    ("culture", "Culture", None),
    ("sport", "Sport", None),
];

const TOPICS: &[&str] = &[
    "budget",
    "election",
    "transit",
    "housing",
    "energy",
    "water",
    "schools",
    "hospitals",
    "ports",
    "rail",
    "wages",
    "tariffs",
    "startups",
    "satellites",
    "vaccines",
    "drought",
    "floods",
    "wildfires",
    "museums",
    "festivals",
    "football",
    "tennis",
    "cycling",
    "chess",
    "courts",
    "parliament",
    "taxes",
    "pensions",
    "farming",
    "fisheries",
    "shipping",
    "aviation",
    "tourism",
    "banking",
    "currency",
    "inflation",
    "jobs",
    "batteries",
    "chips",
    "robots",
    "privacy",
    "broadband",
    "bridges",
    "forests",
    "oceans",
    "glaciers",
    "libraries",
    "theatre",
    "cinema",
    "music",
];

const QUALIFIERS: &[&str] = &[
    "regional", "national", "urban", "rural", "coastal", "northern", "southern", "public", "private",
    "digital", "green", "local",
];

const PLACES: &[&str] = &[
    "Tel-Aviv, Israel",
    "Haifa, Israel",
    "Amman, Jordan",
    "Cairo, Egypt",
    "Athens, Greece",
    "Lisbon, Portugal",
    "Warsaw, Poland",
    "Oslo, Norway",
    "Nairobi, Kenya",
    "Lagos, Nigeria",
    "Lima, Peru",
    "Bogota, Colombia",
    "Montreal, Canada",
    "Denver, United States",
    "Osaka, Japan",
    "Seoul, South Korea",
    "Jakarta, Indonesia",
    "Melbourne, Australia",
    "Reykjavik, Iceland",
    "Tallinn, Estonia",
];

const VERBS: &[&str] = &[
    "expands", "delays", "approves", "rethinks", "tests", "funds", "reopens", "limits", "doubles", "reviews",
    "launches", "pauses",
];

const FIRST: &[&str] = &[
    "Maya", "Yosef", "Lina", "Tomas", "Aiko", "Kwame", "Sofia", "Rafael", "Noa", "Ingrid", "Omar", "Priya",
    "Daniel", "Ewa", "Mateo", "Hana", "Lars", "Amara", "Chen", "Talia",
];

const LAST: &[&str] = &[
    "Adler",
    "Barak",
    "Costa",
    "Dahl",
    "Eze",
    "Fischer",
    "Goren",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Mendes",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quinn",
    "Rossi",
    "Sato",
    "Tal",
];

/// Words the generated prose is made of, in the order `pick` indexes them. One string rather
/// than a list of literals: some words ("open", "published") are also status names, which
/// are spelled only in `content::status`.
const PROSE: &str = "\
the city council said on plan would new after years of debate and officials expect costs \
to rise residents who have waited for changes in the district while critics argue that \
proposal leaves questions about funding open a report published this week found most \
households support measure but many worry timing minister told reporters government will \
review figures next month before final vote local businesses welcomed decision analysts \
noted similar projects elsewhere took longer than planned engineers began work early \
morning traffic was diverted around site people gathered outside building as results \
were announced data show steady growth since spring experts caution against reading too \
much into single quarter agency confirmed it had received complaints from several groups \
company spokesperson declined comment further details are expected later today schools \
hospitals roads will benefit first according documents seen by our reporters committee \
met behind closed doors negotiations continued late into night both sides described \
talks as constructive prices fell slightly demand remained strong region recorded its \
highest level decade scientists collected samples across coast team plans publish \
findings volunteers helped clear streets storm passed overnight power was restored most \
homes by noon";

static WORDS: std::sync::LazyLock<Vec<&'static str>> =
    std::sync::LazyLock::new(|| PROSE.split_whitespace().collect());

/// Syllables of the made-up names that tie a story together.
const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ra", "de", "vo", "sun", "tel", "ba", "ri", "no", "ze", "pa", "qua", "li", "mor", "en",
    "ti", "sha", "gu", "fe", "ol", "dra", "ny",
];

/// What the articles of one story share.
struct Story {
    id: u64,
    left: u32,
    names: [String; 2],
    topic: &'static str,
    place: &'static str,
    section: i64,
    tags: Vec<i64>,
    center: NaiveDateTime,
}

fn made_up_name(rng: &mut ChaCha8Rng, syllables: usize) -> String {
    let name: String = (0..syllables).map(|_| pick(rng, SYLLABLES)).collect();
    capitalise(&name)
}

impl Story {
    fn new(
        rng: &mut ChaCha8Rng,
        id: u64,
        anchor: NaiveDateTime,
        section_ids: &[i64],
        tag_ids: &[i64],
    ) -> Story {
        let mut tags = vec![tag_ids[skewed(rng, tag_ids.len())]];
        let second = tag_ids[rng.random_range(0..tag_ids.len())];
        if second != tags[0] {
            tags.push(second);
        }
        Story {
            id,
            left: rng.random_range(6..=12),
            names: [made_up_name(rng, 4), made_up_name(rng, 3)],
            topic: pick(rng, TOPICS),
            place: pick(rng, PLACES),
            section: section_ids[skewed(rng, section_ids.len()).min(section_ids.len() - 1)],
            tags,
            center: anchor - Duration::seconds(rng.random_range(0..5 * 365 * 86_400)),
        }
    }
}

const SUBHEADINGS: &[&str] = &[
    "What happened",
    "Why it matters",
    "What comes next",
    "The numbers",
    "How we got here",
    "What people are saying",
    "The wider picture",
    "Open questions",
];

pub fn generate(db: &Db, options: &Options) -> Result<Report, AppError> {
    let started = Instant::now();
    let existing = db.run_blocking(|c| Ok(crate::db::articles::count_all(c)?))?;
    if existing > 0 && !options.append {
        return Err(AppError::invalid(
            "--append",
            format!(
                "the database already holds {existing} articles (an earlier or interrupted run?): \
                 use a fresh database, or pass --append to add {} more",
                options.articles
            ),
        ));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let now = crate::service::Clock::default().now();
    // Dates are laid out backwards from a fixed day, so a seed always gives the same data.
    let anchor = NaiveDate::from_ymd_opt(2026, 11, 1)
        .and_then(|d| d.and_hms_opt(6, 0, 0))
        .expect("valid date");

    let mut tag_names: HashMap<i64, String> = HashMap::new();
    let mut author_names: HashMap<i64, String> = HashMap::new();
    let (section_ids, tag_ids, author_ids) = db.run_blocking(|c| {
        c.transaction(|c| {
            let mut section_ids: Vec<i64> = Vec::new();
            for (position, (slug, name, parent)) in SECTIONS.iter().enumerate() {
                let parent_id = parent.map(|p| {
                    let index = SECTIONS
                        .iter()
                        .position(|s| s.0 == p)
                        .expect("parent listed first");
                    section_ids[index]
                });
                section_ids.push(w::ensure_section(
                    c,
                    &w::NewSection {
                        slug: (*slug).into(),
                        name: (*name).into(),
                        description: format!("News about {}", name.to_lowercase()),
                        parent_id,
                        position: position as i32,
                        created_at: now,
                        updated_at: now,
                    },
                )?);
            }
            let mut tag_ids = Vec::new();
            for q in QUALIFIERS {
                for t in TOPICS {
                    let name = format!("{} {}", capitalise(q), t);
                    let id = w::ensure_tag(
                        c,
                        &w::NewTag {
                            slug: slugify(&name),
                            name: name.clone(),
                            description: String::new(),
                            created_at: now,
                            updated_at: now,
                        },
                    )?;
                    tag_names.insert(id, name);
                    tag_ids.push(id);
                }
            }
            let mut author_ids = Vec::new();
            for (i, first) in FIRST.iter().enumerate() {
                for last in LAST.iter().skip(i % 3).step_by(7) {
                    let name = format!("{first} {last}");
                    let id = w::ensure_author(
                        c,
                        &w::NewAuthor {
                            slug: slugify(&name),
                            title: "Staff writer".into(),
                            bio: format!("{name} reports for the newsroom."),
                            avatar_url: None,
                            name: name.clone(),
                            created_at: now,
                            updated_at: now,
                        },
                    )?;
                    author_names.insert(id, name);
                    author_ids.push(id);
                }
            }
            Ok::<_, AppError>((section_ids, tag_ids, author_ids))
        })
    })?;

    // A bar with rate and ETA on a terminal; a line every few seconds in a log.
    let on_terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let bar = if on_terminal {
        ProgressBar::new(options.articles)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {wide_bar} {pos}/{len} articles ({per_sec}, eta {eta})")
            .expect("valid template"),
    );
    let mut last_line = Instant::now();
    if !on_terminal {
        eprintln!(
            "seeding {} articles; each batch of {BATCH} is committed, and Ctrl-C stops after the one being written",
            options.articles
        );
    }
    const BATCH: u64 = 1000;
    let mut done = 0;
    let mut story: Option<Story> = None;
    let mut stories = 0;
    let mut labels = match &options.labels {
        Some(path) => Some(std::io::BufWriter::new(
            std::fs::File::create(path).map_err(AppError::internal)?,
        )),
        None => None,
    };
    let stopped = || {
        options
            .stop
            .as_ref()
            .is_some_and(|s| s.load(std::sync::atomic::Ordering::SeqCst))
    };
    while done < options.articles && !stopped() {
        let count = BATCH.min(options.articles - done);
        db.run_blocking(|c| {
            c.transaction(|c| {
                let (first_article, first_media) = w::next_ids(c)?;
                let mut batch = ArticleBatch::default();
                for i in 0..count as i64 {
                    let ctx = Ids {
                        article: first_article + i,
                        media: first_media + i,
                    };
                    if options.stories && story.as_ref().is_none_or(|s| s.left == 0) {
                        stories += 1;
                        story = Some(Story::new(&mut rng, stories, anchor, &section_ids, &tag_ids));
                    }
                    let current = story.as_mut().filter(|_| options.stories);
                    article(
                        &mut rng,
                        ctx,
                        options,
                        anchor,
                        now,
                        &section_ids,
                        &tag_ids,
                        &author_ids,
                        current,
                        &mut batch,
                    );
                    if let (Some(s), Some(out)) =
                        (story.as_ref().filter(|_| options.stories), labels.as_mut())
                    {
                        use std::io::Write as _;
                        let slug = &batch.articles.last().expect("just added").columns.slug;
                        writeln!(out, "{slug},{}", s.id).map_err(AppError::internal)?;
                    }
                }
                w::insert_batch(c, &batch)?;
                if options.views {
                    let buckets = views(&mut rng, &batch, now);
                    crate::db::discovery::add_views(c, &buckets)?;
                }
                w::sync_id_sequences(c)?;
                crate::service::search::index_batch(c, &batch, &tag_names, &author_names)?;
                Ok::<_, AppError>(())
            })
        })?;
        done += count;
        bar.set_position(done);
        if !on_terminal
            && (last_line.elapsed() >= std::time::Duration::from_secs(5) || done == options.articles)
        {
            last_line = Instant::now();
            let rate = done as f64 / started.elapsed().as_secs_f64().max(0.001);
            let eta = (options.articles - done) as f64 / rate.max(0.001);
            eprintln!(
                "seeded {done}/{} articles ({rate:.0}/s, eta {eta:.0} s)",
                options.articles
            );
        }
    }
    bar.finish_and_clear();
    db.run_blocking(|c| Ok(w::analyze(c)?))?;
    Ok(Report {
        articles: done,
        elapsed: started.elapsed(),
        backend: db.backend(),
        interrupted: (done < options.articles).then_some(options.articles),
    })
}

#[derive(Clone, Copy)]
struct Ids {
    article: i64,
    media: i64,
}

/// Picks an index in `0..n` with a long tail: low indexes are far more common, as a few tags
/// are on many stories and most on few.
fn skewed(rng: &mut ChaCha8Rng, n: usize) -> usize {
    let u: f64 = rng.random();
    ((u.powi(3)) * n as f64) as usize % n
}

fn pick<'a>(rng: &mut ChaCha8Rng, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn sentence(rng: &mut ChaCha8Rng, words: &mut u32) -> String {
    sentence_upto(rng, words, u32::MAX)
}

/// Readers' views of some of a batch's published articles, in hourly buckets over the 30
/// days before `now`: (hour, article id, views).
fn views(rng: &mut ChaCha8Rng, batch: &ArticleBatch, now: NaiveDateTime) -> Vec<(NaiveDateTime, i64, i64)> {
    use chrono::DurationRound;
    let hour = now.duration_trunc(Duration::hours(1)).unwrap_or(now);
    let mut out = Vec::new();
    for a in batch
        .articles
        .iter()
        .filter(|a| a.status == ArticleStatus::Published)
    {
        if !rng.random_bool(0.02) {
            continue;
        }
        let popularity = 1 + skewed(rng, 500) as i64;
        let mut hours: Vec<i64> = (0..rng.random_range(1..40))
            .map(|_| rng.random_range(0..30 * 24))
            .collect();
        hours.sort_unstable();
        hours.dedup();
        for h in hours {
            out.push((
                hour - Duration::hours(h),
                a.id,
                popularity + rng.random_range(0..popularity),
            ));
        }
    }
    out
}

/// A sentence of 8 to 19 words, or fewer if only `room` words are left.
fn sentence_upto(rng: &mut ChaCha8Rng, words: &mut u32, room: u32) -> String {
    let len = rng.random_range(8..20).min(room.max(1) as usize);
    let mut s = String::with_capacity(len * 7);
    for i in 0..len {
        let word = pick(rng, &WORDS);
        if i == 0 {
            s.push_str(&capitalise(word));
        } else {
            s.push(' ');
            s.push_str(word);
        }
    }
    s.push('.');
    *words += len as u32;
    s
}

fn word_len(s: &str) -> u32 {
    s.split_whitespace().count() as u32
}

#[allow(clippy::too_many_arguments)]
fn article(
    rng: &mut ChaCha8Rng,
    ids: Ids,
    options: &Options,
    anchor: NaiveDateTime,
    now: NaiveDateTime,
    section_ids: &[i64],
    tag_ids: &[i64],
    author_ids: &[i64],
    story: Option<&mut Story>,
    batch: &mut ArticleBatch,
) {
    let topic = story.as_ref().map_or_else(|| pick(rng, TOPICS), |s| s.topic);
    let place = story.as_ref().map_or_else(|| pick(rng, PLACES), |s| s.place);
    let city = place.split(',').next().unwrap_or(place);
    let names = story.as_ref().map(|s| s.names.clone());
    let title = match &names {
        Some([a, b]) => format!("{a} {topic}: {b} {} {city} plan", pick(rng, VERBS)),
        None => format!(
            "{} {} {} plan for {}",
            city,
            pick(rng, QUALIFIERS),
            topic,
            pick(rng, VERBS)
        ),
    };
    let title = capitalise(&title);
    // Story prose names its people and projects now and then, as news does.
    let prose = |rng: &mut ChaCha8Rng, words: &mut u32, room: u32| match &names {
        Some(n) if room >= 2 && rng.random_bool(0.3) => {
            let text = sentence_upto(rng, words, room - 1);
            *words += 1;
            let name = &n[rng.random_range(0..2)];
            match text.split_once(' ') {
                Some((first, rest)) => format!("{first} {name} {rest}"),
                None => format!("{name} {text}"),
            }
        }
        _ => sentence_upto(rng, words, room),
    };
    let deck = format!(
        "{} {}",
        prose(rng, &mut 0, u32::MAX),
        prose(rng, &mut 0, u32::MAX)
    );

    // Every word counted here is one `content::word_count` will count, so bodies land in
    // the requested range.
    let target = rng.random_range(options.body_words.0..=options.body_words.1);
    let dateline = format!("{} \u{2014} ", city.to_uppercase());
    let mut words = word_len(&dateline);
    let room = target.saturating_sub(words);
    let first = prose(rng, &mut words, room);
    let excerpt = first.clone();
    let mut blocks = vec![Block::Paragraph {
        content: vec![Inline::marked(dateline, vec![Mark::Bold]), Inline::plain(first)],
    }];
    let mut since_heading = 1;
    let mut listed = false;
    while words < target {
        let room = target - words;
        if since_heading >= 3 && room > 30 {
            let heading = pick(rng, SUBHEADINGS);
            words += word_len(heading);
            blocks.push(Block::heading(2, heading));
            since_heading = 0;
            if !listed {
                let items: Vec<String> = (0..rng.random_range(3..6))
                    .map(|_| sentence_upto(rng, &mut words, 12))
                    .collect();
                blocks.push(Block::bullets(items));
                listed = true;
            }
            continue;
        }
        let mut text = Vec::new();
        for _ in 0..rng.random_range(2..5) {
            if words >= target {
                break;
            }
            let room = target - words;
            text.push(prose(rng, &mut words, room));
        }
        blocks.push(Block::paragraph(text.join(" ")));
        since_heading += 1;
    }

    // About 2% drafts, 1% scheduled, 1% archived; the rest published over five years.
    let roll: f64 = rng.random();
    let offset = Duration::seconds(rng.random_range(0..5 * 365 * 86_400));
    let published = match &story {
        Some(s) => s.center + Duration::seconds(rng.random_range(-10 * 86_400..10 * 86_400)),
        None => anchor - offset,
    };
    let (status, published_at) = if roll < 0.02 {
        (ArticleStatus::Draft, None)
    } else if roll < 0.03 {
        (
            ArticleStatus::Scheduled,
            Some(now + Duration::days(30) + offset / 100),
        )
    } else if roll < 0.04 {
        (ArticleStatus::Archived, Some(published))
    } else {
        (ArticleStatus::Published, Some(published))
    };
    let created = published_at.map_or(anchor, |p| p.min(anchor)) - Duration::hours(2);

    let mut section = section_ids[skewed(rng, section_ids.len()).min(section_ids.len() - 1)];
    let mut tags: Vec<i64> = Vec::new();
    if let Some(s) = story {
        s.left -= 1;
        if rng.random_bool(0.9) {
            section = s.section;
        }
        for &t in &s.tags {
            if tags.is_empty() || rng.random_bool(0.6) {
                tags.push(t);
            }
        }
    }
    for _ in 0..rng.random_range(2..6) {
        let tag = tag_ids[skewed(rng, tag_ids.len())];
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    let mut authors = vec![author_ids[skewed(rng, author_ids.len())]];
    if rng.random_bool(0.2) {
        let second = author_ids[rng.random_range(0..author_ids.len())];
        if second != authors[0] {
            authors.push(second);
        }
    }

    batch.media.push(w::NewMedia {
        id: ids.media,
        url: format!("https://picsum.photos/seed/m{}/1200/675", ids.media),
        alt: format!("{} in {}", capitalise(topic), city),
        caption: sentence(rng, &mut 0),
        credit: format!("Photo: {} {}", pick(rng, FIRST), pick(rng, LAST)),
        width: Some(1200),
        height: Some(675),
        created_at: created,
        updated_at: created,
    });
    for (position, tag) in tags.into_iter().enumerate() {
        batch.tags.push(w::NewArticleTag {
            article_id: ids.article,
            tag_id: tag,
            position: position as i32,
        });
    }
    for (position, author) in authors.into_iter().enumerate() {
        batch.authors.push(w::NewArticleAuthor {
            article_id: ids.article,
            author_id: author,
            position: position as i32,
            role: None,
        });
    }
    let draft = ArticleDraft {
        id: ids.article,
        slug: format!("{}-{}", slugify(&title), ids.article),
        title,
        subtitle: deck,
        dateline: place.to_owned(),
        excerpt,
        status,
        published_at,
        section_id: section,
        featured_media_id: Some(ids.media),
        blocks,
    };
    batch
        .articles
        .push(draft.into_row(created, published_at.unwrap_or(created).max(created)));
}
