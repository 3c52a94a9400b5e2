//! Paging of list answers, as the paged interfaces document it (offset and size,
//! or page number and size). An interface the model holds no data for answers a
//! list of [`GENERIC_ITEMS`] distinct items made from the spec's sample item, sliced
//! by the request's page fields, so a client can page through it. A list the model
//! builds (the dialer's call results) is paged by the model.

use serde_json::Value;

use crate::api::{Reply, Req, Route};

/// How an interface is paged (generated from the spec, as the clients' paginators are).
#[derive(Debug)]
pub struct SimPaging {
    /// Interface id.
    pub id: &'static str,
    /// Where the page size is: `("body" | "query", path)`.
    pub size: (&'static str, &'static [&'static str]),
    /// Where the page position is.
    pub pos: (&'static str, &'static [&'static str]),
    /// `None`: the position is an item offset; `Some(n)`: a page number, the first page being `n`.
    pub first_page: Option<i64>,
    /// Path of the list in the answer.
    pub items: &'static [&'static str],
    /// Path of the total in the answer, when documented.
    pub total: Option<&'static [&'static str]>,
}

/// Items in the list of an interface the model holds no data for.
pub const GENERIC_ITEMS: usize = 11;

fn number(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn read(req: &Req, at: (&str, &[&str])) -> Option<i64> {
    match at {
        ("query", [name]) => req.query(name).and_then(|v| v.trim().parse().ok()),
        (_, path) => {
            let mut cur = &req.body;
            for p in path {
                cur = cur.get(*p)?;
            }
            number(cur)
        }
    }
}

fn at_mut<'a>(v: &'a mut Value, path: &[&str]) -> Option<&'a mut Value> {
    let mut cur = v;
    for p in path {
        cur = cur.get_mut(*p)?;
    }
    Some(cur)
}

/// Item `n` of a generic list: the sample item with its first text (or number) changed.
fn nth(sample: &Value, n: usize) -> Value {
    let mut v = sample.clone();
    match &mut v {
        Value::String(s) => s.push_str(&format!("-{n}")),
        Value::Number(_) => v = Value::from(n as u64 + 1),
        Value::Object(o) => {
            if let Some(s) = o.values_mut().find_map(|x| if let Value::String(s) = x { Some(s) } else { None }) {
                s.push_str(&format!("-{n}"));
            } else if let Some(x) = o.values_mut().find(|x| x.is_number()) {
                *x = Value::from(n as u64 + 1);
            } else {
                o.insert("simItem".into(), Value::from(n as u64));
            }
        }
        _ => {}
    }
    v
}

/// Pages a list answer by the request's page fields.
pub(crate) fn apply(route: &Route, req: &Req, reply: Reply) -> Reply {
    let Some(p) = crate::generated::PAGING.iter().find(|p| p.id == route.id()) else {
        return reply;
    };
    let Reply::Json(mut v, headers) = reply else {
        return reply;
    };
    // A list the model built is paged by the model itself (the dialer's results).
    let generic = serde_json::from_str::<Value>(route.success).is_ok_and(|s| s == v);
    if !generic {
        return Reply::Json(v, headers);
    }
    let Some(Value::Array(list)) = at_mut(&mut v, p.items) else {
        return Reply::Json(v, headers);
    };
    if let Some(first) = list.first().cloned() {
        *list = (0..GENERIC_ITEMS).map(|n| nth(&first, n)).collect();
    }
    let total = list.len();
    let size = read(req, p.size).and_then(|n| usize::try_from(n).ok()).filter(|n| *n > 0).unwrap_or(total.max(1));
    let offset = match p.first_page {
        None => read(req, p.pos).and_then(|n| usize::try_from(n).ok()).unwrap_or(0),
        Some(first) => {
            let page = read(req, p.pos).unwrap_or(first).saturating_sub(first);
            usize::try_from(page).unwrap_or(0).saturating_mul(size)
        }
    };
    let page: Vec<Value> = list.iter().skip(offset).take(size).cloned().collect();
    *list = page;
    if let Some(path) = p.total
        && let Some(t) = at_mut(&mut v, path)
    {
        *t = if t.is_string() { Value::from(total.to_string()) } else { Value::from(total as u64) };
    }
    Reply::Json(v, headers)
}
