//! Walking a paged endpoint: every paged endpoint has a `<name>_pages` method on
//! [`Client`](crate::Client) (and its request builder a `pages` method) that returns [`Pages`],
//! a stream of [`Page`]s that asks for page after page and stops on its own.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::Error;

/// One page of a paged endpoint.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The page's index, as sent (LeadSquared counts from 1).
    pub index: i64,
    /// The page's items.
    pub items: Vec<T>,
    /// The total number of items over all pages, when the response reports it.
    pub total: Option<i64>,
}

impl<T> Page<T> {
    /// A page; called by generated code.
    pub(crate) fn new(index: i64, items: Vec<T>, total: Option<i64>) -> Self {
        Self { index, items, total }
    }
}

type PageFuture<T> = Pin<Box<dyn Future<Output = Result<Page<T>, Error>> + Send>>;
type Fetch<T> = Box<dyn FnMut(i64) -> PageFuture<T> + Send>;

/// The pages of a paged endpoint, fetched one at a time, as a stream.
///
/// A spec endpoint with `pagination:` gets a `…_pages` method (and its request builder a
/// `pages` method) that returns a `Pages`. It owns a clone of the client and the call, so it is
/// `Send + 'static`: it can be returned from a function, kept in a struct or spawned. It is a
/// [`futures_core::Stream`] of [`Page`]s, and also has an inherent [`Pages::next`] so that a
/// caller needs no stream library:
///
/// ```no_run
/// # async fn walk(mut pages: leadsquared::pages::Pages<String>) -> Result<(), leadsquared::Error> {
/// while let Some(page) = pages.next().await {
///     let page = page?;
///     println!("page {}: {} items of {:?}", page.index, page.items.len(), page.total);
/// }
/// # Ok(())
/// # }
/// ```
///
/// The walk stops after a page that is empty, shorter than the page size, or that brings the
/// items seen to the total the server reported; and after the first error. Pages are fetched one
/// at a time, when asked for, so memory holds one page.
pub struct Pages<T> {
    fetch: Fetch<T>,
    next_index: i64,
    page_size: i64,
    seen: i64,
    done: bool,
    in_flight: Option<PageFuture<T>>,
}

impl<T> fmt::Debug for Pages<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("next_index", &self.next_index)
            .field("page_size", &self.page_size)
            .field("seen", &self.seen)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<T> Pages<T> {
    /// Pages from `first_index` on, `page_size` items each; `fetch` gets one page. Called by
    /// generated code.
    pub(crate) fn new<F, Fut>(first_index: i64, page_size: i64, mut fetch: F) -> Self
    where
        F: FnMut(i64) -> Fut + Send + 'static,
        Fut: Future<Output = Result<Page<T>, Error>> + Send + 'static,
    {
        Self {
            fetch: Box::new(move |index| Box::pin(fetch(index))),
            next_index: first_index,
            page_size,
            // Items before the first page count towards the total.
            seen: first_index.saturating_sub(1).saturating_mul(page_size.max(0)),
            done: false,
            in_flight: None,
        }
    }

    /// The next page, or `None` when the walk is over.
    pub async fn next(&mut self) -> Option<Result<Page<T>, Error>> {
        std::future::poll_fn(|cx| self.poll_page(cx)).await
    }

    fn poll_page(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Page<T>, Error>>> {
        if self.done {
            return Poll::Ready(None);
        }
        let future = match &mut self.in_flight {
            Some(future) => future,
            None => self.in_flight.insert((self.fetch)(self.next_index)),
        };
        let result = match future.as_mut().poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(result) => result,
        };
        self.in_flight = None;
        let page = match result {
            Ok(page) => page,
            Err(error) => {
                self.done = true;
                return Poll::Ready(Some(Err(error)));
            }
        };
        let count = i64::try_from(page.items.len()).unwrap_or(i64::MAX);
        self.seen = self.seen.saturating_add(count);
        let short = self.page_size > 0 && count < self.page_size;
        let complete = page.total.is_some_and(|total| self.seen >= total);
        if count == 0 {
            self.done = true;
            return Poll::Ready(None);
        }
        self.done = short || complete;
        self.next_index = self.next_index.saturating_add(1);
        Poll::Ready(Some(Ok(page)))
    }
}

impl<T> futures_core::Stream for Pages<T> {
    type Item = Result<Page<T>, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        // Every field is `Unpin` (the futures are boxed), so `Pages` is too.
        self.get_mut().poll_page(cx)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// Walks pages served from `sizes` (items per page, by index from 1) and returns the
    /// indexes asked for and the sizes yielded.
    async fn walk(first: i64, page_size: i64, sizes: &'static [usize], total: Option<i64>) -> (Vec<i64>, Vec<usize>) {
        let asked = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&asked);
        let mut pages = Pages::new(first, page_size, move |index| {
            log.lock().unwrap().push(index);
            let size = sizes.get(usize::try_from(index - 1).unwrap()).copied().unwrap_or(0);
            async move { Ok(Page::new(index, vec![(); size], total)) }
        });
        let mut yielded = Vec::new();
        while let Some(page) = pages.next().await {
            yielded.push(page.unwrap().items.len());
        }
        assert!(pages.next().await.is_none(), "a finished walk stays finished");
        let asked = asked.lock().unwrap().clone();
        (asked, yielded)
    }

    #[tokio::test]
    async fn stops_at_a_short_page_an_empty_page_or_the_total() {
        assert_eq!(walk(1, 2, &[2, 2, 1], None).await, (vec![1, 2, 3], vec![2, 2, 1]));
        assert_eq!(walk(1, 2, &[2, 2], None).await, (vec![1, 2, 3], vec![2, 2]));
        assert_eq!(walk(1, 2, &[2, 2, 2, 2], Some(4)).await, (vec![1, 2], vec![2, 2]));
        // Starting at page 2, the first page's items count towards the total.
        assert_eq!(walk(2, 2, &[2, 2, 2, 2], Some(6)).await, (vec![2, 3], vec![2, 2]));
        assert_eq!(walk(1, 2, &[], Some(0)).await, (vec![1], vec![]));
    }

    #[tokio::test]
    async fn an_error_ends_the_walk_after_it_is_reported() {
        let mut pages: Pages<()> = Pages::new(1, 10, |_| async { Err(Error::config("boom")) });
        assert!(matches!(pages.next().await, Some(Err(Error::Config { .. }))));
        assert!(pages.next().await.is_none());
    }
}
