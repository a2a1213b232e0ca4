//! Walking a paged endpoint: every paged endpoint has a `<name>_pages` method on
//! [`Client`](crate::Client) (and its request builder a `pages` method) that returns [`Pages`],
//! a stream of [`Page`]s that asks for page after page and stops on its own.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use serde::Serialize;

use super::Endpoint;
use super::limiter::RateLimiter;
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
/// When the walk ends, and why it never ends early or loops:
///
/// - With a total in the answers, the walk goes on until the items seen reach it, whatever the
///   pages' sizes: a server that serves fewer items per page than asked (it caps the page size)
///   is followed to the end. An empty page before the total is reached is an error
///   ([`Error::ResultMismatch`]), not a silent end.
/// - Without a total, a page shorter than the page size ends the walk. The page size is learned
///   from the first page: when it is short, one more page is asked for; an empty answer ends the
///   walk, and a non-empty one shows the server's own page size, which then applies.
/// - A page identical to the one before (a server that ignores the page index), or more pages
///   than the total allows, ends the walk with an error instead of a loop.
/// - The first error ends the walk after it is yielded.
///
/// Pages are fetched one at a time, when asked for, so memory holds one page. Each page waits
/// for a slot of the endpoint's rate-limit class first (the client's limiter, shared with its
/// clones, its bulk jobs and other walks); a page refused for its rate lowers that limiter's
/// figure and ends the walk with [`Error::RateLimited`].
pub struct Pages<T> {
    endpoint: &'static str,
    fetch: Fetch<T>,
    next_index: i64,
    first_index: i64,
    /// The page size asked for, then the one the server serves.
    page_size: i64,
    /// Whether the page size is known: asked for and served, or learned.
    size_known: bool,
    seen: i64,
    fetched: i64,
    previous: Option<u64>,
    done: bool,
    in_flight: Option<PageFuture<T>>,
}

impl<T> fmt::Debug for Pages<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("endpoint", &self.endpoint)
            .field("next_index", &self.next_index)
            .field("page_size", &self.page_size)
            .field("seen", &self.seen)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<T: Serialize> Pages<T> {
    /// Pages of `endpoint` from `first_index` on, `page_size` items each; `fetch` gets one page
    /// and must not wait for the rate limit itself (its client is `Client::for_job`'s): the
    /// walk waits on `client`'s limiter of the endpoint's class. Called by generated code.
    pub(crate) fn new<F, Fut>(
        client: &crate::Client,
        endpoint: &'static Endpoint,
        first_index: i64,
        page_size: i64,
        fetch: F,
    ) -> Self
    where
        F: FnMut(i64) -> Fut + Send + 'static,
        Fut: Future<Output = Result<Page<T>, Error>> + Send + 'static,
    {
        Self::with_limiter(
            Some(client.rate_limiter(endpoint.rate_class)),
            endpoint.name,
            first_index,
            page_size,
            fetch,
        )
    }

    /// [`Pages::new`] with its limiter (none: no waiting, for the tests of the walk itself).
    fn with_limiter<F, Fut>(
        limiter: Option<Arc<RateLimiter>>,
        endpoint: &'static str,
        first_index: i64,
        page_size: i64,
        mut fetch: F,
    ) -> Self
    where
        F: FnMut(i64) -> Fut + Send + 'static,
        Fut: Future<Output = Result<Page<T>, Error>> + Send + 'static,
    {
        let fetch = move |index| -> PageFuture<T> {
            let page = fetch(index);
            let Some(limiter) = limiter.clone() else {
                return Box::pin(page);
            };
            Box::pin(async move {
                let (permit, _) = limiter.acquire().await;
                let result = page.await;
                if matches!(result, Err(Error::RateLimited(_))) {
                    limiter.throttled();
                }
                permit.answered();
                result
            })
        };
        Self {
            endpoint,
            fetch: Box::new(fetch),
            next_index: first_index,
            first_index,
            page_size,
            size_known: false,
            // Items before the first page count towards the total.
            seen: first_index.saturating_sub(1).saturating_mul(page_size.max(0)),
            fetched: 0,
            previous: None,
            done: false,
            in_flight: None,
        }
    }

    /// The next page, or `None` when the walk is over.
    pub async fn next(&mut self) -> Option<Result<Page<T>, Error>> {
        std::future::poll_fn(|cx| self.poll_page(cx)).await
    }

    fn mismatch(&mut self, detail: String) -> Poll<Option<Result<Page<T>, Error>>> {
        self.done = true;
        Poll::Ready(Some(Err(Error::ResultMismatch {
            endpoint: self.endpoint,
            detail,
        })))
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
        self.fetched += 1;
        let count = i64::try_from(page.items.len()).unwrap_or(i64::MAX);
        let index = self.next_index;
        if count == 0 {
            self.done = true;
            return match page.total {
                Some(total) if self.seen < total => self.mismatch(format!(
                    "page {index} is empty after {} of the {total} items the answers reported; the walk would end early",
                    self.seen
                )),
                _ => Poll::Ready(None),
            };
        }
        let fingerprint = fingerprint(&page.items);
        if self.previous == Some(fingerprint) {
            return self.mismatch(format!(
                "page {index} holds the same items as page {}: the server may ignore the page index",
                index - 1
            ));
        }
        self.previous = Some(fingerprint);
        self.seen = self.seen.saturating_add(count);
        let short = count < self.page_size;
        match page.total {
            Some(total) => {
                if short && !self.size_known && self.fetched == 1 && self.seen < total {
                    // The server serves fewer items per page than asked for.
                    self.page_size = count;
                }
                self.size_known = true;
                let allowed =
                    (total - (self.first_index - 1) * self.page_size.max(1)).max(0) / self.page_size.max(1) + 1;
                if self.fetched > allowed + 1 {
                    return self.mismatch(format!(
                        "{} pages fetched, more than the {total} items the answers reported can fill at {} per page",
                        self.fetched, self.page_size
                    ));
                }
                self.done = self.seen >= total;
            }
            None if short && !self.size_known && self.fetched == 1 => {
                // Either the last page or the server's own page size: the next page tells.
                self.page_size = count;
                self.size_known = true;
            }
            None => {
                self.size_known = true;
                self.done = short;
            }
        }
        self.next_index = self.next_index.saturating_add(1);
        Poll::Ready(Some(Ok(page)))
    }
}

/// A digest of a page's items, to recognise a page served twice without keeping it.
fn fingerprint<T: Serialize>(items: &[T]) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    match serde_json::to_vec(items) {
        Ok(bytes) => bytes.hash(&mut hasher),
        // Items that do not serialize are compared by count only.
        Err(_) => items.len().hash(&mut hasher),
    }
    hasher.finish()
}

impl<T: Serialize> futures_core::Stream for Pages<T> {
    type Item = Result<Page<T>, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        // Every field is `Unpin` (the futures are boxed), so `Pages` is too.
        self.get_mut().poll_page(cx)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// A server holding `items` items, serving at most `cap` per page (whatever is asked), with
    /// or without the total; `ignores_index` serves page 1 whatever is asked.
    #[derive(Clone, Copy)]
    struct Server {
        items: i64,
        cap: i64,
        with_total: bool,
        ignores_index: bool,
    }

    impl Server {
        fn page(self, index: i64, asked: i64) -> Page<i64> {
            let index = if self.ignores_index { 1 } else { index };
            let size = asked.min(self.cap);
            let start = (index - 1) * size;
            let items = (start..(start + size).min(self.items)).collect();
            Page::new(index, items, self.with_total.then_some(self.items))
        }
    }

    /// Walks `server` from `first` with `page_size`: the indexes asked for, the sizes yielded,
    /// and the error that ended the walk, if any.
    async fn walk(server: Server, first: i64, page_size: i64) -> (Vec<i64>, Vec<usize>, Option<String>) {
        let asked = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&asked);
        let mut pages = Pages::with_limiter(None, "test", first, page_size, move |index| {
            log.lock().unwrap().push(index);
            async move { Ok(server.page(index, page_size)) }
        });
        let (mut yielded, mut error) = (Vec::new(), None);
        while let Some(page) = pages.next().await {
            match page {
                Ok(page) => yielded.push(page.items.len()),
                Err(e) => error = Some(e.to_string()),
            }
        }
        assert!(pages.next().await.is_none(), "a finished walk stays finished");
        let asked = asked.lock().unwrap().clone();
        (asked, yielded, error)
    }

    const FIVE: Server = Server {
        items: 5,
        cap: 100,
        with_total: false,
        ignores_index: false,
    };

    #[tokio::test]
    async fn without_a_total_a_short_page_ends_the_walk() {
        assert_eq!(walk(FIVE, 1, 2).await, (vec![1, 2, 3], vec![2, 2, 1], None));
        // Full pages to the end: one more call finds the empty page.
        let four = Server { items: 4, ..FIVE };
        assert_eq!(walk(four, 1, 2).await, (vec![1, 2, 3], vec![2, 2], None));
    }

    #[tokio::test]
    async fn with_a_total_the_walk_stops_when_the_items_reach_it() {
        let total = Server {
            with_total: true,
            ..FIVE
        };
        assert_eq!(walk(total, 1, 2).await, (vec![1, 2, 3], vec![2, 2, 1], None));
        let four = Server { items: 4, ..total };
        assert_eq!(walk(four, 1, 2).await, (vec![1, 2], vec![2, 2], None));
        // Starting at page 2, the first page's items count towards the total.
        assert_eq!(walk(total, 2, 2).await, (vec![2, 3], vec![2, 1], None));
        let none = Server { items: 0, ..total };
        assert_eq!(walk(none, 1, 2).await, (vec![1], vec![], None));
    }

    #[tokio::test]
    async fn a_capped_page_size_is_followed_to_the_end() {
        // Asked for 10 per page, the server serves 3: with the total, every item is walked.
        let capped = Server {
            items: 10,
            cap: 3,
            with_total: true,
            ignores_index: false,
        };
        assert_eq!(walk(capped, 1, 10).await, (vec![1, 2, 3, 4], vec![3, 3, 3, 1], None));
        // Without the total, the short first page is probed: the next page shows the cap.
        let capped = Server {
            with_total: false,
            ..capped
        };
        assert_eq!(walk(capped, 1, 10).await, (vec![1, 2, 3, 4], vec![3, 3, 3, 1], None));
        // A result smaller than one page costs one more call, which finds nothing.
        assert_eq!(walk(FIVE, 1, 10).await, (vec![1, 2], vec![5], None));
    }

    #[tokio::test]
    async fn a_server_that_ignores_the_index_ends_the_walk_with_an_error() {
        for with_total in [true, false] {
            let stuck = Server {
                items: 10,
                cap: 100,
                with_total,
                ignores_index: true,
            };
            let (asked, yielded, error) = walk(stuck, 1, 2).await;
            assert_eq!((asked, yielded), (vec![1, 2], vec![2]));
            assert!(
                error.unwrap().contains("same items as page 1"),
                "with_total: {with_total}"
            );
        }
    }

    #[tokio::test]
    async fn an_empty_page_before_the_total_is_an_error() {
        let mut pages = Pages::with_limiter(None, "test", 1, 2, |index| async move {
            let items = if index == 1 { vec![1, 2] } else { vec![] };
            Ok(Page::new(index, items, Some(9)))
        });
        assert!(pages.next().await.unwrap().is_ok());
        let error = pages.next().await.unwrap().unwrap_err();
        assert!(error.to_string().contains("empty after 2 of the 9 items"), "{error}");
        assert!(pages.next().await.is_none());
    }

    #[tokio::test]
    async fn more_pages_than_the_total_allows_is_an_error() {
        // Total 10 in pages of 2, but after a full first page the server serves one item per
        // page: the walk gives up once more pages came than 10 items can fill, not at page 10.
        let mut pages = Pages::with_limiter(None, "test", 1, 2, |index| async move {
            let items = if index == 1 { vec![1, 2] } else { vec![index * 10] };
            Ok(Page::new(index, items, Some(10)))
        });
        let mut results = Vec::new();
        while let Some(page) = pages.next().await {
            results.push(page.map(|page| page.items.len()).map_err(|error| error.to_string()));
        }
        assert_eq!(results.len(), 8, "{results:?}");
        let error = results.last().unwrap().as_ref().unwrap_err();
        assert!(
            error.contains("more than the 10 items the answers reported can fill at 2 per page"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn an_error_ends_the_walk_after_it_is_reported() {
        let mut pages: Pages<()> = Pages::with_limiter(None, "test", 1, 10, |_| async { Err(Error::config("boom")) });
        assert!(matches!(pages.next().await, Some(Err(Error::Config { .. }))));
        assert!(pages.next().await.is_none());
    }
}
