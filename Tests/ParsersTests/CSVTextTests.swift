import Parsers
import Testing

@Suite("CSV records (RFC 4180)")
struct CSVTextTests {
    @Test func plainFieldsAndChineseTextAreWrittenAsTheyAreWithCRLF() {
        #expect(CSVText.record(["13800000001", "退订", nil, "DELIVERED"]) == "13800000001,退订,,DELIVERED\r\n")
    }

    @Test func commasQuotesAndLineBreaksAreQuotedWithInnerQuotesDoubled() {
        #expect(CSVText.escaped("a,b") == "\"a,b\"")
        #expect(CSVText.escaped("他说\"好\"") == "\"他说\"\"好\"\"\"")
        #expect(CSVText.escaped("第一行\n第二行") == "\"第一行\n第二行\"")
        #expect(CSVText.escaped("cr\r") == "\"cr\r\"")
        #expect(CSVText.escaped("") == "")
    }

    @Test func aRecordJoinsEscapedFieldsWithCommas() {
        let fields = ["验证码 123456，请勿泄露", "quote \" inside", "", "multi\r\nline, with comma", "x"]
        #expect(CSVText.record(fields)
            == "验证码 123456，请勿泄露,\"quote \"\" inside\",,\"multi\r\nline, with comma\",x\r\n")
    }
}
