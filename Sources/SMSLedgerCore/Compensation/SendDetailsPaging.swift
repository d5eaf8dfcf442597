/// How many pages of one QuerySendDetails answer to read.
///
/// The service says how many rows exist (`TotalCount`) and serves at most 50 per page. We keep
/// asking for the next page while rows are missing, but stop early on evidence that there are no
/// more, whatever `TotalCount` claims: an empty page, or a short one. A cap on pages keeps one
/// lookup from eating the tick if an answer were to lie (with `BizId` set there is normally one row).
public struct SendDetailsPaging: Sendable, Hashable {
    /// Alibaba's largest `PageSize`.
    public static let maximumPageSize = 50

    /// 1...50.
    public let pageSize: Int
    /// At most this many pages per lookup.
    public let maxPages: Int

    public init(pageSize: Int = SendDetailsPaging.maximumPageSize, maxPages: Int = 20) {
        self.pageSize = min(Self.maximumPageSize, max(1, pageSize))
        self.maxPages = max(1, maxPages)
    }

    /// The first `CurrentPage` (1-based).
    public var firstPage: Int { 1 }

    /// The page to ask for after `page` returned `rowsOnPage` rows (`rowsSoFar` over all pages read)
    /// and the service reported `totalCount`; `nil` when all rows are in.
    public func nextPage(after page: Int, rowsOnPage: Int, rowsSoFar: Int, totalCount: Int) -> Int? {
        guard rowsOnPage > 0, rowsOnPage >= pageSize, rowsSoFar < totalCount, page < maxPages else { return nil }
        return page + 1
    }

    /// Pages needed for `totalCount` rows: ⌈totalCount / pageSize⌉, at least one (the first page is
    /// always asked, it is what tells the total).
    public func pageCount(totalCount: Int) -> Int {
        max(1, min(maxPages, (max(0, totalCount) + pageSize - 1) / pageSize))
    }
}
