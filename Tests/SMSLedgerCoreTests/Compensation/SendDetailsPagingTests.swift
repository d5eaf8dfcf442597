import Testing
import SMSLedgerCore

@Suite("QuerySendDetails paging")
struct SendDetailsPagingTests {
    private let paging = SendDetailsPaging()

    @Test("a page size above Alibaba's 50 is clamped")
    func pageSizeClamped() {
        #expect(SendDetailsPaging(pageSize: 100).pageSize == 50)
        #expect(SendDetailsPaging(pageSize: 0).pageSize == 1)
    }

    @Test("one short first page is all there is")
    func singlePage() {
        #expect(paging.nextPage(after: 1, rowsOnPage: 1, rowsSoFar: 1, totalCount: 1) == nil)
    }

    @Test("a full page with rows still missing asks for the next page")
    func nextPage() {
        #expect(paging.nextPage(after: 1, rowsOnPage: 50, rowsSoFar: 50, totalCount: 120) == 2)
        #expect(paging.nextPage(after: 2, rowsOnPage: 50, rowsSoFar: 100, totalCount: 120) == 3)
        #expect(paging.nextPage(after: 3, rowsOnPage: 20, rowsSoFar: 120, totalCount: 120) == nil)
    }

    @Test("an exact multiple of the page size stops when the count is reached")
    func exactMultiple() {
        #expect(paging.nextPage(after: 2, rowsOnPage: 50, rowsSoFar: 100, totalCount: 100) == nil)
    }

    @Test("an empty or short page ends the lookup even when TotalCount promises more")
    func distrustTotalCount() {
        #expect(paging.nextPage(after: 1, rowsOnPage: 0, rowsSoFar: 0, totalCount: 7) == nil)
        #expect(paging.nextPage(after: 1, rowsOnPage: 30, rowsSoFar: 30, totalCount: 70) == nil)
    }

    @Test("the page cap bounds one lookup")
    func pageCap() {
        let capped = SendDetailsPaging(pageSize: 50, maxPages: 2)
        #expect(capped.nextPage(after: 2, rowsOnPage: 50, rowsSoFar: 100, totalCount: 1_000) == nil)
    }

    @Test("page count is the ceiling of total over page size, at least one", arguments: [
        (0, 1), (1, 1), (50, 1), (51, 2), (100, 2), (101, 3),
    ])
    func pageCount(total: Int, pages: Int) {
        #expect(paging.pageCount(totalCount: total) == pages)
    }
}
