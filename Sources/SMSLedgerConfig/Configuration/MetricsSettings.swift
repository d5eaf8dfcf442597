import Foundation

/// `[metrics]`: the Prometheus endpoint and the silent-queue warning.
public struct MetricsSettings: Sendable, Equatable {
    /// Where `GET /metrics` is served.
    public enum Address: Sendable, Equatable, CustomStringConvertible {
        /// On the HTTP listener (`[http] listen`), beside `/healthz`; the default, so no port is added.
        case listener
        /// On an address of its own (no other route there), e.g. to keep metrics off a public listener.
        case separate(ListenAddress)

        public var description: String {
            switch self {
            case .listener: "listener"
            case .separate(let address): address.description
            }
        }
    }

    public var enabled = true
    public var listen = Address.listener
    /// A receipt queue quiet for longer than this while sends are recorded is reported.
    public var silentQueueAfter: Duration = .seconds(3600)

    public init() {}
}
