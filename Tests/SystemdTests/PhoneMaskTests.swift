import Systemd
import Testing

@Suite("PhoneMask")
struct PhoneMaskTests {
    @Test func aMainlandMobileNumberKeepsThreeAndFour() {
        #expect(PhoneMask.mask("13800138000") == "138****8000")
    }

    @Test func theCountryPrefixSurvives() {
        #expect(PhoneMask.mask("+8613800138000") == "+86138****8000")
        #expect(PhoneMask.mask("8613800138000") == "86138****8000")
    }

    @Test func separatorsStayInPlace() {
        #expect(PhoneMask.mask("+86 138 0013 8000") == "+86 138 **** 8000")
    }

    @Test func shortNumbersKeepOnlyTheLastFour() {
        #expect(PhoneMask.mask("88886666") == "****6666")
        #expect(PhoneMask.mask("1234") == "****")
    }

    @Test func anythingThatIsNotAPhoneNumberIsMaskedToo() {
        #expect(PhoneMask.mask("alice@example") == "*************")
    }

    @Test func eachNumberInAListIsMasked() {
        #expect(PhoneMask.mask("13800138000,13900139000") == "138****8000,139****9000")
    }
}
