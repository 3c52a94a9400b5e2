//! Paginators: every paged interface's builder turns into a [`Paginator`]
//! (`builder.into_paginator()`), which sends one request per page and yields the
//! pages ([`Paginator::pages`]) or their items ([`Paginator::items`]) as a `Stream`.
//!
//! The generated code says, per interface, how a page is asked for (offset and
//! size, or page number and size, in the body or the query), where the items and
//! the total are in the answer ([`Paged`]). The paginator stops at the first short
//! or empty page, when the total is reached, or at the `limit` of items; a page
//! identical to the one before (an NE that ignores the offset) ends the stream with
//! an error instead of looping forever.

use std::future::Future;
use std::pin::Pin;

use futures_core::Stream;

use crate::error::{Error, ErrorKind};

/// A count from the NE (a total, a page size), whatever its wire type.
pub trait Count {
    /// The count, when it is a non-negative integer.
    fn as_count(&self) -> Option<u64>;
}

impl Count for i64 {
    fn as_count(&self) -> Option<u64> {
        u64::try_from(*self).ok()
    }
}

impl Count for String {
    fn as_count(&self) -> Option<u64> {
        self.trim().parse().ok()
    }
}

impl Count for serde_json::Number {
    fn as_count(&self) -> Option<u64> {
        self.as_u64()
    }
}

/// [`Count::as_count`] as a function (for generated code).
pub fn count<T: Count + ?Sized>(v: &T) -> Option<u64> {
    v.as_count()
}

/// A future of one page.
pub type PageFuture<P, E> = Pin<Box<dyn Future<Output = Result<P, E>> + Send>>;

/// A request builder of a paged interface (implemented by generated code).
pub trait Paged: Clone + Send + 'static {
    /// The answer of one request.
    type Page: PartialEq + Clone + Send + 'static;
    /// One item of a page.
    type Item: Clone + Send + 'static;
    /// The NE crate's error.
    type Error: From<Error> + Send + 'static;

    /// Asks for page `index` (from 0) of `size` items.
    fn set_page(&mut self, index: u64, size: u64);
    /// The page size the caller set on the builder, if any.
    fn requested_size(&self) -> Option<u64>;
    /// Sends the request.
    fn send_page(self) -> PageFuture<Self::Page, Self::Error>;
    /// The items of a page.
    fn items(page: &Self::Page) -> Vec<Self::Item>;
    /// The total number of items, when the NE says it.
    fn total(page: &Self::Page) -> Option<u64>;
}

/// Pages through a paged interface. Nothing is sent until the stream is polled.
#[derive(Debug, Clone)]
#[must_use = "a paginator does nothing until its stream is polled"]
pub struct Paginator<B> {
    builder: B,
    page_size: u64,
    limit: Option<u64>,
}

impl<B: Paged> Paginator<B> {
    /// A paginator with the page size set on the builder, else `default_size`.
    pub fn new(builder: B, default_size: u64) -> Self {
        let page_size = builder.requested_size().filter(|n| *n > 0).unwrap_or(default_size).max(1);
        Paginator { builder, page_size, limit: None }
    }

    /// Items per page (within the interface's documented range).
    pub fn page_size(mut self, n: u64) -> Self {
        self.page_size = n.max(1);
        self
    }

    /// Stops after `n` items in all.
    pub fn limit(mut self, n: u64) -> Self {
        self.limit = Some(n);
        self
    }

    /// The pages, one request each (`Unpin`: `.next().await` works on it as it is).
    pub fn pages(self) -> impl Stream<Item = Result<B::Page, B::Error>> + Send + Unpin {
        struct St<B: Paged> {
            builder: B,
            size: u64,
            limit: Option<u64>,
            index: u64,
            seen: u64,
            previous: Option<B::Page>,
            done: bool,
        }
        let st = St {
            builder: self.builder,
            size: self.page_size,
            limit: self.limit,
            index: 0,
            seen: 0,
            previous: None,
            done: false,
        };
        Box::pin(futures_util::stream::unfold(st, |mut st| async move {
            if st.done || st.limit.is_some_and(|l| st.seen >= l) {
                return None;
            }
            let mut b = st.builder.clone();
            b.set_page(st.index, st.size);
            let page = match b.send_page().await {
                Ok(p) => p,
                Err(e) => {
                    st.done = true;
                    return Some((Err(e), st));
                }
            };
            let n = B::items(&page).len() as u64;
            if n > 0 && st.previous.as_ref() == Some(&page) {
                st.done = true;
                let e = Error::new(
                    ErrorKind::Decode,
                    format!(
                        "page {} repeats page {} (the NE ignored the page position): stopping instead of looping",
                        st.index + 1,
                        st.index
                    ),
                )
                .with_sent(crate::error::Sent::Yes);
                return Some((Err(e.into()), st));
            }
            st.seen += n;
            st.index += 1;
            let total_reached = B::total(&page).is_some_and(|t| st.index * st.size >= t);
            st.done = n < st.size || total_reached;
            if !st.done {
                st.previous = Some(page.clone());
            }
            Some((Ok(page), st))
        }))
    }

    /// The items of every page, in order, at most `limit` (`Unpin`, as [`Self::pages`]).
    pub fn items(self) -> impl Stream<Item = Result<B::Item, B::Error>> + Send + Unpin {
        let limit = self.limit;
        let pages = self.pages();
        let st = (pages, std::collections::VecDeque::<B::Item>::new(), 0u64, false);
        Box::pin(futures_util::stream::unfold(st, move |(mut pages, mut buf, mut n, mut done)| async move {
            loop {
                if limit.is_some_and(|l| n >= l) {
                    return None;
                }
                if let Some(item) = buf.pop_front() {
                    n += 1;
                    return Some((Ok(item), (pages, buf, n, done)));
                }
                if done {
                    return None;
                }
                match futures_util::StreamExt::next(&mut pages).await {
                    Some(Ok(page)) => buf.extend(B::items(&page)),
                    Some(Err(e)) => {
                        done = true;
                        return Some((Err(e), (pages, buf, n, done)));
                    }
                    None => done = true,
                }
            }
        }))
    }

    /// Every item, collected (at most `limit`); the first error ends it.
    pub async fn collect_items(self) -> Result<Vec<B::Item>, B::Error> {
        let mut out = Vec::new();
        let mut items = self.items();
        while let Some(item) = futures_util::StreamExt::next(&mut items).await {
            out.push(item?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// An in-memory paged interface over `data`; `ignore_offset` plays an NE that
    /// always answers the first page.
    #[derive(Clone)]
    struct Fake {
        data: Arc<Vec<u32>>,
        offset: u64,
        size: u64,
        ignore_offset: bool,
        total: bool,
        sent: Arc<Mutex<u32>>,
    }

    #[derive(Clone, PartialEq, Debug)]
    struct Page {
        items: Vec<u32>,
        total: Option<u64>,
    }

    impl Paged for Fake {
        type Page = Page;
        type Item = u32;
        type Error = Error;
        fn set_page(&mut self, index: u64, size: u64) {
            self.offset = index * size;
            self.size = size;
        }
        fn requested_size(&self) -> Option<u64> {
            None
        }
        fn send_page(self) -> PageFuture<Page, Error> {
            *self.sent.lock().unwrap_or_else(|e| e.into_inner()) += 1;
            let start = if self.ignore_offset { 0 } else { self.offset as usize };
            let items: Vec<u32> = self.data.iter().skip(start).take(self.size as usize).copied().collect();
            let total = self.total.then_some(self.data.len() as u64);
            Box::pin(async move { Ok(Page { items, total }) })
        }
        fn items(page: &Page) -> Vec<u32> {
            page.items.clone()
        }
        fn total(page: &Page) -> Option<u64> {
            page.total
        }
    }

    fn fake(n: u32, ignore_offset: bool, total: bool) -> Fake {
        Fake { data: Arc::new((1..=n).collect()), offset: 0, size: 0, ignore_offset, total, sent: Arc::default() }
    }

    #[tokio::test]
    async fn pages_until_a_short_page() {
        let f = fake(7, false, false);
        let items = Paginator::new(f.clone(), 3).collect_items().await.unwrap();
        assert_eq!(items, (1..=7).collect::<Vec<_>>());
        assert_eq!(*f.sent.lock().unwrap(), 3, "3 + 3 + 1");
    }

    #[tokio::test]
    async fn the_total_saves_the_last_empty_request() {
        let f = fake(6, false, true);
        let items = Paginator::new(f.clone(), 2).collect_items().await.unwrap();
        assert_eq!(items.len(), 6);
        assert_eq!(*f.sent.lock().unwrap(), 3, "no fourth request once the total is reached");
        let f = fake(6, false, false);
        let _ = Paginator::new(f.clone(), 2).collect_items().await.unwrap();
        assert_eq!(*f.sent.lock().unwrap(), 4, "without a total an empty page ends it");
    }

    #[tokio::test]
    async fn a_limit_stops_early() {
        let f = fake(100, false, true);
        let items = Paginator::new(f.clone(), 10).limit(15).collect_items().await.unwrap();
        assert_eq!(items.len(), 15);
        assert_eq!(*f.sent.lock().unwrap(), 2);
    }

    #[tokio::test]
    async fn a_repeated_page_ends_with_an_error_not_a_loop() {
        let f = fake(10, true, false);
        let e = Paginator::new(f.clone(), 3).collect_items().await.unwrap_err();
        assert!(e.message().contains("repeats page"), "{e}");
        assert_eq!(*f.sent.lock().unwrap(), 2);
    }
}
