//! What one GraphQL request may cost. A query is priced before it runs, with each list
//! counted as the items it asks for (`first`, or a default for lists without one), so that
//! a short query nesting `first: 100` five times is refused at once instead of building a
//! response of hundreds of megabytes. While it runs, the values it resolves are counted too,
//! as a second line should an estimate be wrong. Aliases and directives are counted once the
//! document is parsed, and no string in it or in its variables may carry a control character.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextResolve, NextValidation, ResolveInfo,
};
use async_graphql::parser::types::{ExecutableDocument, Field, Selection, SelectionSet};
use async_graphql::{Pos, ServerError, ServerResult, ValidationResult, Value, Variables};

use crate::content::controls;

/// Items a list without a size argument is priced at (tags, bylines, sub-sections...).
pub const LIST_ESTIMATE: usize = 10;
/// The largest page of a connection that sits inside a list item (`tags { articles }`): each
/// item asks again, so the page is kept small.
pub const NESTED_PAGE_MAX: i32 = 10;

#[derive(Debug, Clone)]
pub struct GraphqlLimits {
    /// The highest price a query may have (each field costs 1, lists multiply).
    pub max_cost: usize,
    /// The most fields one response may resolve.
    pub max_fields: usize,
    pub max_depth: usize,
    pub max_aliases: usize,
    pub max_directives: usize,
}

impl Default for GraphqlLimits {
    fn default() -> Self {
        GraphqlLimits {
            max_cost: 25_000,
            max_fields: 50_000,
            max_depth: 16,
            max_aliases: 30,
            max_directives: 50,
        }
    }
}

/// The price of a page: what one item costs, times the items asked for.
pub fn page_cost(first: impl Into<Option<i32>>, default: i32, child: usize) -> usize {
    let items = first.into().unwrap_or(default).clamp(0, 10_000) as usize;
    items.saturating_mul(child).saturating_add(1)
}

/// The price of a list that takes no size argument.
pub fn list_cost(child: usize) -> usize {
    LIST_ESTIMATE.saturating_mul(child).saturating_add(1)
}

fn refusal(code: &str, message: String) -> ServerError {
    let mut error = ServerError::new(message, None);
    let mut extensions = async_graphql::ErrorExtensionValues::default();
    extensions.set("code", code);
    error.extensions = Some(extensions);
    error
}

pub struct Guard(pub GraphqlLimits);

impl ExtensionFactory for Guard {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(GuardExtension {
            limits: self.0.clone(),
            resolved: AtomicUsize::new(0),
        })
    }
}

/// One per request.
struct GuardExtension {
    limits: GraphqlLimits,
    resolved: AtomicUsize,
}

#[async_graphql::async_trait::async_trait]
impl Extension for GuardExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        for (name, value) in variables.iter() {
            check_value(value, &format!("${name}"))?;
        }
        let document = next.run(ctx, query, variables).await?;
        let mut tally = Tally::default();
        for (_, operation) in document.operations.iter() {
            tally.directives += operation.node.directives.len();
            tally.selection_set(&operation.node.selection_set.node)?;
        }
        for fragment in document.fragments.values() {
            tally.directives += fragment.node.directives.len();
            tally.selection_set(&fragment.node.selection_set.node)?;
        }
        if tally.aliases > self.limits.max_aliases {
            return Err(refusal(
                "TOO_MANY_ALIASES",
                format!(
                    "the query has {} aliases and the limit is {}",
                    tally.aliases, self.limits.max_aliases
                ),
            ));
        }
        if tally.directives > self.limits.max_directives {
            return Err(refusal(
                "TOO_MANY_DIRECTIVES",
                format!(
                    "the query has {} directives and the limit is {}",
                    tally.directives, self.limits.max_directives
                ),
            ));
        }
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        if result.complexity > self.limits.max_cost {
            return Err(vec![{
                let mut e = refusal(
                    "QUERY_TOO_COSTLY",
                    format!(
                        "the query costs {} and the limit is {}: each field costs 1 and a list \
                         multiplies what it holds by its size (first:, or {LIST_ESTIMATE} for lists \
                         without one); ask for fewer items or fewer nested lists",
                        result.complexity, self.limits.max_cost
                    ),
                );
                if let Some(ext) = e.extensions.as_mut() {
                    ext.set("cost", result.complexity as u64);
                    ext.set("limit", self.limits.max_cost as u64);
                }
                e
            }]);
        }
        if result.depth > self.limits.max_depth {
            return Err(vec![refusal(
                "QUERY_TOO_DEEP",
                format!(
                    "the query nests {} levels and the limit is {}",
                    result.depth, self.limits.max_depth
                ),
            )]);
        }
        Ok(result)
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let resolved = self.resolved.fetch_add(1, Ordering::Relaxed) + 1;
        if resolved > self.limits.max_fields {
            let mut e = refusal(
                "RESPONSE_TOO_LARGE",
                format!(
                    "the response would hold more than {} fields; ask for fewer items",
                    self.limits.max_fields
                ),
            );
            e.path = Vec::new();
            return Err(e);
        }
        next.run(ctx, info).await
    }
}

#[derive(Default)]
struct Tally {
    aliases: usize,
    directives: usize,
}

impl Tally {
    fn selection_set(&mut self, set: &SelectionSet) -> ServerResult<()> {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    self.aliases += usize::from(field.alias.is_some());
                    self.directives += field.directives.len();
                    for (name, value, pos) in literals(field) {
                        check_argument(&value, &name, pos)?;
                    }
                    self.selection_set(&field.selection_set.node)?;
                }
                Selection::FragmentSpread(spread) => {
                    self.directives += spread.node.directives.len();
                }
                Selection::InlineFragment(inline) => {
                    self.directives += inline.node.directives.len();
                    self.selection_set(&inline.node.selection_set.node)?;
                }
            }
        }
        Ok(())
    }
}

/// The literal arguments of a field and its directives; variables in them read as null
/// (they are checked as given).
fn literals(field: &Field) -> Vec<(String, Value, Pos)> {
    field
        .arguments
        .iter()
        .chain(field.directives.iter().flat_map(|d| d.node.arguments.iter()))
        .map(|(name, value)| {
            let constant = value
                .node
                .clone()
                .into_const_with(|_| Ok::<_, std::convert::Infallible>(Value::Null))
                .unwrap_or(Value::Null);
            (name.node.to_string(), constant, value.pos)
        })
        .collect()
}

fn check_argument(value: &Value, name: &str, pos: Pos) -> ServerResult<()> {
    check_value(value, name).map_err(|mut e| {
        e.locations = vec![pos];
        e
    })
}

/// Every string of an argument or variable, object keys included, free of control
/// characters.
fn check_value(value: &Value, name: &str) -> ServerResult<()> {
    match value {
        Value::String(s) => match controls::forbidden_in(s) {
            Some(c) => {
                let mut e = refusal("INVALID_PARAMETER", controls::message(name, c));
                if let Some(ext) = e.extensions.as_mut() {
                    ext.set("parameter", name.trim_start_matches('$'));
                }
                Err(e)
            }
            None => Ok(()),
        },
        Value::List(items) => items.iter().try_for_each(|v| check_value(v, name)),
        Value::Object(map) => map.values().try_for_each(|v| check_value(v, name)),
        _ => Ok(()),
    }
}

/// Whether the field being resolved sits inside an item of a list: a connection there is
/// asked for once per item.
pub fn inside_list(ctx: &async_graphql::Context<'_>) -> bool {
    let mut node = ctx.path_node.as_ref().and_then(|n| n.parent);
    while let Some(n) = node {
        if matches!(n.segment, async_graphql::QueryPathSegment::Index(_)) {
            return true;
        }
        node = n.parent;
    }
    false
}
