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
    /// The page's position, as sent: its index (LeadSquared counts from 1), or, for an
    /// endpoint addressed by offset and row count, how many items were skipped before it.
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

/// How a paged endpoint addresses its pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PageStyle {
    /// A 1-based page index and a page size.
    Index,
    /// An offset (items to skip) and a row count.
    Offset,
}

/// The page a walk asks for next: its position (page index or offset) and the size to ask
/// for, `None` while the caller gave none and the server's own is not known yet (then the
/// body is sent as the caller built it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PageAt {
    pub(crate) position: i64,
    pub(crate) size: Option<i64>,
}

type PageFuture<T> = Pin<Box<dyn Future<Output = Result<Page<T>, Error>> + Send>>;
type Fetch<T> = Box<dyn FnMut(PageAt) -> PageFuture<T> + Send>;

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
    style: PageStyle,
    /// The next page's index (1-based, counted from the first page's for offset paging too).
    next_index: i64,
    first_index: i64,
    /// The first page's offset, for offset paging.
    first_offset: i64,
    /// The page size the caller asked for, sent with every page.
    asked: Option<i64>,
    /// The page size asked for, then the one the server serves (`i64::MAX` while unknown).
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
    /// Pages of `endpoint` from `first` on (a page index or an offset, as `style` says),
    /// `size` items each (`None`: the server's own size, learned from the first page); `fetch`
    /// gets one page and must not wait for the rate limit itself (its client is
    /// `Client::for_job`'s): the walk waits on `client`'s limiter of the endpoint's class.
    /// Called by generated code.
    pub(crate) fn new<F, Fut>(
        client: &crate::Client,
        endpoint: &'static Endpoint,
        style: PageStyle,
        first: i64,
        size: Option<i64>,
        fetch: F,
    ) -> Self
    where
        F: FnMut(PageAt) -> Fut + Send + 'static,
        Fut: Future<Output = Result<Page<T>, Error>> + Send + 'static,
    {
        Self::with_limiter(
            Some(client.rate_limiter(endpoint.rate_class)),
            endpoint.name,
            (style, first, size),
            fetch,
        )
    }

    /// [`Pages::new`] with its limiter (none: no waiting, for the tests of the walk itself).
    fn with_limiter<F, Fut>(
        limiter: Option<Arc<RateLimiter>>,
        endpoint: &'static str,
        (style, first, size): (PageStyle, i64, Option<i64>),
        mut fetch: F,
    ) -> Self
    where
        F: FnMut(PageAt) -> Fut + Send + 'static,
        Fut: Future<Output = Result<Page<T>, Error>> + Send + 'static,
    {
        let fetch = move |at| -> PageFuture<T> {
            let page = fetch(at);
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
        let page_size = size.unwrap_or(i64::MAX);
        let (first_index, first_offset, seen) = match style {
            // Items before the first page count towards the total.
            PageStyle::Index => (
                first,
                0,
                first.saturating_sub(1).saturating_mul(size.unwrap_or(0).max(0)),
            ),
            PageStyle::Offset => (1, first, first.max(0)),
        };
        Self {
            endpoint,
            fetch: Box::new(fetch),
            style,
            next_index: first_index,
            first_index,
            first_offset,
            asked: size,
            page_size,
            size_known: false,
            seen,
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

    /// Where the next page is, and the size to ask for.
    fn next_page(&self) -> PageAt {
        let position = match self.style {
            PageStyle::Index => self.next_index,
            PageStyle::Offset => self.seen,
        };
        let size = self.asked.or(self.size_known.then_some(self.page_size));
        PageAt { position, size }
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
            None => {
                let at = self.next_page();
                self.in_flight.insert((self.fetch)(at))
            }
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
                let before = match self.style {
                    PageStyle::Index => (self.first_index - 1).saturating_mul(self.page_size.max(1)),
                    PageStyle::Offset => self.first_offset,
                };
                let allowed = total.saturating_sub(before).max(0) / self.page_size.max(1) + 1;
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
        /// The page at `at`, addressed as `style` says; without a size, the server's cap is
        /// its default page size.
        fn page(self, style: PageStyle, at: PageAt) -> Page<i64> {
            let size = at.size.unwrap_or(self.cap).min(self.cap);
            let start = match (self.ignores_index, style) {
                (true, _) => 0,
                (false, PageStyle::Index) => (at.position - 1) * size,
                (false, PageStyle::Offset) => at.position,
            };
            let items = (start..(start + size).min(self.items)).collect();
            Page::new(at.position, items, self.with_total.then_some(self.items))
        }
    }

    /// Walks `server` from `first` with `page_size`: the indexes asked for, the sizes yielded,
    /// and the error that ended the walk, if any.
    async fn walk(server: Server, first: i64, page_size: i64) -> (Vec<i64>, Vec<usize>, Option<String>) {
        let (asked, yielded, error) = walk_with(server, PageStyle::Index, first, Some(page_size)).await;
        (asked.iter().map(|at| at.position).collect(), yielded, error)
    }

    /// Walks `server` addressed as `style` from `first`, asking for `size` (or not): the pages
    /// asked for, the sizes yielded, and the error that ended the walk, if any.
    async fn walk_with(
        server: Server,
        style: PageStyle,
        first: i64,
        size: Option<i64>,
    ) -> (Vec<PageAt>, Vec<usize>, Option<String>) {
        let asked = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&asked);
        let mut pages = Pages::with_limiter(None, "test", (style, first, size), move |at| {
            log.lock().unwrap().push(at);
            async move { Ok(server.page(style, at)) }
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
        let mut pages = Pages::with_limiter(None, "test", (PageStyle::Index, 1, Some(2)), |at: PageAt| async move {
            let items = if at.position == 1 { vec![1, 2] } else { vec![] };
            Ok(Page::new(at.position, items, Some(9)))
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
        let mut pages = Pages::with_limiter(None, "test", (PageStyle::Index, 1, Some(2)), |at: PageAt| async move {
            let index = at.position;
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
        let mut pages: Pages<()> = Pages::with_limiter(None, "test", (PageStyle::Index, 1, Some(10)), |_| async {
            Err(Error::config("boom"))
        });
        assert!(matches!(pages.next().await, Some(Err(Error::Config { .. }))));
        assert!(pages.next().await.is_none());
    }

    fn at(position: i64, size: Option<i64>) -> PageAt {
        PageAt { position, size }
    }

    #[tokio::test]
    async fn offset_paging_advances_by_the_items_seen() {
        let seven = Server { items: 7, ..FIVE };
        let (asked, yielded, error) = walk_with(seven, PageStyle::Offset, 0, Some(3)).await;
        assert_eq!(asked, vec![at(0, Some(3)), at(3, Some(3)), at(6, Some(3))]);
        assert_eq!((yielded, error), (vec![3, 3, 1], None));
        // From offset 2, with the total: the skipped items count towards it.
        let total = Server {
            with_total: true,
            ..seven
        };
        let (asked, yielded, error) = walk_with(total, PageStyle::Offset, 2, Some(3)).await;
        assert_eq!(asked, vec![at(2, Some(3)), at(5, Some(3))]);
        assert_eq!((yielded, error), (vec![3, 2], None));
        // A server serving fewer rows than asked: the offset follows what came, nothing is skipped.
        let capped = Server {
            items: 7,
            cap: 2,
            with_total: true,
            ignores_index: false,
        };
        let (asked, yielded, error) = walk_with(capped, PageStyle::Offset, 0, Some(5)).await;
        assert_eq!(asked.iter().map(|at| at.position).collect::<Vec<_>>(), vec![0, 2, 4, 6]);
        assert_eq!((yielded, error), (vec![2, 2, 2, 1], None));
    }

    #[tokio::test]
    async fn without_a_size_the_first_page_is_sent_as_built_and_its_size_asked_for_after() {
        // The server's own page size is 3: the first call asks for none, the next ones for 3.
        let server = Server {
            items: 8,
            cap: 3,
            with_total: false,
            ignores_index: false,
        };
        let (asked, yielded, error) = walk_with(server, PageStyle::Index, 1, None).await;
        assert_eq!(asked, vec![at(1, None), at(2, Some(3)), at(3, Some(3))]);
        assert_eq!((yielded, error), (vec![3, 3, 2], None));
        let (asked, yielded, _) = walk_with(server, PageStyle::Offset, 0, None).await;
        assert_eq!(asked, vec![at(0, None), at(3, Some(3)), at(6, Some(3))]);
        assert_eq!(yielded, vec![3, 3, 2]);
        // With the total, a first page holding everything ends the walk at once.
        let small = Server {
            items: 2,
            with_total: true,
            ..server
        };
        let (asked, yielded, _) = walk_with(small, PageStyle::Index, 1, None).await;
        assert_eq!((asked, yielded), (vec![at(1, None)], vec![2]));
    }
}
