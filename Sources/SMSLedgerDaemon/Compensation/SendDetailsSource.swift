import AlibabaCloud
import Foundation
import LedgerStore
import SMSLedgerCore

/// Where the compensator asks its questions: Dysmsapi `QuerySendDetails`.
///
/// A protocol so tests can answer from a script as well as from the emulator; ``DysmsClient`` is
/// the production conformance. Errors are ``AlibabaError``s, whose kind says what to do.
public protocol SendDetailsSource: Sendable {
    func querySendDetails(phoneNumber: String, bizId: String?, sendDate: String, pageSize: Int,
                          currentPage: Int) async throws -> SendDetailsPage
}

extension DysmsClient: SendDetailsSource {}

/// The store's view of a send, translated for the planner, and the planner's decisions translated
/// back for the store. Kept here so neither SMSLedgerCore nor LedgerStore needs the other.
extension DueSend {
    public init(_ send: TrackedSend) {
        self.init(provider: send.key.provider, bizId: send.key.bizId, phoneNumber: send.key.phoneNumber,
                  sentAt: send.sentAt, checkCount: send.checkCount)
    }

    public var key: SendKey { SendKey(provider: provider, bizId: bizId, phoneNumber: phoneNumber) }
}

extension SendCheck {
    public init(_ decision: CompensationDecision) {
        let outcome: SendCheck.Outcome = switch decision.outcome {
        case .checkAgain(let at): .checkAgain(at: at)
        case .close(let reason): .close(reason: reason)
        }
        self.init(send: decision.send.key, checkedAt: decision.checkedAt, outcome: outcome)
    }
}

extension AlibabaError {
    /// "Slow down" from the RPC gateway (`Throttling`, `Throttling.User`, …) or MNS.
    var isThrottling: Bool {
        code.hasPrefix("Throttling") || code == "QpsLimitExceeded" || code == "TooManyRequests"
    }

    /// Our own check refused the arguments before sending (e.g. a send date before 2000): a fact
    /// about this send, not about the configuration.
    var isInvalidInput: Bool { code == AlibabaError.Code.invalidInput }
}
