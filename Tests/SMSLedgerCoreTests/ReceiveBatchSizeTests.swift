import SMSLedgerCore
import Testing

@Suite("Receiving fewer messages after an unreadable answer")
struct ReceiveBatchSizeTests {
    @Test func theConfiguredSizeAppliesUntilAnAnswerCannotBeRead() {
        let size = ReceiveBatchSize()
        #expect(size.next(configured: 16) == 16)
        #expect(size.reduced == nil)
    }

    @Test func eachUnreadableAnswerHalvesTheSizeDownToOne() {
        var size = ReceiveBatchSize()
        var sizes: [Int] = []
        for _ in 0..<6 {
            size.answerUnreadable(configured: 16)
            sizes.append(size.next(configured: 16))
        }
        #expect(sizes == [8, 4, 2, 1, 1, 1])
    }

    @Test func anAnswerWithMessagesRestoresTheConfiguredSize() {
        var size = ReceiveBatchSize()
        size.answerUnreadable(configured: 16)
        size.answerUnreadable(configured: 16)
        size.answerRead(count: 3)
        #expect(size.next(configured: 16) == 16)
    }

    @Test func anEmptyAnswerRestoresNothing() {
        var size = ReceiveBatchSize()
        size.answerUnreadable(configured: 16)
        size.answerRead(count: 0)
        #expect(size.next(configured: 16) == 8, "the breaking message may just be invisible for now")
    }

    @Test func aSmallerConfiguredSizeAfterAReloadWins() {
        var size = ReceiveBatchSize()
        size.answerUnreadable(configured: 16)
        #expect(size.next(configured: 4) == 4)
        size.answerUnreadable(configured: 4)
        #expect(size.next(configured: 4) == 2)
        #expect(size.next(configured: 0) == 1, "never below one")
    }
}
